/**
 * Loading takes time linear in the file's size, for the worst shapes we know: wide mappings
 * (yaml's own duplicate-key check is quadratic: 100,000 keys took 67 s), long lists, deep flow
 * collections, many aliases, long scalars. Each shape is loaded at size n and 4n, on both paths
 * (the subset parser, and the yaml package, which a directive at the top forces); linear time
 * grows 4x, quadratic 16x. The bound (10x) is generous, times under 20 ms count as 20 ms, and each time is the least CPU time of
 * five loads, so a busy machine does not make it fail; this is a ratio, not a timed assertion.
 * The loads run in a fresh process with a collected heap before each one (inside the test run,
 * the garbage of every earlier test would make large loads pay for more collection), and a small
 * young generation, so small and large loads alike move their nodes to the old one: otherwise a
 * small load that fits in the young generation is several times cheaper per node.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseFlowText } from '../../../src/core/flow/load';
import { parseYamlSubset } from '../../../src/core/flow/yamlSubset';

const RATIO = 10;

const MEASURE = '--measure-load';

function cpuMs(work: () => void): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    gc?.();
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

type Path = 'subset parser' | 'yaml package';
const PATHS: readonly Path[] = ['subset parser', 'yaml package'];

function textOf(shape: string, path: Path, scale: 1 | 4): string {
  const [make, n] = SHAPES[shape];
  const size = (path === 'subset parser' ? n : n / 4) * scale;
  // A directive is outside the subset: the yaml package parses the same text then.
  return path === 'yaml package' ? `%YAML 1.2\n---\n${make(size)}` : make(size);
}

/** In the child: the least CPU ms of five loads of each shape, path and size, as JSON. */
function measureChild(): void {
  const load = (text: string) => () => parseFlowText(text, 'f.yaml', { maxBytes: 64 * 1024 * 1024 });
  const results: Record<string, [number, number]> = {};
  for (const shape of Object.keys(SHAPES)) {
    for (const path of PATHS) {
      const small = textOf(shape, path, 1);
      const large = textOf(shape, path, 4);
      load(small)(); // warm-up
      results[`${shape} (${path})`] = [cpuMs(load(small)), cpuMs(load(large))];
    }
  }
  process.stdout.write(JSON.stringify(results));
}

function measureInChild(): Record<string, [number, number]> {
  const child = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', __filename, MEASURE], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`the measuring process failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Record<string, [number, number]>;
}

/** A flow with `body` (YAML lines at column 2 under `flow:`) before a one-step `steps:`. */
function flow(body: string[]): string {
  return ['flow:', '  name: shape', ...body, '  steps:', '    - action: log', '      config: {message: hi}', ''].join(
    '\n',
  );
}

/** Each shape, and its n for the subset parser (the yaml package, several times slower, gets n / 4). */
const SHAPES: Record<string, [(n: number) => string, number]> = {
  'a wide mapping with a duplicate key at the end': [
    (n) => flow(['  env:', ...Array.from({ length: n }, (_, i) => `    key_${i}: ${i}`), '    key_0: again']),
    16000,
  ],
  'a wide flow mapping on one line': [
    (n) => flow([`  env: {${Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join(', ')}}`]),
    4000,
  ],
  'a long list of steps': [
    (n) =>
      [
        'flow:',
        '  name: long',
        '  steps:',
        ...Array.from({ length: n }, (_, i) => `    - {id: s${i}, action: log, config: {message: "step ${i}"}}`),
        '',
      ].join('\n'),
    2000,
  ],
  // Every reference to a repeated id is checked against the steps with that id run before it.
  'one id repeated by every step, each asserting on it': [
    (n) =>
      [
        'flow:',
        '  name: same',
        '  steps:',
        ...Array.from(
          { length: n },
          () => '    - {id: same, action: log, config: {message: hi}, assert: [same.status == 200]}',
        ),
        '',
      ].join('\n'),
    2000,
  ],
  'deep flow collections, many of them': [
    (n) =>
      flow(['  env:', ...Array.from({ length: n / 50 }, (_, i) => `    d${i}: ${'['.repeat(50)}1${']'.repeat(50)}`)]),
    16000,
  ],
  'many aliases': [(n) => flow(['  env:', '    base: &b value', `    all: [${Array(n).fill('*b').join(', ')}]`]), 8000],
  // The scalar interner's worst case: its table full of distinct texts as long as it shares, so
  // every lookup hashes the whole text and walks its longest probe run.
  'many distinct scalars as long as the interner shares': [
    (n) =>
      flow([
        '  env:',
        ...Array.from({ length: n }, (_, i) => {
          const text = `${i}`.padStart(60, 'k');
          return `    ${text}: "${text}"`;
        }),
      ]),
    8000,
  ],
  'a long plain scalar and a long quoted one': [
    (n) => flow(['  env:', `    plain: ${'word '.repeat(n)}end`, `    quoted: "${'a\\tb\\u00e9'.repeat(n)}"`]),
    40000,
  ],
};

function defineTests(): void {
  describe('flow loading time is linear in the file size', function () {
    this.timeout(300_000);
    let times: Record<string, [number, number]>;
    before(() => {
      times = measureInChild();
    });

    for (const shape of Object.keys(SHAPES)) {
      for (const path of PATHS) {
        it(`${shape} (${path})`, () => {
          const small = textOf(shape, path, 1);
          assert.equal(
            parseYamlSubset(small) !== undefined,
            path === 'subset parser',
            'the shape takes the intended path',
          );
          const first = parseFlowText(small, 'f.yaml');
          assert.ok(first.diagnostics.length > 0 || first.flow, 'loads or reports');
          const [tSmall, tLarge] = times[`${shape} (${path})`];
          const ratio = tLarge / Math.max(tSmall, 20);
          assert.ok(
            ratio < RATIO,
            `4x the size took ${ratio.toFixed(1)}x the time (${tSmall.toFixed(0)} ms -> ${tLarge.toFixed(0)} ms)`,
          );
        });
      }
    }
  });
}

if (process.argv.includes(MEASURE)) measureChild();
else defineTests();
