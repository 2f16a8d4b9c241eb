import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadFlowFile, looksLikeFlowFile, parseFlowText } from '../../../src/core/flow/load';
import { allSteps } from '../../../src/core/flow/types';
import { lines, loadOk, span } from './helpers';

const SAMPLE = lines(
  'flow:', // 1
  '  name: demo',
  '  description: what it does',
  '  tags: [smoke, api]',
  '  env:', // 5
  '    BASE: http://x',
  '  env_file: ../.env',
  '  setup:',
  '    - action: log',
  '      config:', // 10
  '        message: starting',
  '  steps:',
  '    - id: create_user',
  '      name: Create a user',
  '      action: http_request', // 15
  '      config:',
  '        method: POST',
  '        url: "${BASE}/users"',
  '        body: {name: a}',
  '      assert:', // 20
  '        - status == 201',
  '        - expression: body.id != nil',
  '          message: the user has an id',
  '      output:',
  '        user_id: $.body.id', // 25
  '        request_id: headers.x-request-id',
  '      retry: {max_attempts: 3, delay: 200ms, backoff: exponential}',
  '      timeout: 2s',
  "      when: BASE != ''",
  '      on_error: continue', // 30
  '    - action: condition',
  '      config:',
  '        condition: "user_id != nil"',
  '        then:',
  '          - action: log', // 35
  '            config: {message: then}',
  '        else:',
  '          - id: fallback',
  '            action: log',
  '            config: {message: else}', // 40
  '  teardown:',
  '    - action: parallel',
  '      on_error: {action: continue}',
  '      config:',
  '        max_concurrent: 2', // 45
  '        branches:',
  '          - steps:',
  '              - action: delay',
  '                config: {duration: 10ms}',
  '          - steps:', // 50
  '              - action: delay',
  '                config: {duration: 20ms}',
);

