/**
 * Shapes shared by the execution manager, the history store, the REST API and the web UI.
 * JSON field names follow TestMesh's API (snake_case).
 */
import type { ExecutionEvent, ExecutionStatus, LogLevel, StepStatus } from '../events';
import type { AssertionFailure, HttpRequestDetail, HttpResponseDetail, StreamMessageDetail } from '../engine/types';
import type { Phase } from '../flow/types';

export type ExecutionTrigger = 'api' | 'editor' | 'cli' | 'browser' | 'debug';

/** One execution as listed and read through `GET /api/v1/executions[/:id]`. */
export interface ExecutionSummary {
  id: string;
  /** Id of the flow: its workspace-relative path, `/`-separated (see flowIdFor). */
  flow_id: string;
  flow_name: string;
  status: ExecutionStatus;
  trigger: ExecutionTrigger;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  duration_ms?: number;
  total_steps: number;
  passed_steps: number;
  failed_steps: number;
  skipped_steps: number;
  error?: string;
  /** `seq` of the last event recorded for this execution. */
  last_seq: number;
  /** Run variables given when it was triggered (secrets redacted). */
  variables?: Record<string, unknown>;
  /** Set for a single-step run. */
  only_step?: string;
  /** Set when the execution's history went past its byte limit: what was not stored. */
  history_truncated?: string;
  /** Name of the workspace environment it ran with (`.env.<name>`), when it was given by name. */
  environment?: string;
  /** Tags of the flow when it started. */
  tags?: string[];
  /** Per-step outcome, kept in the long history once the execution finished (see RunRecord). */
  steps?: StepSummary[];
}

/** One step's outcome in the compact history of an execution. */
export interface StepSummary {
  step_id: string;
  step_name: string;
  action: string;
  status: StepStatus;
  duration_ms?: number;
  /** Attempts it took (retries). */
  attempt: number;
  error_message?: string;
}

/**
 * The compact summary of a finished execution kept far longer than its event log (90 days or
 * 20,000 executions by default): what analytics, search and the long list answer from.
 */
export type RunRecord = ExecutionSummary & { steps: StepSummary[] };

/** A step's state as `GET /api/v1/executions/:id/steps` returns it, folded from events. */
export interface StepState {
  step_id: string;
  step_name: string;
  action: string;
  phase: Phase;
  parent_id?: string;
  status: StepStatus;
  attempt: number;
  started_at?: string;
  finished_at?: string;
  duration_ms?: number;
  error_message?: string;
  assertion?: AssertionFailure;
  skip_reason?: string;
  /** Outputs the step captured (for single-step re-runs with real values). */
  outputs?: Record<string, unknown>;
}

export interface LogEntry {
  seq: number;
  timestamp: string;
  step_id?: string;
  level: LogLevel;
  message: string;
}

/** Request/response detail of one attempt of one step: `GET /api/v1/executions/:id/steps/:stepId`. */
export interface StepAttemptDetail {
  step_id: string;
  attempt: number;
  request?: HttpRequestDetail;
  response?: HttpResponseDetail;
  result?: unknown;
  outputs?: Record<string, unknown>;
  /** Messages of a streaming step (Kafka, gRPC streams), bodies capped like the response body. */
  messages?: StreamMessageDetail[];
  /** The response body was cut at the store's cap. */
  truncated?: boolean;
}

export type { ExecutionEvent };
