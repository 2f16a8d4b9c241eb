// The TestMesh extension in a real VS Code (code-server + headless Chromium): the packaged VSIX is
// installed into a fresh profile, the example flows are opened against the demo API started here,
// and every feature is driven the way a user drives it (Test Explorer, CodeLens, panels), then
// checked from outside (the local REST API, the extension's test-hook state file, an observer
// server the fixture flows call). One code-server session is shared by the tests, which run in
// order; each leaves a screenshot in test-results/, and a failing one the extension host log.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { LocalApiClient, waitForState, type ExecutionSummary, type ExtensionState } from './extensionState';
import {
  repoRoot,
  runCommand,
  startDemoApi,
  startExtensionSession,
  waitFor,
  webviewFrame,
  type ExtensionSession,
  type TestHttpServer,
} from './harness';
import { startObserver, type Observer } from './observer';
import {
  cancelTestRun,
  childrenIn,
  clickCodeLens,
  clickCodeLensText,
  collapsePath,
  expandPath,
  findRow,
  goToLine,
  openFile,
  problems,
  readTree,
  runFromTree,
  showTestExplorer,
  showTestResults,
  TREE_ROOT,
  waitForRowState,
  type TreeRow,
} from './workbench';

const SLOW_FILE = 'flows/slow-steps.flow.yaml';
const SLOW_FLOW = 'Slow steps (watch it run)';
const CHECKOUT_FILE = 'failing/checkout.flow.yaml';
const CHECKOUT_FLOW = 'Checkout (deliberately failing)';
const GATED_FILE = 'e2e/gated-steps.flow.yaml';
const GATED_FLOW = 'Gated steps (e2e)';
const CANCEL_FILE = 'e2e/cancellable.flow.yaml';
const CANCEL_FLOW = 'Cancellable (e2e)';
const GATES = ['step-1', 'step-2', 'step-3', 'step-4'];

/** The example workspace: examples/flows, examples/failing, the e2e fixture flows and a .env for the demo API. */
function fillWorkspace(workspace: string, demo: TestHttpServer, observer: Observer): void {
  const root = repoRoot();
  fs.cpSync(path.join(root, 'examples', 'flows'), path.join(workspace, 'flows'), { recursive: true });
  fs.cpSync(path.join(root, 'examples', 'failing'), path.join(workspace, 'failing'), { recursive: true });
  fs.cpSync(path.join(root, 'test', 'e2e', 'fixtures', 'flows'), path.join(workspace, 'e2e'), { recursive: true });
  const demoAccounts = fs
    .readFileSync(path.join(root, 'examples', '.env.example'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line));
  const env = [
    `BASE_URL=${demo.url}`,
    `API_HOST=127.0.0.1`,
    `API_PORT=${demo.port}`,
    `OBSERVER_URL=${observer.url}`,
    ...demoAccounts,
  ];
  fs.writeFileSync(path.join(workspace, '.env'), `${env.join('\n')}\n`);
}

/** What a flow file should show in the tree under its flow: setup group, steps, teardown group. */
function expectedChildren(file: string): { flow: string; children: string[] } {
  const document = parseYaml(fs.readFileSync(file, 'utf8')) as { flow: Record<string, unknown> };
  const flow = document.flow;
  const names = (steps: unknown) =>
    ((steps as Array<{ id?: string; name?: string }> | undefined) ?? []).map((s, i) => s.name ?? s.id ?? `steps_${i}`);
  const children = [...(flow.setup ? ['setup'] : []), ...names(flow.steps), ...(flow.teardown ? ['teardown'] : [])];
  return { flow: String(flow.name), children };
}

