// The Debug profile, F5 and the paused-value hover against the fake `vscode`, with the real
// inline adapter and a real ExecutionManager: the debug run is drawn on a Test Explorer run and
// recorded like any other.
import * as assert from 'node:assert';
import { join } from 'node:path';
import { DebugValueHover, placeholderAt } from '../../../src/extension/debugHover';
import { DEBUG_TYPE, FlowDebugging } from '../../../src/extension/debugging';
import { json, startServer, waitFor, type TestServer } from '../helpers';
import {
  CancellationTokenSource,
  FakeTextDocument,
  Position,
  TestRunRequest,
  Uri,
  type FakeDebugSession,
} from './fakeVscode';
import { createHarness, type Harness } from './harness';

const FLOW = `flow:
  name: Debugged
  steps:
    - id: fetch
      name: fetch
      action: http_request
      config:
        url: "{{BASE_URL}}/thing"
      output:
        thing_id: $.body.id
    - id: show
      name: show
      action: log
      config: { message: "thing {{thing_id}}" }
`;

describe('extension: debugging', () => {
  let api: TestServer;
  let h: Harness;
  let debugging: FlowDebugging;
  let hover: DebugValueHover;

  before(async () => {
    api = await startServer((_req, res) => json(res, 200, { id: 7 }));
  });
  after(() => api.close());
  beforeEach(async () => {
    h = await createHarness({ 'flows/debugged.flow.yaml': FLOW });
    h.inputs.variables.BASE_URL = api.url;
    debugging = new FlowDebugging({
      vscode: h.fake.vscode,
      log: h.fake.vscode.window.createOutputChannel('x', { log: true }),
      tree: h.tree,
      index: h.index,
      runs: h.runs,
      manager: async () => h.manager,
      inputs: async () => h.inputs,
    });
    hover = new DebugValueHover(h.fake.vscode, DEBUG_TYPE);
  });
  afterEach(async () => {
    hover.dispose();
    debugging.dispose();
    await h.dispose();
  });

  it('debugs a flow item from the Test Explorer: paused at a breakpoint, hover shows a value, the run ends green', async () => {
    const file = join(h.root, 'flows/debugged.flow.yaml');
    h.fake.breakpoints.set(file, [FLOW.split('\n').findIndex((l) => l.includes('- id: show')) + 1]);
    const profile = h.controller.profiles.find((p) => p.label === 'Debug')!;
    assert.strictEqual(profile.kind, 2);
    assert.strictEqual(profile.tag?.id, 'runnable', 'no Debug button on a broken file either');
    const flowItem = h.item(h.tree.flowItem(h.key('flows/debugged.flow.yaml'))?.id);
    const before = h.controller.runs.length;
    const running = profile.runHandler(
      new TestRunRequest([flowItem]),
      new CancellationTokenSource().token,
    ) as Promise<void>;
    await waitFor(() => h.fake.debugSessions.length === 1, 10000, 'a debug session');
    const session: FakeDebugSession = h.fake.debugSessions[0];
    await waitFor(() => session.events.some((e) => e.event === 'stopped'), 10000, 'the stop');
    const trace = await session.customRequest('stackTrace', { threadId: 1 });
    assert.strictEqual(trace.stackFrames[0].name, 'show (log)');

    // Hover over {{thing_id}} while paused.
    const doc = new FakeTextDocument(Uri.file(file), FLOW);
    const line = FLOW.split('\n').findIndex((l) => l.includes('thing {{thing_id}}'));
    const column = FLOW.split('\n')[line].indexOf('thing_id');
    assert.strictEqual(h.fake.providers.hover.length, 1, 'the hover is registered during the session');
    const shown = (await h.fake.providers.hover[0].provideHover(doc, new Position(line, column))) as {
      contents: Array<{ value: string }>;
    };
    assert.match(shown.contents[0].value, /thing_id = 7/);

    // The execution is live in the manager, as a run of the Test Explorer.
    const live = h.manager.list().executions[0];
    assert.strictEqual(live.status, 'running');
    await session.customRequest('continue', { threadId: 1 });
    await running;
    const run = h.controller.runs[before];
    assert.ok(run.ended);
    assert.strictEqual(
      h.controller.renderTestTree({ run }),
      `· flows/debugged.flow.yaml #runnable
  ✓ Debugged
    ✓ fetch — http_request
    ✓ show — log`,
    );
    assert.strictEqual(h.manager.list().executions[0].status, 'completed');
    await waitFor(() => session.terminated, 5000, 'the session to end');
    assert.strictEqual(h.fake.providers.hover.length, 0, 'the hover goes with the session');
  });

  it('F5 without a launch.json debugs the flow in the active editor; started elsewhere it shows as a run of its own', async () => {
    const file = join(h.root, 'flows/debugged.flow.yaml');
    h.fake.open(file, FLOW);
    const ok = await h.fake.vscode.debug.startDebugging(undefined, { type: '', request: '', name: '' });
    assert.strictEqual(ok, true, h.fake.messages.join('\n'));
    const session = h.fake.debugSessions[0];
    assert.strictEqual(session.configuration.flow, file);
    await waitFor(() => session.terminated, 10000, 'the session to end');
    const [execution] = h.manager.list().executions;
    assert.strictEqual(execution.trigger, 'debug');
    assert.strictEqual(execution.status, 'completed');
    assert.ok(
      h.controller.runs.some((r) => r.name?.includes('(debug)')),
      'drawn in the Test Explorer',
    );
  });

  it('finds the placeholder under the cursor', () => {
    assert.deepStrictEqual(placeholderAt('url: "{{ BASE }}/x/{{id}}"', 8), { text: 'BASE', start: 6, end: 16 });
    assert.deepStrictEqual(placeholderAt('url: "{{ BASE }}/x/{{id}}"', 21)?.text, 'id');
    assert.strictEqual(placeholderAt('url: plain', 3), undefined);
  });
});
