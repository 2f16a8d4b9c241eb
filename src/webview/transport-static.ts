/**
 * Report transport: answers the views from the data embedded in a self-contained HTML report
 * (report-data.ts) instead of a server. An execution's events are handed over in one go: folding
 * them is cheap, the views draw per animation frame within a budget anyway, and the first frame
 * then sees a finished run (a live run's follow-the-last-step scrolling stays off). Read-only.
 */
import { applyEvent, emptyExecutionState } from '../core/history/fold';
import { matchesRun, parseRunFilter } from '../core/history/runFilter';
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

export class StaticTransport implements Transport {
  readonly readOnly = true;
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
    const { limit: _limit, offset: _offset, ...filterQuery } = query;
    const filter = parseRunFilter(filterQuery as Record<string, unknown>);
    const matching = this.data.executions.map((e) => e.summary).filter((s) => matchesRun(s, filter));
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

  async analytics(): Promise<unknown> {
    throw new TransportError('this is a report: analytics need the TestMesh server and its history', 404);
  }

  async trigger(): Promise<ExecutionSummary> {
    throw new TransportError('this is a report: flows cannot be run from it');
  }

  async cancel(): Promise<void> {
    throw new TransportError('this is a report: nothing is running');
  }

  async bulkExecutions(): Promise<never> {
    throw new TransportError('this is a report: executions cannot be re-run, cancelled or deleted from it');
  }

  async bulkFlows(): Promise<never> {
    throw new TransportError('this is a report: flows cannot be changed from it');
  }

  async undoBulkFlows(): Promise<never> {
    throw new TransportError('this is a report: flows cannot be changed from it');
  }

  subscribe(
    executionId: string | undefined,
    sinceSeq: number,
    onEvent: EventHandler,
    onConnectionChange: ConnectionHandler,
  ): Subscription {
    let closed = false;
    const events = executionId === undefined ? [] : (this.byId.get(executionId)?.events ?? []);
    const replay = () => {
      for (const event of events) {
        if (closed) return;
        if (event.seq > sinceSeq) onEvent(event);
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
