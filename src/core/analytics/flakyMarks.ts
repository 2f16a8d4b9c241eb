/**
 * Which flows and steps the history calls flaky, for marks where the user runs them (the Test
 * Explorer): the flakiness of analytics.ts over a window of recent executions, for each flow and,
 * with the same score over that flow's executions, for each of its steps.
 */
import type { RunRecord } from '../history/types';
import { counts, DEFAULT_FLAKY_THRESHOLD, flakinessScore } from './analytics';

export interface FlakyMark {
  score: number;
  failed: number;
  total: number;
}

export interface FlowFlakiness {
  /** Set when the flow itself is flaky. */
  flow?: FlakyMark;
  /** Flaky steps of the flow, by step id. */
  steps: Map<string, FlakyMark>;
}

/** "flaky: 3 of 10 runs failed" */
export function flakyNote(mark: FlakyMark): string {
  return `flaky: ${mark.failed} of ${mark.total} runs failed`;
}

/** Scores a pass/fail sequence; undefined when it is shorter than two or below the threshold. */
function markOf(outcomes: readonly boolean[], threshold: number): FlakyMark | undefined {
  if (outcomes.length < 2) return undefined;
  let passed = 0;
  let transitions = 0;
  outcomes.forEach((ok, i) => {
    if (ok) passed++;
    if (i > 0 && outcomes[i - 1] !== ok) transitions++;
  });
  const score = flakinessScore(transitions, passed, outcomes.length);
  return score >= threshold ? { score, failed: outcomes.length - passed, total: outcomes.length } : undefined;
}

/** Flows (by flow id) with a flaky flow or flaky steps, over these executions (oldest first). */
export function flakyFlows(
  runs: readonly RunRecord[],
  threshold = DEFAULT_FLAKY_THRESHOLD,
): Map<string, FlowFlakiness> {
  const byFlow = new Map<string, { outcomes: boolean[]; steps: Map<string, boolean[]> }>();
  for (const run of runs) {
    if (!counts(run)) continue;
    let flow = byFlow.get(run.flow_id);
    if (!flow) byFlow.set(run.flow_id, (flow = { outcomes: [], steps: new Map() }));
    flow.outcomes.push(run.status === 'completed');
    for (const step of run.steps ?? []) {
      if (step.status !== 'completed' && step.status !== 'failed') continue;
      let outcomes = flow.steps.get(step.step_id);
      if (!outcomes) flow.steps.set(step.step_id, (outcomes = []));
      outcomes.push(step.status === 'completed');
    }
  }
  const out = new Map<string, FlowFlakiness>();
  for (const [flowId, { outcomes, steps }] of byFlow) {
    const flaky: FlowFlakiness = { steps: new Map() };
    const mark = markOf(outcomes, threshold);
    if (mark) flaky.flow = mark;
    for (const [stepId, stepOutcomes] of steps) {
      const stepMark = markOf(stepOutcomes, threshold);
      if (stepMark) flaky.steps.set(stepId, stepMark);
    }
    if (flaky.flow || flaky.steps.size) out.set(flowId, flaky);
  }
  return out;
}
