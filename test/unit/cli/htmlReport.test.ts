/**
 * `--reporter html` in real headless Chromium, opened from disk (file://): the run's summary, the
 * invalid flow's problem, each execution, nested steps, a retried step's attempts, skipped and
 * cancelled steps, request and response detail, assertion expected/actual, logs, and no secret
 * and no network request anywhere. Then a 1,000-step run: its size and how fast it opens
 * (printed, never asserted as a time). Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CLI } from '../../support/cli';
import { tempWorkspace, type TestServer } from '../helpers';
import { cli, SECRET, shopSuite, startShopApi } from './reportFixture';

const chromiumPath = '/usr/bin/chromium';
const resultsDir = resolve(__dirname, '../../../../test-results');

function thousandSteps(): string {
  const items = Array.from({ length: 1000 }, (_, i) => i).join(', ');
  return `flow:
  name: A thousand calls
  steps:
    - id: calls
      name: Call the API a thousand times
      action: for_each
      config:
        items: [${items}]
        steps:
          - id: call
            name: GET /items
            action: http_request
            config: { url: "\${BASE_URL}/items/{{item}}" }
            assert: [status == 200]
`;
}

describe('CLI --reporter html (Chromium, from disk)', function () {
  this.timeout(180_000);
  let api: TestServer & { reset(): void };
  let browser: Browser;
  let root: string;
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    assert.ok(existsSync(CLI), 'dist/cli.js is built (npm test builds it first)');
    assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install -y chromium`);
    api = await startShopApi();
    root = tempWorkspace({ ...shopSuite(''), 'big/thousand.flow.yaml': thousandSteps() });
    const r = await cli(
      [
        'run',
        'flows',
        '--var',
        `BASE_URL=${api.url}`,
        '--secret',
        `API_TOKEN=${SECRET}`,
        '--timeout',
        '1s',
        '--reporter',
        'html',
        '--output',
        'report/index.html',
      ],
      root,
    );
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '', 'the report went to the file');
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
    mkdirSync(resultsDir, { recursive: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(pathToFileURL(join(root, 'report/index.html')).href);
  });

  after(async () => {
    await browser?.close();
    await api?.close();
  });

  it('is one file that holds no secret', () => {
    const html = readFileSync(join(root, 'report/index.html'), 'utf8');
    assert.ok(!html.includes(SECRET));
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+stylesheet/, 'scripts and styles are inline');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  });

  it('shows the run summary, the invalid flow and every execution', async () => {
    const summary = page.locator('.report-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /4 flows\s+1 passed\s+2 failed\s+1 invalid\s+12 steps/);
    assert.match(
      await summary.locator('.invalid-flows').innerText(),
      /flows\/broken\.flow\.yaml:5:15: error: step 'x': http_request needs 'url' in its config/,
    );
    const rows = page.locator('tr.execution-row');
    await rows.nth(2).waitFor();
    assert.deepEqual(
      (await rows.allInnerTexts()).map((t) => t.trim().split(/\s/)[0]),
      ['Passed', 'Failed', 'Failed'],
    );
    assert.match(await rows.nth(1).innerText(), /Shop \| checkout/);
    await page.screenshot({ path: join(resultsDir, 'html-report-list.png') });
  });

  it('opens an execution: nested steps, retries, skipped steps, assertion and response detail', async () => {
    await page.locator('tr.execution-row', { hasText: 'Shop | checkout' }).click();
    const tree = page.locator('.step-tree');
    await page.locator('.step[data-step-id="cleanup"]').waitFor();
    const row = (id: string) => page.locator(`.step[data-step-id="${id}"] > .step-line`).first();
    assert.match(await row('flaky').innerText(), /Flaky endpoint[\s\S]*3 attempts/);
    assert.match(await row('get_item[1]').innerText(), /Get item\s*\[1\]/);
    assert.match(await row('optional').innerText(), /Only on Sundays[\s\S]*when: false is false/);
    assert.match(await row('after').innerText(), /Never reached[\s\S]*an earlier step failed/);
    assert.equal(await tree.locator('.step').count(), 8);
    // A failed run opens on its first failure: expected, actual and the (masked) response.
    const panel = page.locator('.step-panel');
    await panel.locator('.response-line').waitFor();
    assert.match(
      await panel.locator('.assertion').innerText(),
      /body\.auth == "nope"[\s\S]*Expected\s*"nope"[\s\S]*Actual\s*"Bearer \*\*\*"/i,
    );
    assert.match(await panel.innerText(), /GET\s+http:\/\/127\.0\.0\.1:\d+\/echo[\s\S]*200/);
    await page.screenshot({ path: join(resultsDir, 'html-report-execution.png') });
    // Each attempt of the retried step keeps its own response.
    await row('flaky').click();
    await panel.locator('.attempt-tab').nth(2).waitFor();
    assert.equal(await panel.locator('.attempt-tab').count(), 3);
    assert.match(await panel.locator('.response-line').innerText(), /200/);
    await panel.locator('.attempt-tab').first().click();
    assert.match(await panel.locator('.response-line').innerText(), /503/);
  });

  it('shows the cancelled step and the teardown of a timed-out flow, and its logs', async () => {
    await page.locator('.crumbs a').click();
    await page.locator('tr.execution-row', { hasText: 'Slow' }).click();
    await page.locator('.step[data-step-id="bye"]').waitFor();
    assert.match(
      await page.locator('.step[data-step-id="next"] > .step-line').innerText(),
      /After the slow call[\s\S]*cancelled/,
    );
    await page.locator('.back-to-overview').click();
    assert.match(await page.locator('.logs').innerText(), /bye/);
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(
      requests.filter((url) => !url.startsWith('file:')),
      [],
      'the report made no network request',
    );
  });

  it('a 1,000-step run: size and time to open (printed)', async () => {
    const r = await cli(
      ['run', 'big', '--var', `BASE_URL=${api.url}`, '--reporter', 'html', '--output', 'report/big.html'],
      root,
    );
    assert.equal(r.code, 0, r.stderr);
    const file = join(root, 'report/big.html');
    const bytes = statSync(file).size;
    const big = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const started = Date.now();
    await big.goto(pathToFileURL(file).href);
    await big.locator('tr.execution-row').click();
    await big.locator('.step[data-step-id="call[999]"]').waitFor({ state: 'attached' });
    await big.waitForFunction(() => document.querySelectorAll('.step-tree .step').length === 1001);
    const openMs = Date.now() - started;
    await big.screenshot({ path: join(resultsDir, 'html-report-1000-steps.png') });
    await big.close();
    console.log(`      1,001-step report: ${(bytes / 1024).toFixed(0)} KiB, list → all steps drawn in ${openMs} ms`);
    assert.ok(bytes < 4 * 1024 * 1024, `a 1,000-step report stays under 4 MiB (${bytes} bytes)`);
  });
});
