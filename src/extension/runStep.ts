/**
 * Plans a single-step run from history (see stepContext.ts for what the step starts from):
 * - the flow has a finished execution: the step runs ALONE (`only_step`; setup and teardown are
 *   skipped) with the values the most recent one had captured before the step;
 * - it has none: the flow runs up to and including the step (setup and earlier steps first,
 *   then the step, then the whole teardown).
 */
import { TestMeshError } from '../core/errors';
import type { ExecutionManager } from '../core/executions';
import type { FlowDef } from '../core/flow/types';
import { isFinished } from '../core/history/store';
import type { ExecutionSummary } from '../core/history/types';
import { flowIdFor } from '../core/workspaceFlows';
import { flowUpTo, resultFromDetail, stepAloneVariables, stepsBefore, type CapturedStep } from './stepContext';

export type StepRunPlan =
  | { mode: 'alone'; flow: FlowDef; stepId: string; variables: Record<string, unknown>; basedOn: ExecutionSummary }
  | { mode: 'upTo'; flow: FlowDef; stepId: string };

/** Seeds of single-step runs kept unredacted, in memory only, so the next step run can chain on them. */
const MAX_SEEDS = 50;

export class StepRunPlanner {
  private readonly seeds = new Map<string, Record<string, unknown>>();
  /** Outputs of recent executions' steps as captured (history shows secret-named ones as `***`). */
  private readonly outputs = new Map<string, Map<string, Record<string, unknown>>>();
  private watched?: ExecutionManager;

  constructor(private readonly manager: () => ExecutionManager | undefined) {}

  async plan(flow: FlowDef, stepId: string): Promise<StepRunPlan> {
    const manager = this.manager();
    const latest = manager ? this.latestFinished(manager, flow) : undefined;
    if (!manager || !latest) {
      const cut = flowUpTo(flow, stepId);
      if (!cut) throw new TestMeshError(`no step '${stepId}' in flow '${flow.name}'`);
      return { mode: 'upTo', flow: cut, stepId };
    }
    const captured = new Map<string, CapturedStep>();
    for (const step of stepsBefore(flow, stepId)) {
      const details = await manager.stepDetail(latest.id, step.id);
      const last = details?.[details.length - 1];
      if (last)
        captured.set(step.id, {
          result: resultFromDetail(last),
          outputs: this.outputs.get(latest.id)?.get(step.id) ?? last.outputs,
        });
    }
    const base = this.seeds.get(latest.id) ?? latest.variables ?? {};
    return {
      mode: 'alone',
      flow,
      stepId,
      variables: stepAloneVariables(flow, stepId, base, captured),
      basedOn: latest,
    };
  }

  /** Keeps the unredacted outputs of the manager's executions (in memory only) for later step runs. */
  watch(manager: ExecutionManager): void {
    if (this.watched === manager) return;
    this.watched = manager;
    manager.onDidFinish((summary, result) => {
      if (!result) return;
      const byStep = new Map<string, Record<string, unknown>>();
      for (const step of result.steps) if (step.outputs) byStep.set(step.step_id, step.outputs);
      this.outputs.set(summary.id, byStep);
      while (this.outputs.size > MAX_SEEDS) this.outputs.delete(this.outputs.keys().next().value as string);
    });
  }

  /** Remembers what a single-step run was seeded with (unredacted; never written anywhere). */
  remember(executionId: string, variables: Record<string, unknown>): void {
    this.seeds.set(executionId, variables);
    while (this.seeds.size > MAX_SEEDS) this.seeds.delete(this.seeds.keys().next().value as string);
  }

  /** The most recent finished execution of the flow, if any. */
  private latestFinished(manager: ExecutionManager, flow: FlowDef): ExecutionSummary | undefined {
    const flowId = flowIdFor(manager.workspace, flow.file);
    return manager.list({ flow_id: flowId, limit: 50 }).executions.find(isFinished);
  }
}
