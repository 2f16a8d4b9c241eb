// Flaky marks in the Test Explorer (fake vscode, real ExecutionManager): a flow and a step that the
// long history calls flaky say so after their description, the marks follow new runs, and they
// survive the file being parsed again.
import * as assert from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord, StepSummary } from '../../../src/core/history/types';
import { FlakyMarks } from '../../../src/extension/flakyMarks';
import type { Log } from '../../../src/extension/log';
import { flowItemId } from '../../../src/extension/testing';
import { waitFor } from '../helpers';
import { createHarness, type Harness } from './harness';

const ORDERS = `flow:
  name: Orders
  steps:
    - id: login
      action: log
      config: { message: in }
    - id: place_order
      action: log
      config: { message: placed }
`;

const STABLE = `flow:
  name: Stable
  description: Always green
  steps:
    - id: ping
      action: log
      config: { message: pong }
`;

function step(step_id: string, ok: boolean): StepSummary {
  return {
    step_id,
    step_name: step_id,
    action: 'log',
    status: ok ? 'completed' : 'failed',
    attempt: 1,
    duration_ms: 1,
  };
}

/** One finished execution `hoursAgo` hours ago. */
function record(id: string, flow_id: string, ok: boolean, hoursAgo: number, steps: StepSummary[]): RunRecord {
  const at = new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
  return {
    id,
    flow_id,
    flow_name: flow_id,
    status: ok ? 'completed' : 'failed',
    trigger: 'editor',
    created_at: at,
    finished_at: at,
    duration_ms: 2,
    total_steps: steps.length,
    passed_steps: steps.filter((s) => s.status === 'completed').length,
    failed_steps: steps.filter((s) => s.status === 'failed').length,
    skipped_steps: 0,
    last_seq: 5,
    steps,
  };
}

describe('extension: flaky marks in the Test Explorer', function () {
  this.timeout(30_000);
  let h: Harness;
  let marks: FlakyMarks;

  before(async () => {
    h = await createHarness({ 'flows/orders.flow.yaml': ORDERS, 'flows/stable.flow.yaml': STABLE });
    // Ten runs of Orders in the last days alternating pass/fail (place_order fails), a stable
    // flow that always passes, and an old flaky streak outside the window that must not count.
    for (let i = 0; i < 10; i++) {
      const ok = i % 2 === 0;
      h.manager.store.runs.record(
        record(`orders-${i}`, 'flows/orders.flow.yaml', ok, 100 - i, [step('login', true), step('place_order', ok)]),
      );
      h.manager.store.runs.record(record(`stable-${i}`, 'flows/stable.flow.yaml', true, 100 - i, [step('ping', true)]));
      h.manager.store.runs.record(
        record(`old-${i}`, 'flows/stable.flow.yaml', i % 2 === 0, 24 * 30 + i, [step('ping', i % 2 === 0)]),
      );
    }
    const log = h.fake.vscode.window.createOutputChannel('TestMesh', { log: true }) as unknown as Log;
    marks = new FlakyMarks(h.tree, h.index, log);
    marks.attach(h.manager);
    await marks.refresh();
  });
  after(async () => {
    marks?.dispose();
    await h?.dispose();
  });

  const description = (id: string) => h.item(id).description;

  it('marks the flaky flow and its flaky step, and nothing else', () => {
    assert.strictEqual(
      h.controller.renderTestTree(),
      `flows/orders.flow.yaml #runnable
  Orders — flaky: 5 of 10 runs failed
    login — log
    place_order — log · flaky: 5 of 10 runs failed
flows/stable.flow.yaml #runnable
  Stable — Always green
    ping — log`,
    );
  });

  it('follows new runs: a run from the Test Explorer updates the counts', async () => {
    const key = h.key('flows/orders.flow.yaml');
    const run = await h.run([h.item(flowItemId(key))]);
    assert.ok(
      run.calls.some((c) => c.kind === 'passed'),
      'the run passed',
    );
    await waitFor(
      () => description(flowItemId(key)) === 'flaky: 5 of 11 runs failed',
      10_000,
      `the mark to count the new run (now ${description(flowItemId(key))})`,
    );
  });

  it('keeps the mark when the file is parsed again, after its new description', async () => {
    const key = h.key('flows/orders.flow.yaml');
    const file = join(h.root, 'flows/orders.flow.yaml');
    writeFileSync(file, ORDERS.replace('  name: Orders\n', '  name: Orders\n  description: Places orders\n'));
    h.fake.fileEvent('changed', file);
    await waitFor(
      () => description(flowItemId(key)) === 'Places orders · flaky: 5 of 11 runs failed',
      10_000,
      `the description with its mark (now ${description(flowItemId(key))})`,
    );
  });

  it('drops the mark once the flow stops being flaky', async () => {
    const key = h.key('flows/orders.flow.yaml');
    for (let i = 0; i < 40; i++)
      h.manager.store.runs.record(
        record(`green-${i}`, 'flows/orders.flow.yaml', true, 50 - i, [step('login', true), step('place_order', true)]),
      );
    await marks.refresh();
    // The states are those of the second test's run.
    assert.strictEqual(
      h.controller.renderTestTree({ from: h.item(key) }),
      `· flows/orders.flow.yaml #runnable
  ✓ Orders — Places orders
    ✓ login — log
    ✓ place_order — log`,
    );
  });
});
