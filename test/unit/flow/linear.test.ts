/**
 * Loading takes time linear in the file's size, for the worst shapes we know: wide mappings
 * (yaml's own duplicate-key check is quadratic: 100,000 keys took 67 s), long lists, deep flow
 * collections, many aliases, long scalars. Each shape is loaded at size n and 4n, on both paths
 * (the subset parser, and the yaml package, which a directive at the top forces); linear time
 * grows 4x, quadratic 16x. The bound (10x) is generous, and each time is the least CPU time of
 * three loads, so a busy machine does not make it fail; this is a ratio, not a timed assertion.
 */
import assert from 'node:assert/strict';
import { parseFlowText } from '../../../src/core/flow/load';
import { parseYamlSubset } from '../../../src/core/flow/yamlSubset';

const RATIO = 10;

function cpuMs(work: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

/** A flow with `body` (YAML lines at column 2 under `flow:`) before a one-step `steps:`. */
function flow(body: string[]): string {
  return ['flow:', '  name: shape', ...body, '  steps:', '    - action: log', '      config: {message: hi}', ''].join('\n');
}

/** Each shape, and its n for the subset parser (the yaml package, several times slower, gets n / 4). */
const SHAPES: Record<string, [(n: number) => string, number]> = {
  'a wide mapping with a duplicate key at the end': [(n) => flow(['  env:', ...Array.from({ length: n }, (_, i) => `    key_${i}: ${i}`), '    key_0: again']), 16000],
  'a wide flow mapping on one line': [(n) => flow([`  env: {${Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join(', ')}}`]), 4000],
  'a long list of steps': [(n) => ['flow:', '  name: long', '  steps:', ...Array.from({ length: n }, (_, i) => `    - {id: s${i}, action: log, config: {message: "step ${i}"}}`), ''].join('\n'), 1200],
  'deep flow collections, many of them': [(n) => flow(['  env:', ...Array.from({ length: n / 50 }, (_, i) => `    d${i}: ${'['.repeat(50)}1${']'.repeat(50)}`)]), 16000],
  'many aliases': [(n) => flow(['  env:', '    base: &b value', `    all: [${Array(n).fill('*b').join(', ')}]`]), 8000],
  'a long plain scalar and a long quoted one': [(n) => flow(['  env:', `    plain: ${'word '.repeat(n)}end`, `    quoted: "${'a\\tb\\u00e9'.repeat(n)}"`]), 40000],
};

describe('flow loading time is linear in the file size', function () {
  this.timeout(120_000);

  for (const [shape, [make, n]] of Object.entries(SHAPES)) {
    for (const path of ['subset parser', 'yaml package'] as const) {
      it(`${shape} (${path})`, () => {
        const text = (n: number) => (path === 'yaml package' ? `%YAML 1.2\n---\n${make(n)}` : make(n));
        const size = path === 'subset parser' ? n : n / 4;
        const small = text(size);
        const large = text(4 * size);
        assert.equal(parseYamlSubset(small) !== undefined, path === 'subset parser', 'the shape takes the intended path');
        const load = (t: string) => () => parseFlowText(t, 'f.yaml', { maxBytes: 64 * 1024 * 1024 });
        const first = load(small)();
        assert.ok(first.diagnostics.length > 0 || first.flow, 'loads or reports');
        const tSmall = cpuMs(load(small));
        const tLarge = cpuMs(load(large));
        const ratio = tLarge / Math.max(tSmall, 5);
        assert.ok(ratio < RATIO, `4x the size took ${ratio.toFixed(1)}x the time (${tSmall.toFixed(0)} ms -> ${tLarge.toFixed(0)} ms)`);
      });
    }
  }
});
