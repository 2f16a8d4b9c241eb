// The first five minutes in a real VS Code (code-server + headless Chromium, window 1280 px wide),
// on a small repository of a user's own: flows under tests/api/, a .env with BASE_URL, one slow
// flow held by a gate of the server started here, one failing flow, a flow needing a variable
// nothing sets, and a flow-looking file outside the flow globs. Each test checks one point of
// issue 20 the way a user sees it; the last one leaves docs/vscode.png's candidate in test-results/.
import * as assert from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { LocalApiClient, waitForState, type ExtensionState } from './extensionState';
import {
  repoRoot,
  runCommand,
  screenshot,
  startExtensionSession,
  startHttpServer,
  waitFor,
  webviewFrame,
  type ExtensionSession,
  type TestHttpServer,
} from './harness';
import {
  activeEditor,
  childrenIn,
  clickCodeLensText,
  expandPath,
  findRow,
  openFile,
  readTree,
  rowLocator,
  runFromTree,
  showTestExplorer,
  showTestResults,
  TREE_ROOT,
  waitForRowState,
} from './workbench';

const ORDERS_FILE = 'tests/api/orders.flow.yaml';
const ORDERS_FLOW = 'Orders';
const SLOW_FILE = 'tests/api/slow.flow.yaml';
const SLOW_FLOW = 'Slow checkout';
const TOKEN_FILE = 'tests/api/token.flow.yaml';
const BROKEN_FILE = 'tests/api/broken.flow.yaml';
const SCRATCH_FILE = 'scratch/try.yaml';
const SKIPPED_TEXT = 'skipped: an earlier step failed';

const ORDERS = `flow:
  name: ${ORDERS_FLOW}
  steps:
    - id: create_order
      name: Create the order
      action: http_request
      config:
        method: POST
        url: "{{BASE_URL}}/orders"
      assert:
        - status == 202
    - id: check_total
      name: Check the total
      action: http_request
      config:
        url: "{{BASE_URL}}/orders/1"
      assert:
        - body.total == 35
    - id: pay
      name: Pay for the order
      action: http_request
      config:
        method: POST
        url: "{{BASE_URL}}/orders/1/pay"
`;

const SLOW = `flow:
  name: ${SLOW_FLOW}
  steps:
${[1, 2, 3, 4, 5]
  .map(
    (n) => `    - id: call_${n}
      name: Call ${n} of 5
      action: http_request
      config:
        url: "{{BASE_URL}}/${n === 3 ? 'slow' : 'fast'}"
      assert:
        - status == 200
`,
  )
  .join('')}`;

const TOKEN = `flow:
  name: Needs a token
  steps:
    - id: me
      name: Who am I
      action: http_request
      config:
        url: "{{BASE_URL}}/me"
        headers:
          Authorization: "Bearer {{API_TOKEN}}"
`;

const NESTED_FILE = 'tests/api/nested.flow.yaml';
const NESTED_HELPER_FILE = 'tests/api/helpers/login.flow.yaml';
const NESTED = `flow:
  name: Nested
  steps:
    - id: wait
      name: Wait for the slow call
      action: http_request
      config: { url: "{{BASE_URL}}/slow" }
    - id: login
      name: Log in
      action: run_flow
      config: { flow: helpers/login.flow.yaml }
    - id: each
      name: Check each order
      action: for_each
      config:
        items: [1, 2]
        steps:
          - id: check_one
            name: Check one order
            action: http_request
            config: { url: "{{BASE_URL}}/fast" }
    - id: total
      name: Check the total
      action: http_request
      config: { url: "{{BASE_URL}}/orders/1" }
      assert:
        - body.total == 35
    - id: maybe_pay
      name: Pay when in stock
      action: condition
      config:
        condition: "true"
        then:
          - id: pay
            name: Pay
            action: http_request
            config: { method: POST, url: "{{BASE_URL}}/orders/1/pay" }
`;
const NESTED_HELPER = `flow:
  name: Log in
  steps:
    - id: get_token
      action: http_request
      config: { url: "{{BASE_URL}}/fast" }
    - id: use_token
      action: log
      config: { message: logged in }
`;

const SCRATCH = `flow:
  name: Scratch flow
  steps:
    - id: ping
      action: http_request
      config:
        url: "{{BASE_URL}}/fast"
`;

