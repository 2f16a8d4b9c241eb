/**
 * What the last finished execution of a flow left behind, per step id: status, duration, the
 * failed assertion, the outputs it captured and its result (an HTTP step's response rebuilt from
 * the recorded detail). History is already redacted at record time; display.ts masks again.
 */
import type { AssertionFailure } from '../engine/types';
import type { ExecutionManager } from '../executions';
import { isFinished } from '../history/store';
import type { StepAttemptDetail, StepState } from '../history/types';
import { flowIdFor } from '../workspaceFlows';

export interface LastStepRun {
  status: StepState['status'];
  duration_ms?: number;
  attempt: number;
  error_message?: string;
  assertion?: AssertionFailure;
  skip_reason?: string;
  outputs: Record<string, unknown>;
  /** The step result as assertions saw it (status, headers, body, ... for HTTP). */
  result?: unknown;
}

export interface LastRun {
  executionId: string;
  status: string;
  finishedAt?: string;
  steps: Map<string, LastStepRun>;
}

/** The result an HTTP step's assertions saw, from its recorded response; other actions' results as recorded. */
function resultOfDetail(detail: StepAttemptDetail): unknown {
  const response = detail.response;
  if (!response) return detail.result;
  const contentType = response.headers?.['content-type'];
  return {
    status: response.status,
    headers: response.headers,
    body: response.body,
    duration_ms: response.duration_ms,
    ...(contentType !== undefined ? { content_type: contentType } : {}),
  };
}

/** Folds the steps' states and details of one execution (later attempts and repeated ids win). */
export function buildLastRun(
  executionId: string,
  status: string,
  finishedAt: string | undefined,
  states: StepState[],
  details: StepAttemptDetail[],
): LastRun {
  const steps = new Map<string, LastStepRun>();
  for (const s of states) {
    const step: LastStepRun = { status: s.status, attempt: s.attempt, outputs: { ...(s.outputs ?? {}) } };
    if (s.duration_ms !== undefined) step.duration_ms = s.duration_ms;
    if (s.error_message !== undefined) step.error_message = s.error_message;
    if (s.assertion !== undefined) step.assertion = s.assertion;
    if (s.skip_reason !== undefined) step.skip_reason = s.skip_reason;
    steps.set(s.step_id, step);
  }
  for (const detail of details) {
    let step = steps.get(detail.step_id);
    if (!step) {
      step = { status: 'completed', attempt: detail.attempt, outputs: {} };
      steps.set(detail.step_id, step);
    }
    const result = resultOfDetail(detail);
    if (result !== undefined) step.result = result;
    if (detail.outputs) Object.assign(step.outputs, detail.outputs);
  }
  return { executionId, status, finishedAt, steps };
}

/** The last finished execution of the flow in `file`, or undefined when it never ran. */
export async function loadLastRun(manager: ExecutionManager, file: string): Promise<LastRun | undefined> {
  const flowId = flowIdFor(manager.workspace, file);
  // A single-step run knows only one step: prefer whole runs, fall back to the latest of any.
  const finished = manager.list({ flow_id: flowId, limit: 50 }).executions.filter(isFinished);
  const latest = finished.find((e) => !e.only_step) ?? finished[0];
  if (!latest) return undefined;
  const [states, details] = await Promise.all([manager.steps(latest.id), manager.allStepDetails(latest.id)]);
  return buildLastRun(latest.id, latest.status, latest.finished_at, states ?? [], details ?? []);
}

/** Reads a dotted path (`body.items.0.id`) inside a value; undefined when it is not there. */
export function valueAtPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** A step's value as later steps see it under its id: its result with its outputs on top. */
export function stepValue(step: LastStepRun): unknown {
  const result = step.result;
  if (result !== null && typeof result === 'object' && !Array.isArray(result))
    return { ...(result as object), ...step.outputs };
  return Object.keys(step.outputs).length ? { ...step.outputs } : result;
}
