import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server } from 'node:net';
import { join } from 'node:path';
import { runFlow } from '../../../src/core/engine/executor';
import type { ExecutionEvent } from '../../../src/core/events';
import { loadFlowFile } from '../../../src/core/flow/load';
import { flowFrom, json, recorder, startServer, tempWorkspace, type TestServer } from '../helpers';

describe('engine: steps, phases and control flow', () => {
  let api: TestServer;
  let hits = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const started = Date.now();

  before(async () => {
    api = await startServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/concurrent') {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        setTimeout(() => {
          inFlight--;
          json(res, 200, { ok: true });
        }, 30);
        return;
      }
      if (url.pathname === '/ready') return json(res, Date.now() - started > 150 ? 200 : 503, { ready: true });
      if (url.pathname === '/counter') {
        hits++;
        return json(res, 200, { hits });
      }
      if (url.pathname === '/fail') return json(res, 500, {});
      json(res, 200, { path: url.pathname });
    });
  });
  after(() => api.close());

  it('emits gap-free, ordered events with parent_id on nested steps', async () => {
    const rec = recorder();
    const flow = flowFrom(`
flow:
  name: events
  setup:
    - id: s
      action: log
      config: { message: setting up }
  steps:
    - id: loop
      action: for_each
      config:
        items: [1, 2]
        steps:
          - id: inner
            action: log
            config: { message: "item {{item}} at {{index}}" }
  teardown:
    - id: t
      action: log
      config: { message: bye }
`);
    const result = await runFlow(flow, { onEvent: rec.onEvent, executionId: 'exec-1' });
    assert.equal(result.status, 'completed', result.error);
    rec.events.forEach((e, i) => {
      assert.equal(e.seq, i + 1);
      assert.equal(e.execution_id, 'exec-1');
    });
    assert.equal(rec.events[0].type, 'execution.started');
    assert.equal(rec.events.at(-1)!.type, 'execution.completed');
    assert.deepEqual(
      rec.types().filter((t) => !t.startsWith('log')),
      [
        'execution.started',
        'step.started:s',
        'step.completed:s',
        'step.started:loop',
        'step.started:inner[0]',
        'step.completed:inner[0]',
        'step.started:inner[1]',
        'step.completed:inner[1]',
        'step.completed:loop',
        'step.started:t',
        'step.completed:t',
        'execution.completed',
      ],
    );
    const nested = rec.events.filter(
      (e): e is Extract<ExecutionEvent, { type: 'step.started' }> =>
        e.type === 'step.started' && e.data.step_id.startsWith('inner'),
    );
    assert.ok(nested.every((e) => e.data.parent_id === 'loop'));
    const logs = rec.events.filter((e) => e.type === 'log').map((e) => e.type === 'log' && e.data.message);
    assert.deepEqual(logs, ['setting up', 'item 1 at 0', 'item 2 at 1', 'bye']);
  });

  it('skips a step whose `when` is false and runs one whose `when` holds', async () => {
    const result = await runFlow(
      flowFrom(`
flow:
  name: when
  steps:
    - id: a
      action: log
      when: MODE == "full"
      config: { message: a }
    - id: b
      action: log
      when: "{{MODE}} == 'quick'"
      config: { message: b }
`),
      { variables: { MODE: 'quick' } },
    );
    assert.deepEqual(
      result.steps.map((s) => `${s.step_id}:${s.status}`),
      ['a:skipped', 'b:completed'],
    );
    assert.match(result.steps[0].skip_reason!, /when: MODE == "full" is false/);
  });

  it('continues after a failed step with on_error: continue (both spellings)', async () => {
    const result = await runFlow(
      flowFrom(`
flow:
  name: continue
  steps:
    - id: a
      action: http_request
      config: { url: "${api.url}/fail" }
      assert: [ status == 200 ]
      on_error: continue
    - id: b
      action: http_request
      config: { url: "${api.url}/fail" }
      assert: [ status == 200 ]
      on_error: { action: continue }
    - id: c
      action: log
      config: { message: still here }
`),
    );
    assert.equal(result.status, 'completed');
    assert.deepEqual(
      result.steps.map((s) => s.status),
      ['failed', 'failed', 'completed'],
    );
  });

  it('runs teardown after a setup failure and skips the steps', async () => {
    const result = await runFlow(
      flowFrom(`
flow:
  name: setup fails
  setup:
    - id: boom
      action: assert
      config: { data: { n: 1 }, assertions: [ n == 2 ] }
  steps:
    - id: main
      action: log
      config: { message: main }
  teardown:
    - id: t1
      action: assert
      config: { data: {}, assertions: [ "false" ] }
    - id: t2
      action: log
      config: { message: teardown keeps going }
`),
    );
    assert.equal(result.status, 'failed');
    assert.deepEqual(
      result.steps.map((s) => `${s.step_id}:${s.status}`),
      ['boom:failed', 'main:skipped', 't1:failed', 't2:completed'],
    );
    assert.match(result.steps[0].error!, /n == 2: got n = 1/);
  });

  it('condition runs then or else', async () => {
    const rec = recorder();
    const result = await runFlow(
      flowFrom(`
flow:
  name: condition
  steps:
    - id: check
      action: condition
      config:
        condition: COUNT > 3
        then:
          - id: big
            action: log
            config: { message: big }
        else:
          - id: small
            action: log
            config: { message: small }
`),
      { variables: { COUNT: 2 }, onEvent: rec.onEvent },
    );
    assert.equal(result.status, 'completed', result.error);
    assert.deepEqual(
      result.steps.map((s) => s.step_id),
      ['small', 'check'],
    );
    assert.equal(result.steps[0].parent_id, 'check');
  });

  it('for_each takes an expression that yields a list and names the item', async () => {
    const result = await runFlow(
      flowFrom(`
flow:
  name: loop
  steps:
    - id: users
      action: transform
      config: { input: { list: [ { n: "a" }, { n: "b" }, { n: "c" } ] }, transforms: { users: $.list } }
      output: { users: $.users }
    - id: each
      action: for_each
      config:
        items: users
        item_name: user
        steps:
          - action: assert
            config: { data: { name: "{{user.n}}" }, assertions: [ len(name) == 1 ] }
`),
    );
    assert.equal(result.status, 'completed', result.error);
    assert.equal(result.steps.filter((s) => s.parent_id === 'each').length, 3);
  });

  it('a failing iteration fails the for_each step', async () => {
    const result = await runFlow(
      flowFrom(`
flow:
  name: loop fails
  steps:
    - id: each
      action: for_each
      config:
        items: [1, 5, 2]
        steps:
          - id: small
            action: assert
            config: { data: { v: "{{item}}" }, assertions: [ v < 3 ] }
`),
    );
    assert.equal(result.status, 'failed');
    assert.match(result.steps.find((s) => s.step_id === 'each')!.error!, /iteration 1 failed/);
  });

  it('parallel honours max_concurrent', async () => {
    maxInFlight = 0;
    const branches = Array.from(
      { length: 6 },
      (_, i) =>
        `          - steps:\n              - id: b${i}\n                action: http_request\n                config: { url: "${api.url}/concurrent" }`,
    ).join('\n');
    const result = await runFlow(
      flowFrom(`
flow:
  name: parallel
  steps:
    - id: par
      action: parallel
      config:
        max_concurrent: 2
        branches:
${branches}
`),
    );
    assert.equal(result.status, 'completed', result.error);
    assert.equal(maxInFlight, 2);
    assert.equal(result.steps.filter((s) => s.parent_id === 'par').length, 6);
  });

  it('parallel with fail_fast cancels the other branches', async () => {
    // The failing branch waits first, so the slow branch is surely under way when it is cancelled
    // (a branch the cancel reaches before it starts is skipped instead: the next test).
    const result = await runFlow(
      flowFrom(`
flow:
  name: fail fast
  steps:
    - id: par
      action: parallel
      config:
        branches:
          - steps:
              - id: first
                action: delay
                config: { duration: 50ms }
              - id: bad
                action: assert
                config: { data: {}, assertions: [ "1 == 2" ] }
          - steps:
              - id: slow
                action: delay
                config: { duration: 10m }
`),
    );
    // No clock here: a slow branch that fail_fast did not cancel would outlast the test's timeout.
    assert.equal(result.status, 'failed');
    assert.equal(result.steps.find((s) => s.step_id === 'slow')!.status, 'failed');
  });

  it('parallel with fail_fast skips the branches that have not started', async () => {
    const result = await runFlow(
      flowFrom(`
flow:
  name: fail fast, one at a time
  steps:
    - id: par
      action: parallel
      config:
        max_concurrent: 1
        branches:
          - steps:
              - id: bad
                action: assert
                config: { data: {}, assertions: [ "1 == 2" ] }
          - steps:
              - id: later
                action: delay
                config: { duration: 10m }
`),
    );
    assert.equal(result.status, 'failed');
    assert.equal(result.steps.find((s) => s.step_id === 'later')!.status, 'skipped');
  });

  it('wait_for polls http until ready and tcp until a port listens', async () => {
    const tcp: Server = createTcpServer((s) => s.end());
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const port = (tcp.address() as { port: number }).port;
    try {
      const result = await runFlow(
        flowFrom(`
flow:
  name: wait for
  steps:
    - id: http
      action: wait_for
      config: { type: http, url: "${api.url}/ready", status_code: 200, json_path: $.ready, json_value: true, interval: 20ms, timeout: 5s }
    - id: tcp
      action: wait_for
      config: { type: tcp, host: 127.0.0.1, port: ${port}, timeout: 2s }
`),
      );
      assert.equal(result.status, 'completed', result.error);
    } finally {
      tcp.close();
    }
  });

  it('wait_for gives up with the last reason', async () => {
    const result = await runFlow(
      flowFrom(`
flow:
  name: wait for fails
  steps:
    - action: wait_for
      config: { url: "${api.url}/fail", interval: 10ms, max_attempts: 3 }
`),
    );
    assert.equal(result.status, 'failed');
    assert.match(result.steps[0].error!, /not ready after 3 attempts.*status 500/);
  });

  it('wait_until re-runs its steps until the condition holds', async () => {
    hits = 0;
    const result = await runFlow(
      flowFrom(`
flow:
  name: poll
  steps:
    - id: poll
      action: wait_until
      config:
        condition: hits >= 3
        interval: 5ms
        max_duration: 5s
        steps:
          - id: count
            action: http_request
            config: { url: "${api.url}/counter" }
            output: { hits: $.body.hits }
`),
    );
    assert.equal(result.status, 'completed', result.error);
    assert.equal(hits, 3);
  });

  it('wait_until with on_timeout: continue passes with a warning', async () => {
    const rec = recorder();
    const result = await runFlow(
      flowFrom(`
flow:
  name: wait until timeout
  steps:
    - action: wait_until
      config: { condition: "1 == 2", interval: 10ms, max_duration: 50ms, on_timeout: continue }
`),
      { onEvent: rec.onEvent },
    );
    assert.equal(result.status, 'completed');
    assert.ok(rec.events.some((e) => e.type === 'log' && e.data.level === 'warn'));
  });

  it('delay is cancelled at once', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await runFlow(
      flowFrom(`flow:\n  name: d\n  steps:\n    - action: delay\n      config: { duration: 10m }\n`),
      { signal: controller.signal },
    );
    // A delay the cancel did not cut short would outlast the test's timeout.
    assert.equal(result.status, 'cancelled');
  });

  it('a whole-run timeout fails the run and still runs teardown', async () => {
    const result = await runFlow(
      flowFrom(
        `flow:\n  name: d\n  steps:\n    - action: delay\n      config: { duration: 10s }\n  teardown:\n    - id: t\n      action: log\n      config: { message: t }\n`,
      ),
      { timeoutMs: 50 },
    );
    assert.equal(result.status, 'failed');
    assert.match(result.error!, /timed out after 50 ms/);
    assert.equal(result.steps.at(-1)!.status, 'completed');
  });

  it('run_flow runs a sub-flow with input and returns its outputs; cycles are an error', async () => {
    const root = tempWorkspace({
      'flows/login.flow.yaml': `
flow:
  name: login
  steps:
    - id: token
      action: transform
      config: { input: { user: "{{username}}" }, transforms: { token: "tok-{{username}}" } }
      output: { token: $.token }
`,
      'flows/main.flow.yaml': `
flow:
  name: main
  steps:
    - id: login
      action: run_flow
      config: { flow: login.flow.yaml, input: { username: ada } }
      output: { token: $.token }
      assert: [ token == "tok-ada" ]
`,
      'flows/a.flow.yaml': `flow:\n  name: a\n  steps:\n    - action: run_flow\n      config: { flow: b.flow.yaml }\n`,
      'flows/b.flow.yaml': `flow:\n  name: b\n  steps:\n    - action: run_flow\n      config: { flow: a.flow.yaml }\n`,
    });
    const main = (await loadFlowFile(join(root, 'flows/main.flow.yaml'))).flow!;
    const rec = recorder();
    const result = await runFlow(main, { onEvent: rec.onEvent });
    assert.equal(result.status, 'completed', result.error);
    const sub = result.steps.find((s) => s.step_id === 'login/token');
    assert.ok(sub, 'sub-flow steps are reported under the caller');
    assert.equal(sub!.parent_id, 'login');

    const a = (await loadFlowFile(join(root, 'flows/a.flow.yaml'))).flow!;
    const cyc = await runFlow(a);
    assert.equal(cyc.status, 'failed');
    assert.match(cyc.error!, /run_flow cycle: a\.flow\.yaml -> b\.flow\.yaml -> a\.flow\.yaml/);
  });

  it('layers variables: environment < run variables < env_file < flow env < outputs', async () => {
    const root = tempWorkspace({ 'vars.env': 'FROM_FILE=file\nSHADOWED=file\n' });
    const file = join(root, 'vars.flow.yaml');
    writeFileSync(
      file,
      `
flow:
  name: vars
  env_file: vars.env
  env:
    SHADOWED: flow
    COMPOSED: "{{BASE}}/api"
  steps:
    - action: assert
      config:
        data: { base: "\${BASE}", v: "{{ONLY_VAR}}", f: "{{FROM_FILE}}", s: "{{SHADOWED}}", c: "{{COMPOSED}}", e: "{{ONLY_ENV}}" }
        assertions: [ base == "http://var", v == "var", f == "file", s == "flow", c == "http://var/api", e == "env" ]
    - action: transform
      config: { transforms: { SHADOWED: output } }
      output: { SHADOWED: $.SHADOWED }
    - action: assert
      config: { data: { s: "{{SHADOWED}}" }, assertions: [ s == "output" ] }
`,
    );
    const flow = (await loadFlowFile(file)).flow!;
    const result = await runFlow(flow, {
      environment: { BASE: 'http://env', ONLY_ENV: 'env' },
      variables: { BASE: 'http://var', ONLY_VAR: 'var' },
    });
    assert.equal(result.status, 'completed', result.error);
  });

  it('keeps the type of a value that is one placeholder', async () => {
    const result = await runFlow(
      flowFrom(`
flow:
  name: types
  steps:
    - action: transform
      config: { transforms: { n: 5, list: [1, 2] } }
      output: { n: $.n, list: $.list }
    - action: assert
      config: { data: { n: "{{n}}", list: "\${list}", text: "n={{n}} list={{list}}" }, assertions: [ n == 5, len(list) == 2, 'text == "n=5 list=[1,2]"' ] }
`),
    );
    assert.equal(result.status, 'completed', result.error);
  });

  it('an unresolved placeholder fails the step naming the variable', async () => {
    const result = await runFlow(
      flowFrom(
        `flow:\n  name: u\n  steps:\n    - id: s\n      action: log\n      config: { message: "hi {{nobody}}" }\n`,
      ),
    );
    assert.equal(result.status, 'failed');
    assert.match(result.steps[0].error!, /unresolved variable 'nobody'/);
  });

  it('built-ins resolve', async () => {
    const result = await runFlow(
      flowFrom(`
flow:
  name: builtins
  steps:
    - action: assert
      config: { data: { id: "{{UUID}}", ts: "\${TIMESTAMP}", date: "{{DATE}}" }, assertions: [ len(id) == 36, ts > 1700000000, 'date matches "^\\\\d{4}-\\\\d{2}-\\\\d{2}$"' ] }
`),
    );
    assert.equal(result.status, 'completed', result.error);
  });

  it('redacts secrets from events and results', async () => {
    const rec = recorder();
    const result = await runFlow(
      flowFrom(
        `flow:\n  name: s\n  steps:\n    - id: s\n      action: log\n      config: { message: "token is {{API_TOKEN}}" }\n    - id: f\n      action: assert\n      config: { data: { t: "{{API_TOKEN}}" }, assertions: [ 't == "nope"' ] }\n`,
      ),
      { environment: { API_TOKEN: 'hunter2-secret' }, onEvent: rec.onEvent },
    );
    const all = JSON.stringify(rec.events) + JSON.stringify(result);
    assert.ok(!all.includes('hunter2-secret'), 'secret leaked');
    assert.ok(all.includes('token is ***'));
  });

  it('runs a single step alone with given variables', async () => {
    const rec = recorder();
    const result = await runFlow(
      flowFrom(`
flow:
  name: single
  setup:
    - id: setup_step
      action: log
      config: { message: setup }
  steps:
    - id: first
      action: log
      config: { message: first }
    - id: second
      action: assert
      config: { data: { id: "{{user_id}}" }, assertions: [ id == 7 ] }
`),
      { onlyStep: { stepId: 'second' }, variables: { user_id: 7 }, onEvent: rec.onEvent },
    );
    assert.equal(result.status, 'completed', result.error);
    assert.deepEqual(
      result.steps.map((s) => s.step_id),
      ['second'],
    );
  });
});