describe('The first five minutes in code-server (issue 20)', function () {
  let server: TestHttpServer | undefined;
  let e2e: ExtensionSession | undefined;
  let workspace = '';
  let stateFile = '';
  let page: Page;
  let api: LocalApiClient;
  const held: ServerResponse[] = [];
  let holdSlow = false;

  before(async function () {
    // Generous: on a machine shared with builds the workbench and extension host are slow to come up.
    this.timeout(600_000);
    server = await startHttpServer((req, res) => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/slow' && holdSlow) return void held.push(res);
      if (req.url === '/orders' && req.method === 'POST') return reply(202, { id: 1 });
      if (req.url === '/orders/1') return reply(200, { id: 1, total: 30 });
      reply(200, { ok: true });
    });
    e2e = await startExtensionSession({
      name: 'firstfive',
      files: {
        [ORDERS_FILE]: ORDERS,
        [SLOW_FILE]: SLOW,
        [TOKEN_FILE]: TOKEN,
        [SCRATCH_FILE]: SCRATCH,
        '.env': `BASE_URL=${server.url}\n`,
      },
      settings: {
        'editor.minimap.enabled': false,
        // Test Results would open under the editor on every run and hide half the flow's lines.
        'testing.openTesting': 'neverOpen',
        // The user's own layout: flows under tests/ only, so scratch/ is outside.
        'testmesh.flowGlobs': ['tests/**/*.yaml'],
      },
      viewport: { width: 1280, height: 800 },
      ready: (s) => s.ready && s.server.url && s.flows.length >= 3,
      readyMessage: 'the extension to finish discovery and start its local API',
      timeout: 300_000,
    });
    ({ workspace, stateFile, page } = e2e);
    api = e2e.api();
  });

  afterEach(async function () {
    holdSlow = false;
    for (const res of held.splice(0)) res.end('{}');
    await e2e?.recordTest(this.currentTest);
  });

  after(async function () {
    this.timeout(60_000);
    await e2e?.close();
    await server?.close();
  });

  it('1. picks the only .env itself and says so in the status bar', async function () {
    const state = await waitForState(stateFile, (s) => (s as StateWithAuto).environmentAuto === true);
    assert.ok(state.environment?.endsWith(`${path.sep}.env`), String(state.environment));
    const item = page.locator('.statusbar-item', { hasText: '.env (auto)' });
    await item.first().waitFor({ state: 'visible', timeout: 30_000 });
  });

  it('5. shows the flows at once in a single-folder workspace: no lone folder row', async function () {
    await showTestExplorer(page);
    const labels = await waitFor(
      async () => {
        const top = childrenIn(await readTree(page), TREE_ROOT).map((row) => row.label);
        return [ORDERS_FILE, SLOW_FILE, TOKEN_FILE].every((file) => top.includes(file)) ? top : undefined;
      },
      { message: 'the flow files as the first rows of the Test Explorer' },
    );
    assert.ok(!labels.includes(path.basename(workspace)), `no folder row: ${labels.join(', ')}`);
    assert.ok(!labels.includes(SCRATCH_FILE), 'scratch/ is outside the flow globs');
  });

  it("3/4. after a run, each step's line says state and duration first, then the request, inside the editor at 1280 px; a skipped step says so once", async function () {
    const flowPath = [ORDERS_FILE, ORDERS_FLOW];
    await expandPath(page, flowPath);
    await runFromTree(page, [ORDERS_FILE]);
    await waitForRowState(page, flowPath, 'failed');
    await waitForRowState(page, [...flowPath, 'Pay for the order'], 'skipped');
    // run.skipped takes no message: the Testing tree says why on the row itself, in front of its
    // action (the description reaches the tree a moment after the state).
    await waitFor(
      async () =>
        findRow(await readTree(page), [...flowPath, 'Pay for the order'])?.description ===
        `${SKIPPED_TEXT} · http_request`,
      { message: `the skipped row to say "${SKIPPED_TEXT} · http_request"` },
    );

    await runCommand(page, 'View: Close All Editors');
    await openFile(page, ORDERS_FILE);
    const editor = activeEditor(page, 'orders.flow.yaml');
    const marks = await waitFor(
      async () => {
        const found = await lineMarks(editor);
        const create = found.find((m) => m.line === 4);
        return create && / · POST \/orders → 202/.test(create.text) && found.some((m) => m.line === 19)
          ? found
          : undefined;
      },
      { message: 'the step marks with their request summaries' },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await lineMarks(editor))}`);
    });
    console.log(`      marks at 1280 px: ${JSON.stringify(marks)}`);
    const byLine = new Map(marks.map((m) => [m.line, m]));
    const create = byLine.get(4)!;
    assert.match(create.text, /^✓ \d+(\.\d+)? (ms|s) · POST \/orders → 202 · \d+ B$/);
    const check = byLine.get(12)!;
    assert.match(check.text, /^✗ \d+(\.\d+)? (ms|s) · GET \/orders\/1 → 200 · \d+ B$/);
    const pay = byLine.get(19)!;
    assert.strictEqual(pay.text, `– ${SKIPPED_TEXT}`);
    for (const mark of [create, check, pay]) {
      // The state and duration (the first characters) are inside the editor's visible width.
      assert.ok(
        mark.left < mark.editorRight,
        `line ${mark.line}'s mark starts inside the editor: ${JSON.stringify(mark)}`,
      );
      assert.ok(
        mark.left + mark.stateWidth <= mark.editorRight,
        `line ${mark.line}'s state and duration are fully visible: ${JSON.stringify(mark)}`,
      );
      // Nothing else drawn after the end of the step's line: the mark is the only one there.
      assert.deepStrictEqual(mark.others, [], `line ${mark.line} has only the extension's mark`);
    }

    // The same words in the panel's step tree, and in the CLI.
    await clickCodeLensText(page, 'orders.flow.yaml', 'Show last execution');
    const frame = await panelFrame(page, (f) => f.locator('.detail-view .status-pill[data-status="failed"]'));
    const payRow = frame.locator('[data-step-id="pay"] .step-note').first();
    await waitFor(async () => (await payRow.textContent())?.trim() === SKIPPED_TEXT, {
      message: `the panel to say "${SKIPPED_TEXT}"`,
    });
    const cli = await runCli(['run', ORDERS_FILE, '--env-file', '.env', '--no-color'], workspace);
    const skippedLines = cli.split('\n').filter((line) => line.includes('Pay for the order'));
    assert.deepStrictEqual(
      skippedLines.map((line) => line.trim()),
      [`- Pay for the order (${SKIPPED_TEXT})`],
      cli,
    );
  });

  it('5. a broken file shows its error without a run icon, and loses it as soon as it is fixed', async function () {
    fs.writeFileSync(path.join(workspace, BROKEN_FILE), ORDERS.replace('name: Orders', 'name: [Broken'));
    await waitForState(stateFile, (s) => s.flows.some((f) => f.file === BROKEN_FILE && !f.valid));
    await showTestExplorer(page);
    const row = await waitFor(
      async () => {
        const found = findRow(await readTree(page), [BROKEN_FILE]);
        return found?.description === 'invalid flow' ? found : undefined;
      },
      { message: 'the broken file row saying invalid flow' },
    );
    assert.ok(['', 'unset'].includes(row.state), `no run result on the broken file: ${row.state}`);
    // Hovering the row shows no Run or Debug button (the profiles take only runnable items); a valid file's row has both.
    assert.deepStrictEqual(await hoverActions(page, [BROKEN_FILE]), [], 'no Run/Debug button on a broken file');
    assert.deepStrictEqual(await hoverActions(page, [ORDERS_FILE]), ['Run Test', 'Debug Test']);
    // VS Code shows the item's error as a row of its own under it.
    const errorRow = testTreeText(page);
    await waitFor(async () => /line 3: YAML syntax error/.test(await errorRow()), {
      message: "the broken file's error in the Test Explorer",
    });
    await runCommand(page, 'View: Close All Editors');
    await openFile(page, BROKEN_FILE);
    const editor = activeEditor(page, 'broken.flow.yaml');
    await editor.locator('.view-lines').waitFor({ state: 'visible' });
    // Give the decorations a moment to be drawn if they were going to be: poll for a while that none shows.
    const glyphs = await waitFor(async () => runGlyphs(editor), { timeout: 3_000 }).catch(() => 0);
    assert.strictEqual(glyphs, 0, 'no run icon in the gutter of a broken file');

    fs.writeFileSync(path.join(workspace, BROKEN_FILE), ORDERS.replace('name: Orders', 'name: Fixed orders'));
    const fixed = await waitFor(
      async () => {
        const found = findRow(await readTree(page), [BROKEN_FILE]);
        return found && found.description === '' && found.expanded !== undefined ? found : undefined;
      },
      { message: 'the fixed file row without "invalid flow"' },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(findRow(await readTree(page), [BROKEN_FILE]))}`);
    });
    assert.notStrictEqual(fixed.state, 'errored');
    assert.deepStrictEqual(
      await waitFor(async () => {
        const actions = await hoverActions(page, [BROKEN_FILE]);
        return actions.length ? actions : undefined;
      }),
      ['Run Test', 'Debug Test'],
      'the Run button is back once the file is fixed',
    );
    await waitFor(async () => (await runGlyphs(editor)) > 0, { message: 'run icons once the file is fixed' });
    // The tree redraws the item's children a moment after its run icons return.
    await waitFor(async () => !/YAML syntax error/.test(await errorRow()), { message: 'the error went with the fix' });
  });

  it('2. a flow-looking file outside the globs says why and is listed in one click', async function () {
    await runCommand(page, 'View: Close All Editors');
    await openFile(page, SCRATCH_FILE);
    const editor = activeEditor(page, 'try.yaml');
    const why = editor.locator('.codelens-decoration', { hasText: 'Not listed by TestMesh' });
    await why.first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await why.first().innerText(), /outside the testmesh\.flowGlobs setting \(tests\/\*\*\/\*\.yaml\)/);
    await clickCodeLensText(page, 'try.yaml', `Add ${SCRATCH_FILE} to testmesh.flowGlobs`);
    await waitForState(stateFile, (s) => s.flows.some((f) => f.file === SCRATCH_FILE && f.valid));
    await editor.locator('.codelens-decoration a', { hasText: '▶ Run flow' }).first().waitFor({ timeout: 30_000 });
    await waitFor(async () => (await why.count()) === 0, { message: 'the "not listed" lens to go' });
    const settings = JSON.parse(fs.readFileSync(path.join(workspace, '.vscode', 'settings.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.deepStrictEqual(settings['testmesh.flowGlobs'], ['tests/**/*.yaml', SCRATCH_FILE]);
    await showTestExplorer(page);
    await waitFor(async () => findRow(await readTree(page), [SCRATCH_FILE]), {
      message: 'the file in the Test Explorer',
    });
  });

  it('1. a variable nothing sets: the message says where variables come from, with links that work', async function () {
    const flowPath = [TOKEN_FILE, 'Needs a token'];
    await expandPath(page, flowPath);
    await runFromTree(page, [TOKEN_FILE]);
    await waitForRowState(page, flowPath, ['failed', 'errored']);
    // The notification names the environment and offers to pick one.
    const toast = page.locator('.notifications-toasts .notification-toast', {
      hasText: "nothing sets the variable 'API_TOKEN'",
    });
    await toast.first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await toast.first().innerText(), /selected environment \(\.env\)/);
    // Test Results: the message with its links.
    const panel = await showTestResults(page);
    const messageRow = panel
      .locator('.test-output-peek-tree .monaco-list-row', { hasText: 'unresolved variable' })
      .first();
    await messageRow.waitFor({ state: 'visible', timeout: 30_000 });
    await messageRow.click();
    const link = panel.locator('a', { hasText: 'Pick an environment' }).first();
    await link.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await panel.innerText(), /Variables come from the selected environment/);
    await link.click();
    const picker = page.locator('.quick-input-widget', { hasText: 'TestMesh environment' });
    await picker.waitFor({ state: 'visible', timeout: 30_000 });
    // Picking another environment (here: none) makes the earlier runs' results stale: they go.
    const ordersKey = (s: ExtensionState) => s.flows.find((f) => f.file === ORDERS_FILE) as FlowWithMarks | undefined;
    const before = await waitForState(stateFile, (s) => Object.keys(ordersKey(s)?.decorations ?? {}).length > 0);
    assert.ok(Object.keys(ordersKey(before)!.decorations!).length > 0);
    await picker.locator('.monaco-list-row', { hasText: 'No environment' }).first().click();
    await waitForState(
      stateFile,
      (s) => s.environment === null && Object.keys(ordersKey(s)?.decorations ?? {}).length === 0,
      {
        message: "the orders flow's step marks to be cleared",
      },
    );
    await selectEnvironment(page, '.env');
  });

  it('6. the panel lists every step from the start of a run, queued ones greyed; empty sections say what would be there', async function () {
    holdSlow = true;
    await runCommand(page, 'View: Close All Editors');
    await hidePanel(page);
    await openFile(page, SLOW_FILE);
    await clickCodeLensText(page, 'slow.flow.yaml', '▶ Run flow');
    await waitFor(() => held.length > 0, { message: 'the third call to be held' });
    const [running] = await api.executions(`?flow_id=${encodeURIComponent(SLOW_FILE)}&status=running`);
    assert.ok(running, 'the flow is running');
    await clickCodeLensText(page, 'slow.flow.yaml', 'Show last execution');
    const frame = await panelFrame(page, (f) => f.locator(`.detail-view .crumb-id:text-is("${running.id}")`));
    const rows = frame.locator('.step-trees [data-step-id]');
    const statuses = await waitFor(
      async () => {
        const seen = await rows.evaluateAll((items) =>
          items.map((item) => ({
            id: (item as HTMLElement).dataset.stepId,
            status: (item as HTMLElement).dataset.status,
            opacity: Number(getComputedStyle(item.querySelector('.step-line')!).opacity),
          })),
        );
        return seen.length === 5 && seen[2].status === 'running' ? seen : undefined;
      },
      { message: 'five rows with the third running' },
    );
    assert.deepStrictEqual(
      statuses.map((s) => s.status),
      ['completed', 'completed', 'running', 'pending', 'pending'],
    );
    assert.ok(
      statuses[3].opacity < 1 && statuses[4].opacity < 1,
      `queued rows are greyed: ${JSON.stringify(statuses)}`,
    );
    assert.strictEqual(statuses[0].opacity, 1);
    assert.match(await frame.locator('.detail-view .count.total').innerText(), /2 \/ 5 steps/);
    await screenshot(page, 'e2e-firstfive-panel-while-running');

    holdSlow = false;
    for (const res of held.splice(0)) res.end('{}');
    await api.waitForEnd(running.id);
    const empty = frame.locator('.overview .empty');
    await waitFor(async () => (await empty.innerText()).trim() === 'No log lines in this run.', {
      message: 'the logs section to say there were none in this run',
    });
  });

  it('7. leaves the README screenshot: Test Explorer, a flow with its step marks and the panel', async function () {
    await runCommand(page, 'View: Close All Editors');
    await hidePanel(page);
    await showTestExplorer(page);
    // The environment was changed above, which cleared the marks: run the flow again for the picture.
    await expandPath(page, [ORDERS_FILE, ORDERS_FLOW]);
    await runFromTree(page, [ORDERS_FILE]);
    await waitForRowState(page, [ORDERS_FILE, ORDERS_FLOW, 'Pay for the order'], 'skipped');
    await openFile(page, ORDERS_FILE);
    await waitFor(async () => (await lineMarks(activeEditor(page, 'orders.flow.yaml'))).length === 3, {
      message: 'the three step marks',
    });
    await clickCodeLensText(page, 'orders.flow.yaml', 'Show last execution');
    await panelFrame(page, (f) => f.locator('.detail-view .status-pill[data-status="failed"]'));
    await runCommand(page, 'View: Focus Active Editor Group').catch(() => undefined);
    const file = await screenshot(page, 'readme-vscode');
    assert.ok(fs.statSync(file).size > 10_000, 'a real picture');
  });

  it("6. the panel lists nested steps and a sub-flow's steps from the start too; the header counts skipped rows as skipped", async function () {
    fs.mkdirSync(path.join(workspace!, 'tests/api/helpers'), { recursive: true });
    fs.writeFileSync(path.join(workspace!, NESTED_HELPER_FILE), NESTED_HELPER);
    fs.writeFileSync(path.join(workspace!, NESTED_FILE), NESTED);
    await waitForState(stateFile, (s) => s.flows.some((f) => f.file === NESTED_FILE && f.valid));
    holdSlow = true;
    await runCommand(page, 'View: Close All Editors');
    await hidePanel(page);
    await openFile(page, NESTED_FILE);
    await clickCodeLensText(page, 'nested.flow.yaml', '▶ Run flow');
    await waitFor(() => held.length > 0, { message: 'the first call to be held' });
    const [running] = await api.executions(`?flow_id=${encodeURIComponent(NESTED_FILE)}&status=running`);
    assert.ok(running, 'the flow is running');
    await clickCodeLensText(page, 'nested.flow.yaml', 'Show last execution');
    const frame = await panelFrame(page, (f) => f.locator(`.detail-view .crumb-id:text-is("${running.id}")`));
    const rows = frame.locator('.step-trees [data-step-id]');
    const read = () =>
      rows.evaluateAll((items) =>
        items.map((item) => {
          const row = item as HTMLElement;
          const note = row.querySelector(':scope > .step-line .step-note')?.textContent ?? '';
          const parent = row.parentElement?.closest<HTMLElement>('[data-step-id]')?.dataset.stepId;
          return `${parent ? `${parent} > ` : ''}${row.dataset.stepId}: ${row.dataset.status}${note ? ` (${note})` : ''}`;
        }),
      );
    const early = await waitFor(
      async () => {
        const seen = await read();
        return seen.length === 9 && seen[0] === 'wait: running' ? seen : undefined;
      },
      { message: 'nine rows with the first running' },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await read())}`);
    });
    assert.deepStrictEqual(early, [
      'wait: running',
      'login: pending',
      'login > login/get_token: pending',
      'login > login/use_token: pending',
      'each: pending',
      'each > check_one: pending',
      'total: pending',
      'maybe_pay: pending',
      'maybe_pay > pay: pending',
    ]);
    assert.match(await frame.locator('.detail-view .count.total').innerText(), /0 \/ 9 steps/);
    await screenshot(page, 'e2e-firstfive-panel-nested-while-running');

    holdSlow = false;
    for (const res of held.splice(0)) res.end('{}');
    await api.waitForEnd(running.id);
    const done = await waitFor(
      async () => {
        const seen = await read();
        return seen.some((row) => row.includes('pending')) || seen.length !== 10 ? undefined : seen;
      },
      { message: 'every row settled' },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await read())}`);
    });
    assert.deepStrictEqual(
      done.map((row) => (row.startsWith('total: failed') ? 'total: failed' : row)),
      [
        'wait: completed',
        'login: completed',
        'login > login/get_token: completed',
        'login > login/use_token: completed',
        'each: completed',
        // The loop body's planned row gave way to its iterations.
        'each > check_one[0]: completed',
        'each > check_one[1]: completed',
        'total: failed',
        'maybe_pay: skipped (skipped: an earlier step failed)',
        'maybe_pay > pay: skipped (skipped: an earlier step failed)',
      ],
    );
    const header = frame.locator('.detail-view .exec-header');
    assert.match(await header.locator('.count.total').innerText(), /^10 \/ 10 steps$/);
    assert.match(await header.locator('.count.skipped').innerText(), /^2 skipped$/);
    await screenshot(page, 'e2e-firstfive-panel-nested-done');
  });

  // ---- helpers bound to this session ----

  async function selectEnvironment(target: Page, relativePath: string): Promise<void> {
    // The command opens its own quick pick in the palette's place, so the palette may never be seen
    // to close: what counts is the pick below and the state after it.
    await runCommand(target, 'TestMesh: Select Environment (.env File)').catch(() => undefined);
    const row = target.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({
      has: target.locator('.label-name', { hasText: new RegExp(`^\\s*${relativePath.replace(/\./g, '\\.')}$`) }),
    });
    await row.first().click();
    await waitForState(stateFile, (s) => s.environment?.endsWith(relativePath), {
      message: `the environment ${relativePath} to be selected`,
    });
  }

  function panelFrame(target: Page, has: (frame: Frame) => ReturnType<Frame['locator']>): Promise<Frame> {
    return webviewFrame(target, async (frame) => (await has(frame).count()) > 0, {
      timeout: 30_000,
      message: 'the execution panel',
    });
  }
});

type FlowWithMarks = ExtensionState['flows'][number] & { decorations?: Record<string, unknown> };

interface StateWithAuto extends ExtensionState {
  environmentAuto?: boolean;
}

interface LineMark {
  /** 1-based line number. */
  line: number;
  text: string;
  left: number;
  /** Width of the state and duration part (the text before ' · '). */
  stateWidth: number;
  editorRight: number;
  /** Other things drawn after the line's text (e.g. VS Code's inline test output). */
  others: string[];
}

/**
 * The text drawn after the end of each editor line (decorations' `after` content is CSS
 * `::after` content, not DOM text), where it starts, and how wide its state part is.
 */
async function lineMarks(editor: ReturnType<typeof activeEditor>): Promise<LineMark[]> {
  return editor.evaluate((root) => {
    const guard = root.querySelector('.overflow-guard') ?? root;
    const editorRight = guard.getBoundingClientRect().right - 14; // the vertical scrollbar
    const lineNumbers = new Map<number, number>();
    for (const number of Array.from(root.querySelectorAll('.margin-view-overlays .line-numbers'))) {
      const top = Math.round(number.getBoundingClientRect().top);
      lineNumbers.set(top, Number(number.textContent));
    }
    const out: Array<{
      line: number;
      text: string;
      left: number;
      stateWidth: number;
      editorRight: number;
      others: string[];
    }> = [];
    for (const line of Array.from(root.querySelectorAll('.view-lines .view-line'))) {
      const top = Math.round(line.getBoundingClientRect().top);
      const number = lineNumbers.get(top);
      if (number === undefined) continue;
      const afters: Array<{ text: string; left: number; width: number; font: string }> = [];
      for (const span of Array.from(line.querySelectorAll('span'))) {
        const style = getComputedStyle(span, '::after');
        const content = style.content;
        if (!content || content === 'none' || content === 'normal' || content === '""') continue;
        const text = JSON.parse(
          content.replace(/\\([0-9a-f]{1,6}) ?/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16))),
        ) as string;
        const rect = span.getBoundingClientRect();
        afters.push({
          text,
          left: rect.right - measure(text, style.font),
          width: measure(text, style.font),
          font: style.font,
        });
      }
      // Injected text (VS Code's own inline output) is DOM text in spans of class 'inline-*'.
      const injected = Array.from(line.querySelectorAll('span[class*="ced-"], span[class*="inline"]'))
        .map((s) => s.textContent ?? '')
        .filter((t) => t.trim() !== '');
      const mine = afters.find((a) => /^[✓✗–⟳]/.test(a.text));
      if (!mine) continue;
      const state = mine.text.split(' · ')[0];
      out.push({
        line: number,
        text: mine.text,
        left: mine.left,
        stateWidth: measure(state, mine.font),
        editorRight,
        others: [...afters.filter((a) => a !== mine).map((a) => a.text), ...injected],
      });
    }
    return out;

    function measure(text: string, font: string): number {
      const canvas = document.createElement('canvas');
      const context = canvas.getContext('2d')!;
      context.font = font;
      return context.measureText(text).width;
    }
  });
}

/** The Run/Debug buttons a Test Explorer row shows when hovered. */
async function hoverActions(page: Page, path: string[]): Promise<string[]> {
  await showTestExplorer(page);
  const row = await expandPath(page, path, { expandLast: false });
  const element = rowLocator(page, row);
  await element.hover();
  // The action bar is drawn on hover; give it a moment before reading what it holds.
  await element
    .locator('.action-label')
    .first()
    .waitFor({ state: 'visible', timeout: 5_000 })
    .catch(() => undefined);
  const labels = await element
    .locator('.action-label')
    .evaluateAll((items) => items.map((item) => item.getAttribute('aria-label') ?? ''));
  return labels.filter((label) => /^(Run|Debug) Test$/.test(label));
}

/** Hides the bottom panel (Test Results, Problems) so the editor has the window's height. */
async function hidePanel(page: Page): Promise<void> {
  if (await page.locator('.part.panel').isVisible()) await runCommand(page, 'View: Hide Panel', { timeout: 10_000 });
}

/** The Test Explorer's text, error rows included. */
function testTreeText(page: Page): () => Promise<string> {
  return () => page.locator('.part.sidebar .monaco-list[aria-label="Test Explorer"]').innerText();
}

/** Run icons in the editor's gutter (the Testing view's glyph-margin decorations). */
async function runGlyphs(editor: ReturnType<typeof activeEditor>): Promise<number> {
  return editor
    .locator('.glyph-margin-widgets .codicon-testing-run-icon, .margin-view-overlays .codicon-testing-run-icon')
    .count();
}

function runCli(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot(), 'dist', 'cli.js'), ...args],
      { cwd, timeout: 60_000 },
      (_e, stdout, stderr) => resolve(`${stdout}${stderr}`),
    );
  });
}
