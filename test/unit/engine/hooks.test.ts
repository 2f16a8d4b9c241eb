import assert from 'node:assert/strict';
import { runFlow } from '../../../src/core/engine/executor';
import type { StepFrame } from '../../../src/core/engine/hooks';
import { flowFrom } from '../helpers';

describe('engine: step hooks', () => {
  it('calls beforeStep and afterStep around every step, nested ones with their parent id', async () => {
    const flow = flowFrom(`
flow:
  name: hooks
  steps:
    - id: loop
      action: for_each
      config:
        items: [a, b]
        steps:
          - id: inner
            action: log
            config: { message: "{{item}}" }
            output: { seen: $.message }
  teardown:
    - id: t
      action: log
      config: { message: bye }
`);
    const calls: string[] = [];
    const result = await runFlow(flow, {
      hooks: {
        beforeStep: async (frame: StepFrame) => {
          calls.push(`before ${frame.stepId} < ${frame.parentId ?? '-'} item=${String(frame.scope.variable('item'))}`);
        },
        afterStep: (frame, step) => {
          calls.push(`after ${frame.stepId} ${step.status}`);
        },
      },
    });
    assert.equal(result.status, 'completed');
    assert.deepEqual(calls, [
      'before loop < - item=Symbol(unresolved)',
      'before inner[0] < loop item=a',
      'after inner[0] completed',
      'before inner[1] < loop item=b',
      'after inner[1] completed',
      'after loop completed',
      'before t < - item=Symbol(unresolved)',
      'after t completed',
    ]);
  });

  it('holds step time limits while a hook is pending, and a variable set in the hook is used by the step', async () => {
    const flow = flowFrom(`
flow:
  name: paused
  steps:
    - id: outer
      action: condition
      timeout: 150ms
      config:
        condition: "true"
        then:
          - id: slow_to_start
            action: log
            config: { message: "value {{greeting}}" }
            output: { said: $.message }
`);
    const result = await runFlow(flow, {
      variables: { greeting: 'before' },
      hooks: {
        beforeStep: async (frame) => {
          if (frame.step.id !== 'slow_to_start') return;
          // A pause three times longer than the parent's limit.
          await new Promise((resolve) => setTimeout(resolve, 450));
          frame.scope.root().vars.set('greeting', 'edited');
        },
      },
    });
    assert.equal(result.status, 'completed', result.error);
    const inner = result.steps.find((s) => s.step_id === 'slow_to_start');
    assert.deepEqual(inner?.outputs, { said: 'value edited' });
  });

  it('still times a step out when no hook is pending', async () => {
    const flow = flowFrom(`
flow:
  name: timed
  steps:
    - id: wait
      action: delay
      timeout: 50ms
      config: { duration: 2s }
`);
    const result = await runFlow(flow, { hooks: { beforeStep: async () => undefined } });
    assert.equal(result.status, 'failed');
    assert.match(result.steps[0].error ?? '', /50ms|timed out|timeout/i);
  });
});
