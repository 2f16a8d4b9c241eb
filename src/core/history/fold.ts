/**
 * Folds the event stream of one execution into its current state. Pure and free of Node APIs, so
 * the server, the history store, the extension and the web UI (browser code) all draw the same
 * state from the same events.
 */
import type { ExecutionEvent, ExecutionStatus, StepStatus } from '../events';
import type { ExecutionSummary, LogEntry, StepState, StepSummary } from './types';

export interface ExecutionState {
  execution_id: string;
  status: ExecutionStatus;
  flow_name?: string;
  flow_file?: string;
  total_steps: number;
  started_at?: string;
  finished_at?: string;
  duration_ms?: number;
  error?: string;
  /** Steps in the order they first appeared. */
  steps: StepState[];
  logs: LogEntry[];
  last_seq: number;
}

export function emptyExecutionState(executionId: string): ExecutionState {
  return { execution_id: executionId, status: 'pending', total_steps: 0, steps: [], logs: [], last_seq: 0 };
}

/** Index of step ids per state, kept beside it so folding a 5,000-step run stays linear. */
const indexes = new WeakMap<ExecutionState, Map<string, StepState>>();

function stepIndex(state: ExecutionState): Map<string, StepState> {
  let index = indexes.get(state);
  if (!index) {
    index = new Map(state.steps.map((s) => [s.step_id, s]));
    indexes.set(state, index);
  }
  return index;
}

/**
 * Applies one event. Events at or below `last_seq` are ignored, so replays that overlap live
 * events never double-count. Returns the step that changed, if any.
 */
export function applyEvent(state: ExecutionState, event: ExecutionEvent): StepState | undefined {
  if (event.seq <= state.last_seq) return undefined;
  state.last_seq = event.seq;
  const index = stepIndex(state);
  const step = (id: string, init: () => StepState): StepState => {
    let s = index.get(id);
    if (!s) {
      s = init();
      index.set(id, s);
      state.steps.push(s);
    }
    return s;
  };
  /** A step whose start this state never saw (a replay that begins later): only its end event tells of it. */
  const endedStep = (
    d: { step_id: string; step_name: string; parent_id?: string },
    status: StepStatus,
    attempt: number,
  ): StepState =>
    step(d.step_id, () => ({
      step_id: d.step_id,
      step_name: d.step_name,
      action: '',
      phase: 'steps',
      parent_id: d.parent_id,
      status,
      attempt,
    }));
  switch (event.type) {
    case 'execution.started':
      state.status = 'running';
      state.flow_name = event.data.flow_name;
      state.flow_file = event.data.flow_file;
      state.total_steps = event.data.total_steps;
      state.started_at = event.timestamp;
      return undefined;
    case 'step.started': {
      const d = event.data;
      const s = step(d.step_id, () => ({
        step_id: d.step_id,
        step_name: d.step_name,
        action: d.action,
        phase: d.phase,
        parent_id: d.parent_id,
        status: 'running',
        attempt: d.attempt,
      }));
      s.status = 'running';
      s.attempt = d.attempt;
      s.started_at ??= event.timestamp;
      s.error_message = undefined;
      return s;
    }
    case 'step.completed':
    case 'step.failed': {
      const d = event.data;
      const status = event.type === 'step.completed' ? 'completed' : 'failed';
      const s = endedStep(d, status, d.attempt);
      s.status = status;
      s.duration_ms = d.duration_ms;
      s.attempt = d.attempt;
      s.finished_at = event.timestamp;
      if (event.type === 'step.failed') {
        const f = event.data;
        s.error_message = f.error_message;
        if (f.assertion !== undefined)
          s.assertion = { expression: f.assertion, message: f.error_message, expected: f.expected, actual: f.actual };
      }
      return s;
    }
    case 'step.skipped': {
      const d = event.data;
      const s = endedStep(d, 'skipped', 0);
      s.status = 'skipped';
      s.skip_reason = d.reason;
      return s;
    }
    case 'step.retrying': {
      const s = index.get(event.data.step_id);
      if (s) s.error_message = event.data.error_message;
      return s;
    }
    case 'log':
      state.logs.push({
        seq: event.seq,
        timestamp: event.timestamp,
        step_id: event.data.step_id,
        level: event.data.level,
        message: event.data.message,
      });
      return undefined;
    case 'execution.completed':
    case 'execution.failed':
    case 'execution.cancelled':
      state.status =
        event.type === 'execution.completed' ? 'completed' : event.type === 'execution.failed' ? 'failed' : 'cancelled';
      state.finished_at = event.timestamp;
      state.duration_ms = event.data.duration_ms;
      if (event.type === 'execution.failed') state.error = event.data.error;
      for (const s of state.steps)
        if (s.status === 'running' || s.status === 'pending')
          s.status = state.status === 'cancelled' ? 'skipped' : 'failed';
      return undefined;
  }
}

/**
 * Applies one event to an execution's summary (status, counts, timings). Returns false for events
 * that do not change a summary. Shared by the execution manager and the web UI's list.
 */
export function applySummaryEvent(summary: ExecutionSummary, event: ExecutionEvent): boolean {
  switch (event.type) {
    case 'execution.started':
      summary.status = 'running';
      summary.started_at = event.timestamp;
      summary.total_steps = event.data.total_steps;
      break;
    case 'step.completed':
      summary.passed_steps++;
      break;
    case 'step.failed':
      summary.failed_steps++;
      break;
    case 'step.skipped':
      summary.skipped_steps++;
      break;
    case 'execution.completed':
    case 'execution.failed':
      summary.status = event.type === 'execution.completed' ? 'completed' : 'failed';
      summary.passed_steps = event.data.passed_steps;
      summary.failed_steps = event.data.failed_steps;
      summary.skipped_steps = event.data.skipped_steps;
      summary.total_steps = event.data.total_steps;
      summary.duration_ms = event.data.duration_ms;
      summary.finished_at = event.timestamp;
      if (event.type === 'execution.failed') summary.error = event.data.error;
      break;
    case 'execution.cancelled':
      summary.status = 'cancelled';
      summary.duration_ms = event.data.duration_ms;
      summary.finished_at = event.timestamp;
      break;
    default:
      return false;
  }
  summary.last_seq = Math.max(summary.last_seq, event.seq);
  return true;
}

/** The compact per-step outcome kept in the long history. */
export function stepSummaries(steps: readonly StepState[]): StepSummary[] {
  return steps.map((s) => {
    const out: StepSummary = {
      step_id: s.step_id,
      step_name: s.step_name,
      action: s.action,
      status: s.status,
      attempt: s.attempt,
    };
    if (s.duration_ms !== undefined) out.duration_ms = s.duration_ms;
    if (s.error_message !== undefined) out.error_message = s.error_message;
    return out;
  });
}
