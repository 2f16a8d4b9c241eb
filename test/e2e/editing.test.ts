// Editing a flow in a real VS Code (code-server + headless Chromium): after a run of the flow
// (through the extension's local API, against a server started here), typing `{{` offers the
// output a step captured with its last value, hovering a placeholder shows its value, F12 on a
// reference jumps to its output, F2 renames a step id with its references, and renaming a flow
// file in the Explorer rewrites the run_flow paths that lead to it.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { startExtensionSession, startHttpServer, waitFor, type ExtensionSession, type TestHttpServer } from './harness';
import { runCommand } from './codeServer';
import { activeEditor, openFile } from './workbench';

const FILE = 'flows/users.flow.yaml';
const USER_ID = 4242;
const LOGIN = 'flows/login.flow.yaml';
const ORDERS = 'shop/orders.flow.yaml';
const ORDERS_FLOW = `flow:
  name: Orders
  steps:
    - id: sign_in
      action: run_flow
      config: { flow: ../flows/login.flow.yaml } # written by hand
`;

const FLOW = `flow:
  name: Users (editing e2e)
  steps:
    - id: create_user
      name: Create user
      action: http_request
      config:
        method: POST
        url: "{{BASE_URL}}/users"
      assert:
        - status == 201
      output:
        user_id: $.body.id
    - id: get_user
      action: http_request
      config:
        url: "{{BASE_URL}}/users/{{create_user.user_id}}"
      assert:
        - status == 200
    - id: note
      action: log
      config:
        message: "id="
`;

/** 1-based line and column of the `delta`-th character after the start of `needle`. */
function lineColumn(text: string, needle: string, delta = 0): { line: number; column: number } {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `'${needle}' not in the fixture`);
  const before = text.slice(0, at + delta).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

