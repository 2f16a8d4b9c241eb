// `npm run lint`: ESLint (with type information), Prettier's check and the unused-exports check,
// the first beside the other two so that a 2-core machine lints in the time of ESLint alone.
// Each tool's output is printed whole, in this order, once all have finished; the exit code is
// non-zero when any of them failed.
import { spawn } from 'node:child_process';

function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (err) => resolve({ code: 1, output: `${output}${err.message}\n` }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function inOrder(steps) {
  const results = [];
  for (const [command, args] of steps)
    results.push({ label: [command, ...args].join(' '), ...(await run(command, args)) });
  return results;
}

const lanes = await Promise.all([
  inOrder([['npx', ['eslint', '.']]]),
  inOrder([
    ['npx', ['prettier', '--check', '.']],
    ['node', ['scripts/unused-exports.mjs']],
  ]),
]);
let failed = false;
for (const { label, code, output } of lanes.flat()) {
  console.log(`---- ${label}${code === 0 ? '' : ` (exit ${code})`}`);
  process.stdout.write(output);
  failed ||= code !== 0;
}
process.exit(failed ? 1 : 0);
