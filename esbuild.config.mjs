// Bundles the CLI, the extension and the web UI. `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = !process.argv.includes('--dev');
const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
};

const builds = [
  {
    ...node,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    define: { TESTMESH_VERSION: JSON.stringify(version) },
    // undici parses HTTP with a WebAssembly module; V8's optimizing re-compile of it runs in the
    // background and holds process exit for ~250 ms. The baseline compiler alone is plenty for a
    // CLI run, and a 1-step flow then finishes faster than a bare undici script (npm run bench).
    banner: { js: '#!/usr/bin/env node\nrequire("node:v8").setFlagsFromString("--liftoff-only");' },
  },
];
// Large flow files load in a worker thread (src/core/flow/loadOffThread.ts); it looks for this next to the bundle.
builds.push({ ...node, entryPoints: ['src/core/flow/flowWorker.ts'], outfile: 'dist/flowWorker.js' });
if (existsSync('src/extension/extension.ts')) {
  builds.push({
    ...node,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
  });
}
if (existsSync('src/webview/main.ts')) {
  builds.push({
    // The web UI is served to browsers and packaged in the VSIX: its source map only in dev builds.
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: ['src/webview/main.ts'],
    outfile: 'media/webview.js',
  });
}

if (watch) {
  for (const options of builds) (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
