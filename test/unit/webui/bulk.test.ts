/**
 * Filters, multi-select and bulk actions of the web UI in headless Chromium over the REST API:
 * the executions list filtered from the URL fragment and from its inputs (kept across a reload,
 * matches highlighted), selection by click, Ctrl-click, Shift-click and keys, a bulk re-run of the
 * selected failed runs, and a bulk flow change previewed, applied and undone on real files.
 * Leaves screenshots in test-results/executions-filter.png, executions-bulk.png, flows-preview.png.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ExecutionManager } from '../../../src/core/executions';
import { HistoryStore } from '../../../src/core/history/store';
import type { ExecutionTrigger } from '../../../src/core/history/types';
import { startServer, type RunningServer } from '../../../src/server/server';
import { answerRequest, isRequestMessage, type HostToWebviewMessage } from '../../../src/webview/protocol';
import { hostHandlers } from './vscodeHost';
import { tempWorkspace } from '../helpers';

const repoRoot = path.resolve(__dirname, '../../../..');
const resultsDir = path.join(repoRoot, 'test-results');
const chromiumPath = '/usr/bin/chromium';

/** Polls `condition` until it holds (generous timeout: the machine may be loaded). */
async function waitFor(
  condition: () => boolean | Promise<boolean>,
  { message, timeout = 30_000 }: { message: string; timeout?: number },
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const flow = (name: string, message: string, assertion?: string) =>
  `flow:\n  name: ${name}\n  steps:\n    - id: check\n      action: log\n      config: { message: "${message}" }\n` +
  (assertion ? `      assert:\n        - ${assertion}\n` : '');

const FILES = {
  'flows/pay.flow.yaml': flow('Payments pass', 'paid'),
  'flows/pay-fail.flow.yaml': flow('Payments fail', 'payment timeout', '1 == 2'),
  'flows/stock.flow.yaml': flow('Inventory', 'stock counted'),
};

describe('web UI filters, multi-select and bulk actions in headless Chromium', function () {
  this.timeout(180_000);
  let browser: Browser;
  let server: RunningServer;
  let manager: ExecutionManager;
  let workspace: string;

  async function runToEnd(flowId: string, trigger: ExecutionTrigger): Promise<string> {
    const started = await manager.start({ flow_id: flowId, trigger });
    await waitFor(() => !manager.isRunning(started.id), { timeout: 60_000, message: `${flowId} to finish` });
    return started.id;
  }

  async function open(hash: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.locator('.list-view').waitFor();
    await page.evaluate((h) => (location.hash = h), hash);
    return page;
  }

  const rows = (page: Page) => page.locator('table.executions tbody tr[data-id]');
  const selectedIds = (page: Page) =>
    page.$$eval('tbody tr[aria-selected="true"]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.id));

  before(async () => {
    assert.ok(
      existsSync(path.join(repoRoot, 'media/webview.js')),
      'media/webview.js is missing: run `node esbuild.config.mjs`',
    );
    assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install -y chromium`);
    workspace = tempWorkspace(FILES);
    manager = new ExecutionManager({ workspace, store: HistoryStore.memory() });
    server = await startServer({ workspace, manager });
    await runToEnd('flows/pay.flow.yaml', 'api');
    await runToEnd('flows/pay-fail.flow.yaml', 'cli');
    await runToEnd('flows/stock.flow.yaml', 'editor');
    await runToEnd('flows/pay-fail.flow.yaml', 'cli');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      headless: true,
    });
    mkdirSync(resultsDir, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await manager?.close();
  });

  it('filters from the URL and from the inputs, keeps the filter across a reload, highlights matches', async () => {
    const page = await open('#/executions?status=failed');
    await waitFor(async () => (await rows(page).count()) === 2, { message: 'two failed runs listed' });
    assert.deepEqual(await rows(page).evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.status)), [
      'failed',
      'failed',
    ]);
    assert.equal(await page.inputValue('select[aria-label="Filter by status"]'), 'failed');

    await page.click('button:has-text("Clear filters")');
    await waitFor(async () => (await rows(page).count()) === 4, { message: 'all four runs listed' });
    assert.match(page.url(), /#\/executions$/);

    await page.fill('input[aria-label^="Search"]', 'payments');
    // The rows, the URL and the highlights may come in more than one render: wait for all three.
    const marks = () => page.locator('table.executions mark').allTextContents();
    await waitFor(
      async () =>
        (await rows(page).count()) === 3 &&
        /#\/executions\?q=payments$/.test(page.url()) &&
        (await marks()).length >= 3,
      { message: 'three payment runs, in the URL, highlighted' },
    );
    const shown = await marks();
    assert.ok(
      shown.every((m) => m === 'Payments'),
      JSON.stringify(shown),
    );

    await page.selectOption('select[aria-label="Filter by trigger"]', 'cli');
    await waitFor(async () => (await rows(page).count()) === 2, { message: 'two cli runs' });
    assert.match(page.url(), /trigger=cli/);

    await page.reload();
    await waitFor(async () => (await rows(page).count()) === 2, { message: 'the filter kept after a reload' });
    assert.equal(await page.inputValue('input[aria-label^="Search"]'), 'payments');
    assert.equal(await page.inputValue('select[aria-label="Filter by trigger"]'), 'cli');
    await page.screenshot({ path: path.join(resultsDir, 'executions-filter.png') });

    await page.fill('input[aria-label^="Search"]', 'no such run');
    await page.locator('.empty-state h2:has-text("No executions match this filter")').waitFor();
    await page.close();
  });

  it('selects with click, Ctrl-click, Shift-click and keys, and re-runs the selected failed runs', async () => {
    const page = await open('#/executions');
    await waitFor(async () => (await rows(page).count()) === 4, { message: 'four runs listed' });
    const ids = await rows(page).evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.id!));
    assert.equal(await page.getAttribute('table.executions', 'role'), 'grid');
    assert.equal(await page.getAttribute('table.executions', 'aria-multiselectable'), 'true');

    await rows(page).nth(0).locator('.col-steps').click();
    assert.deepEqual(await selectedIds(page), [ids[0]]);
    await rows(page)
      .nth(2)
      .locator('.col-steps')
      .click({ modifiers: ['Shift'] });
    assert.deepEqual(await selectedIds(page), ids.slice(0, 3));
    await rows(page)
      .nth(1)
      .locator('.col-steps')
      .click({ modifiers: ['Control'] });
    assert.deepEqual(await selectedIds(page), [ids[0], ids[2]]);
    assert.equal(await page.textContent('.bulk-count'), '2 selected');

    // Keyboard: the focused row is the one last clicked.
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.id), ids[1]);
    await page.keyboard.press('Escape');
    assert.deepEqual(await selectedIds(page), []);
    assert.equal(await page.isHidden('.bulk-bar'), true);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Shift+ArrowDown');
    assert.deepEqual(await selectedIds(page), [ids[2], ids[3]]);
    await page.keyboard.press('Control+a');
    assert.deepEqual(await selectedIds(page), ids);
    await page.keyboard.press('Control+ArrowUp');
    await page.keyboard.press(' ');
    assert.deepEqual(await selectedIds(page), [ids[0], ids[1], ids[3]]);
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.id), ids[2]);

    // Only the failed runs, all of them, then re-run them.
    await page.selectOption('select[aria-label="Filter by status"]', 'failed');
    await waitFor(async () => (await rows(page).count()) === 2, { message: 'two failed runs' });
    await rows(page).nth(0).locator('.col-steps').click();
    await page.keyboard.press('Control+a');
    const failed = await selectedIds(page);
    assert.equal(failed.length, 2);
    await page.screenshot({ path: path.join(resultsDir, 'executions-bulk.png') });
    await page.click('.bulk-bar button:has-text("Re-run")');
    await page.locator('.bulk-status:has-text("Re-ran 2 of 2 executions")').waitFor();
    await waitFor(async () => (await manager.search({ status: ['failed'] })).total === 4, {
      timeout: 60_000,
      message: 'the two re-runs to fail like the originals',
    });
    await waitFor(async () => (await rows(page).count()) === 4, { message: 'the re-runs listed' });
    const reruns = (await manager.search({ trigger: ['browser'] })).executions;
    assert.deepEqual(
      reruns.map((r) => r.flow_id),
      ['flows/pay-fail.flow.yaml', 'flows/pay-fail.flow.yaml'],
    );
    await page.close();
  });

  it('previews a bulk tag change on the selected flows, applies it to the files and undoes it', async () => {
    const page = await open('#/flows');
    const flowRows = page.locator('table.flows-table tbody tr[data-id]');
    await waitFor(async () => (await flowRows.count()) === 3, { message: 'three flows listed' });
    await flowRows.nth(0).locator('td').nth(1).click();
    await flowRows
      .nth(1)
      .locator('td')
      .nth(1)
      .click({ modifiers: ['Shift'] });
    const chosen = await page.$$eval('tbody tr[aria-selected="true"]', (trs) =>
      trs.map((tr) => (tr as HTMLElement).dataset.id!),
    );
    assert.deepEqual(chosen, ['flows/pay-fail.flow.yaml', 'flows/pay.flow.yaml']);

    await page.click('button[data-operation="tags/add"]');
    await page.fill('input[aria-label="Tags (comma-separated)"]', 'nightly, payments');
    await page.click('.bulk-form button[type="submit"]');
    await page.locator('.bulk-preview h2:has-text("2 files would change")').waitFor();
    assert.deepEqual(await page.locator('.bulk-preview ins').allTextContents(), [
      '+   tags: [nightly, payments]\n',
      '+   tags: [nightly, payments]\n',
    ]);
    assert.equal(readFileSync(path.join(workspace, 'flows/pay.flow.yaml'), 'utf8'), FILES['flows/pay.flow.yaml']);
    await page.screenshot({ path: path.join(resultsDir, 'flows-preview.png') });

    await page.click('.bulk-preview button.apply');
    await page.locator('.bulk-status:has-text("Applied: 2 files changed.")').waitFor();
    assert.match(readFileSync(path.join(workspace, 'flows/pay.flow.yaml'), 'utf8'), /tags: \[nightly, payments\]/);
    await page.locator('tr[data-id="flows/pay.flow.yaml"] .tag:has-text("nightly")').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Undo last change');

    await page.click('button.undo');
    await page.locator('.bulk-status:has-text("Undone")').waitFor();
    for (const id of ['flows/pay.flow.yaml', 'flows/pay-fail.flow.yaml'])
      assert.equal(readFileSync(path.join(workspace, id), 'utf8'), FILES[id as keyof typeof FILES]);
    await page.close();
  });
  it('does the same over postMessage, as inside the VS Code panel: filter kept in the state, bulk delete, flow preview', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    const network: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/')) network.push(request.url());
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    let delivery = Promise.resolve();
    const post = (message: HostToWebviewMessage) => {
      delivery = delivery.then(() => page.evaluate((m) => window.postMessage(m, '*'), message)).catch(() => undefined);
    };
    const handlers = hostHandlers(manager, workspace, post);
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    await page.exposeFunction('__testmeshHost', async (message: unknown) => {
      if (isRequestMessage(message)) post(await answerRequest(handlers, message));
      else if ((message as { kind?: unknown }).kind === 'ready') ready();
    });
    await page.addInitScript({
      content: `window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__testmeshHost(m), getState: () => window.__vsState, setState: (s) => { window.__vsState = s; } });`,
    });
    await page.goto(`${server.url}/`);
    await isReady;
    post({ kind: 'navigate', route: '#/executions?status=failed' });
    const failedCount = (await manager.search({ status: ['failed'] })).total;
    await waitFor(async () => (await rows(page).count()) === failedCount, { message: 'the failed runs listed' });
    await page.fill('input[aria-label^="Search"]', 'payments');
    await waitFor(
      async () =>
        (await page.evaluate(() => (window as unknown as { __vsState?: { hash?: string } }).__vsState?.hash)) ===
        '#/executions?status=failed&q=payments',
      { message: 'the filter kept in the webview state' },
    );

    await rows(page).nth(0).locator('.col-steps').click();
    await page.keyboard.press('Control+a');
    await page.click('.bulk-bar button:has-text("Delete…")');
    await page.click('.bulk-bar .confirm button:has-text("Delete")');
    await page.locator(`.bulk-status:has-text("Deleted ${failedCount} of ${failedCount} executions")`).waitFor();
    await page.locator('.empty-state h2:has-text("No executions match this filter")').waitFor();
    assert.equal((await manager.search({ status: ['failed'] })).total, 0);

    post({ kind: 'navigate', route: '#/flows' });
    await page.locator('table.flows-table tbody tr[data-id]').first().waitFor();
    await page.click('button[data-operation="find-replace"]');
    await page.fill('input[aria-label="Find"]', 'Payments');
    await page.fill('input[aria-label="Replace with"]', 'Billing');
    await page.click('.bulk-form button[type="submit"]');
    await page.locator('.bulk-preview h2:has-text("2 files would change, 2 matches")').waitFor();
    await page.click('.bulk-preview button.apply');
    await page.locator('.bulk-status:has-text("Applied: 2 files changed.")').waitFor();
    assert.match(readFileSync(path.join(workspace, 'flows/pay.flow.yaml'), 'utf8'), /name: Billing pass/);
    await page.click('button.undo');
    await page.locator('.bulk-status:has-text("Undone")').waitFor();
    assert.equal(readFileSync(path.join(workspace, 'flows/pay.flow.yaml'), 'utf8'), FILES['flows/pay.flow.yaml']);
    assert.deepEqual(network, [], 'inside VS Code the page must not use the network itself');
    assert.deepEqual(pageErrors, []);
    await page.close();
  });

  it('marks a flow whose steps have errors (it still runs, those steps failing) in the Flows view', async () => {
    const faulty = path.join(workspace, 'flows/faulty.flow.yaml');
    writeFileSync(
      faulty,
      'flow:\n  name: Faulty\n  steps:\n    - id: publish\n      action: kafka_publish\n    - id: check\n      action: log\n      config: { message: hi }\n      assert: ["a =="]\n',
    );
    try {
      const page = await open('#/flows');
      const row = page.locator('tr[data-id="flows/faulty.flow.yaml"]');
      await row.waitFor();
      assert.equal(await row.locator('.flow-errors').textContent(), '2 errors');
      assert.match((await row.locator('.flow-errors').getAttribute('title')) ?? '', /the flow runs/);
      assert.equal(await page.locator('tr[data-id="flows/pay.flow.yaml"] .flow-errors').count(), 0);
      await page.screenshot({ path: path.join(resultsDir, 'flows-errors.png') });
      await page.close();
    } finally {
      rmSync(faulty, { force: true });
    }
  });
});
