// The steps an execution lists from its start: nested steps and sub-flows' steps too, with the ids
// and parents their own events then carry, so a view can show every row before it runs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runFlow } from '../../../src/core/engine/executor';
import type { ExecutionEvent, PlannedStep } from '../../../src/core/events';
import { loadFlowFile } from '../../../src/core/flow/load';
import { recorder, tempWorkspace } from '../helpers';

const MAIN = `
flow:
  name: main
  setup:
    - id: prepare
      action: log
      config: { message: ready }
  steps:
    - id: call
      action: run_flow
      config: { flow: login.flow.yaml }
    - id: both
      action: parallel
      config:
        branches:
          - steps:
              - id: left
                action: log
                config: { message: left }
          - steps:
              - id: right
                action: log
                config: { message: right }
    - id: each
      action: for_each
      config:
        items: [1, 2]
        steps:
          - id: check
            action: log
            config: { message: "{{item}}" }
    - id: pick
      action: condition
      config:
        condition: "1 == 2"
        then:
          - id: yes
            action: log
            config: { message: yes }
        else:
          - id: no
            action: log
            config: { message: no }
    - id: dynamic
      action: run_flow
      config: { flow: "{{which}}" }
      when: "false"
  teardown:
    - id: release
      action: log
      config: { message: released }
`;

const LOGIN = `
flow:
  name: login
  steps:
    - id: token
      action: log
      config: { message: token }
    - id: inner
      action: run_flow
      config: { flow: main.flow.yaml }
`;

function plannedOf(events: ExecutionEvent[]): PlannedStep[] {
  const started = events.find((e) => e.type === 'execution.started');
  assert.ok(started && started.type === 'execution.started');
  return started.data.planned_steps ?? [];
}

describe('engine: the plan listed at the start of an execution', () => {
  it('lists nested steps, parallel branches, a loop body once and a sub-flow from its own file, under their parents', async () => {
    const root = tempWorkspace({ 'flows/main.flow.yaml': MAIN, 'flows/login.flow.yaml': LOGIN });
    const main = (await loadFlowFile(join(root, 'flows/main.flow.yaml'))).flow!;
    const rec = recorder();
    await runFlow(main, { onEvent: rec.onEvent });
    const planned = plannedOf(rec.events);
    assert.deepEqual(
      planned.map((p) => `${p.step_id}<${p.parent_id ?? ''}>`),
      [
        'prepare<>',
        'call<>',
        'call/token<call>',
        // login calls main back: a cycle the run reports; the plan stops there.
        'call/inner<call>',
        'both<>',
        'left<both>',
        'right<both>',
        'each<>',
        'check<each>',
        'pick<>',
        'yes<pick>',
        'no<pick>',
        // Its reference is only known when it runs.
        'dynamic<>',
        'release<>',
      ],
    );
    assert.equal(planned.find((p) => p.step_id === 'release')?.phase, 'teardown');

    // Every step event names a planned row, or an iteration of one (check[0] of check), with the same parent.
    const byId = new Map(planned.map((p) => [p.step_id, p]));
    for (const event of rec.events) {
      if (!event.type.startsWith('step.') || event.type === 'step.retrying') continue;
      const data = event.data as { step_id: string; parent_id?: string };
      const definition = data.step_id.replace(/\[\d+\]/g, '');
      const plannedStep = byId.get(definition);
      assert.ok(plannedStep, `${data.step_id} was planned`);
      assert.equal(data.parent_id ?? '', plannedStep.parent_id ?? '', `${data.step_id}'s parent`);
    }
  });

  it('lists a step run alone with the steps inside it', async () => {
    const root = tempWorkspace({ 'flows/main.flow.yaml': MAIN, 'flows/login.flow.yaml': LOGIN });
    const main = (await loadFlowFile(join(root, 'flows/main.flow.yaml'))).flow!;
    const rec = recorder();
    await runFlow(main, { onEvent: rec.onEvent, onlyStep: { stepId: 'pick' } });
    assert.deepEqual(
      plannedOf(rec.events).map((p) => p.step_id),
      ['pick', 'yes', 'no'],
    );
  });

  it('leaves out a sub-flow outside the workspace, as the run refuses it', async () => {
    const outside = tempWorkspace({ 'secret.flow.yaml': LOGIN });
    const root = tempWorkspace({
      '.testmesh.yaml': 'environments: {}\n',
      'flows/main.flow.yaml': `flow:\n  name: m\n  steps:\n    - id: out\n      action: run_flow\n      config: { flow: ${join(outside, 'secret.flow.yaml')} }\n`,
    });
    const main = (await loadFlowFile(join(root, 'flows/main.flow.yaml'))).flow!;
    const rec = recorder();
    const result = await runFlow(main, { onEvent: rec.onEvent });
    assert.equal(result.status, 'failed');
    assert.deepEqual(
      plannedOf(rec.events).map((p) => p.step_id),
      ['out'],
    );
  });
});
