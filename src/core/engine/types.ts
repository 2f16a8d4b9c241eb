import type { ExecutionEvent, ExecutionStatus } from '../events';
import type { FileAccess } from '../fileAccess';
import type { FlowDef, Phase } from '../flow/types';
import type { StepHooks } from './hooks';

/**
 * Finds and loads the flow named by a `run_flow` step (a path relative to the caller, or a flow
 * name). A path must be confined with `resolveFlowFile(access, ...)` before it is read.
 */
export type FlowResolver = (reference: string, fromFile: string, access?: FileAccess) => Promise<FlowDef>;

export interface RunFlowOptions {
  /** Defaults to a random UUID. */
  executionId?: string;
  /** The selected environment (a .env file's values): lowest precedence. */
  environment?: Record<string, string>;
  /** Run variables (`--var k=v`, REST `variables`): above the environment. */
  variables?: Record<string, unknown>;
  /** Values that must never appear in events, details or reports (replaced by `***`). */
  secrets?: string[];
  signal?: AbortSignal;
  /** Limit for the whole execution; when it passes the run is cancelled (teardown still runs). */
  timeoutMs?: number;
  /** Every event, in order, with gap-free `seq`. Called synchronously; keep it cheap. */
  onEvent?: (event: ExecutionEvent) => void;
  /** Request/response detail of each attempt of each step, for history stores and panels. */
  onStepDetail?: (detail: StepDetail) => void;
  /** Resolves `run_flow` references; defaults to loading the file relative to the caller. */
  resolveFlow?: FlowResolver;
  /**
   * Which files the flow may read (`env_file`, `run_flow`, `proto_file`, ...). Default: the
   * workspace root found from the flow file (nearest `.testmesh.yaml`, `package.json` or `.git`).
   */
  fileAccess?: FileAccess;
  /**
   * Run one step alone (with its nested steps). `variables` seeds the context as if the steps
   * before it had run (captured outputs of an earlier execution), so they win over the flow's `env`.
   * Setup and teardown are skipped.
   */
  onlyStep?: { stepId: string };
  /** Called around every step (a debugger); a pending `beforeStep` holds the run and its step timers. */
  hooks?: StepHooks;
}

export interface HttpRequestDetail {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponseDetail {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  size_bytes: number;
  duration_ms: number;
}

/** One message a streaming step (Kafka, gRPC streams) sent or received, for panels and history. */
export interface StreamMessageDetail {
  direction: 'sent' | 'received';
  /** ISO 8601. */
  at: string;
  /** Where it went or came from: `orders[0]@12` for Kafka, `/pkg.Service/Method` for gRPC. */
  channel: string;
  key?: string;
  headers?: Record<string, string>;
  body: unknown;
}

export interface StepDetail {
  execution_id: string;
  step_id: string;
  attempt: number;
  request?: HttpRequestDetail;
  response?: HttpResponseDetail;
  /** Messages of a streaming step in the order they were sent or received (the first ones, capped). */
  messages?: StreamMessageDetail[];
  /** The action's result (what assertions and outputs saw), for non-HTTP actions. */
  result?: unknown;
  outputs?: Record<string, unknown>;
}

export interface AssertionFailure {
  expression: string;
  message: string;
  expected?: unknown;
  actual?: unknown;
}

export interface StepResult {
  step_id: string;
  name: string;
  phase: Phase;
  action: string;
  parent_id?: string;
  status: 'completed' | 'failed' | 'skipped';
  duration_ms: number;
  attempts: number;
  error?: string;
  assertion?: AssertionFailure;
  /** Variables this step captured (its `output`), so a later single-step run can start from them. */
  outputs?: Record<string, unknown>;
  skip_reason?: string;
  /** Problems that did not fail the step (an output path that matched nothing); also sent as `warn` logs. */
  warnings?: string[];
}

export interface ExecutionResult {
  execution_id: string;
  flow_name: string;
  flow_file: string;
  status: Exclude<ExecutionStatus, 'pending' | 'running'>;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  steps: StepResult[];
  error?: string;
}
