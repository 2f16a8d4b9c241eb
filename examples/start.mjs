// `npm start`: starts the demo API on a free port, runs every example flow against it through the
// real CLI (live, coloured output on a terminal), stops the API and exits with the CLI's exit code.
//
// Extra arguments are passed on to `testmesh run`, e.g. `npm start -- --reporter junit --output out.xml`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoApi } from './demo-api/server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error(
    'examples/start.mjs: dist/cli.js is missing; build it first with `node esbuild.config.mjs` (npm start does this).',
  );
  process.exit(2);
}

const api = await startDemoApi({ port: 0 });
console.log(`Demo API listening on ${api.url}\n`);

const args = [
  cli,
  'run',
  'examples/flows',
  '--env-file',
  'examples/.env.example',
  '--var',
  `BASE_URL=${api.url}`,
  '--var',
  'API_HOST=127.0.0.1',
  '--var',
  `API_PORT=${api.port}`,
  ...(process.argv.slice(2).some((a) => a.startsWith('--reporter')) ? [] : ['--reporter', 'pretty']),
  ...process.argv.slice(2),
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });

// Ctrl-C reaches the CLI too (same process group): it cancels, runs teardown and exits on its own.
process.on('SIGINT', () => {});

const code = await new Promise((resolve) => {
  child.on('error', (err) => {
    console.error(`examples/start.mjs: cannot start the CLI: ${err.message}`);
    resolve(2);
  });
  child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
});
await api.close();
process.exit(code);
