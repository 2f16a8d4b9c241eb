/**
 * The execution view lists every step from the start of a run, nested ones and a sub-flow's
 * steps included, greyed until they start; a loop body's planned row gives way to its iterations;
 * what never runs ends as skipped with why, and the header counts every row it shows.
 *
 * Needs the bundle (`node esbuild.config.mjs`, which `npm test` runs first) and /usr/bin/chromium.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../../src/server/server';

const repoRoot = path.resolve(__dirname, '../../../..');
const mediaDir = path.join(repoRoot, 'media');
const resultsDir = path.join(repoRoot, 'test-results');
const chromiumPath = '/usr/bin/chromium';

const PLANNED = `
flow:
  name: Planned
  steps:
    - id: hold
      action: http_request
      config: { url: "{{GATE_URL}}/hold" }
    - id: call
      action: run_flow
      config: { flow: helper.flow.yaml }
    - id: each
      action: for_each
      config:
        items: [1, 2]
        steps:
          - id: check
            action: log
            config: { message: "item {{item}}" }
    - id: both
      action: parallel
      config:
        branches:
          - steps:
              - { id: left, action: log, config: { message: left } }
          - steps:
              - { id: right, action: log, config: { message: right } }
    - id: pick
      action: condition
      config:
        condition: "1 == 1"
        then:
          - { id: taken, action: log, config: { message: taken } }
        else:
          - { id: other, action: log, config: { message: other } }
    - id: total
      action: assert
      config:
        data: { total: 30 }
        assertions: [ "total == 35" ]
    - id: later
      action: condition
      config:
        condition: "true"
        then:
          - { id: later_inner, action: log, config: { message: never } }
`;

const HELPER = `
flow:
  name: Helper
  steps:
    - { id: login, action: log, config: { message: login } }
    - { id: fetch, action: log, config: { message: fetch } }
`;

/** One request held until released: the run waits at its first step while the page looks. */
async function startGate() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const reachedP = new Promise<void>((resolve) => (reached = resolve));
  const server = http.createServer((_req, res) => {
    reached();
    void released.then(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    reached: reachedP,
    release,
    close: async () => {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Each row as `id: status (note)`, in the order the page shows them. */
async function rowStates(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('.steps-pane [role="treeitem"]')).map((row) => {
      const note = row.querySelector(':scope > .step-line .step-note')?.textContent ?? '';
      return `${row.dataset.stepId}: ${row.dataset.status}${note ? ` (${note})` : ''}`;
    }),
  );
}

describe('web UI: planned rows in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let server: RunningServer;
  let gate: Awaited<ReturnType<typeof startGate>>;
  let tmpRoot: string;

  before(async () => {
    assert.ok(
      existsSync(path.join(mediaDir, 'webview.js')),
      'media/webview.js is missing: run `node esbuild.config.mjs`',
    );
    assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install -y chromium`);
    tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'testmesh-planned-'));
    const workspace = path.join(tmpRoot, 'workspace');
    mkdirSync(path.join(workspace, 'flows'), { recursive: true });
    writeFileSync(path.join(workspace, 'flows/planned.flow.yaml'), PLANNED);
    writeFileSync(path.join(workspace, 'flows/helper.flow.yaml'), HELPER);
    gate = await startGate();
    server = await startServer({
      workspace,
      port: 0,
      historyDir: path.join(tmpRoot, 'history'),
      staticDir: mediaDir,
      environment: { GATE_URL: gate.url },
    });
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
    mkdirSync(resultsDir, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await gate?.close();
    if (tmpRoot) rmSync(tmpRoot, { recursive: true, force: true });
  });

  it('lists nested and sub-flow steps from the start, and counts skipped rows as skipped', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.locator('.list-view').waitFor();
    const response = await fetch(`${server.url}/api/v1/executions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ flow_id: 'flows/planned.flow.yaml' }),
    });
    assert.ok(response.ok, await response.clone().text());
    const { id } = (await response.json()) as { id: string };
    await page.evaluate((execution) => (location.hash = `#/executions/${execution}`), id);
    await gate.reached;
    await page.locator('[data-step-id="hold"][data-status="running"]').waitFor({ timeout: 20_000 });
    await page.locator('[data-step-id="later_inner"]').waitFor();

    // While the first step runs, every step is listed, greyed (pending) under its parent.
    const early = await rowStates(page);
    assert.deepEqual(early, [
      'hold: running',
      'call: pending',
      'call/login: pending',
      'call/fetch: pending',
      'each: pending',
      'check: pending',
      'both: pending',
      'left: pending',
      'right: pending',
      'pick: pending',
      'taken: pending',
      'other: pending',
      'total: pending',
      'later: pending',
      'later_inner: pending',
    ]);
    const parentOf = (stepId: string) =>
      page
        .locator(`[data-step-id="${stepId}"]`)
        .evaluate((row) => row.parentElement?.closest<HTMLElement>('[role="treeitem"]')?.dataset.stepId ?? '');
    assert.equal(await parentOf('call/fetch'), 'call');
    assert.equal(await parentOf('right'), 'both');
    assert.equal(await parentOf('other'), 'pick');
    assert.equal(await page.locator('.exec-header .count.total').textContent(), '0 / 15 steps');
    await page.screenshot({ path: path.join(resultsDir, 'webui-planned-early.png') });

    gate.release();
    await page.waitForFunction(
      () => document.querySelector('.exec-header .status-pill')?.getAttribute('data-status') === 'failed',
      undefined,
      { timeout: 30_000 },
    );
    await page.waitForFunction(() => !document.querySelector('.steps-pane [data-status="pending"]'));
    const done = await rowStates(page);
    assert.deepEqual(
      done.map((row) => (row.startsWith('total: failed') ? 'total: failed' : row)),
      [
        'hold: completed',
        'call: completed',
        'call/login: completed',
        'call/fetch: completed',
        'each: completed',
        // The body's planned row gave way to its iterations.
        'check[0]: completed',
        'check[1]: completed',
        'both: completed',
        'left: completed',
        'right: completed',
        'pick: completed',
        'taken: completed',
        'other: skipped (skipped: the condition took the other branch)',
        'total: failed',
        'later: skipped (skipped: an earlier step failed)',
        'later_inner: skipped (skipped: an earlier step failed)',
      ],
    );
    const header = await page.locator('.exec-header .counts').innerText();
    assert.equal(await page.locator('.exec-header .count.total').textContent(), '16 / 16 steps', header);
    assert.equal(await page.locator('.exec-header .count.skipped').textContent(), '3 skipped');
    assert.equal(await page.locator('.exec-header .count.completed').textContent(), '12 passed');
    assert.equal(await page.locator('.exec-header .count.failed').textContent(), '1 failed');
    await page.screenshot({ path: path.join(resultsDir, 'webui-planned-done.png') });
    assert.deepEqual(pageErrors, []);
    await context.close();
  });
});
