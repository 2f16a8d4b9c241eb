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

// The heavy client libraries (src/core/libraries.ts loads them on first use) are bundled apart, in
// dist/vendor/, so that the CLI and the extension parse none of them until a flow needs one. One
// bundle per group: gRPC's three packages share one copy of protobufjs.
const VENDOR = {
  grpc: ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'],
  kafka: ['kafkajs'],
  redis: ['@redis/client'],
  postgres: ['pg'],
  re2: ['re2js'],
};
const vendorGroupOf = new Map(Object.entries(VENDOR).flatMap(([group, names]) => names.map((n) => [n, group])));
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const vendorFilter = new RegExp(`^(?:${[...vendorGroupOf.keys()].map(escape).join('|')})$`);
const vendored = {
  name: 'vendored',
  setup(build) {
    build.onResolve({ filter: vendorFilter }, (args) => ({ path: args.path, namespace: 'vendored' }));
    build.onLoad({ filter: /.*/, namespace: 'vendored' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`./vendor/${vendorGroupOf.get(args.path)}.js`)})[${JSON.stringify(args.path)}];`,
      loader: 'js',
    }));
    build.onResolve({ filter: /^\.\/vendor\// }, (args) => ({ path: args.path, external: true }));
  },
};
const vendorBuilds = Object.entries(VENDOR).map(([group, names]) => ({
  ...node,
  stdin: {
    contents: `module.exports = {${names.map((n) => `${JSON.stringify(n)}: require(${JSON.stringify(n)})`).join(', ')}};`,
    resolveDir: '.',
    loader: 'js',
  },
  outfile: `dist/vendor/${group}.js`,
  sourcemap: false,
}));

const builds = [
  ...vendorBuilds,
  {
    ...node,
    plugins: [vendored],
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli-main.js',
    define: { TESTMESH_VERSION: JSON.stringify(version) },
  },
  {
    // `testmesh`: starts dist/cli-main.js with a V8 code cache (src/cli/bootstrap.ts).
    ...node,
    entryPoints: ['src/cli/bootstrap.ts'],
    outfile: 'dist/cli.js',
    sourcemap: false,
    // undici parses HTTP with a WebAssembly module; V8's optimizing re-compile of it runs in the
    // background and holds process exit for ~250 ms. The baseline compiler alone is plenty for a
    // CLI run, and a 1-step flow then finishes faster than a bare undici script (npm run bench).
    // Set before the bundle is compiled: V8 accepts a code cache only under the flags it was made with.
    banner: { js: '#!/usr/bin/env node\nrequire("node:v8").setFlagsFromString("--liftoff-only");' },
  },
];
// Large flow files load in a worker thread (src/core/flow/loadOffThread.ts); it looks for this next to the bundle.
builds.push({
  ...node,
  plugins: [vendored],
  entryPoints: ['src/core/flow/flowWorker.ts'],
  outfile: 'dist/flowWorker.js',
});
if (existsSync('src/extension/extension.ts')) {
  builds.push({
    ...node,
    plugins: [vendored],
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