describe('Editing flows in code-server', function () {
  let server: TestHttpServer | undefined;
  let e2e: ExtensionSession | undefined;
  let page: Page;

  before(async function () {
    this.timeout(600_000);
    server = await startHttpServer((req, res) => {
      const body = JSON.stringify({ id: USER_ID, name: 'Ann' });
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
      res.end(body);
    });
    e2e = await startExtensionSession({
      name: 'editing',
      files: {
        [FILE]: FLOW,
        '.env': `BASE_URL=${server.url}\n`,
        [LOGIN]: 'flow:\n  name: Login\n  steps:\n    - id: hi\n      action: log\n      config: { message: hi }\n',
        [ORDERS]: ORDERS_FLOW,
      },
      settings: {
        // Typed braces stay as typed, so the test sees exactly what a user typing `{{` gets.
        'editor.autoClosingBrackets': 'never',
        'editor.autoClosingQuotes': 'never',
      },
      ready: (s) => s.ready && s.server.url && s.flows.length > 0,
      readyMessage: 'discovery and the local API',
    });
    page = e2e.page;
    // A real run of the flow through the extension's own execution manager: its history is what the editor shows.
    const api = e2e.api();
    const started = await api.request<{ id: string }>('POST', '/api/v1/executions', {
      body: { flow_id: FILE, environment: '.env' },
    });
    assert.strictEqual(started.status, 201, JSON.stringify(started.body));
    await waitFor(async () => (await api.execution(started.body.id)).status === 'completed', {
      timeout: 60_000,
      message: 'the run to complete',
    });
    await openFile(page, FILE);
  });

  afterEach(async function () {
    await e2e?.recordTest(this.currentTest);
  });

  after(async function () {
    this.timeout(60_000);
    await e2e?.close();
    await server?.close();
  });

  /** Puts the cursor of the active editor at a 1-based line and column (Go to Line `:line:column`). */
  async function moveTo(at: { line: number; column: number }): Promise<void> {
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await page.keyboard.press('Control+G');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`:${at.line}:${at.column}`);
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 10_000 });
  }

  /** The cursor position the status bar shows. */
  async function cursor(): Promise<{ line: number; column: number }> {
    const text = (await page.locator('.statusbar-item[id="status.editor.selection"]').textContent()) ?? '';
    const m = /Ln (\d+), Col (\d+)/.exec(text);
    assert.ok(m, `status bar selection: ${text}`);
    return { line: Number(m[1]), column: Number(m[2]) };
  }

  it('offers user_id with its last value when typing {{ after the step that captured it', async function () {
    await moveTo(lineColumn(FLOW, 'id="', 3));
    await page.keyboard.type('{{');
    const widget = page.locator('.editor-widget.suggest-widget');
    const row = widget.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^user_id$/ }) });
    await waitFor(async () => (await row.count()) > 0, { timeout: 30_000, message: 'user_id in the suggestions' });
    // Narrow to it, so it is focused and its detail (kind and last value) shows.
    await page.keyboard.type('user_i');
    await waitFor(
      async () =>
        (await widget.locator('.monaco-list-row.focused .label-name').first().textContent())?.trim() === 'user_id',
      { timeout: 10_000, message: 'user_id focused' },
    );
    const detail = await waitFor(
      async () => {
        const text = (await widget.locator('.monaco-list-row.focused').first().textContent()) ?? '';
        if (text.includes(String(USER_ID))) return text;
        // Inline details can be hidden for lack of room: the details pane shows the same text.
        const pane = page.locator('.suggest-details');
        if (!(await pane.isVisible())) await page.keyboard.press('Control+Space');
        const paneText = (await pane.textContent().catch(() => '')) ?? '';
        return paneText.includes(String(USER_ID)) ? paneText : undefined;
      },
      { timeout: 15_000, message: `the last value ${USER_ID} next to user_id` },
    );
    assert.match(detail, /output of step 'create_user'/);
    await page.keyboard.press('Enter');
    const line = activeEditor(page, 'users.flow.yaml').locator('.view-line', { hasText: 'message:' });
    await waitFor(
      async () => (await line.textContent())?.replace(/\u00a0/g, ' ').includes('message: "id={{user_id}}"'),
      { timeout: 10_000, message: 'the accepted completion with its closing braces' },
    );
    await page.keyboard.press('Control+S');
  });

  it('shows the last value when hovering a placeholder after a run', async function () {
    await moveTo(lineColumn(FLOW, 'create_user.user_id}}', 14));
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = page.locator('.monaco-hover:not(.hidden)');
    const text = await waitFor(
      async () => {
        const content =
          (await hover
            .first()
            .textContent()
            .catch(() => '')) ?? '';
        return content.includes('user_id') && content.includes(String(USER_ID)) ? content : undefined;
      },
      { timeout: 30_000, message: `a hover with the value ${USER_ID}` },
    );
    assert.match(text, /output user_id of step create_user/);
    await page.keyboard.press('Escape');
  });

  it('jumps from a {{step.output}} reference to the output with F12', async function () {
    await moveTo(lineColumn(FLOW, 'create_user.user_id}}', 14));
    await page.keyboard.press('F12');
    const target = lineColumn(FLOW, 'user_id: $.body.id');
    await waitFor(async () => (await cursor()).line === target.line, {
      timeout: 30_000,
      message: `the cursor on line ${target.line} (the output)`,
    });
    assert.deepStrictEqual(await cursor(), target);
  });

  it('renames a step id and its references with F2', async function () {
    await moveTo(lineColumn(FLOW, 'id: create_user', 6));
    await page.keyboard.press('F2');
    const input = page.locator('.rename-box input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    assert.strictEqual(await input.inputValue(), 'create_user');
    await input.fill('make_user');
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 30_000 });
    await page.keyboard.press('Control+S');
    const file = path.join(e2e!.workspace, FILE);
    const saved = await waitFor(
      () => {
        const text = fs.readFileSync(file, 'utf8');
        return text.includes('- id: make_user') ? text : undefined;
      },
      { timeout: 30_000, message: 'the renamed flow saved' },
    );
    assert.ok(saved.includes('url: "{{BASE_URL}}/users/{{make_user.user_id}}"'), saved);
    assert.ok(!saved.includes('create_user'), saved);
  });

  it('renaming a flow file in the Explorer rewrites the run_flow paths that lead to it', async function () {
    await openFile(page, LOGIN);
    await runCommand(page, 'File: Reveal Active File in Explorer View');
    const row = page.locator('.explorer-folders-view .monaco-list-row.selected', { hasText: 'login.flow.yaml' });
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.press('F2');
    const input = page.locator('.explorer-folders-view .monaco-inputbox input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill('sign-in.flow.yaml');
    await page.keyboard.press('Enter');
    // VS Code asks before it applies an extension's edits to a move: what the user sees and answers.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(
      (await dialog.textContent()) ?? '',
      /Extension 'TestMesh' wants to make refactoring changes with this file move/,
    );
    await dialog.locator('.monaco-button', { hasText: 'OK' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    const moved = path.join(e2e!.workspace, 'flows/sign-in.flow.yaml');
    await waitFor(() => fs.existsSync(moved), { timeout: 30_000, message: 'the renamed file on disk' });
    // The caller's edit is part of the rename: VS Code writes it to the file that was not open.
    const caller = path.join(e2e!.workspace, ORDERS);
    const saved = await waitFor(
      () => {
        const text = fs.readFileSync(caller, 'utf8');
        return text.includes('sign-in') ? text : undefined;
      },
      { timeout: 30_000, message: 'the caller rewritten and saved' },
    );
    assert.strictEqual(saved, ORDERS_FLOW.replace('../flows/login.flow.yaml', '../flows/sign-in.flow.yaml'));
  });
});
