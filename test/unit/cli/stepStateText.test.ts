// One message per step state, the same words wherever a step's state is shown: the core
// formatter, the CLI's pretty reporter and the editor's step marks.
import * as assert from 'node:assert';
import { PrettyReporter } from '../../../src/cli/reporters/pretty';
import type { ExecutionEvent } from '../../../src/core/events';
import type { FlowDef } from '../../../src/core/flow/types';
import { label } from '../../../src/extension/decorations';
import { formatDuration } from '../../../src/core/format';
import { skippedText, stepStateText } from '../../../src/core/stepStateText';

describe('step state text (one message per state)', () => {
  it('says skipped with its reason once, in one form', () => {
    assert.strictEqual(skippedText('an earlier step failed'), 'skipped: an earlier step failed');
    assert.strictEqual(skippedText(undefined), 'skipped');
    assert.strictEqual(skippedText('  '), 'skipped');
    assert.strictEqual(stepStateText('skipped', { skipReason: 'cancelled' }), '– skipped: cancelled');
  });

  it('puts the state and duration first', () => {
    assert.strictEqual(formatDuration(405.4), '405 ms');
    assert.strictEqual(formatDuration(2100), '2.10 s');
    assert.strictEqual(formatDuration(12_500), '12.5 s');
    assert.strictEqual(stepStateText('passed', { durationMs: 405 }), '✓ 405 ms');
    assert.strictEqual(stepStateText('failed', { durationMs: 2100 }), '✗ 2.10 s');
    assert.strictEqual(stepStateText('running'), '⟳ running…');
  });

  it("the editor's mark: state and duration, then the request summary", () => {
    assert.strictEqual(
      label({ status: 'passed', durationMs: 405, summary: 'POST /orders → 202 · 31 B' }),
      '✓ 405 ms · POST /orders → 202 · 31 B',
    );
    assert.strictEqual(
      label({ status: 'skipped', skipReason: 'an earlier step failed' }),
      '– skipped: an earlier step failed',
    );
    assert.strictEqual(label({ status: 'running', summary: 'GET /x → 200 · 1 B' }), '⟳ running…');
  });

  it('the CLI says the same words for a skipped step', () => {
    let out = '';
    const reporter = new PrettyReporter((text) => (out += text), false);
    const flow = { name: 'Checkout' } as FlowDef;
    reporter.event(flow, {
      type: 'step.skipped',
      execution_id: 'e1',
      seq: 3,
      timestamp: new Date(0).toISOString(),
      data: { step_id: 'pay', step_name: 'Pay for the order', reason: 'an earlier step failed' },
    } as ExecutionEvent);
    assert.strictEqual(out.trim(), '- Pay for the order (skipped: an earlier step failed)');
    assert.strictEqual(out.match(/skipped/g)?.length, 1, 'said once');
  });
});
