/**
 * Seeded fuzzing of parseFlowText: random texts and mutations of valid flows must never throw,
 * never hang, and always give well-formed diagnostics. The seed is fixed, so a failure repeats;
 * the failing input is printed.
 */
import assert from 'node:assert/strict';
import type { FlowDiagnostic } from '../../../src/core/errors';
import { parseFlowText } from '../../../src/core/flow/load';
import { allSteps } from '../../../src/core/flow/types';
import { mulberry32 } from '../support/random';

const SEEDS = [
  `flow:
  name: fuzz
  tags: [a, b]
  env: {BASE: "http://x", N: 3}
  setup:
    - action: log
      config: {message: start}
  steps:
    - id: create
      action: http_request
      config:
        method: POST
        url: "\${BASE}/users"
        headers: {accept: application/json}
        body: {name: "{{UUID}}"}
        timeout: 2s
      assert:
        - status == 201
        - expression: body.id != nil
          message: has an id
      output:
        id: $.body.id
        rid: headers.x-request-id
      retry: {max_attempts: 3, delay: 100ms, backoff: exponential}
      when: N > 1
      on_error: {action: continue}
    - action: condition
      config:
        condition: "id != nil"
        then:
          - action: log
            config: {message: "yes {{id}}", level: info}
        else:
          - action: delay
            config: {duration: 10ms}
  teardown:
    - action: parallel
      config:
        max_concurrent: 2
        branches:
          - steps: [{action: log, config: {message: a}}]
          - steps:
              - action: wait_until
                config: {condition: "true", max_duration: 1s, interval: 10ms}
`,
  `name: bare
steps:
  - action: for_each
    config:
      items: [1, 2, 3]
      item_name: n
      steps:
        - action: log
          config: {message: "{{n}}"}
  - action: run_flow
    config: {flow: ./other.yaml, input: {a: 1}, inherit_env: false}
  - action: websocket
    config: {action: connect, url: "ws://x", connection_id: c}
  - action: database_query
    config: {connection: "postgres://x", query: "select 1", params: [1], max_rows: 10}
`,
  `x-common: &common
  method: GET
  url: http://x
flow:
  name: anchors
  steps:
    - action: http_request
      config:
        <<: *common
        headers: &h {a: "1"}
    - action: http_request
      config: {url: http://y, headers: *h}
    - action: wait_for
      config: {type: http, url: http://x, status_code: 200, timeout: 1s, interval: 10ms}
    - action: transform
      config: {input: {a: 1}, transforms: {b: $.a}}
    - action: assert
      config: {data: {a: 1}, assertions: ["a == 1", {expression: "a > 0"}]}
`,
];

const FRAGMENTS = [
  '-',
  '- ',
  ':',
  ': ',
  '? ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&a ',
  '*a',
  '*h',
  '&h ',
  '<<: *common',
  '!!str ',
  '!tag ',
  '|',
  '>-',
  '|+2',
  '#',
  ' # c',
  "'",
  '"',
  '\\',
  '\t',
  '\n',
  '\r\n',
  '---\n',
  '...\n',
  '%YAML 1.2\n',
  '\ufeff',
  '\u0000',
  '\u2028',
  'é',
  '😀',
  'flow:',
  'name:',
  'steps:',
  'action:',
  'config:',
  'then:',
  'else:',
  'branches:',
  'assert:',
  'output:',
  'retry:',
  'on_error:',
  'http_request',
  'log',
  'condition',
  'parallel',
  'for_each',
  '${x}',
  '{{y}}',
  '$.a[0]',
  'null',
  '~',
  'true',
  '0x1F',
  '.inf',
  '1e9999',
  '-0',
  '"\\u00e9"',
  "'a''b'",
  '[[[[[[',
  ']]]]]]',
  '{a: {b: {c: ',
  '- - - - ',
  '    ',
  '          ',
  '\n  - ',
  '&c [*c]',
  '&m {<<: *m}',
  '<<: [*common, *h]',
  '*common',
  '&x\n',
  '*undefined_anchor',
  '? [a]\n: b',
];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

function int(rand: () => number, max: number): number {
  return Math.floor(rand() * max);
}

type Mutation = (text: string, rand: () => number) => string;

