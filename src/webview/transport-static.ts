/**
 * Report transport: answers the views from the data embedded in a self-contained HTML report
 * (report-data.ts) instead of a server. Events are replayed in slices, as the browser transport
 * catches up over REST, so a long run draws without freezing the page. Read-only: nothing runs.
 */
import { applyEvent, emptyExecutionState } from '../core/history/fold';
import type { ExecutionSummary, StepAttemptDetail } from '../core/history/types';
import type { ReportData, ReportExecution } from './report-data';
import {
  TransportError,
  type ConnectionHandler,
  type EventHandler,
  type ExecutionList,
  type ExecutionListQuery,
  type ExecutionSnapshot,
  type FlowInfo,
  type Subscription,
  type Transport,
} from './transport';

/** Events handed to the UI per task. */
const REPLAY_SLICE = 1000;

export class StaticTransport implements Transport {
  private readonly byId = new Map<string, ReportExecution>();

  constructor(private readonly data: ReportData) {
    for (const execution of data.executions) this.byId.set(execution.summary.id, execution);
  }

  private find(executionId: string): ReportExecution {
    const execution = this.byId.get(executionId);
    if (!execution) throw new TransportError(`execution ${executionId} is not in this report`, 404);
    return execution;
  }

  async listExecutions(query: ExecutionListQuery = {}): Promise<ExecutionList> {
    const matching = this.data.executions
      .map((e) => e.summary)
      .filter((s) => (!query.status || s.status === query.status) && (!query.flow_id || s.flow_id === query.flow_id));
    const offset = query.offset ?? 0;
    const limit = query.limit ?? matching.length;
    return { executions: matching.slice(offset, offset + limit), total: matching.length };
  }

  async getSummary(executionId: string): Promise<ExecutionSummary> {
    return this.find(executionId).summary;
  }

  async getExecution(executionId: string): Promise<ExecutionSnapshot> {
    const execution = this.find(executionId);
    const state = emptyExecutionState(executionId);
    for (const event of execution.events) applyEvent(state, event);
    return { execution: execution.summary, steps: state.steps, logs: state.logs };
  }

  async getStepDetail(executionId: string, stepId: string): Promise<StepAttemptDetail[]> {
    return this.find(executionId).details.filter((d) => d.step_id === stepId);
  }

  async listFlows(): Promise<FlowInfo[]> {
    const flows = new Map<string, FlowInfo>();
    for (const { summary } of this.data.executions)
      flows.set(summary.flow_id, { id: summary.flow_id, file: summary.flow_id, name: summary.flow_name });
    return [...flows.values()];
  }

  async trigger(): Promise<ExecutionSummary> {
    throw new TransportError('this is a report: flows cannot be run from it');
  }

  async cancel(): Promise<void> {
    throw new TransportError('this is a report: nothing is running');
  }

  subscribe(
    executionId: string | undefined,
    sinceSeq: number,
    onEvent: EventHandler,
    onConnectionChange: ConnectionHandler,
  ): Subscription {
    let closed = false;
    const events = executionId === undefined ? [] : (this.byId.get(executionId)?.events ?? []);
    const replay = async () => {
      onConnectionChange('connecting');
      let handed = 0;
      for (const event of events) {
        if (closed) return;
        if (event.seq <= sinceSeq) continue;
        if (handed > 0 && handed % REPLAY_SLICE === 0) await new Promise((resolve) => setTimeout(resolve, 0));
        if (closed) return;
        onEvent(event);
        handed++;
      }
      if (!closed) onConnectionChange('ended');
    };
    void Promise.resolve().then(replay);
    return {
      close: () => {
        closed = true;
      },
    };
  }
}