describe('TestMesh extension in code-server', function () {
  let demo: TestHttpServer | undefined;
  let observer: Observer | undefined;
  let e2e: ExtensionSession | undefined;
  let workspace = '';
  let stateFile = '';
  let page: Page;
  let api: LocalApiClient;

  before(async function () {
    this.timeout(600_000);
    // Assigned one by one, so that after() closes what started even when a later step fails.
    demo = await startDemoApi();
    observer = await startObserver();
    const servers = { demo, observer };
    e2e = await startExtensionSession({
      name: 'extension',
      prepare: (folder) => fillWorkspace(folder, servers.demo, servers.observer),
      ready: (s) => s.ready && s.server.url && s.flows.length > 0,
      readyMessage: 'the extension to finish discovery and start its local API',
    });
    ({ workspace, stateFile, page } = e2e);
    api = e2e.api();
    await selectEnvironment(page, '.env');
  });

  afterEach(async function () {
    observer?.releaseAll();
    await e2e?.recordTest(this.currentTest);
  });

  after(async function () {
    this.timeout(60_000);
    await e2e?.close();
    await Promise.all([demo?.close(), observer?.close()]);
  });

  it('lists the example flows and their steps in the Test Explorer', async function () {
    const files = fs
      .readdirSync(workspace!, { recursive: true, encoding: 'utf8' })
      .map((file) => file.split(path.sep).join('/'))
      .filter((file) => file.endsWith('.flow.yaml'))
      .sort();
    assert.ok(files.length >= 12, `expected the example flows in the workspace, found ${files.join(', ')}`);

    await expandPath(page, []);
    const fileRows = await waitFor(
      async () => {
        // A single-folder workspace: the files are the tree's first level (no folder row).
        const labels = childrenIn(await readTree(page), TREE_ROOT).map((row) => row.label);
        return files.every((file) => labels.includes(file)) ? labels : undefined;
      },
      { message: `every flow file in the Test Explorer: ${files.join(', ')}` },
    );
    assert.deepStrictEqual([...fileRows].sort(), files);

    for (const file of files) {
      const expected = expectedChildren(path.join(workspace, file));
      const flowRow = await expandPath(page, [file, expected.flow]);
      const children = childrenIn(await readTree(page), flowRow).map((row) => row.label);
      assert.deepStrictEqual(children, expected.children, `steps of ${file} in the Test Explorer`);
      await collapsePath(page, [file]);
    }

    // Setup/teardown groups and nested steps have their own rows too.
    const setup = await expandPath(page, ['flows/user-lifecycle.flow.yaml', 'User lifecycle', 'setup']);
    assert.deepStrictEqual(
      childrenIn(await readTree(page), setup).map((row) => row.label),
      ['POST /users creates the user'],
    );
    const condition = await expandPath(page, [
      'flows/auth.flow.yaml',
      'Authentication',
      'Read admin stats when logged in as an admin',
    ]);
    assert.deepStrictEqual(
      childrenIn(await readTree(page), condition).map((row) => row.label),
      ['GET /admin/stats', 'not_admin'],
    );
    await collapsePath(page, ['flows/user-lifecycle.flow.yaml']);
    await collapsePath(page, ['flows/auth.flow.yaml']);
  });

  it('turns the steps green one by one while a flow runs from the Test Explorer', async function () {
    const flowPath = [SLOW_FILE, SLOW_FLOW];
    const flowRow = await expandPath(page, flowPath);
    const stepCount = childrenIn(await readTree(page), flowRow).length;
    assert.strictEqual(stepCount, 5);

    await runFromTree(page, [SLOW_FILE]);
    // Sample the tree as fast as it can be read until the flow has passed: each step takes ~400 ms.
    const snapshots: string[] = [];
    const deadline = Date.now() + 60_000;
    let started = false;
    for (;;) {
      const rows = await readTree(page);
      const flow = findRow(rows, flowPath);
      const steps = flow ? childrenIn(rows, flow) : [];
      if (steps.length === stepCount) {
        const states = steps.map((row) => row.state);
        started ||= states.some((state) => state === 'queued' || state === 'running');
        if (started) {
          const snapshot = states
            .map((state) =>
              state === 'passed' ? 'P' : state === 'running' ? 'R' : state === 'queued' ? 'Q' : `(${state})`,
            )
            .join('');
          if (snapshots[snapshots.length - 1] !== snapshot) snapshots.push(snapshot);
          if (flow?.state === 'passed' && snapshot === 'PPPPP') break;
        }
      }
      if (Date.now() > deadline)
        assert.fail(`the flow did not pass within 60 s; tree states seen: ${snapshots.join(' ')}`);
    }
    console.log(`      step states seen (P passed, R running, Q queued): ${snapshots.join(' ')}`);
    for (const snapshot of snapshots) {
      assert.match(
        snapshot,
        /^P*[RQ]*$/,
        `steps pass in order, never a later one before an earlier one: ${snapshots.join(' ')}`,
      );
    }
    const passedCounts = snapshots.map((s) => s.replace(/[^P]/g, '').length);
    assert.deepStrictEqual(
      passedCounts,
      [...passedCounts].sort((a, b) => a - b),
      `passed steps only grow: ${snapshots.join(' ')}`,
    );
    assert.ok(
      passedCounts.some((count) => count > 0 && count < stepCount),
      `saw a moment where some steps had passed and others not yet: ${snapshots.join(' ')}`,
    );
  });

  it("shows the failing example's assertion message with expected and actual values", async function () {
    const flowPath = [CHECKOUT_FILE, CHECKOUT_FLOW];
    await expandPath(page, flowPath);
    await runFromTree(page, [CHECKOUT_FILE]);
    await waitForRowState(page, flowPath, 'failed');
    await waitForRowState(page, [...flowPath, 'Order total includes shipping'], 'failed');
    await waitForRowState(page, [...flowPath, 'Price the cart'], 'passed');
    await waitForRowState(page, [...flowPath, 'Place the order'], 'skipped');
    await waitForRowState(page, [...flowPath, 'teardown'], 'passed');

    const panel = await showTestResults(page);
    const messageRow = panel
      .locator('.test-output-peek-tree .monaco-list-row[aria-label^="order total includes shipping"]')
      .first();
    await messageRow.waitFor({ state: 'visible', timeout: 30_000 });
    const message = (await messageRow.getAttribute('aria-label')) ?? '';
    assert.match(message, /total == 35/, 'the message names the assertion');
    assert.match(message, /got total = 30/, 'the message names the actual value');
    await messageRow.click();
    // A TestMessage with expected/actual shows as a diff: "Expected" on the left, "Actual" on the right.
    const diff = panel.locator('.monaco-diff-editor').first();
    await diff.waitFor({ state: 'visible', timeout: 30_000 });
    const expected = await waitFor(
      () =>
        diff
          .locator('.editor.original .view-lines')
          .innerText()
          .then((t) => t.trim()),
      { message: 'the expected side of the diff' },
    );
    const actual = await waitFor(
      () =>
        diff
          .locator('.editor.modified .view-lines')
          .innerText()
          .then((t) => t.trim()),
      { message: 'the actual side of the diff' },
    );
    assert.strictEqual(expected, '35');
    assert.strictEqual(actual, '30');
    const panelText = await panel.innerText();
    assert.match(panelText, /Expected/);
    assert.match(panelText, /Actual/);
  });

  it('runs one step, and only that step, from its CodeLens', async function () {
    // A step runs alone with the values of the flow's last execution: make sure there is one.
    const slowKey = (state: ExtensionState) => state.flows.find((f) => f.file === SLOW_FILE)?.uri ?? '';
    const state = await waitForState(stateFile, (s) => slowKey(s) !== '');
    if (!state.lastExecutions[slowKey(state)]) {
      await runFromTree(page, [SLOW_FILE]);
      await waitForState(stateFile, (s) => s.lastExecutions[slowKey(s)] && s.activeRuns.length === 0);
    }

    await runCommand(page, 'View: Close All Editors');
    await openFile(page, SLOW_FILE);
    const text = fs.readFileSync(path.join(workspace, SLOW_FILE), 'utf8');
    const stepLine = text.split('\n').findIndex((line) => /^\s*- id: slow_3\s*$/.test(line)) + 1;
    assert.ok(stepLine > 0, 'slow_3 is in the flow file');
    await goToLine(page, stepLine);

    const before = new Set((await api.executions()).map((e) => e.id));
    await clickCodeLens(page, 'slow-steps.flow.yaml', "Run 'Slow call 3 of 5'");
    const execution = await waitFor(async () => (await api.executions()).find((e) => !before.has(e.id)), {
      message: 'the execution the CodeLens started',
    });
    const finished = await api.waitForEnd(execution.id);
    assert.strictEqual(finished.status, 'completed', JSON.stringify(finished));
    assert.strictEqual(finished.flow_id, SLOW_FILE);
    assert.strictEqual(finished.only_step, 'slow_3');
    assert.strictEqual(finished.trigger, 'editor');
    const steps = await api.steps(execution.id);
    assert.deepStrictEqual(
      steps.map((s) => [s.step_id, s.status]),
      [['slow_3', 'completed']],
      'the execution ran exactly that step',
    );
    // The extension's own record says the same.
    const after = await waitForState(stateFile, (s) =>
      s.recentExecutions.some((e) => e.id === execution.id && e.status === 'completed'),
    );
    assert.strictEqual(after.recentExecutions.find((e) => e.id === execution.id)?.only_step, 'slow_3');
  });

  it('opens the execution detail panel, which updates live while the flow runs', async function () {
    const gates = observer!;
    gates.reset();
    gates.arm(...GATES);
    await runCommand(page, 'View: Close All Editors');
    await openFile(page, GATED_FILE);
    await clickCodeLensText(page, 'gated-steps.flow.yaml', '▶ Run flow');
    await gates.waitForHit('step-1');
    const [running] = await api.executions(`?flow_id=${encodeURIComponent(GATED_FILE)}&status=running`);
    assert.ok(running, 'the flow is running');

    await clickCodeLensText(page, 'gated-steps.flow.yaml', 'Show last execution');
    const frame = await executionFrame(page, running.id);
    const seen: number[] = [];
    const finishedSteps = async () =>
      Number(await frame.locator('.detail-view .progress').getAttribute('aria-valuenow'));
    const status = () => frame.locator('.detail-view .status-pill').getAttribute('data-status');
    // The page paints before its data arrives: wait for the running execution, step 1 held at its gate.
    await waitFor(async () => (await status()) === 'running' && (await finishedSteps()) === 0, {
      message: 'the panel to show the execution running with 0 finished steps',
    });
    seen.push(0);
    for (const [i, gate] of GATES.entries()) {
      gates.release(gate);
      await waitFor(async () => (await finishedSteps()) === i + 1, {
        message: `the panel to show ${i + 1} finished step(s)`,
      });
      seen.push(i + 1);
    }
    await waitFor(async () => (await status()) === 'completed', {
      message: 'the panel to show the execution passed',
    });
    assert.deepStrictEqual(seen, [0, 1, 2, 3, 4], 'the panel counted the steps up while the flow ran');
    const state = await waitForState(stateFile, (s) => s.panel.open);
    assert.match(state.panel.route ?? '', new RegExp(running.id));
  });

  it('answers the local API only with the token; a run started through REST shows in the Test Explorer and the panel', async function () {
    const withToken = await api.request<{ flows: Array<{ id: string }> }>('GET', '/api/v1/flows');
    assert.strictEqual(withToken.status, 200);
    const ids = withToken.body.flows.map((f) => f.id);
    for (const id of [SLOW_FILE, CHECKOUT_FILE, GATED_FILE])
      assert.ok(ids.includes(id), `GET /api/v1/flows lists ${id}: ${ids.join(', ')}`);
    const noToken = await api.request<{ error: string }>('GET', '/api/v1/flows', { token: null });
    assert.strictEqual(noToken.status, 401);
    assert.match(noToken.body.error, /token/);
    const wrongToken = await api.request('GET', '/api/v1/executions', { token: `${api.token}x` });
    assert.strictEqual(wrongToken.status, 401);
    const refusedStart = await api.request('POST', '/api/v1/executions', {
      token: null,
      body: { flow_id: GATED_FILE },
    });
    assert.strictEqual(refusedStart.status, 401);

    const gates = observer!;
    gates.reset();
    gates.arm(...GATES);
    const flowPath = [GATED_FILE, GATED_FLOW];
    await expandPath(page, flowPath);
    const started = await api.request<ExecutionSummary>('POST', '/api/v1/executions', {
      body: { flow_id: GATED_FILE, variables: { OBSERVER_URL: gates.url } },
    });
    assert.strictEqual(started.status, 201, JSON.stringify(started.body));
    const id = started.body.id;
    assert.strictEqual(started.body.trigger, 'api');
    await gates.waitForHit('step-1');

    // The Test Explorer shows it running, step by step, as a run of its own.
    await waitForRowState(page, flowPath, 'running');
    await waitForRowState(page, [...flowPath, 'Gate 1 of 4'], 'running');
    // The panel's execution list shows it live.
    await runCommand(page, 'TestMesh: Show Execution Detail');
    const listFrame = await webviewFrame(
      page,
      async (frame) => (await frame.locator(`tr.execution-row[data-id="${id}"]`).count()) > 0,
      {
        message: `the panel's execution list to show ${id}`,
      },
    );
    const listRow = listFrame.locator(`tr.execution-row[data-id="${id}"]`);
    assert.strictEqual(await listRow.getAttribute('data-status'), 'running');
    assert.strictEqual((await listRow.locator('.col-trigger').innerText()).trim(), 'api');

    gates.releaseAll();
    const finished = await api.waitForEnd(id);
    assert.strictEqual(finished.status, 'completed', JSON.stringify(finished));
    await waitForRowState(page, [...flowPath, 'Gate 4 of 4'], 'passed');
    await waitForRowState(page, flowPath, 'passed');
    await waitFor(async () => (await listRow.getAttribute('data-status')) === 'completed', {
      message: 'the panel list to show the REST run passed',
    });
  });

  it('cancels a running flow: its request is aborted and its teardown runs', async function () {
    const gates = observer!;
    gates.reset();
    gates.arm('cancel-hold');
    const flowPath = [CANCEL_FILE, CANCEL_FLOW];
    await expandPath(page, flowPath);
    await runFromTree(page, [CANCEL_FILE]);
    await gates.waitForHit('cancel-hold');
    const [running] = await api.executions(`?flow_id=${encodeURIComponent(CANCEL_FILE)}&status=running`);
    assert.ok(running, 'the flow is running');
    await waitForRowState(page, [...flowPath, 'Wait until cancelled'], 'running');

    await cancelTestRun(page);
    const finished = await api.waitForEnd(running.id);
    assert.strictEqual(finished.status, 'cancelled', JSON.stringify(finished));
    await waitFor(() => gates.aborts('cancel-hold') > 0, { message: 'the held request to be aborted' });
    assert.strictEqual(gates.hits('cancel-teardown'), 1, 'teardown called the observer once');
    assert.strictEqual(gates.hits('cancel-after'), 0, 'the step after the cancelled one did not run');
    const steps = await api.steps(running.id);
    const statusOf = (stepId: string) => steps.find((s) => s.step_id === stepId)?.status;
    assert.strictEqual(statusOf('report_teardown'), 'completed', JSON.stringify(steps));
    assert.notStrictEqual(statusOf('after_hold'), 'completed', JSON.stringify(steps));
    await waitForRowState(page, [...flowPath, 'teardown'], 'passed');
    const flow = await waitForRowState(page, flowPath, ['skipped', 'failed', 'errored', 'unset']);
    assert.notStrictEqual(flow.state, 'passed');
  });

  it('shows a broken flow file in the Problems panel while the other flows still run', async function () {
    const broken = 'flows/broken.flow.yaml';
    fs.writeFileSync(
      path.join(workspace, broken),
      'flow:\n  name: Broken on purpose\n  steps:\n    - id: no_action\n      name: A step without an action\n      config: {}\n',
    );
    const state = await waitForState(stateFile, (s) => s.flows.some((f) => f.file === broken && !f.valid));
    const brokenFlow = state.flows.find((f) => f.file === broken)!;
    assert.match(brokenFlow.errors.join('\n'), /^4:\d+ .*action/m);

    const labels = await waitFor(
      async () => {
        const rows = await problems(page);
        return rows.some((row) => row.includes('broken.flow.yaml')) && rows.some((row) => /no 'action'/.test(row))
          ? rows
          : undefined;
      },
      { message: 'the broken flow in the Problems panel' },
    );
    assert.ok(
      labels.some((row) => /^Error: .*no 'action'.* at line 4/.test(row)),
      labels.join('\n'),
    );

    // Everything in the workspace runs; the broken file is an error of its own and hides nothing.
    observer!.reset();
    await showTestExplorer(page);
    for (const row of (await readTree(page)).filter((r) => r.level === 1 && r.expanded))
      await collapsePath(page, [row.label]);
    const files = state.flows.map((f) => f.file).sort();
    const runnable = files.filter((file) => file !== broken);
    const before = new Set((await api.executions('?limit=200')).map((e) => e.id));
    await runFromTree(page, []);
    const executions = await waitFor(
      async () => {
        const latest = new Map<string, ExecutionSummary>();
        for (const e of await api.executions('?limit=200'))
          if (!before.has(e.id) && !latest.has(e.flow_id)) latest.set(e.flow_id, e);
        const finished = runnable.every((file) =>
          ['completed', 'failed', 'cancelled'].includes(latest.get(file)?.status ?? ''),
        );
        return finished ? latest : undefined;
      },
      { timeout: 150_000, interval: 500, message: 'an execution of every valid flow to finish' },
    );
    assert.deepStrictEqual([...executions.keys()].sort(), runnable, 'every valid flow ran, the broken one did not');
    assert.deepStrictEqual(
      runnable
        .filter((file) => executions.get(file)!.status !== (file === CHECKOUT_FILE ? 'failed' : 'completed'))
        .map((file) => `${file}: ${executions.get(file)!.status}`),
      [],
      'every flow but the deliberately failing one passed',
    );

    // The tree shows the same: the broken file as an error, each flow with its execution's result.
    const expectedState = (file: string) => {
      if (file === broken) return 'errored';
      const execution = executions.get(file)!;
      // A step failure that on_error: continue tolerated is checked by the next test.
      if (execution.status === 'completed' && execution.failed_steps > 0) return undefined;
      return execution.status === 'completed' ? 'passed' : 'failed';
    };
    const fileRows = await waitFor(
      async () => {
        const children = childrenIn(await readTree(page), TREE_ROOT);
        const settled = files.every((file) => {
          const wanted = expectedState(file);
          return wanted === undefined || children.find((row) => row.label === file)?.state === wanted;
        });
        return settled ? children : undefined;
      },
      { timeout: 30_000, message: "the Test Explorer to show every flow file's result" },
    ).catch(async (error: Error) => {
      const rows = await readTree(page);
      throw new Error(
        `${error.message}; rows: ${rows
          .filter((r) => r.level === 1)
          .map((r) => `${r.label}=${r.state}`)
          .join(', ')}`,
      );
    });
    assert.strictEqual(fileRows.find((row: TreeRow) => row.label === broken)?.description, 'invalid flow');
  });

  it('shows a flow whose tolerated step failure (on_error: continue) let it pass as passed', async function () {
    const file = 'flows/resilience.flow.yaml';
    const flowPath = [file, 'Resilience and optional checks'];
    await expandPath(page, flowPath);
    const before = new Set((await api.executions()).map((e) => e.id));
    await runFromTree(page, [file]);
    const execution = await waitFor(
      async () => (await api.executions()).find((e) => !before.has(e.id) && e.flow_id === file),
      {
        message: 'the execution of the resilience flow',
      },
    );
    const finished = await api.waitForEnd(execution.id);
    assert.strictEqual(finished.status, 'completed', JSON.stringify(finished));
    assert.strictEqual(finished.failed_steps, 1, 'the optional step failed and was tolerated');
    await waitForRowState(page, [...flowPath, 'Log how many calls it took'], 'passed');
    const flow = findRow(await readTree(page), flowPath);
    assert.strictEqual(
      flow?.state,
      'passed',
      `the flow passed (execution ${finished.status}), the Test Explorer shows it ${flow?.state}`,
    );
  });

  // ---- helpers bound to this session ----

  async function selectEnvironment(target: Page, relativePath: string): Promise<void> {
    // The command opens its own quick pick in the palette's place, so the palette may never be seen
    // to close: what counts is the pick below and the state after it.
    await runCommand(target, 'TestMesh: Select Environment (.env File)').catch(() => undefined);
    const row = target.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({
      // The label may start with a file icon: match the path at the end of its text.
      has: target.locator('.label-name', { hasText: new RegExp(`^\\s*${relativePath.replace(/\./g, '\\.')}$`) }),
    });
    await row.first().click();
    await waitForState(stateFile, (s) => s.environment?.endsWith(relativePath), {
      message: `the environment ${relativePath} to be selected`,
    });
  }

  /** The panel's content frame once it shows execution `id`. */
  function executionFrame(target: Page, id: string): Promise<Frame> {
    return webviewFrame(
      target,
      async (frame) => {
        // count() does not wait: most frames have no such element.
        const crumb = frame.locator('.detail-view .crumb-id');
        return (await crumb.count()) > 0 && (await crumb.first().textContent())?.trim() === id;
      },
      {
        timeout: 30_000,
        message: `the detail panel on execution ${id}`,
      },
    );
  }
});
