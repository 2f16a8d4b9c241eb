// The flow debugger in a real VS Code (code-server + headless Chromium): a breakpoint set in the
// editor's gutter, the flow debugged from the Test Explorer's Debug action, paused at that line,
// the Variables view showing a captured output, Step Over moving to the next step, Continue
// finishing green. The flow calls a small HTTP API started here.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { waitForState } from './extensionState';
import {
  openWorkbench,
  packageExtension,
  repoRoot,
  screenshot,
  startCodeServer,
  waitFor,
  waitForExtensionActivation,
  type CodeServerSession,
} from './harness';
import { activeEditor, expandPath, openFile, rowLocator, showTestExplorer, waitForRowState } from './workbench';

const EXTENSION_ID = 'testmesh.testmesh-vscode';
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
  let server: Server | undefined;
  let workspace: string | undefined;
  let stateDir: string | undefined;
  let stateFile = '';
  let vsix: string | undefined;
  let session: CodeServerSession | undefined;
  let browser: Browser | undefined;
  let page: Page;

  before(async function () {
    this.timeout(300_000);
    server = createServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 4242 }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'testmesh-e2e-debug-'));
    fs.writeFileSync(path.join(workspace, FILE), flowText(`http://127.0.0.1:${port}`));
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'testmesh-e2e-debug-state-'));
    stateFile = path.join(stateDir, 'state.json');
    vsix = process.env.TESTMESH_E2E_VSIX
      ? path.resolve(process.env.TESTMESH_E2E_VSIX)
      : await packageExtension(repoRoot());
    session = await startCodeServer({
      workspace,
      vsix,
      env: { TESTMESH_STATE_FILE: stateFile },
      settings: {
        'editor.stickyScroll.enabled': false,
        'testing.automaticallyOpenPeekView': 'never',
        'git.enabled': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'workbench.tips.enabled': false,
        'debug.openDebug': 'openOnDebugBreak',
        'debug.toolBarLocation': 'docked',
      },
    });
    ({ browser, page } = await openWorkbench(session));
    await waitForExtensionActivation(session, EXTENSION_ID);
    await waitForState(stateFile, (s) => s.ready && s.flows.length > 0, {
      timeout: 120_000,
      message: 'the extension to discover the flow',
    });
  });

  afterEach(async function () {
    const picture = page
      ? await screenshot(page, `e2e-debugger-${this.currentTest?.state ?? 'x'}`).catch(
          (error: unknown) => `(no screenshot: ${error})`,
        )
      : '(no page)';
    if (this.currentTest?.state === 'failed')
      console.log(`screenshot: ${picture}\n--- extension host log ---\n${session?.extensionHostLog() ?? ''}`);
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close().catch(() => undefined);
    await session?.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    const packagedHere = vsix && !process.env.TESTMESH_E2E_VSIX ? path.dirname(vsix) : undefined;
    for (const dir of [workspace, stateDir, packagedHere])
      if (dir && !process.env.TESTMESH_E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true });
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
    const state = await waitForState(stateFile, (s) => s.recentExecutions.some((e) => e.status === 'completed'), {
      timeout: 30_000,
      message: 'a completed execution',
    });
    assert.ok(state.recentExecutions.length >= 1);
  });
});
