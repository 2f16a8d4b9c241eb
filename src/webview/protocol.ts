/**
 * The message protocol between the web UI running in a VS Code webview and the extension host.
 * The webview sends requests (each with an id) and the host answers each with a response; the host
 * also pushes the events of the subscriptions the webview opened. Types only, plus one small
 * dispatcher the host can use, so both sides compile against the same shapes.
 */
import type { AnalyticsKind } from '../core/analytics/answer';
import type { BulkFlowAnswer, BulkFlowOperation } from '../core/bulkFlows';
import type { BulkExecutionAction, BulkExecutionAnswer } from '../core/bulkExecutions';
import type { ExecutionEvent, ExecutionStatus } from '../core/events';
import type { ExecutionSummary, LogEntry, StepAttemptDetail, StepState } from '../core/history/types';

/** A flow as `GET /api/v1/flows` lists it (the fields the UI uses). */
export interface FlowInfo {
  id: string;
  file: string;
  /** Absent when the file does not parse as a flow. */
  name?: string;
  tags?: string[];
  /** Errors in the file; in a flow that loads, each fails its step when it runs. */
  errors?: number;
}

/** The list's page and filter, in the names of `GET /api/v1/executions` (several values comma-separated). */
export interface ExecutionListQuery {
  limit?: number;
  offset?: number;
  flow_id?: string;
  /** Flows under this workspace folder (relative path). */
  folder?: string;
  /** Flows with this tag. */
  tag?: string;
  status?: ExecutionStatus | string;
  environment?: string;
  trigger?: string;
  from?: string;
  to?: string;
  q?: string;
}

export interface ExecutionList {
  executions: ExecutionSummary[];
  total: number;
}

/** An execution read in one go: its summary, its steps and its logs. */
export interface ExecutionSnapshot {
  execution: ExecutionSummary;
  steps: StepState[];
  logs: LogEntry[];
}

/**
 * State of a live subscription. `ended`: the execution finished (or the subscription was closed),
 * nothing more will come. `unauthorized`: the server refused the token; retrying will not help.
 */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'unauthorized';

/** Each request the webview can make: its parameters and what the host answers. */
export interface RequestMap {
  listExecutions: { params: ExecutionListQuery; result: ExecutionList };
  getSummary: { params: { execution_id: string }; result: ExecutionSummary };
  getExecution: { params: { execution_id: string }; result: ExecutionSnapshot };
  getStepDetail: { params: { execution_id: string; step_id: string }; result: StepAttemptDetail[] };
  listFlows: { params: Record<string, never>; result: FlowInfo[] };
  trigger: { params: { flow_id: string; variables?: Record<string, unknown> }; result: ExecutionSummary };
  cancel: { params: { execution_id: string }; result: null };
  /**
   * Start pushing events: of one execution (every event after `since`, then live ones, in order),
   * or of all executions when `execution_id` is absent (live ones only). The host answers once the
   * subscription is in place, then sends `event` messages tagged with `subscription`.
   */
  subscribe: { params: { subscription: number; execution_id?: string; since: number }; result: null };
  unsubscribe: { params: { subscription: number }; result: null };
  /** One analytics answer (`GET /api/v1/analytics/<kind>` with these query parameters). */
  analytics: { params: { kind: AnalyticsKind; query: Record<string, string> }; result: unknown };
  /** `POST /api/v1/executions/bulk/<action>` with `{ids}` or `{filter}`. */
  bulkExecutions: {
    params: { action: BulkExecutionAction; body: Record<string, unknown> };
    result: BulkExecutionAnswer;
  };
  /** `POST /api/v1/bulk/flows/<operation>` (with `preview` in the body for a preview). */
  bulkFlows: { params: { operation: BulkFlowOperation; body: Record<string, unknown> }; result: BulkFlowAnswer };
  /** `POST /api/v1/bulk/flows/undo`. */
  undoBulkFlows: { params: { preview?: boolean }; result: BulkFlowAnswer };
  /** Copy the step's request of this execution as a curl command (the host writes the clipboard). */
  /** `attempt`: the attempt shown; the last one that sent a request when absent. */
  copyAsCurl: { params: { execution_id: string; step_id: string; attempt?: number }; result: null };
}

export type RequestMethod = keyof RequestMap;
export type RequestParams<M extends RequestMethod> = RequestMap[M]['params'];
export type RequestResult<M extends RequestMethod> = RequestMap[M]['result'];

/** Webview -> host: one request. */
export type RequestMessage = {
  [M in RequestMethod]: { kind: 'request'; id: number; method: M; params: RequestParams<M> };
}[RequestMethod];

/** Webview -> host: the page has loaded and listens (the host may then send `navigate`). */
export interface ReadyMessage {
  kind: 'ready';
}

export type WebviewToHostMessage = RequestMessage | ReadyMessage;

/** Host -> webview: the answer to request `id`. */
export type ResponseMessage =
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: string };

/** Host -> webview: one event of subscription `subscription`. */
export interface EventMessage {
  kind: 'event';
  subscription: number;
  event: ExecutionEvent;
}

/** Host -> webview: the host lost or regained its source of events for a subscription. */
export interface ConnectionMessage {
  kind: 'connection';
  subscription: number;
  state: ConnectionState;
}

/** Host -> webview: show this view (`#/executions` or `#/executions/<id>[/steps/<stepId>]`). */
export interface NavigateMessage {
  kind: 'navigate';
  route: string;
}

export type HostToWebviewMessage = ResponseMessage | EventMessage | ConnectionMessage | NavigateMessage;

/** What the extension host implements to answer the webview. */
export type RequestHandlers = {
  [M in RequestMethod]: (params: RequestParams<M>) => Promise<RequestResult<M>>;
};

const METHODS: ReadonlySet<string> = new Set<RequestMethod>([
  'listExecutions',
  'getSummary',
  'getExecution',
  'getStepDetail',
  'listFlows',
  'trigger',
  'cancel',
  'subscribe',
  'unsubscribe',
  'analytics',
  'bulkExecutions',
  'bulkFlows',
  'undoBulkFlows',
  'copyAsCurl',
]);

export function isRequestMessage(value: unknown): value is RequestMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    m.kind === 'request' &&
    typeof m.id === 'number' &&
    typeof m.method === 'string' &&
    METHODS.has(m.method) &&
    typeof m.params === 'object' &&
    m.params !== null
  );
}

/**
 * Host side: runs the handler a request names and builds the response message to post back.
 * Never throws; a failing handler becomes `{ok: false, error}`.
 */
export async function answerRequest(handlers: RequestHandlers, message: RequestMessage): Promise<ResponseMessage> {
  try {
    const handler = handlers[message.method] as (params: unknown) => Promise<unknown>;
    const result = await handler(message.params);
    return { kind: 'response', id: message.id, ok: true, result: result ?? null };
  } catch (err) {
    return { kind: 'response', id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