const MUTATIONS: Mutation[] = [
  // flip one character
  (t, r) => {
    if (!t) return t;
    const i = int(r, t.length);
    return t.slice(0, i) + pick(r, FRAGMENTS).charAt(0) + t.slice(i + 1);
  },
  // delete a range
  (t, r) => {
    const i = int(r, t.length + 1);
    return t.slice(0, i) + t.slice(i + 1 + int(r, 40));
  },
  // duplicate a range
  (t, r) => {
    const i = int(r, t.length + 1);
    const j = Math.min(t.length, i + int(r, 200));
    return t.slice(0, j) + t.slice(i, j) + t.slice(j);
  },
  // insert a YAML fragment
  (t, r) => {
    const i = int(r, t.length + 1);
    return t.slice(0, i) + pick(r, FRAGMENTS) + t.slice(i);
  },
  // re-indent a random line
  (t, r) => {
    const rows = t.split('\n');
    const k = int(r, rows.length);
    const delta = int(r, 9) - 4;
    rows[k] = delta >= 0 ? ' '.repeat(delta) + rows[k] : rows[k].replace(new RegExp(`^ {0,${-delta}}`), '');
    return rows.join('\n');
  },
  // swap two lines
  (t, r) => {
    const rows = t.split('\n');
    const a = int(r, rows.length);
    const b = int(r, rows.length);
    [rows[a], rows[b]] = [rows[b], rows[a]];
    return rows.join('\n');
  },
  // truncate
  (t, r) => t.slice(0, int(r, t.length + 1)),
];

function randomText(rand: () => number): string {
  let out = '';
  const n = 1 + int(rand, 60);
  for (let i = 0; i < n; i++) out += rand() < 0.7 ? pick(rand, FRAGMENTS) : String.fromCharCode(int(rand, 0x3000));
  return out;
}

function checkResult(text: string, result: { flow?: unknown; diagnostics: FlowDiagnostic[] }): void {
  assert.ok(Array.isArray(result.diagnostics));
  const lineCount = text.split('\n').length;
  let errors = 0;
  for (const d of result.diagnostics) {
    assert.equal(d.file, 'fuzz.yaml');
    assert.ok(d.severity === 'error' || d.severity === 'warning');
    assert.equal(typeof d.message, 'string');
    assert.ok(d.message.length > 0);
    assert.ok(!d.message.startsWith('could not read the flow'), `internal error: ${d.message}`);
    for (const p of [d.range.start, d.range.end]) {
      assert.ok(
        Number.isInteger(p.line) && p.line >= 1 && p.line <= lineCount + 1,
        `line ${p.line} in ${lineCount} lines`,
      );
      assert.ok(Number.isInteger(p.column) && p.column >= 1, `column ${p.column}`);
    }
    if (d.severity === 'error' && d.step === undefined) errors++;
  }
  assert.equal(result.flow !== undefined, errors === 0, 'a flow exactly when there is no error outside a step');
  if (result.flow) {
    const steps = allSteps(result.flow as Parameters<typeof allSteps>[0]);
    const ids = steps.map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length, 'step ids are unique');
    // An error in a step names that step, and that step carries it to fail when it runs.
    for (const d of result.diagnostics.filter((x) => x.step !== undefined)) {
      const step = steps.find((s) => s.id === d.step);
      assert.ok(step, `the step of '${d.message}' is in the flow`);
      assert.ok(step.problem?.includes(d.message), `step ${d.step} carries '${d.message}'`);
    }
  }
}

function run(text: string): void {
  let result: ReturnType<typeof parseFlowText>;
  try {
    result = parseFlowText(text, 'fuzz.yaml');
    checkResult(text, result);
    // Asking for the syntax tree makes the loader parse whole first and build after: the flow
    // built while parsing must be the same, diagnostics included.
    assert.deepStrictEqual(result, parseFlowText(text, 'fuzz.yaml', { onSyntax() {} }), 'built while parsing');
  } catch (err) {
    // Print the input so the failure can be turned into a plain test.
    console.error(`fuzz input that failed: ${JSON.stringify(text)}`);
    throw err;
  }
}

describe('flow loading fuzz (seeded)', function () {
  // Generous: the whole run takes about a second on an idle machine.
  this.timeout(60_000);

  it('loads the seed flows cleanly', () => {
    for (const seed of SEEDS) {
      const { flow, diagnostics } = parseFlowText(seed, 'fuzz.yaml');
      assert.deepEqual(
        diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      assert.ok(flow);
    }
  });

  it('never throws on mutated flows', () => {
    const rand = mulberry32(0x5eed);
    for (let i = 0; i < 1200; i++) {
      let text = pick(rand, SEEDS);
      const rounds = 1 + int(rand, 4);
      for (let k = 0; k < rounds; k++) text = pick(rand, MUTATIONS)(text, rand);
      run(text);
    }
  });

  it('never throws on random YAML-ish text', () => {
    const rand = mulberry32(42);
    for (let i = 0; i < 1000; i++) run(randomText(rand));
  });
});
