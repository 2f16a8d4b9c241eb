/** The execution events the REST/WebSocket API, the panel and the reports share: a superset of TestMesh's. */
import type { Phase } from './flow/types';

export interface EventEnvelope<T extends string, D> {
  type: T;
  execution_id: string;
  /** Counts from 1 per execution, with no gaps. */
  seq: number;
  /** ISO 8601. */
  timestamp: string;
  data: D;
}

/**
 * A step the execution is about to run, so views can list it before it starts: every step as
 * written (nested ones and sub-flows' steps under their parent; a loop body once), engine/plan.ts.
 */
export interface PlannedStep {
  step_id: string;
  step_name: string;
  action: string;
  phase: Phase;
  /** The enclosing step's id, as the step's own events will carry it. */
  parent_id?: string;
}

export type ExecutionStartedEvent = EventEnvelope<
  'execution.started',
  { flow_name: string; flow_file: string; total_steps: number; planned_steps?: PlannedStep[] }
>;
export type StepStartedEvent = EventEnvelope<
  'step.started',
  { step_id: string; step_name: string; action: string; phase: Phase; parent_id?: string; attempt: number }
>;
export type StepCompletedEvent = EventEnvelope<
  'step.completed',
  { step_id: string; step_name: string; status: 'completed'; duration_ms: number; attempt: number; parent_id?: string }
>;
export type StepFailedEvent = EventEnvelope<
  'step.failed',
  {
    step_id: string;
    step_name: string;
    error_message: string;
    duration_ms: number;
    attempt: number;
    parent_id?: string;
    assertion?: string;
    expected?: unknown;
    actual?: unknown;
  }
>;
export type StepSkippedEvent = EventEnvelope<
  'step.skipped',
  { step_id: string; step_name: string; reason: string; parent_id?: string }
>;
export type StepRetryingEvent = EventEnvelope<
  'step.retrying',
  { step_id: string; attempt: number; delay_ms: number; error_message: string }
>;
export type LogEvent = EventEnvelope<'log', { step_id?: string; level: LogLevel; message: string }>;
export type ExecutionCompletedEvent = EventEnvelope<
  'execution.completed',
  { passed_steps: number; failed_steps: number; skipped_steps: number; total_steps: number; duration_ms: number }
>;
export type ExecutionFailedEvent = EventEnvelope<
  'execution.failed',
  {
    error: string;
    passed_steps: number;
    failed_steps: number;
    skipped_steps: number;
    total_steps: number;
    duration_ms: number;
  }
>;
export type ExecutionCancelledEvent = EventEnvelope<'execution.cancelled', { duration_ms: number }>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type ExecutionEvent =
  | ExecutionStartedEvent
  | StepStartedEvent
  | StepCompletedEvent
  | StepFailedEvent
  | StepSkippedEvent
  | StepRetryingEvent
  | LogEvent
  | ExecutionCompletedEvent
  | ExecutionFailedEvent
  | ExecutionCancelledEvent;

export type ExecutionEventType = ExecutionEvent['type'];

export const TERMINAL_EVENT_TYPES: ReadonlySet<ExecutionEventType> = new Set([
  'execution.completed',
  'execution.failed',
  'execution.cancelled',
]);

export type ExecutionStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';
