/**
 * The web UI in real headless Chromium, watching live runs against the demo API through the
 * REST + WebSocket server: steps appear while the run goes on, the Live badge, a killed socket
 * that resumes with `since` without losing or doubling a step, request/response detail, a failing
 * assertion's expected vs actual, keyboard selection, and a 5,000-step execution.
 *
 * Needs the bundle (`node esbuild.config.mjs`, which `npm test` runs first) and /usr/bin/chromium.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page, type WebSocketRoute } from 'playwright-core';
import { stringify } from 'yaml';
import { startServer, type RunningServer } from '../../../src/server/server';
import { answerRequest, isRequestMessage, type HostToWebviewMessage } from '../../../src/webview/protocol';
import { hostHandlers } from './vscodeHost';

const repoRoot = path.resolve(__dirname, '../../../..');
const mediaDir = path.join(repoRoot, 'media');
const resultsDir = path.join(repoRoot, 'test-results');
const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Records the Live badge's states and long tasks from the first script on. */
const PAGE_PROBES = `
  window.__badgeStates = [];
  window.__longTasks = [];
  new MutationObserver((records) => {
    for (const r of records) {
      const t = r.target;
      if (!t.classList || !t.classList.contains('live-badge') || !t.closest('.exec-header')) continue;
      const states = window.__badgeStates;
      if (states[states.length - 1] !== t.dataset.state) states.push(t.dataset.state);
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });
  } catch {}
`;

interface DemoApi {
  url: string;
  stop(): Promise<void>;
}

/** The project's demo API (examples/demo-api) in a child process, on a free port. */
async function startDemoApi(): Promise<DemoApi> {
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(repoRoot, 'examples/demo-api/server.mjs'), '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`demo API exited with ${code}: ${out}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill();
      await exited;
    },
  };
}

interface Gates {
  url: string;
  /** Resolves when the flow's request to `/gate/<name>` has arrived and is being held. */
  reached(name: string): Promise<void>;
  release(name: string): void;
  close(): Promise<void>;
}

