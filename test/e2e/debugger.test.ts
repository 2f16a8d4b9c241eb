// The flow debugger in a real VS Code (code-server + headless Chromium): a breakpoint set in the
// editor's gutter, the flow debugged from the Test Explorer's Debug action, paused at that line,
// the Variables view showing a captured output, Step Over moving to the next step, Continue
// finishing green. The flow calls a small HTTP API started here.
import * as assert from 'node:assert';
import type { Page } from 'playwright-core';
import { startExtensionSession, startHttpServer, waitFor, type ExtensionSession, type TestHttpServer } from './harness';
import { activeEditor, expandPath, openFile, rowLocator, showTestExplorer, waitForRowState } from './workbench';

const FILE = 'debug-me.flow.yaml';
const FLOW_NAME = 'Debug me (e2e)';

function flowText(baseUrl: string): string {
  return `flow:
  name: ${FLOW_NAME}
  env:
    BASE_URL: ${baseUrl}
  steps:
    - id: create
      name: create user
      action: http_request
      config:
        method: POST
        url: "{{BASE_URL}}/users"
      output:
        user_id: $.body.id
    - id: check
      name: check user
      action: log
      config: { message: "user {{user_id}}" }
    - id: finish
      name: finish
      action: log
      config: { message: done }
`;
}

describe('TestMesh debugger in code-server', function () {
  let api: TestHttpServer | undefined;
  let e2e: ExtensionSession | undefined;
  let page: Page;

  before(async function () {
    this.timeout(600_000);
    api = await startHttpServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 4242 }));
    });
    e2e = await startExtensionSession({
      name: 'debugger',
      files: { [FILE]: flowText(api.url) },
      settings: { 'debug.openDebug': 'openOnDebugBreak', 'debug.toolBarLocation': 'docked' },
      ready: (s) => s.ready && s.flows.length > 0,
      readyMessage: 'the extension to discover the flow',
    });
    page = e2e.page;
  });

  afterEach(async function () {
    await e2e?.recordTest(this.currentTest);
  });

  after(async function () {
    this.timeout(60_000);
    await e2e?.close();
    await api?.close();
  });

  it('pauses at a gutter breakpoint, shows a captured output, steps over and finishes green', async function () {
    this.timeout(240_000);
    const lines = flowText('x').split('\n');
    const checkLine = lines.findIndex((l) => l.includes('- id: check')) + 1;
    const finishLine = lines.findIndex((l) => l.includes('- id: finish')) + 1;

    // A breakpoint by a click in the gutter, left of the line number, on the step's second line:
    // the `- id:` line carries the Testing gutter icon, whose click runs the step instead.
    const breakpointLine = checkLine + 1;
    await openFile(page, FILE);
    const editor = activeEditor(page, FILE);
    // The CodeLenses come a moment after the text and push the lines down: measured before them,
    // the click lands on another line (another step's breakpoint; the run then pauses elsewhere).
    await editor.locator('.codelens-decoration a', { hasText: '▶ Run flow' }).first().waitFor({ timeout: 30_000 });
    const lineNumber = editor
      .locator('.margin-view-overlays .line-numbers')
      .filter({ hasText: new RegExp(`^\\s*${breakpointLine}\\s*$`) });
    await lineNumber.first().waitFor({ state: 'visible', timeout: 30_000 });
    const box = (await lineNumber.first().boundingBox())!;
    await page.mouse.move(box.x - 6, box.y + box.height / 2);
    await page.mouse.click(box.x - 6, box.y + box.height / 2);
    await editor.locator('.codicon-debug-breakpoint').first().waitFor({ state: 'visible', timeout: 15_000 });

    // Debug the flow from the Test Explorer.
    await showTestExplorer(page);
    const row = await expandPath(page, [FILE, FLOW_NAME], { expandLast: false });
    const element = rowLocator(page, row);
    await element.hover();
    await element.locator('.action-label[aria-label="Debug Test"]').click();

    // Paused at the breakpoint's line: the editor marks the top stack frame there.
    const stackLine = async () => {
      const frame = page
        .locator('.debug-call-stack .monaco-list-row.selected, .debug-call-stack .monaco-list-row.focused')
        .first();
      return (await frame.getAttribute('aria-label').catch(() => null)) ?? '';
    };
    await page.locator('.debug-call-stack .monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
    await waitFor(async () => /check user/.test(await page.locator('.debug-call-stack').innerText()), {
      timeout: 60_000,
      message: 'the call stack to show the paused step',
    });
    await waitFor(async () => (await editor.locator('.debug-top-stack-frame-line').count()) > 0, {
      timeout: 30_000,
      message: 'the paused line in the editor',
    });
    const pausedAt = await page.locator('.debug-call-stack').innerText();
    assert.match(
      pausedAt,
      new RegExp(`${FILE}\\s*${checkLine}`),
      `paused at line ${checkLine}: ${pausedAt} (${await stackLine()})`,
    );

    // The Variables view: Outputs holds the captured user_id.
    const variables = page.locator('.debug-variables');
    const outputsRow = variables.locator('.monaco-list-row').filter({ hasText: /^Outputs/ });
    await outputsRow.first().waitFor({ state: 'visible', timeout: 30_000 });
    // The pointer is still where the Debug Test button was, now over a variable: its value hover
    // would cover the Outputs row. Away from the side bar, the hover goes.
    await page.mouse.move(0, 0);
    if ((await outputsRow.first().getAttribute('aria-expanded')) !== 'true') await outputsRow.first().click();
    await waitFor(async () => /user_id\s*[:=]?\s*4242/.test(await variables.innerText()), {
      timeout: 30_000,
      message: 'user_id = 4242 in the Variables view',
    });

    // Step Over: the next step.
    await page.keyboard.press('F10');
    await waitFor(
      async () =>
        new RegExp(`finish[\\s\\S]*${FILE}\\s*${finishLine}`).test(await page.locator('.debug-call-stack').innerText()),
      {
        timeout: 30_000,
        message: `the call stack at 'finish' (line ${finishLine})`,
      },
    );

    // Continue: the run ends, green in the Test Explorer, recorded as a completed execution.
    await page.keyboard.press('F5');
    await showTestExplorer(page);
    await waitForRowState(page, [FILE, FLOW_NAME], 'passed', { timeout: 60_000 });
    const state = await e2e!.waitForState((s) => s.recentExecutions.some((e) => e.status === 'completed'), {
      timeout: 30_000,
      message: 'a completed execution',
    });
    assert.ok(state.recentExecutions.length >= 1);
  });
});
