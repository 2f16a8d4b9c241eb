/**
 * The one interface the UI talks to. In a browser tab it is backed by the REST + WebSocket API
 * (transportWebSocket.ts); inside VS Code by messages to the extension host
 * (transportPostMessage.ts). Views never know which.
 */
import type { AnalyticsKind } from '../core/analytics/answer';
import type { BulkFlowAnswer, BulkFlowOperation } from '../core/bulkFlows';
import type { BulkExecutionAction, BulkExecutionAnswer } from '../core/bulkExecutions';
import type { ExecutionEvent } from '../core/events';
import type { ExecutionSummary, StepAttemptDetail } from '../core/history/types';
import type { ConnectionState, ExecutionList, ExecutionListQuery, ExecutionSnapshot, FlowInfo } from './protocol';

export type { ConnectionState, ExecutionList, ExecutionListQuery, ExecutionSnapshot, FlowInfo };

export interface Subscription {
  close(): void;
}

export type EventHandler = (event: ExecutionEvent) => void;
export type ConnectionHandler = (state: ConnectionState) => void;

export interface Transport {
  /** A report's data: nothing can be run, changed or deleted through it. */
  readonly readOnly?: boolean;
  listExecutions(query?: ExecutionListQuery): Promise<ExecutionList>;
  /** The execution's summary alone (the detail view folds its steps from events). */
  getSummary(executionId: string): Promise<ExecutionSummary>;
  /** Summary, steps and logs in one call, for consumers that do not follow events. */
  getExecution(executionId: string): Promise<ExecutionSnapshot>;
  getStepDetail(executionId: string, stepId: string): Promise<StepAttemptDetail[]>;
  listFlows(): Promise<FlowInfo[]>;
  trigger(flowId: string, variables?: Record<string, unknown>): Promise<ExecutionSummary>;
  cancel(executionId: string): Promise<void>;
  /** One analytics answer, TestMesh's shapes (see core/analytics). */
  analytics(kind: AnalyticsKind, query: Record<string, string>): Promise<unknown>;
  /** Re-run, cancel or delete executions: `{ids: [...]}` or `{filter: {...}}`. */
  bulkExecutions(action: BulkExecutionAction, body: Record<string, unknown>): Promise<BulkExecutionAnswer>;
  /** One bulk flow operation; `preview: true` in the body plans it without writing. */
  bulkFlows(operation: BulkFlowOperation, body: Record<string, unknown>): Promise<BulkFlowAnswer>;
  /** Takes the last bulk flow change back. */
  undoBulkFlows(): Promise<BulkFlowAnswer>;
  /**
   * Copies a step's request as curl to the clipboard, where the page can: the VS Code panel (the
   * host copies the last request sent) and the browser (the request of `attempt`).
   */
  copyAsCurl?(executionId: string, stepId: string, attempt?: number): Promise<void>;
  /**
   * Events of one execution after `sinceSeq` and then live ones, each exactly once and in order,
   * across reconnects; or, with no id, live events of all executions. A per-execution
   * subscription ends by itself after the execution's terminal event.
   */
  subscribe(
    executionId: string | undefined,
    sinceSeq: number,
    onEvent: EventHandler,
    onConnectionChange: ConnectionHandler,
  ): Subscription;
}

/** A failed call, with the HTTP status when there was one (401: the token was refused). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export type SequenceVerdict = 'deliver' | 'duplicate' | 'gap';

/**
 * Keeps the last delivered `seq` per execution so replays that overlap live events are dropped
 * and a missing event is noticed (the caller then resumes from the last one it has).
 */
export class EventSequencer {
  private readonly last = new Map<string, number>();

  constructor(executionId?: string, since = 0) {
    if (executionId !== undefined) this.last.set(executionId, since);
  }

  lastSeq(executionId: string): number {
    return this.last.get(executionId) ?? 0;
  }

  /** `strict`: a gap is reported instead of delivered (per-execution streams, which can resume). */
  check(event: ExecutionEvent, strict: boolean): SequenceVerdict {
    const last = this.last.get(event.execution_id);
    if (last !== undefined) {
      if (event.seq <= last) return 'duplicate';
      if (strict && event.seq > last + 1) return 'gap';
    }
    this.last.set(event.execution_id, event.seq);
    return 'deliver';
  }
}

/** A message off the wire that has the envelope of an event. */
export function isExecutionEvent(value: unknown): value is ExecutionEvent {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e.type === 'string' &&
    typeof e.execution_id === 'string' &&
    typeof e.seq === 'number' &&
    typeof e.data === 'object' &&
    e.data !== null
  );
}
