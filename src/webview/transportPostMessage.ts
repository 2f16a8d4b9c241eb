/**
 * VS Code webview transport: requests and events travel as messages to and from the extension
 * host (see protocol.ts). The webview never opens a socket itself, so it works in remote,
 * Codespaces and code-server setups where the page cannot reach the host's loopback.
 */
import type { AnalyticsKind } from '../core/analytics/answer';
import type { BulkFlowAnswer, BulkFlowOperation } from '../core/bulkFlows';
import type { BulkExecutionAction, BulkExecutionAnswer } from '../core/bulkExecutions';
import { TERMINAL_EVENT_TYPES } from '../core/events';
import type { ExecutionSummary, StepAttemptDetail } from '../core/history/types';
import type {
  ConnectionState,
  ExecutionList,
  ExecutionListQuery,
  ExecutionSnapshot,
  FlowInfo,
  HostToWebviewMessage,
  RequestMethod,
  RequestParams,
  RequestResult,
  WebviewToHostMessage,
} from './protocol';
import {
  EventSequencer,
  isExecutionEvent,
  TransportError,
  type ConnectionHandler,
  type EventHandler,
  type Subscription,
  type Transport,
} from './transport';

/** The part of `acquireVsCodeApi()` this code uses. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

interface PendingRequest {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface HostSubscription {
  executionId: string | undefined;
  sequencer: EventSequencer;
  onEvent: EventHandler;
  onConnectionChange: ConnectionHandler;
  state?: ConnectionState;
  retry?: ReturnType<typeof setTimeout>;
  closed: boolean;
}

const RESUBSCRIBE_DELAY_MS = 1000;

export class PostMessageTransport implements Transport {
  private nextId = 1;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly subscriptions = new Map<number, HostSubscription>();
  /** Called for `navigate` messages from the host. */
  onNavigate: ((route: string) => void) | undefined;

  constructor(
    private readonly api: VsCodeApi,
    target: Pick<Window, 'addEventListener'> = window,
  ) {
    target.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
  }

  /** Tells the host the page listens; call once the UI is mounted. */
  ready(): void {
    this.post({ kind: 'ready' });
  }

  listExecutions(query: ExecutionListQuery = {}): Promise<ExecutionList> {
    return this.request('listExecutions', query);
  }

  analytics(kind: AnalyticsKind, query: Record<string, string>): Promise<unknown> {
    return this.request('analytics', { kind, query });
  }

  bulkExecutions(action: BulkExecutionAction, body: Record<string, unknown>): Promise<BulkExecutionAnswer> {
    return this.request('bulkExecutions', { action, body });
  }

  bulkFlows(operation: BulkFlowOperation, body: Record<string, unknown>): Promise<BulkFlowAnswer> {
    return this.request('bulkFlows', { operation, body });
  }

  undoBulkFlows(): Promise<BulkFlowAnswer> {
    return this.request('undoBulkFlows', {});
  }

  getSummary(executionId: string): Promise<ExecutionSummary> {
    return this.request('getSummary', { execution_id: executionId });
  }

  getExecution(executionId: string): Promise<ExecutionSnapshot> {
    return this.request('getExecution', { execution_id: executionId });
  }

  getStepDetail(executionId: string, stepId: string): Promise<StepAttemptDetail[]> {
    return this.request('getStepDetail', { execution_id: executionId, step_id: stepId });
  }

  async copyAsCurl(executionId: string, stepId: string, attempt?: number): Promise<void> {
    await this.request('copyAsCurl', { execution_id: executionId, step_id: stepId, attempt });
  }

  listFlows(): Promise<FlowInfo[]> {
    return this.request('listFlows', {});
  }

  trigger(flowId: string, variables?: Record<string, unknown>): Promise<ExecutionSummary> {
    return this.request('trigger', { flow_id: flowId, variables });
  }

  async cancel(executionId: string): Promise<void> {
    await this.request('cancel', { execution_id: executionId });
  }

  subscribe(
    executionId: string | undefined,
    sinceSeq: number,
    onEvent: EventHandler,
    onConnectionChange: ConnectionHandler,
  ): Subscription {
    const id = this.nextId++;
    const sub: HostSubscription = {
      executionId,
      sequencer: new EventSequencer(executionId, sinceSeq),
      onEvent,
      onConnectionChange,
      closed: false,
    };
    this.subscriptions.set(id, sub);
    this.setState(sub, 'connecting');
    this.open(id, sub);
    return { close: () => this.unsubscribe(id, 'ended') };
  }

  private open(id: number, sub: HostSubscription): void {
    sub.retry = undefined;
    const since = sub.executionId === undefined ? 0 : sub.sequencer.lastSeq(sub.executionId);
    this.request('subscribe', { subscription: id, execution_id: sub.executionId, since }).then(
      () => this.setState(sub, 'live'),
      () => {
        if (sub.closed) return;
        this.setState(sub, 'reconnecting');
        sub.retry = setTimeout(() => this.open(id, sub), RESUBSCRIBE_DELAY_MS);
      },
    );
  }

  private unsubscribe(id: number, state: ConnectionState): void {
    const sub = this.subscriptions.get(id);
    if (!sub || sub.closed) return;
    sub.closed = true;
    clearTimeout(sub.retry);
    this.subscriptions.delete(id);
    this.request('unsubscribe', { subscription: id }).catch(() => undefined);
    this.setState(sub, state);
  }

  private receive(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    const message = data as HostToWebviewMessage;
    switch (message.kind) {
      case 'response': {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(new TransportError(message.error));
        return;
      }
      case 'event': {
        const sub = this.subscriptions.get(message.subscription);
        if (!sub || !isExecutionEvent(message.event)) return;
        const event = message.event;
        if (sub.executionId !== undefined && event.execution_id !== sub.executionId) return;
        const verdict = sub.sequencer.check(event, sub.executionId !== undefined);
        if (verdict === 'duplicate') return;
        if (verdict === 'gap') {
          // Ask the host again from the last event we have; it replays what was missed.
          this.request('unsubscribe', { subscription: message.subscription }).catch(() => undefined);
          this.setState(sub, 'reconnecting');
          this.open(message.subscription, sub);
          return;
        }
        sub.onEvent(event);
        if (sub.executionId !== undefined && TERMINAL_EVENT_TYPES.has(event.type))
          this.unsubscribe(message.subscription, 'ended');
        return;
      }
      case 'connection': {
        const sub = this.subscriptions.get(message.subscription);
        if (sub) this.setState(sub, message.state);
        return;
      }
      case 'navigate':
        if (typeof message.route === 'string') this.onNavigate?.(message.route);
        return;
    }
  }

  private request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
    const id = this.nextId++;
    return new Promise<RequestResult<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.post({ kind: 'request', id, method, params } as WebviewToHostMessage);
    });
  }

  private post(message: WebviewToHostMessage): void {
    this.api.postMessage(message);
  }

  private setState(sub: HostSubscription, state: ConnectionState): void {
    if (sub.state === state) return;
    sub.state = state;
    sub.onConnectionChange(state);
  }
}
