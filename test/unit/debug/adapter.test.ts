import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { FlowDebugSession } from '../../../src/core/debug/adapter';
import { directLauncher } from '../../../src/core/debug/launcher';
import { inlineClient, type DapClient, type InlineAdapter } from './dapClient';
import {
  debugWorkspace,
  lineOf,
  scopeVariables,
  startDebugApi,
  startSession,
  topFrame,
  type DebugApi,
} from './fixtures';

type Stopped = DebugProtocol.StoppedEvent;

describe('debugger over DAP (in process)', () => {
  let api: DebugApi;
  let ws: ReturnType<typeof debugWorkspace>;
  let client: DapClient;
  let session: FlowDebugSession;

  before(async () => {
    api = await startDebugApi();
    ws = debugWorkspace();
  });
  after(() => api.close());
  beforeEach(() => {
    session = new FlowDebugSession(directLauncher(ws.root));
    client = inlineClient(session as unknown as InlineAdapter);
  });
  afterEach(async () => {
    await client.send('disconnect', {});
    await session.closed;
  });

  const launchArgs = (extra: Record<string, unknown> = {}) => ({
    type: 'testmesh',
    request: 'launch',
    name: 'Debug',
    __sessionId: 'x',
    flow: 'main.flow.yaml',
    variables: { base_url: api.url, user_name: 'ada' },
    ...extra,
  });

  it('verifies breakpoints by step, stops at them with stack, scopes and variables, evaluates, and finishes', async () => {
    const createLine = lineOf(ws.main, 'name: create user');
    const urlLine = lineOf(ws.main, 'url: "{{BASE}}/users"');
    const checkLine = lineOf(ws.main, '- id: check');
    const flowNameLine = lineOf(ws.main, 'name: debug demo');
    const stopped = client.waitForEvent<Stopped>('stopped');
    const { launched, verified } = await startSession(client, launchArgs({ preLaunchTask: 'none' }), [
      { file: ws.main, breakpoints: [{ line: urlLine }, { line: checkLine }, { line: flowNameLine }] },
    ]);
    const [inCreate, atCheck, outside] = verified[0];
    assert.equal(inCreate.verified, true);
    assert.equal(atCheck.verified, true);
    assert.equal(outside.verified, false);
    assert.match(outside.message ?? '', /not inside a step/);
    assert.equal((await launched).success, true);

    const first = await stopped;
    assert.equal(first.body.reason, 'breakpoint');
    assert.deepEqual(first.body.hitBreakpointIds, [inCreate.id]);
    let frames = await topFrame(client);
    assert.equal(frames[0].line, createLine - 1, 'the frame is at the step, whose mapping starts on its `- id:` line');
    assert.match(frames[0].name, /create user/);
    assert.equal(frames[frames.length - 1].name, 'flow: debug demo');

    let vars = await scopeVariables(client, frames[0].id);
    const step = vars['Step: create user'];
    const config = step.find((v) => v.name === 'config')!;
    const configChildren = await client.request<DebugProtocol.VariablesResponse>('variables', {
      variablesReference: config.variablesReference,
    });
    assert.equal(
      configChildren.body.variables.find((v) => v.name === 'url')?.value,
      JSON.stringify(`${api.url}/users`),
      'placeholders resolved',
    );
    const run = vars.Variables;
    assert.equal(run.find((v) => v.name === 'user_name')?.type, 'variable');
    assert.equal(run.find((v) => v.name === 'BASE')?.type, 'flow env');
    assert.equal(run.find((v) => v.name === 'base_url')?.type, 'variable');
    assert.deepEqual(vars.Outputs, []);

    // An edited variable is what the step sends.
    const usersRef = (
      await client.request<DebugProtocol.ScopesResponse>('scopes', { frameId: frames[0].id })
    ).body.scopes.find((s) => s.name === 'Variables')!.variablesReference;
    await client.request('variables', { variablesReference: usersRef });
    const set = await client.request<DebugProtocol.SetVariableResponse>('setVariable', {
      variablesReference: usersRef,
      name: 'user_name',
      value: '"grace"',
    });
    assert.equal(set.body.value, '"grace"');

    const second = client.waitForEvent<Stopped>('stopped');
    await client.request('continue', { threadId: 1 });
    assert.equal((await second).body.reason, 'breakpoint');
    assert.deepEqual(api.state.names.slice(-1), ['grace']);
    frames = await topFrame(client);
    assert.equal(frames[0].line, checkLine);
    vars = await scopeVariables(client, frames[0].id);
    assert.equal(vars.Outputs.find((v) => v.name === 'user_id')?.value, '42');
    const response = vars['Last response'];
    assert.equal(response.find((v) => v.name === 'status')?.value, '200');
    const body = response.find((v) => v.name === 'body')!;
    assert.ok(body.variablesReference > 0, 'the body is an expandable tree');

    const evaluated = await client.request<DebugProtocol.EvaluateResponse>('evaluate', {
      expression: '{{user_id}}',
      frameId: frames[0].id,
      context: 'watch',
    });
    assert.equal(evaluated.body.result, '42');
    const expr = await client.request<DebugProtocol.EvaluateResponse>('evaluate', {
      expression: 'user_id + 1 == 43 && response.status == 200',
      frameId: frames[0].id,
      context: 'repl',
    });
    assert.equal(expr.body.result, 'true');
    const bad = await client.send('evaluate', { expression: 'nope_missing', frameId: frames[0].id, context: 'repl' });
    assert.equal(bad.success, false);
    assert.match(bad.message ?? '', /nope_missing/);

    const exited = client.waitForEvent<DebugProtocol.ExitedEvent>('exited');
    const terminated = client.waitForEvent('terminated');
    await client.request('continue', { threadId: 1 });
    assert.equal((await exited).body.exitCode, 0, client.output());
    await terminated;
    assert.match(client.output(), /✓ cleanup/);
  });

  it('steps over, into iterations and a sub-flow, and out', async () => {
    const loopLine = lineOf(ws.main, '- id: loop');
    const stopped = () => client.waitForEvent<Stopped>('stopped');
    let next = stopped();
    await startSession(client, launchArgs(), [{ file: ws.main, breakpoints: [{ line: loopLine }] }]);
    await next;
    const names = async () => (await topFrame(client)).map((f) => f.name);

    next = stopped();
    await client.request('stepIn', { threadId: 1 });
    assert.equal((await next).body.reason, 'step');
    assert.deepEqual(await names(), ['visit item [0] (http_request)', 'each item (for_each)', 'flow: debug demo']);
    let vars = await scopeVariables(client, (await topFrame(client))[0].id);
    assert.deepEqual(
      vars.Loop.map((v) => `${v.name}=${v.value}`),
      ['item=1', 'index=0'],
    );

    next = stopped();
    await client.request('next', { threadId: 1 });
    await next;
    assert.equal((await names())[0], 'visit item [1] (http_request)');

    next = stopped();
    await client.request('stepOut', { threadId: 1 });
    await next;
    assert.deepEqual(await names(), ['check user (http_request)', 'flow: debug demo']);

    next = stopped();
    await client.request('next', { threadId: 1 });
    await next;
    assert.equal((await names())[0], 'call sub-flow (run_flow)');

    next = stopped();
    await client.request('stepIn', { threadId: 1 });
    await next;
    const frames = await topFrame(client);
    assert.deepEqual(
      frames.map((f) => `${f.name} @ ${f.source?.name}:${f.line}`),
      [
        `greet (log) @ sub.flow.yaml:${lineOf(ws.sub, '- id: greet')}`,
        `flow: greeter @ sub.flow.yaml:${lineOf(ws.sub, 'name: greeter')}`,
        `call sub-flow (run_flow) @ main.flow.yaml:${lineOf(ws.main, '- id: sub')}`,
        `flow: debug demo @ main.flow.yaml:${lineOf(ws.main, 'name: debug demo')}`,
      ],
    );
    vars = await scopeVariables(client, frames[0].id);
    assert.equal(vars.Variables.find((v) => v.name === 'who')?.value, '"ada"');

    next = stopped();
    await client.request('next', { threadId: 1 });
    await next;
    assert.deepEqual(
      await names(),
      ['cleanup (http_request · teardown)', 'flow: debug demo'],
      'step over at the end of the steps goes on to teardown',
    );
    const exited = client.waitForEvent<DebugProtocol.ExitedEvent>('exited');
    await client.request('continue', { threadId: 1 });
    assert.equal((await exited).body.exitCode, 0);
  });

  it('breakpoints in a sub-flow file stop in that file', async () => {
    const stopped = client.waitForEvent<Stopped>('stopped');
    await startSession(client, launchArgs(), [
      { file: ws.sub, breakpoints: [{ line: lineOf(ws.sub, 'config: { message') }] },
    ]);
    await stopped;
    const frames = await topFrame(client);
    assert.equal(frames[0].source?.path, ws.sub);
    assert.equal(frames[0].name, 'greet (log)');
    await client.request('continue', { threadId: 1 });
    await client.waitForEvent('terminated');
  });

  it('conditional breakpoints, hit counts and logpoints', async () => {
    const visitLine = lineOf(ws.main, '- id: visit');
    const checkLine = lineOf(ws.main, '- id: check');
    const createLine = lineOf(ws.main, '- id: create');
    let stopped = client.waitForEvent<Stopped>('stopped');
    const { verified } = await startSession(client, launchArgs(), [
      {
        file: ws.main,
        breakpoints: [
          { line: visitLine, condition: 'item >= 2' },
          { line: checkLine, hitCondition: 'nonsense' },
          { line: createLine, logMessage: 'creating {{user_name}} at {1 + 1}' },
        ],
      },
    ]);
    assert.equal(verified[0][1].verified, false);
    assert.match(verified[0][1].message ?? '', /hit count/);
    await stopped;
    const items: string[] = [];
    const itemOf = async () => {
      const frames = await topFrame(client);
      const vars = await scopeVariables(client, frames[0].id);
      return vars.Loop.find((v) => v.name === 'item')!.value;
    };
    items.push(await itemOf());
    stopped = client.waitForEvent<Stopped>('stopped');
    await client.request('continue', { threadId: 1 });
    await stopped;
    items.push(await itemOf());
    assert.deepEqual(items, ['2', '3']);
    assert.match(client.output(), /creating ada at 2/);

    // Hit count `% 2` on the same step: the second iteration only.
    await client.request('setBreakpoints', {
      source: { path: ws.main },
      breakpoints: [{ line: visitLine, hitCondition: '% 2' }],
    });
    const terminated = client.waitForEvent('terminated');
    await client.request('continue', { threadId: 1 });
    await terminated;
  });

  it('hit counts in VS Code forms', async () => {
    const visitLine = lineOf(ws.main, '- id: visit');
    const stopped = client.waitForEvent<Stopped>('stopped');
    await startSession(client, launchArgs(), [
      { file: ws.main, breakpoints: [{ line: visitLine, hitCondition: '% 2' }] },
    ]);
    await stopped;
    const frames = await topFrame(client);
    assert.equal(frames[0].name, 'visit item [1] (http_request)');
    const terminated = client.waitForEvent('terminated');
    await client.request('continue', { threadId: 1 });
    await terminated;
    assert.equal(client.events.filter((e) => e.event === 'stopped').length, 1);
  });

  it('pauses after a failed assertion with the failure shown, and after any failed step', async () => {
    const stopped = client.waitForEvent<Stopped>('stopped');
    await startSession(client, launchArgs({ flow: 'failing.flow.yaml' }), [], ['failedAssertion']);
    const stop = await stopped;
    assert.equal(stop.body.reason, 'exception');
    assert.match(stop.body.text ?? '', /status == 201/);
    const info = await client.request<DebugProtocol.ExceptionInfoResponse>('exceptionInfo', { threadId: 1 });
    assert.equal(info.body.exceptionId, 'failed assertion');
    const frames = await topFrame(client);
    const vars = await scopeVariables(client, frames[0].id);
    assert.deepEqual(
      vars.Failure.filter((v) => v.name === 'expected' || v.name === 'actual').map((v) => `${v.name}=${v.value}`),
      ['expected=201', 'actual=200'],
    );
    // The step's own result is in scope, as in its assertions.
    const status = await client.request<DebugProtocol.EvaluateResponse>('evaluate', {
      expression: 'status',
      frameId: frames[0].id,
      context: 'repl',
    });
    assert.equal(status.body.result, '200');
    const exited = client.waitForEvent<DebugProtocol.ExitedEvent>('exited');
    await client.request('continue', { threadId: 1 });
    assert.equal((await exited).body.exitCode, 1);
  });

  it('"any failed step" stops on a failure without an assertion; no filter, no stop', async () => {
    const stopped = client.waitForEvent<Stopped>('stopped');
    await startSession(
      client,
      launchArgs({ variables: { base_url: 'http://127.0.0.1:1', user_name: 'x' }, flow: 'failing.flow.yaml' }),
      [],
      ['failedStep'],
    );
    const stop = await stopped;
    assert.equal(stop.body.reason, 'exception');
    const info = await client.request<DebugProtocol.ExceptionInfoResponse>('exceptionInfo', { threadId: 1 });
    assert.equal(info.body.exceptionId, 'failed step');
    await client.request('continue', { threadId: 1 });
    // The teardown step fails too (nothing listens): a second stop, in teardown.
    const again = await client.waitForEvent<Stopped>('stopped');
    assert.match((await topFrame(client))[0].name, /cleanup/);
    assert.equal(again.body.reason, 'exception');
    await client.request('continue', { threadId: 1 });
    await client.waitForEvent('terminated');
  });

  it('terminate cancels the request in flight and teardown still runs, visibly', async () => {
    const stopped = client.waitForEvent<Stopped>('stopped');
    const before = api.state.slowStarted;
    await startSession(client, launchArgs({ flow: 'slow.flow.yaml' }), [
      { file: ws.slow, breakpoints: [{ line: lineOf(ws.slow, '- id: first') }] },
    ]);
    await stopped;
    await client.request('continue', { threadId: 1 });
    // The hanging request is in flight; no stop comes.
    const deadline = Date.now() + 10_000;
    while (api.state.slowStarted === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(api.state.slowStarted, before + 1);
    const exited = client.waitForEvent<DebugProtocol.ExitedEvent>('exited');
    const terminated = client.waitForEvent('terminated');
    await client.request('terminate', {});
    assert.equal((await exited).body.exitCode, 1);
    await terminated;
    assert.ok(api.state.deleted.includes('/users/7'), 'teardown ran');
    const abortDeadline = Date.now() + 10_000;
    while (api.state.slowAborted === 0 && Date.now() < abortDeadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(api.state.slowAborted > 0, 'the request in flight was aborted');
    assert.match(client.output(), /▶ \[teardown\] cleanup/);
    assert.match(client.output(), /✓ cleanup/);
  });

  it('keeps the top frame valid when VS Code asks for the stack in two parts (top frame, then the rest)', async () => {
    const stopped = client.waitForEvent<Stopped>('stopped');
    await startSession(client, launchArgs(), [
      { file: ws.main, breakpoints: [{ line: lineOf(ws.main, '- id: check') }] },
    ]);
    await stopped;
    const top = await client.request<DebugProtocol.StackTraceResponse>('stackTrace', {
      threadId: 1,
      startFrame: 0,
      levels: 1,
    });
    const rest = await client.request<DebugProtocol.StackTraceResponse>('stackTrace', {
      threadId: 1,
      startFrame: 1,
      levels: 19,
    });
    assert.equal(top.body.stackFrames.length, 1);
    assert.equal(rest.body.stackFrames[0].name, 'flow: debug demo');
    const frameIds = [...top.body.stackFrames, ...rest.body.stackFrames].map((f) => f.id);
    assert.equal(new Set(frameIds).size, frameIds.length, 'one id per frame');
    const vars = await scopeVariables(client, top.body.stackFrames[0].id);
    assert.equal(vars.Outputs.find((v) => v.name === 'user_id')?.value, '42');
    const terminated = client.waitForEvent('terminated');
    await client.request('terminate', {});
    await terminated;
  });

  it("stops before a named step (the Test Explorer's Debug on a step)", async () => {
    const stopped = client.waitForEvent<Stopped>('stopped');
    await startSession(client, launchArgs({ stopAtStep: 'check' }));
    assert.equal((await stopped).body.reason, 'entry');
    assert.match((await topFrame(client))[0].name, /check user/);
    const exited = client.waitForEvent<DebugProtocol.ExitedEvent>('exited');
    await client.request('continue', { threadId: 1 });
    assert.equal((await exited).body.exitCode, 0);
  });

  it('stops on entry; pause stops at the next step boundary; restart runs again', async () => {
    let stopped = client.waitForEvent<Stopped>('stopped');
    await startSession(client, launchArgs({ stopOnEntry: true }));
    assert.equal((await stopped).body.reason, 'entry');
    assert.match((await topFrame(client))[0].name, /prepare/);
    stopped = client.waitForEvent<Stopped>('stopped');
    await client.request('restart', { arguments: launchArgs({ stopOnEntry: true }) });
    assert.equal((await stopped).body.reason, 'entry');
    stopped = client.waitForEvent<Stopped>('stopped');
    await client.request('pause', { threadId: 1 });
    await client.request('continue', { threadId: 1 });
    await client.request('pause', { threadId: 1 });
    const pause = await stopped;
    assert.ok(pause.body.reason === 'pause', `reason ${pause.body.reason}`);
    const terminated = client.waitForEvent('terminated');
    await client.request('terminate', {});
    await terminated;
  });

  it('ends the session with a clear message for a misspelt argument, a missing flow and an invalid flow', async () => {
    const terminated = client.waitForEvent('terminated');
    const { launched } = await startSession(client, {
      name: 'x',
      __sessionId: 'y',
      flow: 'main.flow.yaml',
      stopOnEnty: true,
    });
    const response = await launched;
    assert.equal(response.success, false);
    assert.match(response.message ?? '', /unknown launch argument 'stopOnEnty' \(did you mean 'stopOnEntry'\?\)/);
    await terminated;
  });

  for (const [what, launch, message] of [
    ['no flow', {}, /"flow" is required/],
    [
      'a flow that does not validate',
      { flow: 'broken.flow.yaml' },
      /broken\.flow\.yaml:4:\d+: error: step 'a': the step has no 'action'/,
    ],
    ['a flow file that is not there', { flow: 'missing.flow.yaml' }, /missing\.flow\.yaml/],
  ] as const) {
    it(`ends the session with a clear message for ${what}`, async () => {
      writeFileSync(
        join(ws.root, 'broken.flow.yaml'),
        // No action: refused as a whole (a step error would only fail that step when it runs).
        'flow:\n  name: broken\n  steps:\n    - id: a\n      acton: nope_action\n',
      );
      const terminated = client.waitForEvent('terminated');
      const { launched } = await startSession(client, launch);
      const response = await launched;
      assert.equal(response.success, false);
      assert.match(response.message ?? '', message);
      await terminated;
    });
  }

  it('shows secrets as *** in variables and evaluation', async () => {
    const stopped = client.waitForEvent<Stopped>('stopped');
    await startSession(
      client,
      launchArgs({ stopOnEntry: true, variables: { base_url: api.url, user_name: 'ada', api_token: 's3cr3t-value' } }),
    );
    await stopped;
    const frames = await topFrame(client);
    const vars = await scopeVariables(client, frames[0].id);
    assert.equal(vars.Variables.find((v) => v.name === 'api_token')?.value, '***');
    const evaluated = await client.request<DebugProtocol.EvaluateResponse>('evaluate', {
      expression: '"token is {{api_token}}"',
      frameId: frames[0].id,
      context: 'repl',
    });
    assert.doesNotMatch(evaluated.body.result, /s3cr3t/);
    const terminated = client.waitForEvent('terminated');
    await client.request('terminate', {});
    await terminated;
  });
});