describe('flow loading', () => {
  describe('a complete flow', () => {
    const { flow, warnings } = loadOk(SAMPLE, '/flows/sample.yaml');

    it('loads without any diagnostic', () => {
      assert.deepEqual(warnings, []);
    });

    it('reads the flow keys', () => {
      assert.equal(flow.file, '/flows/sample.yaml');
      assert.equal(flow.name, 'demo');
      assert.equal(flow.description, 'what it does');
      assert.deepEqual(flow.tags, ['smoke', 'api']);
      assert.deepEqual(flow.env, { BASE: 'http://x' });
      assert.equal(flow.envFile, resolve('/flows', '../.env'));
      assert.equal(flow.suite, undefined);
    });

    it('gives the flow and its name their ranges', () => {
      assert.deepEqual(span(flow.range), [2, 3, 52, 41]);
      assert.deepEqual(span(flow.nameRange), [2, 9, 2, 13]);
    });

    it('gives default ids and names by phase and index', () => {
      assert.deepEqual(
        allSteps(flow).map((s) => [s.id, s.name, s.phase, s.parentId]),
        [
          ['setup_0', 'setup_0', 'setup', undefined],
          ['create_user', 'Create a user', 'steps', undefined],
          ['steps_1', 'steps_1', 'steps', undefined],
          ['steps_1.then_0', 'steps_1.then_0', 'steps', 'steps_1'],
          ['fallback', 'fallback', 'steps', 'steps_1'],
          ['teardown_0', 'teardown_0', 'teardown', undefined],
          ['teardown_0.branch0_0', 'teardown_0.branch0_0', 'teardown', 'teardown_0'],
          ['teardown_0.branch1_0', 'teardown_0.branch1_0', 'teardown', 'teardown_0'],
        ],
      );
    });

    it('gives every step its range and the range of its action value', () => {
      assert.deepEqual(
        allSteps(flow).map((s) => [s.id, span(s.range), span(s.actionRange)]),
        [
          ['setup_0', [9, 7, 11, 26], [9, 15, 9, 18]],
          ['create_user', [13, 7, 30, 25], [15, 15, 15, 27]],
          ['steps_1', [31, 7, 40, 36], [31, 15, 31, 24]],
          ['steps_1.then_0', [35, 13, 36, 36], [35, 21, 35, 24]],
          ['fallback', [38, 13, 40, 36], [39, 21, 39, 24]],
          ['teardown_0', [42, 7, 52, 41], [42, 15, 42, 23]],
          ['teardown_0.branch0_0', [48, 17, 49, 41], [48, 25, 48, 30]],
          ['teardown_0.branch1_0', [51, 17, 52, 41], [51, 25, 51, 30]],
        ],
      );
    });

    it('reads every step field', () => {
      const step = flow.steps[0];
      assert.equal(step.action, 'http_request');
      assert.deepEqual(step.config, { method: 'POST', url: '${BASE}/users', body: { name: 'a' } });
      assert.deepEqual(step.retry, { maxAttempts: 3, delayMs: 200, backoff: 'exponential' });
      assert.equal(step.timeoutMs, 2000);
      assert.equal(step.when, "BASE != ''");
      assert.equal(step.onError, 'continue');
      assert.deepEqual(step.blocks, []);
    });

    it('reads assertions, strings and {expression, message} objects, with their ranges', () => {
      assert.deepEqual(
        flow.steps[0].assert.map((a) => [a.expression, a.message, span(a.range)]),
        [
          ['status == 201', undefined, [21, 11, 21, 24]],
          ['body.id != nil', 'the user has an id', [22, 11, 23, 38]],
        ],
      );
    });

    it('normalises output paths to the $. form', () => {
      assert.deepEqual(flow.steps[0].output, { user_id: '$.body.id', request_id: '$.headers.x-request-id' });
    });

    it('takes nested step lists out of config into blocks, with their ranges', () => {
      const condition = flow.steps[1];
      assert.deepEqual(condition.config, { condition: 'user_id != nil' });
      assert.deepEqual(
        condition.blocks.map((b) => [b.key, span(b.range), b.steps.map((s) => s.id)]),
        [
          ['then', [35, 11, 36, 36], ['steps_1.then_0']],
          ['else', [38, 11, 40, 36], ['fallback']],
        ],
      );
      const parallel = flow.teardown[0];
      assert.deepEqual(parallel.config, { max_concurrent: 2 });
      assert.equal(parallel.onError, 'continue');
      assert.deepEqual(
        parallel.blocks.map((b) => [b.key, span(b.range), b.steps.map((s) => s.id)]),
        [
          ['branches[0]', [48, 15, 49, 41], ['teardown_0.branch0_0']],
          ['branches[1]', [51, 15, 52, 41], ['teardown_0.branch1_0']],
        ],
      );
    });
  });

  describe('the forms TestMesh accepts', () => {
    it('accepts a root with name + steps instead of flow:', () => {
      const { flow, warnings } = loadOk(lines('name: bare', 'steps:', '  - action: log', '    config: {message: hi}'));
      assert.equal(flow.name, 'bare');
      assert.deepEqual(span(flow.range), [1, 1, 4, 26]);
      assert.deepEqual(warnings, []);
    });

    it('accepts on_error as a string and as {action: ...}', () => {
      const { flow } = loadOk(
        lines(
          'flow:',
          '  name: x',
          '  steps:',
          '    - action: log',
          '      config: {message: a}',
          '      on_error: continue',
          '    - action: log',
          '      config: {message: b}',
          '      on_error: {action: continue}',
          '    - action: log',
          '      config: {message: c}',
          '      on_error: {action: fail}',
          '    - action: log',
          '      config: {message: d}',
        ),
      );
      assert.deepEqual(
        flow.steps.map((s) => s.onError),
        ['continue', 'continue', 'fail', 'fail'],
      );
    });

    it('accepts a single assertion string instead of a list', () => {
      const { flow } = loadOk(
        lines(
          'flow:',
          '  name: x',
          '  steps:',
          '    - action: log',
          '      config: {message: a}',
          '      assert: status == 200',
        ),
      );
      assert.deepEqual(
        flow.steps[0].assert.map((a) => [a.expression, span(a.range)]),
        [['status == 200', [6, 15, 6, 28]]],
      );
    });

    it('accepts quoted scalars, numbers as tags, empty optional lists and a null config', () => {
      const { flow } = loadOk(
        lines(
          '"flow":',
          '  name: "x"',
          '  tags: [v2, 2024]',
          '  setup:',
          '  teardown: []',
          '  steps:',
          '    - action: delay',
          '      config: {duration: 1s}',
          '      assert:',
        ),
      );
      assert.deepEqual(flow.tags, ['v2', '2024']);
      assert.deepEqual(flow.setup, []);
      assert.deepEqual(flow.steps[0].assert, []);
    });

    it('accepts placeholders for any config type, resolved at run time', () => {
      const { flow, warnings } = loadOk(
        lines(
          'flow:',
          '  name: x',
          '  steps:',
          '    - action: parallel',
          '      config:',
          '        max_concurrent: "{{limit}}"',
          '        fail_fast: ${FAIL_FAST}',
          '        branches: []',
          '    - action: http_request',
          '      config:',
          '        url: http://x',
          '        headers: "{{common_headers}}"',
          '        timeout: "${TIMEOUT}"',
          '    - action: log',
          '      config: {message: hi, level: "{{LEVEL}}"}',
          '    - action: for_each',
          '      config: {items: "{{users}}", steps: [{action: log, config: {message: "{{item}}"}}]}',
        ),
      );
      assert.deepEqual(warnings, []);
      assert.equal(flow.steps[0].config.max_concurrent, '{{limit}}');
      assert.equal(flow.steps[3].blocks[0].steps[0].id, 'steps_3.steps_0');
    });

    it('accepts for_each items as an expression', () => {
      const { flow } = loadOk(
        lines(
          'flow:',
          '  name: x',
          '  steps:',
          '    - action: for_each',
          '      config: {items: body.users, steps: []}',
        ),
      );
      assert.equal(flow.steps[0].config.items, 'body.users');
      assert.deepEqual(
        flow.steps[0].blocks.map((b) => b.key),
        ['steps'],
      );
    });

    it('expands aliases and merge keys', () => {
      const { flow } = loadOk(
        lines(
          'x-common: &common',
          '  method: POST',
          '  url: http://x',
          'flow:',
          '  name: x',
          '  steps:',
          '    - action: http_request',
          '      config:',
          '        <<: *common',
          '        method: PUT',
          '        headers: &h {a: "1"}',
          '    - action: http_request',
          '      config: {url: http://y, headers: *h}',
        ),
      );
      assert.deepEqual(flow.steps[0].config, { method: 'PUT', headers: { a: '1' }, url: 'http://x' });
      assert.deepEqual(flow.steps[1].config, { url: 'http://y', headers: { a: '1' } });
    });

    it('keeps a key named __proto__ as data', () => {
      const { flow } = loadOk(
        lines(
          'flow:',
          '  name: x',
          '  env: {__proto__: {polluted: 1}}',
          '  steps:',
          '    - action: log',
          '      config: {message: hi}',
        ),
      );
      assert.deepEqual(Object.keys(flow.env), ['__proto__']);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(Object.getPrototypeOf(flow.env), Object.prototype);
    });

    it('retry defaults: 1s fixed delay', () => {
      const { flow } = loadOk(
        lines(
          'flow:',
          '  name: x',
          '  steps:',
          '    - action: log',
          '      config: {message: hi}',
          '      retry: {max_attempts: 2}',
        ),
      );
      assert.deepEqual(flow.steps[0].retry, { maxAttempts: 2, delayMs: 1000, backoff: 'fixed' });
    });
  });

  describe('loadFlowFile', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'flow-load-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads a file and resolves env_file against its folder', async () => {
      const file = join(dir, 'a.flow.yaml');
      writeFileSync(
        file,
        lines(
          'flow:',
          '  name: a',
          '  env_file: .env.test',
          '  steps:',
          '    - action: log',
          '      config: {message: hi}',
        ),
      );
      const { flow, diagnostics } = await loadFlowFile(file);
      assert.deepEqual(diagnostics, []);
      assert.equal(flow?.file, file);
      assert.equal(flow?.envFile, join(dir, '.env.test'));
    });

    it('reports an unreadable file at 1:1 instead of throwing', async () => {
      const file = join(dir, 'missing.yaml');
      const { flow, diagnostics } = await loadFlowFile(file);
      assert.equal(flow, undefined);
      assert.deepEqual(diagnostics, [
        {
          file,
          range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
          severity: 'error',
          message: 'cannot read the flow: no such file',
        },
      ]);
      const folder = await loadFlowFile(dir);
      assert.equal(folder.diagnostics[0].message, `cannot read the flow: ${dir} is not a file`);
    });

    it('refuses a file over the size limit without reading it', async () => {
      const file = join(dir, 'big.yaml');
      writeFileSync(file, `flow:\n  name: big\n# ${'x'.repeat(3000)}\n`);
      const { diagnostics } = await loadFlowFile(file, { maxBytes: 1000 });
      assert.equal(
        diagnostics[0].message,
        'the file is too large: 3 KiB, flow files may have at most 1000 B (refused)',
      );
    });
  });

  describe('looksLikeFlowFile', () => {
    it('recognises a root flow: key', () => {
      assert.equal(looksLikeFlowFile('flow:\n  name: x\n'), true);
      assert.equal(looksLikeFlowFile('# comment\n---\nflow:\n  name: x\n'), true);
      assert.equal(looksLikeFlowFile('"flow": {name: x}\n'), true);
      assert.equal(looksLikeFlowFile('flow: {name: x, steps: []}'), true);
    });

    it('recognises root name + steps', () => {
      assert.equal(looksLikeFlowFile('name: x\nsteps:\n  - action: log\n'), true);
      assert.equal(looksLikeFlowFile('name: x\nsteps: []'), true);
    });

    it('rejects other YAML', () => {
      assert.equal(looksLikeFlowFile('name: x\n'), false);
      assert.equal(looksLikeFlowFile('apiVersion: v1\nkind: Pod\n'), false);
      assert.equal(looksLikeFlowFile('jobs:\n  flow: x\n  steps:\n'), false);
      assert.equal(looksLikeFlowFile('flows:\n  - a\n'), false);
      assert.equal(looksLikeFlowFile('workflow: x\n'), false);
      assert.equal(looksLikeFlowFile(''), false);
    });
  });

  it('loads a 10,000-step flow', function () {
    this.timeout(30_000); // the YAML parser's time; a benchmark, not this test, measures it
    const steps = Array.from(
      { length: 10_000 },
      (_, i) => `  - {action: log, config: {message: m${i}}, assert: [status == 200]}`,
    );
    const { flow, warnings } = loadOk(lines('flow:', ' name: big', ' steps:', ...steps));
    assert.deepEqual(warnings, []);
    assert.equal(flow.steps.length, 10_000);
    assert.equal(flow.steps[9_999].id, 'steps_9999');
    assert.deepEqual(span(flow.steps[9_999].range), [10_003, 5, 10_003, 69]);
  });

  it('never throws, whatever it is given', () => {
    for (const input of [undefined, null, 42, {}, [], '\u0000', '\ufeff', 'flow:\n  name: [']) {
      const result = parseFlowText(input as unknown as string, 'x.yaml');
      assert.ok(Array.isArray(result.diagnostics));
      assert.ok(result.diagnostics.length > 0);
      assert.equal(result.flow, undefined);
    }
  });
});
