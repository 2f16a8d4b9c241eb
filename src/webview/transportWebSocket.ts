/**
 * Browser transport: REST calls with `fetch` and live events over the server's WebSocket. A lost
 * socket is reopened with growing delays and resumes with `?since=<last seq>`, so no event is
 * lost or shown twice.
 */
import type { AnalyticsKind } from '../core/analytics/answer';
import type { BulkFlowAnswer, BulkFlowOperation } from '../core/bulkFlows';
import type { BulkExecutionAction, BulkExecutionAnswer } from '../core/bulkExecutions';
import { TERMINAL_EVENT_TYPES, type ExecutionEvent } from '../core/events';
import type { ExecutionSummary, LogEntry, StepAttemptDetail, StepState } from '../core/history/types';
import type { ConnectionState, ExecutionList, ExecutionListQuery, ExecutionSnapshot, FlowInfo } from './protocol';
import {
  EventSequencer,
  isExecutionEvent,
  TransportError,
  type ConnectionHandler,
  type EventHandler,
  type Subscription,
  type Transport,
} from './transport';

export interface WebSocketTransportOptions {
  /** Origin of the TestMesh server, e.g. `http://127.0.0.1:4321`. */
  baseUrl: string;
  /** The session token; sent as `Authorization: Bearer` and as the WebSocket subprotocol. */
  token?: string;
  /** First reconnect delay; it doubles per failed attempt up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

const API = '/api/v1';
/** Events of a REST catch-up handed to the UI per task. */
const CATCH_UP_SLICE = 1000;

export class WebSocketTransport implements Transport {
  constructor(private readonly options: WebSocketTransportOptions) {}