describe('engine: assertions', () => {
  it('fills placeholders inside quoted strings of expressions, as text', async () => {
    const result = await runFlow(
      flowFrom(`
flow:
  name: quoted
  env: { NAME: Ada, ID: 7 }
  steps:
    - action: assert
      config: { data: { name: Ada, id: "7", n: 7 }, assertions: [ 'name == "{{NAME}}"', 'id == "\${ID}"', 'n == {{ID}}', 'name matches "^{{NAME}}$"' ] }
`),
    );
    assert.equal(result.status, 'completed', result.error);
  });

  it('an assertion that cannot be evaluated fails the step and names it', async () => {
    const result = await runFlow(
      flowFrom(
        `flow:\n  name: x\n  steps:\n    - action: assert\n      config: { data: { status: 200 }, assertions: [ stauts == 200 ] }\n`,
      ),
    );
    assert.equal(result.status, 'failed');
    assert.match(result.steps[0].error!, /assertion 'stauts == 200' could not be evaluated: unknown name 'stauts'/);
  });
});

describe('engine: single-step runs', () => {
  it('seeded variables win over the flow env, as captured outputs would', async () => {
    const result = await runFlow(
      flowFrom(`
flow:
  name: seeded
  env: { TAG: "grace-{{RANDOM_ID}}" }
  steps:
    - id: make
      action: transform
      config: { transforms: { tag: "{{TAG}}" } }
      output: { TAG: $.tag }
    - id: use
      action: assert
      config: { data: { tag: "{{TAG}}" }, assertions: [ 'tag == "grace-seeded"' ] }
`),
      { onlyStep: { stepId: 'use' }, variables: { TAG: 'grace-seeded' } },
    );
    assert.equal(result.status, 'completed', result.error);
  });
});