/** A local endpoint that holds `GET /gate/<name>` until the test releases it: pause points for a run. */
async function startGates(): Promise<Gates> {
  const gates = new Map<
    string,
    { reached: () => void; reachedP: Promise<void>; release: () => void; releasedP: Promise<void> }
  >();
  const gate = (name: string) => {
    let g = gates.get(name);
    if (!g) {
      let reached!: () => void;
      let release!: () => void;
      const reachedP = new Promise<void>((resolve) => (reached = resolve));
      const releasedP = new Promise<void>((resolve) => (release = resolve));
      g = { reached, reachedP, release, releasedP };
      gates.set(name, g);
    }
    return g;
  };
  const server = http.createServer((req, res) => {
    const g = gate((req.url ?? '').replace(/^\/gate\//, ''));
    g.reached();
    void g.releasedP.then(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ released: true, path: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    reached: (name) => gate(name).reachedP,
    release: (name) => gate(name).release(),
    close: async () => {
      for (const g of gates.values()) g.release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function httpStep(id: string, name: string, url: string, extra: Record<string, unknown> = {}) {
  return { id, name, action: 'http_request', config: { method: 'GET', url }, ...extra };
}

/**
 * A flow of slow calls (150-300 ms each) with nesting, a retry, a gate the test opens, a failing
 * assertion and a skipped step.
 */
function liveFlow() {
  const slow = (n: number, ms: number) => httpStep(`slow_${n}`, `Slow call ${n}`, `{{BASE_URL}}/slow?ms=${ms}`);
  return {
    flow: {
      name: 'Live demo',
      setup: [httpStep('health', 'API is up', '{{BASE_URL}}/health', { assert: ['status == 200'] })],
      steps: [
        httpStep('start_gate', 'Wait for the start', '{{GATE_URL}}/gate/start'),
        httpStep('list_users', 'List users', '{{BASE_URL}}/users?limit=2', {
          assert: ['status == 200', 'len(body.items) == 2'],
          output: { first_id: '$.body.items[0].id' },
        }),
        slow(1, 200),
        slow(2, 250),
        {
          id: 'each_user',
          name: 'Fetch each user',
          action: 'for_each',
          config: {
            items: [1, 2],
            item_name: 'n',
            steps: [httpStep('get_user', 'Get user', '{{BASE_URL}}/slow?ms=150')],
          },
        },
        httpStep('flaky', 'Flaky endpoint (retried)', '{{BASE_URL}}/flaky?key=webui&fail=1', {
          retry: { max_attempts: 3, delay: '100ms' },
          assert: ['status == 200'],
        }),
        slow(3, 300),
        slow(4, 200),
        httpStep('gate', 'Wait for the gate', '{{GATE_URL}}/gate/middle'),
        slow(5, 250),
        slow(6, 300),
        httpStep('check_name', 'First user is called Nobody', '{{BASE_URL}}/users/{{first_id}}', {
          assert: ['body.name == "Nobody"'],
        }),
        { id: 'never_1', name: 'Runs only after a pass', action: 'log', config: { message: 'unreachable' } },
      ],
      teardown: [
        { id: 'goodbye', name: 'Say goodbye', action: 'log', config: { message: 'done with user {{first_id}}' } },
      ],
    },
  };
}

/** A short run without gates: a request, a loop and a failing assertion. */
function shortFlow() {
  return {
    flow: {
      name: 'Short demo',
      steps: [
        httpStep('list_users', 'List users', '{{BASE_URL}}/users?limit=2', {
          assert: ['status == 200'],
          output: { first_id: '$.body.items[0].id' },
        }),
        httpStep('slow_1', 'Slow call', '{{BASE_URL}}/slow?ms=150'),
        {
          id: 'each',
          name: 'Each item',
          action: 'for_each',
          config: { items: [1, 2], steps: [httpStep('get', 'Get', '{{BASE_URL}}/slow?ms=100')] },
        },
        httpStep('check_name', 'First user is called Nobody', '{{BASE_URL}}/users/{{first_id}}', {
          assert: ['body.name == "Nobody"'],
        }),
      ],
    },
  };
}

/** A run that waits at a gate nobody opens, until it is cancelled; teardown still runs. */
function holdFlow() {
  return {
    flow: {
      name: 'Held run',
      steps: [
        httpStep('hold', 'Wait forever', '{{GATE_URL}}/gate/never'),
        { id: 'after', name: 'After', action: 'log', config: { message: 'not reached' } },
      ],
      teardown: [{ id: 'cleanup', name: 'Clean up', action: 'log', config: { message: 'cleaned up' } }],
    },
  };
}

/** 5,000 quick steps: 50 groups of 99 assertions under a parent, plus 50 plain ones. */
function bigFlow() {
  const steps: unknown[] = [];
  for (let g = 0; g < 50; g++) {
    steps.push({
      id: `plain_${g}`,
      name: `Check ${g}`,
      action: 'assert',
      config: { data: { g }, assertions: [`g == ${g}`] },
    });
    steps.push({
      id: `group_${g}`,
      name: `Group ${g}`,
      action: 'for_each',
      config: {
        items: Array.from({ length: 98 }, (_, i) => i),
        item_name: 'i',
        steps: [
          { id: `check_${g}`, name: 'Check item', action: 'assert', config: { data: { g }, assertions: ['g >= 0'] } },
        ],
      },
    });
  }
  return { flow: { name: 'Five thousand steps', steps } };
}

async function api<T>(server: UiServer, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${route}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

type UiServer = RunningServer;

function rows(page: Page) {
  return page.locator('.steps-pane [role="treeitem"]');
}

async function headerStatus(page: Page): Promise<string | null> {
  return page.locator('.exec-header .status-pill').getAttribute('data-status');
}

async function waitForServerFinished(server: UiServer, id: string): Promise<void> {
  for (;;) {
    const { status } = await api<{ status: string }>(server, 'GET', `/api/v1/executions/${id}`);
    if (status !== 'running' && status !== 'pending') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function waitForFinished(page: Page, timeout = 30_000) {
  return page.waitForFunction(
    () =>
      ['completed', 'failed', 'cancelled'].includes(
        document.querySelector('.exec-header .status-pill')?.getAttribute('data-status') ?? '',
      ),
    undefined,
    { timeout },
  );
}

describe('web UI in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let demo: DemoApi;
  let gates: Gates;
  let server: UiServer;
  let tmpRoot: string;
  let workspace: string;

  before(async function () {
    assert.ok(
      existsSync(path.join(mediaDir, 'webview.js')),
      'media/webview.js is missing: run `node esbuild.config.mjs` first (npm test does)',
    );
    assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install -y chromium`);
    tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'testmesh-webui-'));
    workspace = path.join(tmpRoot, 'workspace');
    mkdirSync(path.join(workspace, 'flows'), { recursive: true });
    writeFileSync(path.join(workspace, 'flows/live.flow.yaml'), stringify(liveFlow()));
    writeFileSync(path.join(workspace, 'flows/big.flow.yaml'), stringify(bigFlow()));
    writeFileSync(path.join(workspace, 'flows/short.flow.yaml'), stringify(shortFlow()));
    writeFileSync(path.join(workspace, 'flows/hold.flow.yaml'), stringify(holdFlow()));
    demo = await startDemoApi();
    gates = await startGates();
    server = await startServer({
      workspace,
      port: 0,
      historyDir: path.join(tmpRoot, 'history'),
      staticDir: mediaDir,
      environment: { BASE_URL: demo.url, GATE_URL: gates.url },
    });
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
    mkdirSync(resultsDir, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await demo?.stop();
    await gates?.close();
    if (tmpRoot) rmSync(tmpRoot, { recursive: true, force: true });
  });

  it('watches a live run, survives a killed WebSocket and shows request, response and assertion detail', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (message) => {
      // src/server/static.ts lists ws://[::1]:<port> in connect-src, which Chromium reports as an
      // invalid source and ignores; harmless for the page (reported to the server's owner).
      if (
        message.type() === 'error' &&
        !/connect-src' contains an invalid source: 'ws:\/\/\[::1\]/.test(message.text())
      )
        pageErrors.push(message.text());
    });
    await page.addInitScript({ content: PAGE_PROBES });

    // Every execution socket goes through a route: the test can cut it, and hold a reconnect.
    const sockets: WebSocketRoute[] = [];
    const socketUrls: string[] = [];
    let holdConnect: Promise<void> | undefined;
    await page.routeWebSocket(/\/ws\/executions\/.+/, (ws) => {
      socketUrls.push(ws.url());
      sockets.push(ws);
      const connect = () => void ws.connectToServer();
      if (holdConnect) void holdConnect.then(connect);
      else connect();
    });

    // Without the token the page says how to get in.
    const stranger = await context.newPage();
    await stranger.goto(`${server.url}/`);
    await stranger.locator('.banner', { hasText: 'Not authorized' }).waitFor();
    await stranger.close();

    // The printed link: token in the fragment, which the page keeps and removes from the address bar.
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.locator('.list-view').waitFor();
    assert.ok(!page.url().includes(server.token), `token left in the address bar: ${page.url()}`);
    await page.locator('.list-view .live-badge[data-state="live"]').waitFor();

    // A run started elsewhere shows up in the list by itself.
    const started = await api<{ id: string }>(server, 'POST', '/api/v1/executions', {
      flow_id: 'flows/live.flow.yaml',
    });
    const listRow = page.locator(`tr[data-id="${started.id}"]`);
    await listRow.waitFor({ timeout: 10_000 });
    await listRow.locator('.flow-link').click();
    await page.locator('.detail-view').waitFor();
    assert.match(page.url(), new RegExp(`#/executions/${started.id}$`));

    // Steps appear while it runs (two gates hold it open), and the badge says Live.
    await page.locator('.exec-header .live-badge[data-state="live"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('.exec-header .live-badge').textContent(), 'Live');
    await gates.reached('start');
    await page.locator('[data-step-id="start_gate"][data-status="running"]').waitFor();
    const early = await rows(page).count();
    gates.release('start');
    await gates.reached('middle');
    await page.locator('[data-step-id="gate"][data-status="running"]').waitFor();
    const atGate = await rows(page).count();
    assert.ok(atGate > early, `rows should grow while running: ${early} then ${atGate}`);
    assert.equal(await headerStatus(page), 'running');
    await page.screenshot({ path: path.join(resultsDir, 'webui-live.png') });

    // Cut the socket from the server side while the run waits at the gate. The page reconnects
    // with since=<last seq>; that socket is held until the rest of the run has happened, so every
    // later event must come from the server's replay after since.
    const lastSeqBefore = (await api<{ last_seq: number }>(server, 'GET', `/api/v1/executions/${started.id}`)).last_seq;
    let releaseConnect!: () => void;
    holdConnect = new Promise<void>((resolve) => (releaseConnect = resolve));
    const socketsBefore = sockets.length;
    await sockets[sockets.length - 1].close({ code: 4000, reason: 'test: connection lost' });
    await page.waitForFunction(() =>
      (window as unknown as { __badgeStates: string[] }).__badgeStates.includes('reconnecting'),
    );
    await page.waitForFunction((n) => document.querySelectorAll('.steps-pane [role="treeitem"]').length >= n, atGate);
    while (sockets.length === socketsBefore) await new Promise((resolve) => setTimeout(resolve, 20));
    const resumedFrom = Number(new URL(socketUrls[socketsBefore]).searchParams.get('since'));
    assert.equal(
      resumedFrom,
      lastSeqBefore,
      `the new socket should resume from the last event the page had: ${socketUrls[socketsBefore]}`,
    );
    gates.release('middle');
    await waitForServerFinished(server, started.id);
    assert.equal(await headerStatus(page), 'running', 'the page cannot know the end before its socket is connected');
    holdConnect = undefined;
    releaseConnect();
    await waitForFinished(page);
    const badgeStates = await page.evaluate(() => (window as unknown as { __badgeStates: string[] }).__badgeStates);
    const cut = badgeStates.indexOf('reconnecting');
    assert.ok(cut > 0 && badgeStates.slice(cut).includes('live'), `badge states: ${badgeStates.join(' -> ')}`);

    // Every step exactly once, in the state the server folded.
    const server_steps = (
      await api<{ steps: Array<{ step_id: string; status: string; parent_id?: string }> }>(
        server,
        'GET',
        `/api/v1/executions/${started.id}/steps`,
      )
    ).steps;
    const summary = await api<{ status: string }>(server, 'GET', `/api/v1/executions/${started.id}`);
    assert.equal(await headerStatus(page), summary.status);
    assert.equal(summary.status, 'failed');
    const drawn = await rows(page).evaluateAll((items) =>
      items.map((i) => ({
        id: (i as HTMLElement).dataset.stepId!,
        status: (i as HTMLElement).dataset.status!,
        level: i.getAttribute('aria-level'),
      })),
    );
    assert.equal(
      new Set(drawn.map((d) => d.id)).size,
      drawn.length,
      `a step was drawn twice: ${drawn.map((d) => d.id).join(', ')}`,
    );
    assert.deepEqual(
      drawn.map((d) => `${d.id}=${d.status}`).sort(),
      server_steps.map((s) => `${s.step_id}=${s.status}`).sort(),
    );
    for (const step of server_steps.filter((s) => s.parent_id)) {
      assert.equal(
        drawn.find((d) => d.id === step.step_id)?.level,
        '2',
        `${step.step_id} should be nested under ${step.parent_id}`,
      );
    }
    assert.equal(await page.locator('.exec-header .live-badge').isHidden(), true, 'no Live badge once finished');
    assert.match((await page.locator('.counts').textContent()) ?? '', /1 failed/);

    // Retry attempts are shown on the row, and each attempt's exchange in the panel.
    assert.equal(await page.locator('[data-step-id="flaky"] .step-attempts').textContent(), '2 attempts');
    await page.locator('[data-step-id="flaky"] > .step-line').click();
    await page.locator('.step-panel .attempt-tab').first().waitFor();
    assert.deepEqual(await page.locator('.step-panel .attempt-tab').allTextContents(), [
      'Attempt 1 · 503',
      'Attempt 2 · 200',
    ]);
    await page.locator('.step-panel .attempt-tab[aria-selected="true"]').press('ArrowLeft');
    assert.equal(await page.locator('.step-panel .http-status').textContent(), '503');

    // Copy as curl in the browser: the server renders the shown attempt's request, the page writes the clipboard.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.locator('.step-panel button.copy-curl').click();
    await page.locator('.step-panel .copy-curl-status', { hasText: 'Copied' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(copied, /^curl /);
    assert.match(copied, /http:\/\/127\.0\.0\.1:\d+\/flaky\?key=webui&fail=1/);
    await page.screenshot({ path: path.join(resultsDir, 'webui-copy-curl.png') });

    // The failing assertion: expression, expected vs actual side by side.
    await page.locator('[data-step-id="check_name"] > .step-line').click();
    const assertion = page.locator('.step-panel .assertion');
    await assertion.waitFor();
    assert.equal(await assertion.locator('.expression').textContent(), 'body.name == "Nobody"');
    assert.equal(await assertion.locator('.expected .code').textContent(), '"Nobody"');
    assert.equal(await assertion.locator('.actual .code').textContent(), '"Alice Example"');
    assert.match(page.url(), /\/steps\/check_name$/);
    await page.locator('.step-panel .attempt .exchange').waitFor();
    await page.screenshot({ path: path.join(resultsDir, 'webui-assertion.png') });

    // Clicking a step shows its request and pretty-printed response body.
    await page.locator('[data-step-id="list_users"] > .step-line').click();
    const body = page.locator('.step-panel .attempt pre.json').first();
    await body.waitFor();
    assert.match(
      (await page.locator('.step-panel .request-line').textContent()) ?? '',
      /^GET\s*http:\/\/127\.0\.0\.1:\d+\/users\?limit=2$/,
    );
    assert.equal(await page.locator('.step-panel .http-status').textContent(), '200');
    const bodyText = (await body.textContent()) ?? '';
    assert.match(bodyText, /"items": \[\n/);
    assert.match(bodyText, /"Alice Example"/);
    assert.ok((await page.locator('.step-panel .attempt .j-key').count()) > 3, 'JSON keys are highlighted');

    // Keyboard: arrows move the selection through the tree.
    await page.locator('[data-step-id="list_users"]').focus();
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('[role="treeitem"][aria-selected="true"]').getAttribute('data-step-id'), 'slow_1');
    await page.keyboard.press('ArrowUp');
    assert.equal(
      await page.locator('[role="treeitem"][aria-selected="true"]').getAttribute('data-step-id'),
      'list_users',
    );
    await page.locator('.step-panel .attempt pre.json').first().waitFor();

    await page.screenshot({ path: path.join(resultsDir, 'webui-detail.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(resultsDir, 'webui-detail-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });

    // Back to the list: the run's row was updated live to its final state.
    await page.locator('.crumbs a').click();
    await page.locator(`tr[data-id="${started.id}"][data-status="failed"]`).waitFor();
    await page.screenshot({ path: path.join(resultsDir, 'webui-list.png') });

    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  it('runs the same UI over postMessage, as inside a VS Code webview', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, colorScheme: 'dark' });
    const page = await context.newPage();
    const network: string[] = [];
    page.on('websocket', (ws) => network.push(ws.url()));
    page.on('request', (request) => {
      if (request.url().includes('/api/')) network.push(request.url());
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    // The host side: the protocol's requests answered from the server's ExecutionManager.
    let delivery = Promise.resolve();
    const post = (message: HostToWebviewMessage) => {
      delivery = delivery.then(() => page.evaluate((m) => window.postMessage(m, '*'), message)).catch(() => undefined);
    };
    const copied: Array<{ execution_id: string; step_id: string; attempt?: number }> = [];
    const handlers = hostHandlers(server.manager, workspace, post, copied);
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    await page.exposeFunction('__testmeshHost', async (message: unknown) => {
      if (isRequestMessage(message)) post(await answerRequest(handlers, message));
      else if ((message as { kind?: unknown }).kind === 'ready') ready();
    });
    await page.addInitScript({
      content: `window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__testmeshHost(m), getState: () => window.__vsState, setState: (s) => { window.__vsState = s; } });`,
    });

    const started = await server.manager.start({ flow_id: 'flows/short.flow.yaml', trigger: 'editor' });
    await page.goto(`${server.url}/`);
    await isReady;
    post({ kind: 'navigate', route: `#/executions/${started.id}` });
    await page.locator('.detail-view').waitFor();
    await waitForFinished(page);

    const serverSteps = (await server.manager.steps(started.id)) ?? [];
    const drawn = await rows(page).evaluateAll((items) =>
      items.map((i) => `${(i as HTMLElement).dataset.stepId}=${(i as HTMLElement).dataset.status}`),
    );
    assert.deepEqual(drawn.sort(), serverSteps.map((s) => `${s.step_id}=${s.status}`).sort());
    assert.equal(await headerStatus(page), 'failed');

    await page.locator('[data-step-id="check_name"] > .step-line').click();
    assert.equal(await page.locator('.step-panel .assertion .actual .code').textContent(), '"Alice Example"');
    await page.locator('[data-step-id="list_users"] > .step-line').click();
    assert.match((await page.locator('.step-panel .attempt pre.json').first().textContent()) ?? '', /"items": \[/);
    // Copy as curl: the page asks the host, which writes the clipboard.
    await page.locator('.step-panel button.copy-curl').click();
    await page.locator('.step-panel .copy-curl-status', { hasText: 'Copied' }).waitFor();
    assert.deepEqual(copied, [{ execution_id: started.id, step_id: 'list_users', attempt: 1 }], 'the attempt shown');
    await page.screenshot({ path: path.join(resultsDir, 'webui-vscode-dark.png') });

    // The list comes over the same channel; the page's state remembers the view for a reload.
    await page.locator('.crumbs a').click();
    await page.locator(`tr[data-id="${started.id}"][data-status="failed"]`).waitFor();
    assert.equal(
      await page.evaluate(() => (window as unknown as { __vsState?: { hash?: string } }).__vsState?.hash),
      '#/executions',
    );

    // Run a flow from the list, then cancel it from its page: the request is aborted, teardown runs.
    await page.locator('.run-box select').selectOption('flows/hold.flow.yaml');
    await page.locator('.run-box button').click();
    await page.locator('.detail-view [data-step-id="hold"][data-status="running"]').waitFor();
    await page.locator('.exec-header button.danger', { hasText: 'Cancel' }).click();
    await waitForFinished(page);
    assert.equal(await headerStatus(page), 'cancelled');
    await page.locator('[data-step-id="cleanup"][data-status="completed"]').waitFor();
    const heldId = /#\/executions\/([^/]+)/.exec(page.url())![1];
    assert.equal(server.manager.get(heldId)?.trigger, 'editor');
    assert.deepEqual(network, [], 'inside VS Code the page must not use the network itself');
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  it('stays responsive with a 5,000-step execution (prints timings)', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    await page.addInitScript({ content: PAGE_PROBES });
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.locator('.list-view').waitFor();

    // Live: open the detail page as the run starts, and watch all 5,000 steps arrive.
    const started = await api<{ id: string }>(server, 'POST', '/api/v1/executions', { flow_id: 'flows/big.flow.yaml' });
    const t0 = await page.evaluate(() => performance.now());
    await page.evaluate((id) => (location.hash = `#/executions/${id}`), started.id);
    await page.waitForFunction(
      () => document.querySelectorAll('.steps-pane [role="treeitem"]').length === 5000,
      undefined,
      { timeout: 90_000 },
    );
    await waitForFinished(page, 90_000);
    const liveMs = (await page.evaluate(() => performance.now())) - t0;
    const liveLongTasks = await page.evaluate(
      (since) =>
        (window as unknown as { __longTasks: Array<[number, number]> }).__longTasks
          .filter(([start]) => start >= since)
          .map(([, d]) => d),
      t0,
    );
    assert.equal(await headerStatus(page), 'completed');
    assert.match((await page.locator('.counts').textContent()) ?? '', /5000 passed/);

    // With 5,000 rows, a click or a key shows the step in the next frame.
    const clickMs = await page.evaluate(async () => {
      const line = document.querySelector<HTMLElement>('[data-step-id="plain_25"] > .step-line')!;
      line.scrollIntoView({ block: 'center' });
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      const t = performance.now();
      line.click();
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      return performance.now() - t;
    });
    assert.equal(await page.locator('.step-panel .panel-title').textContent(), 'Check 25');
    const keyMs = await page.evaluate(async () => {
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        times.push(performance.now() - t);
      }
      return times.reduce((a, b) => a + b, 0) / times.length;
    });
    assert.equal(
      await page.locator('[role="treeitem"][aria-selected="true"]').getAttribute('data-step-id'),
      'check_25[18]',
    );

    // Replay: a fresh page draws the finished execution from its history.
    const replay = await context.newPage();
    await replay.addInitScript({ content: PAGE_PROBES });
    await replay.goto(`${server.url}/#/executions/${started.id}?token=${server.token}`);
    await replay.waitForFunction(
      () =>
        document.querySelectorAll('.steps-pane [role="treeitem"]').length === 5000 &&
        document.querySelector('.exec-header .status-pill')?.getAttribute('data-status') === 'completed',
      undefined,
      {
        timeout: 60_000,
      },
    );
    const replayMs = await replay.evaluate(() => performance.now());
    const replayLongTasks = await replay.evaluate(() =>
      (window as unknown as { __longTasks: Array<[number, number]> }).__longTasks.map(([, d]) => d),
    );

    const describe = (tasks: number[]) => `${tasks.length} long tasks, longest ${Math.round(Math.max(0, ...tasks))} ms`;
    console.log(
      `      5,000 steps live: all rows drawn ${Math.round(liveMs)} ms after opening the page (${describe(liveLongTasks)})`,
    );
    console.log(
      `      with 5,000 rows: click to painted detail ${Math.round(clickMs)} ms, arrow key to painted selection ${Math.round(keyMs)} ms (mean of 20)`,
    );
    console.log(
      `      5,000 steps replay: page load to all rows drawn ${Math.round(replayMs)} ms (${describe(replayLongTasks)})`,
    );
    await context.close();
  });
});
