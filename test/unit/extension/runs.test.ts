// Runs through the real ExecutionManager against a real HTTP server, drawn on the fake TestRun:
// item states in order, durations, assertion messages with expected/actual at the assertion's
// line, request/response output, cancel with teardown, and runs started through the manager by
// someone else (the REST API) showing up as runs of their own.
import * as assert from 'node:assert';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, readBody, startServer, waitFor, type TestServer } from '../helpers';
import { CancellationTokenSource } from './fakeVscode';
import { createHarness, type Harness } from './harness';

const CHECKOUT = `flow:
  name: Checkout
  steps:
    - id: price_cart
      name: Price the cart
      action: http_request
      config:
        method: POST
        url: \${BASE_URL}/echo
        body: { total: 30 }
      assert:
        - status == 200
      output:
        order_total: $.body.total
    - id: check_total
      name: Order total includes shipping
      action: assert
      config:
        data:
          total: "{{order_total}}"
        assertions:
          - expression: total == 35
            message: order total includes shipping
    - id: place_order
      action: log
      config: { message: placed }
  teardown:
    - id: release
      action: log
      config: { message: released }
`;

const STATUS = `flow:
  name: Status
  steps:
    - id: get
      action: http_request
      config:
        url: \${BASE_URL}/echo
      assert:
        - status == 200
        - body.method == 'POST'
`;

const SLOW = `flow:
  name: Slow
  steps:
    - id: fast
      action: log
      config: { message: first }
    - id: wait
      action: http_request
      config:
        url: \${BASE_URL}/slow
    - id: after
      action: log
      config: { message: never }
  teardown:
    - id: cleanup
      action: log
      config: { message: cleaned up }
`;

const LOOP = `flow:
  name: Loop
  steps:
    - id: each
      action: for_each
      config:
        items: [1, 2, 3]
        steps:
          - id: check
            action: assert
            config:
              data: { n: "{{item}}" }
              assertions:
                - n != 2
`;

const BRANCHES = `flow:
  name: Branches
  steps:
    - id: pick
      action: condition
      config:
        condition: "1 == 1"
        then:
          - { id: taken, action: log, config: { message: taken } }
        else:
          - { id: other, action: log, config: { message: other } }
    - id: fail
      action: assert
      config: { data: { a: 1 }, assertions: [ "a == 2" ] }
    - id: later
      action: condition
      config:
        condition: "true"
        then:
          - { id: later_inner, action: log, config: { message: never } }
`;

/** The slow flow cancelled while its request waits: the request fails, the steps after it are skipped, teardown runs. */
const SLOW_CANCELLED = `· flows/slow.flow.yaml #runnable
  ⊘ Slow
    ✓ fast — log
    ✗ wait — http_request
    ⊘ after — skipped: cancelled · log
    ✓ teardown — 1 step
      ✓ cleanup — log`;