  listExecutions(query: ExecutionListQuery = {}): Promise<ExecutionList> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined && value !== '') params.set(key, String(value));
    const search = params.toString();
    return this.call<ExecutionList>('GET', `${API}/executions${search ? `?${search}` : ''}`);
  }

  analytics(kind: AnalyticsKind, query: Record<string, string>): Promise<unknown> {
    const search = new URLSearchParams(query).toString();
    return this.call<unknown>('GET', `${API}/analytics/${kind}${search ? `?${search}` : ''}`);
  }

  bulkExecutions(action: BulkExecutionAction, body: Record<string, unknown>): Promise<BulkExecutionAnswer> {
    return this.call<BulkExecutionAnswer>('POST', `${API}/executions/bulk/${action}`, body);
  }

  bulkFlows(operation: BulkFlowOperation, body: Record<string, unknown>): Promise<BulkFlowAnswer> {
    return this.call<BulkFlowAnswer>('POST', `${API}/bulk/flows/${operation}`, body);
  }

  undoBulkFlows(): Promise<BulkFlowAnswer> {
    return this.call<BulkFlowAnswer>('POST', `${API}/bulk/flows/undo`, {});
  }

  getSummary(executionId: string): Promise<ExecutionSummary> {
    return this.call<ExecutionSummary>('GET', `${API}/executions/${encodeURIComponent(executionId)}`);
  }

  async getExecution(executionId: string): Promise<ExecutionSnapshot> {
    const base = `${API}/executions/${encodeURIComponent(executionId)}`;
    const [execution, steps, logs] = await Promise.all([
      this.call<ExecutionSummary>('GET', base),
      this.call<{ steps: StepState[] }>('GET', `${base}/steps`),
      this.call<{ logs: LogEntry[] }>('GET', `${base}/logs`),
    ]);
    return { execution, steps: steps.steps, logs: logs.logs };
  }

  async getStepDetail(executionId: string, stepId: string): Promise<StepAttemptDetail[]> {
    const answer = await this.call<{ attempts: StepAttemptDetail[] }>(
      'GET',
      `${API}/executions/${encodeURIComponent(executionId)}/steps/${encodeURIComponent(stepId)}`,
    );
    return answer.attempts;
  }

  /** Copies the request an attempt sent as curl (the server renders it) to the browser's clipboard. */
  async copyAsCurl(executionId: string, stepId: string, attempt?: number): Promise<void> {
    const answer = await this.call<{ curl: string }>(
      'GET',
      `${API}/executions/${encodeURIComponent(executionId)}/curl/${encodeURIComponent(stepId)}${attempt === undefined ? '' : `?attempt=${attempt}`}`,
    );
    // Only in a secure context (https, or a loopback address like the local API's).
    if (!navigator.clipboard) throw new TransportError('this page cannot write the clipboard (not a secure context)');
    try {
      await navigator.clipboard.writeText(answer.curl);
    } catch (err) {
      throw new TransportError(
        `the browser refused the clipboard (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }

  async listFlows(): Promise<FlowInfo[]> {
    return (await this.call<{ flows: FlowInfo[] }>('GET', `${API}/flows`)).flows;
  }

  trigger(flowId: string, variables?: Record<string, unknown>): Promise<ExecutionSummary> {
    return this.call<ExecutionSummary>('POST', `${API}/executions`, { flow_id: flowId, variables: variables ?? {} });
  }

  async cancel(executionId: string): Promise<void> {
    await this.call('POST', `${API}/executions/${encodeURIComponent(executionId)}/cancel`, {});
  }

  /** Events of one execution after `since`, in one response: the fast way to catch up. */
  async eventsSince(executionId: string, since: number): Promise<ExecutionEvent[]> {
    const answer = await this.call<{ events: unknown[] }>(
      'GET',
      `${API}/executions/${encodeURIComponent(executionId)}/events?since=${since}`,
    );
    return Array.isArray(answer.events) ? answer.events.filter(isExecutionEvent) : [];
  }

  subscribe(
    executionId: string | undefined,
    sinceSeq: number,
    onEvent: EventHandler,
    onConnectionChange: ConnectionHandler,
  ): Subscription {
    const live = new LiveSocket(this, this.options, executionId, sinceSeq, onEvent, onConnectionChange);
    live.start();
    return live;
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (err) {
      throw new TransportError(
        `cannot reach the TestMesh server (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    const text = await response.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!response.ok) {
      const message =
        typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string'
          ? (parsed as { error: string }).error
          : `${response.status} ${response.statusText}`;
      throw new TransportError(message, response.status);
    }
    return parsed as T;
  }
}

/** One live subscription: catch up over REST, then a WebSocket; reopened until closed or ended. */
class LiveSocket implements Subscription {
  private socket: WebSocket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private stopped = false;
  private state: ConnectionState | undefined;
  private readonly sequencer: EventSequencer;

  constructor(
    private readonly transport: WebSocketTransport,
    private readonly options: WebSocketTransportOptions,
    private readonly executionId: string | undefined,
    since: number,
    private readonly onEvent: EventHandler,
    private readonly onConnectionChange: ConnectionHandler,
  ) {
    this.sequencer = new EventSequencer(executionId, since);
  }

  start(): void {
    this.setState('connecting');
    addEventListener('online', this.retryNow);
    void this.connect();
  }

  close(): void {
    this.stop('ended');
  }

  private readonly retryNow = (): void => {
    if (this.stopped || this.socket) return;
    clearTimeout(this.timer);
    void this.connect();
  };

  private async connect(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    const id = this.executionId;
    if (id !== undefined) {
      // One response instead of thousands of socket messages; a server without the route is fine.
      try {
        const events = await this.transport.eventsSince(id, this.sequencer.lastSeq(id));
        for (let i = 0; i < events.length; i++) {
          // A long history is handed over in slices, so input and drawing get turns in between.
          if (i > 0 && i % CATCH_UP_SLICE === 0) await new Promise((resolve) => setTimeout(resolve, 0));
          if (this.stopped || this.timer !== undefined) return;
          this.handle(events[i]);
        }
        // Ended, or a gap made handle() schedule a fresh attempt.
        if (this.stopped || this.timer !== undefined) return;
      } catch (err) {
        if (err instanceof TransportError && (err.status === 401 || err.status === 403))
          return this.stop('unauthorized');
        if (err instanceof TransportError && err.status === 404) return this.stop('ended');
        // Anything else: the socket's own replay after `since` catches up instead.
      }
      if (this.stopped || this.timer !== undefined) return;
    }
    this.open();
  }

  private open(): void {
    if (this.socket) return;
    const url = new URL(
      this.executionId === undefined ? '/ws/executions' : `/ws/executions/${encodeURIComponent(this.executionId)}`,
      this.options.baseUrl,
    );
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.executionId !== undefined) url.searchParams.set('since', String(this.sequencer.lastSeq(this.executionId)));
    // Batches: one message per burst of events instead of one per event.
    url.searchParams.set('batch', '1');
    // The server answers with `testmesh.v1`, so the token is read but never echoed back.
    const protocols = this.options.token ? ['testmesh.v1', `testmesh.token.${this.options.token}`] : ['testmesh.v1'];
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, protocols);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.failures = 0;
      this.setState('live');
    };
    socket.onmessage = (message) => {
      if (this.socket !== socket || typeof message.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
        if (this.socket !== socket) return;
        if (isExecutionEvent(item)) this.handle(item);
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (!this.stopped) this.scheduleReconnect();
    };
  }

  private handle(event: ExecutionEvent): void {
    if (this.executionId !== undefined && event.execution_id !== this.executionId) return;
    const verdict = this.sequencer.check(event, this.executionId !== undefined);
    if (verdict === 'duplicate') return;
    if (verdict === 'gap') {
      // Something was lost on the way: reopen from the last event we have.
      this.dropSocket();
      this.scheduleReconnect(0);
      return;
    }
    this.onEvent(event);
    if (this.executionId !== undefined && TERMINAL_EVENT_TYPES.has(event.type)) this.stop('ended');
  }

  private scheduleReconnect(delayMs?: number): void {
    if (this.stopped || this.timer !== undefined) return;
    this.setState('reconnecting');
    const initial = this.options.reconnectDelayMs ?? 250;
    const max = this.options.maxReconnectDelayMs ?? 8000;
    // Jitter keeps many tabs from reconnecting in lockstep after a server restart.
    const delay = delayMs ?? Math.min(max, initial * 2 ** this.failures) * (0.8 + Math.random() * 0.4);
    this.failures++;
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000);
  }

  private stop(state: ConnectionState): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    removeEventListener('online', this.retryNow);
    this.dropSocket();
    this.setState(state);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.onConnectionChange(state);
  }
}
