/**
 * The analytics view in headless Chromium over the REST API, against the seeded history with
 * known answers (test/unit/history/seed.ts): summary numbers, both charts drawn as SVG, the flaky
 * flow in the table with links to its runs, the slowing step first among the slowest steps.
 * Leaves a screenshot in test-results/analytics.png (light) and analytics-dark.png.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ExecutionManager } from '../../../src/core/executions';
import { HistoryStore } from '../../../src/core/history/store';
import { startServer, type RunningServer } from '../../../src/server/server';
import { seedRuns } from '../history/seed';
import { tempWorkspace } from '../helpers';

const repoRoot = path.resolve(__dirname, '../../../..');
const resultsDir = path.join(repoRoot, 'test-results');
const chromiumPath = '/usr/bin/chromium';

describe('web UI analytics view in headless Chromium', function () {
  this.timeout(90_000);
  let browser: Browser;
  let server: RunningServer;
  let manager: ExecutionManager;

  before(async () => {
    assert.ok(
      existsSync(path.join(repoRoot, 'media/webview.js')),
      'media/webview.js is missing: run `node esbuild.config.mjs`',
    );
    assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install -y chromium`);
    const workspace = tempWorkspace({ 'flows/stable.flow.yaml': 'flow:\n  name: Stable\n  steps: []\n' });
    const store = HistoryStore.memory();
    for (const run of seedRuns()) store.runs.record(run);
    manager = new ExecutionManager({ workspace, store });
    server = await startServer({ workspace, manager });
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

  for (const scheme of ['light', 'dark'] as const)
    it(`shows pass rate, duration trend, flaky flows and slowest steps (${scheme})`, async () => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 1000 }, colorScheme: scheme });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${server.url}/#token=${server.token}`);
      await page.click('.app-nav a[data-view="analytics"]');
      await page.waitForSelector('.flaky-table tr[data-flow="flows/flaky.flow.yaml"]');
      assert.equal(await page.textContent('[data-stat="executions"] .stat-value'), '25');
      assert.equal(await page.textContent('[data-stat="pass-rate"] .stat-value'), '80%');
      assert.equal(await page.locator('[data-chart="pass-rate"] svg .chart-dot').count(), 5);
      assert.equal(await page.locator('[data-chart="duration"] svg path.chart-line').count(), 2);
      const flakyRows = page.locator('.flaky-table tbody tr');
      assert.equal(await flakyRows.count(), 1);
      assert.equal(await flakyRows.locator('td.num').first().textContent(), '1.00');
      assert.equal(await page.getAttribute('.steps-table tbody tr:first-child', 'data-step'), 'query');
      assert.equal(await page.textContent('.steps-table tbody tr:first-child td:last-child'), '+200%');
      await page.screenshot({
        path: path.join(resultsDir, scheme === 'light' ? 'analytics.png' : 'analytics-dark.png'),
        fullPage: true,
      });
      // A run dot opens that run.
      await page.locator('.flaky-table .run-dot').last().click();
      await page.waitForURL(/#\/executions\/flaky-/);
      assert.deepEqual(errors, []);
      await page.close();
    });
});