/** 1-based line (as the editor numbers it) of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((line) => line.includes(needle)) + 1;
}

describe('extension: runs mapped onto the Test Explorer', function () {
  let api: TestServer;
  let h: Harness;
  let slowRequests: ServerResponse[] = [];

  before(async () => {
    api = await startServer(async (req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/slow') {
        slowRequests.push(res);
        return;
      }
      const text = await readBody(req);
      json(res, 200, { method: req.method, ...(text ? JSON.parse(text) : {}) });
    });
  });

  after(async () => {
    await api.close();
  });

  beforeEach(async () => {
    slowRequests = [];
    h = await createHarness(
      {
        'flows/checkout.flow.yaml': CHECKOUT,
        'flows/status.flow.yaml': STATUS,
        'flows/slow.flow.yaml': SLOW,
        'flows/loop.flow.yaml': LOOP,
        'flows/branches.flow.yaml': BRANCHES,
      },
      { environment: { BASE_URL: api.url } },
    );
  });

  afterEach(async () => {
    for (const res of slowRequests) res.destroy();
    await h.dispose();
  });

  it('reports each item enqueued -> started -> passed/failed/skipped, with durations', async () => {
    const k = h.key('flows/checkout.flow.yaml');
    const run = await h.run([h.tree.flowItem(k)]);
    assert.ok(run.ended);
    // Every state of each item in order (◷ enqueued, ↻ started), with a duration where a step or the flow finished.
    assert.strictEqual(
      h.controller.renderTestTree({ from: h.item(k), run, history: true, durations: true }),
      `· flows/checkout.flow.yaml #runnable
  ◷↻✗ [<n> ms] Checkout
    ◷↻✓ [<n> ms] Price the cart — http_request
    ◷↻✗ [<n> ms] Order total includes shipping — assert
    ◷⊘ place_order — skipped: an earlier step failed · log
    ◷↻✓ teardown — 1 step
      ◷↻✓ [<n> ms] release — log`,
    );
    // One message for the state, said once: the same words as the editor, the panel and the CLI.
    const skippedLines = run.output.filter((o) => o.id === `${k}#step:place_order`).map((o) => o.text.trim());
    assert.deepStrictEqual(
      skippedLines.filter((t) => /skipped/.test(t)),
      ['– place_order: skipped: an earlier step failed'],
    );
    // The steps start in order: price_cart's start comes before check_total's.
    const order = run.calls.filter((c) => c.kind === 'started').map((c) => c.id);
    assert.ok(order.indexOf(`${k}#step:price_cart`) < order.indexOf(`${k}#step:check_total`));
  });

  it('says why a step was skipped on its Testing tree row, until the step runs again', async () => {
    const k = h.key('flows/checkout.flow.yaml');
    await h.run([h.tree.flowItem(k)]);
    const skipped = h.tree.stepItem(k, 'place_order')!;
    // run.skipped takes no message: the reason goes in front of the row's description (a failed step has its message).
    assert.strictEqual(
      h.controller.renderTestTree({ from: h.item(k) }),
      `· flows/checkout.flow.yaml #runnable
  ✗ Checkout
    ✓ Price the cart — http_request
    ✗ Order total includes shipping — assert
    ⊘ place_order — skipped: an earlier step failed · log
    ✓ teardown — 1 step
      ✓ release — log`,
    );

    // Still there after the file is parsed again (an edit); gone once the step runs.
    const editor = h.fake.open(join(h.root, 'flows/checkout.flow.yaml'), CHECKOUT);
    h.fake.edit(editor.document, CHECKOUT.replace('name: Checkout', 'name: Checkout (edited)'));
    await waitFor(() => h.tree.flowItem(k)?.label === 'Checkout (edited)', 2000, 'the re-parse');
    assert.strictEqual(
      h.controller.renderTestTree({ from: h.item(`${k}#step:place_order`) }),
      '⊘ place_order — skipped: an earlier step failed · log',
    );
    const alone = await h.run([skipped]);
    assert.strictEqual(
      h.controller.renderTestTree({ from: h.item(k), run: alone }),
      `· flows/checkout.flow.yaml #runnable
  · Checkout (edited)
    · Price the cart — http_request
    · Order total includes shipping — assert
    ✓ place_order — log
    · teardown — 1 step
      · release — log`,
    );
  });

  it('says why a nested step that no event reported did not run, as the panel does', async () => {
    const k = h.key('flows/branches.flow.yaml');
    const run = await h.run([h.tree.flowItem(k)]);
    assert.strictEqual(
      h.controller.renderTestTree({ from: h.item(k), run }),
      `· flows/branches.flow.yaml #runnable
  ✗ Branches
    ✓ pick — condition
      ✓ taken — log · then
      ⊘ other — skipped: the condition took the other branch · log · else
    ✗ fail — assert
    ⊘ later — skipped: an earlier step failed · condition
      ⊘ later_inner — skipped: an earlier step failed · log · then`,
    );
  });

  it("puts a failed assertion's expected and actual at the assertion's line", async () => {
    const k = h.key('flows/checkout.flow.yaml');
    const run = await h.run([h.tree.flowItem(k)]);
    // `- expression: total == 35`, inside the assert action's config, in the flow's own file.
    assert.strictEqual(
      h.controller.renderTestTree({ from: h.item(`${k}#step:check_total`), run, messages: true }),
      `✗ Order total includes shipping — assert
  ↳ order total includes shipping (total == 35: got total = 30) [expected 35, actual 30] (line ${lineOf(CHECKOUT, 'total == 35')})`,
    );

    // An assertion of the step's own `assert:` list: its declared range.
    const s = h.key('flows/status.flow.yaml');
    const run2 = await h.run([h.tree.flowItem(s)]);
    assert.strictEqual(
      h.controller.renderTestTree({ from: h.item(`${s}#step:get`), run: run2, messages: true }),
      `✗ get — http_request
  ↳ assertion failed: body.method == 'POST': got body.method = "GET" [expected "POST", actual "GET"] (line ${lineOf(STATUS, "body.method == 'POST'")})`,
    );
  });

  it("appends each step's request/response summary to the output, attached to its item", async () => {
    const k = h.key('flows/checkout.flow.yaml');
    const run = await h.run([h.tree.flowItem(k)]);
    const price = run.output.find((o) => o.id === `${k}#step:price_cart` && o.text.includes('POST'));
    assert.ok(price, run.output.map((o) => o.text).join(''));
    assert.match(price.text, new RegExp(`^POST ${api.url}/echo → 200 · \\d+(?:\\.\\d+)? ms · \\d+ B\r\n`));
    assert.match(price.text, /"total":30/);
    assert.ok(price.text.endsWith('\r\n'));
    // No location: VS Code would draw it inline on the step's line, over the editor's own mark.
    assert.strictEqual(price.location, undefined);
    assert.ok(
      run.output.every((o) => o.location === undefined),
      'no output line is drawn inline in the editor',
    );
    assert.ok(
      run.output.some((o) => o.id === `${k}#step:release` && o.text.includes('released')),
      'logs go to their step',
    );
  });

  it('keeps a loop step failed when a later iteration passes', async () => {
    const k = h.key('flows/loop.flow.yaml');
    const run = await h.run([h.tree.flowItem(k)]);
    // `n != 2` has no expected value to diff against: a plain message naming the value.
    assert.strictEqual(
      h.controller.renderTestTree({ from: h.item(`${k}#step:each`), run, history: true, messages: true }),
      `◷↻✗ each — for_each
  ↳ iteration 1 failed: step 'check' failed: assertion failed: n != 2: got n = 2 (line ${lineOf(LOOP, 'action: for_each')})
  ◷↻✓↻✗ check — assert
    ↳ assertion failed: n != 2: got n = 2 (line ${lineOf(LOOP, 'n != 2')})`,
    );
  });

  it('cancels through the run token: the running request is aborted, teardown runs', async () => {
    const k = h.key('flows/slow.flow.yaml');
    const token = new CancellationTokenSource();
    const running = h.run([h.tree.flowItem(k)], token);
    await waitFor(() => slowRequests.length === 1, 5000, 'the slow request');
    const run = h.controller.runs[h.controller.runs.length - 1];
    assert.strictEqual(
      h.controller.renderTestTree({ from: h.item(`${k}#step:wait`), run, history: true }),
      '◷↻ wait — http_request',
    );
    token.cancel();
    await running;
    assert.strictEqual(h.controller.renderTestTree({ from: h.item(k), run }), SLOW_CANCELLED);
    const [summary] = h.manager.list({ limit: 1 }).executions;
    assert.strictEqual(summary.status, 'cancelled');
  });

  it('shows an execution started through the manager by someone else (REST) as a run of its own', async () => {
    const k = h.key('flows/checkout.flow.yaml');
    const before = h.controller.runs.length;
    const summary = await h.manager.start({
      flow_id: 'flows/checkout.flow.yaml',
      environment: { BASE_URL: api.url },
      trigger: 'api',
    });
    await h.manager.whenFinished(summary.id);
    await waitFor(
      () => h.controller.runs.length > before && h.controller.runs[before].ended,
      5000,
      'the API run to end',
    );
    const run = h.controller.runs[before];
    assert.match(run.name!, /Checkout \(api\)/);
    assert.strictEqual(
      h.controller.renderTestTree({ from: h.item(k), run, history: true }),
      `· flows/checkout.flow.yaml #runnable
  ◷↻✗ Checkout
    ◷↻✓ Price the cart — http_request
    ◷↻✗ Order total includes shipping — assert
    ◷⊘ place_order — skipped: an earlier step failed · log
    ◷↻✓ teardown — 1 step
      ◷↻✓ release — log`,
    );
    assert.strictEqual(h.runs.lastExecution(k), summary.id);
  });

  it("cancels through the Test Explorer's stop button, also for a run started through REST", async () => {
    const k = h.key('flows/slow.flow.yaml');
    const before = h.controller.runs.length;
    const summary = await h.manager.start({
      flow_id: 'flows/slow.flow.yaml',
      environment: { BASE_URL: api.url },
      trigger: 'api',
    });
    await waitFor(() => slowRequests.length === 1, 5000, 'the slow request');
    const run = h.controller.runs[before];
    run.stopButton.cancel();
    assert.strictEqual((await h.manager.whenFinished(summary.id))?.status, 'cancelled');
    await waitFor(() => run.ended, 5000, 'the run to end');
    assert.strictEqual(h.controller.renderTestTree({ from: h.item(k), run }), SLOW_CANCELLED);

    // An editor run's own stop button too.
    slowRequests = [];
    const running = h.run([h.tree.flowItem(k)]);
    await waitFor(() => slowRequests.length === 1, 5000, 'the slow request');
    h.controller.runs[h.controller.runs.length - 1].stopButton.cancel();
    await running;
    assert.strictEqual(h.manager.list({ limit: 1 }).executions[0].status, 'cancelled');
  });

  it('counts active executions while they run', async () => {
    const counts: number[] = [];
    h.runs.onDidChangeActive((n) => counts.push(n));
    const k = h.key('flows/slow.flow.yaml');
    const token = new CancellationTokenSource();
    const running = h.run([h.tree.flowItem(k)], token);
    await waitFor(() => slowRequests.length === 1, 5000, 'the slow request');
    assert.strictEqual(h.runs.activeExecutions().length, 1);
    token.cancel();
    await running;
    await waitFor(() => h.runs.activeExecutions().length === 0, 5000, 'the count to drop');
    assert.deepStrictEqual(counts, [1, 0]);
  });

  it('marks a broken file errored instead of running it', async () => {
    h.fake.open(`${h.root}/flows/status.flow.yaml`, 'flow:\n  name: [broken\n');
    h.fake.edit(h.fake.documents[0], 'flow:\n  name: [broken\n');
    await waitFor(() => h.index.get(h.key('flows/status.flow.yaml'))?.flow === undefined, 2000, 'the broken parse');
    const file = h.item(h.key('flows/status.flow.yaml'));
    const run = await h.run([file]);
    // Errored with the file's own error, the one its row shows.
    assert.strictEqual(
      h.controller.renderTestTree({ from: file, run, messages: true }),
      `‼ flows/status.flow.yaml — invalid flow
  ⚠ ${file.error}
  ↳ ${file.error}`,
    );
  });
});
