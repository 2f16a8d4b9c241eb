/**
 * What both history stores (file and memory) share: the summaries of the executions they hold,
 * the per-execution byte limit, retention by count and the reading of segment records. Each
 * implementation says where segment lines go and come from.
 */
import { TestMeshError } from '../errors';
import type { ExecutionEvent } from '../events';
import { formatBytes, isFinished } from '../format';
import type { StepDetail } from '../engine/types';
import { capStepDetail, DEFAULT_MAX_BODY_BYTES } from './cap';
import { detailLine, detailLineStepId, eventLine, parseDetailLine, parseEventLine, summaryLine } from './records';
import type { RunArchive } from './runArchive';
import type { HistoryStore, HistoryStoreOptions } from './store';
import type { ExecutionSummary, StepAttemptDetail } from './types';

export const DEFAULT_MAX_EXECUTIONS = 200;
/** History of one execution (events and step details) past which its step details are no longer stored. */
export const DEFAULT_MAX_EXECUTION_BYTES = 64 * 1024 * 1024;
/** All executions kept in memory (memory mode): the oldest finished ones go past this. */
export const DEFAULT_MAX_MEMORY_BYTES = 128 * 1024 * 1024;
export const DEFAULT_MAX_MEMORY_EXECUTIONS = 50;
export const INTERRUPTED_ERROR = 'interrupted: testmesh stopped before the execution finished';

export const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
export { isFinished };

export abstract class BaseHistoryStore implements HistoryStore {
  abstract readonly kind: 'memory' | 'file';
  /** Oldest first. */
  protected readonly summaries: Map<string, ExecutionSummary>;
  /** Bytes recorded per execution (segment size so far, or memory held). */
  protected readonly bytes = new Map<string, number>();
  readonly maxExecutions: number;
  readonly maxBodyBytes: number;
  readonly maxExecutionBytes: number;
  lastError: Error | undefined;
  onDropped: ((id: string) => void) | undefined;

  protected constructor(
    readonly dir: string | undefined,
    summaries: Map<string, ExecutionSummary>,
    protected readonly options: HistoryStoreOptions,
    defaultMaxExecutions: number,
    readonly runs: RunArchive,
  ) {
    this.summaries = summaries;
    this.maxExecutions = Math.max(1, options.maxExecutions ?? defaultMaxExecutions);
    this.maxBodyBytes = Math.max(1024, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    this.maxExecutionBytes = Math.max(64 * 1024, options.maxExecutionBytes ?? DEFAULT_MAX_EXECUTION_BYTES);
  }

  /** Stores the first summary line of a new execution. */
  protected abstract created(summary: ExecutionSummary, line: string): void;
  /** Stores a later summary line. */
  protected abstract updated(summary: ExecutionSummary, line: string): void;
  /** Stores one event or detail line of an execution. */
  protected abstract write(executionId: string, line: string): void;
  /** The stored lines of a known execution. */
  protected abstract segment(executionId: string): Promise<string[]>;
  /** Removes the stored lines of executions that retention or a delete dropped. */
  protected abstract dropped(ids: string[]): void | Promise<void>;
  abstract flush(): Promise<void>;
  abstract close(): Promise<void>;

  list(): ExecutionSummary[] {
    return [...this.summaries.values()].reverse();
  }

  get(id: string): ExecutionSummary | undefined {
    return this.summaries.get(id);
  }

  has(id: string): boolean {
    return this.summaries.has(id);
  }

  create(summary: ExecutionSummary): string[] {
    if (!SAFE_ID.test(summary.id))
      throw new TestMeshError(`invalid execution id ${JSON.stringify(summary.id)}: letters, digits, '-' and '_' only`);
    if (this.summaries.has(summary.id)) throw new TestMeshError(`execution ${summary.id} already exists`);
    this.summaries.set(summary.id, { ...summary });
    const line = summaryLine(summary);
    this.bytes.set(summary.id, line.length + 1);
    this.created(summary, line);
    return this.applyRetention();
  }

  update(given: ExecutionSummary): void {
    const known = this.summaries.get(given.id);
    if (!known) return;
    const summary =
      known.history_truncated && !given.history_truncated
        ? { ...given, history_truncated: known.history_truncated }
        : { ...given };
    this.summaries.set(summary.id, summary);
    this.updated(summary, summaryLine(summary));
  }

  appendEvent(executionId: string, eventJson: string): void {
    this.appendLine(executionId, eventLine(eventJson));
  }

  appendDetail(executionId: string, detail: StepDetail): void {
    const line = detailLine(capStepDetail(detail, this.maxBodyBytes));
    if ((this.bytes.get(executionId) ?? 0) + line.length > this.maxExecutionBytes) {
      const summary = this.summaries.get(executionId);
      if (summary && !summary.history_truncated)
        summary.history_truncated = `step details past ${formatBytes(this.maxExecutionBytes)} of history (maxExecutionBytes) were not stored`;
      return;
    }
    this.appendLine(executionId, line);
  }

  async readEvents(executionId: string): Promise<ExecutionEvent[] | undefined> {
    if (!this.summaries.has(executionId)) return undefined;
    const events: ExecutionEvent[] = [];
    for (const line of await this.segment(executionId)) {
      const event = parseEventLine(line);
      // Keep the stream gap-free even if a damaged line hid something: stop at the first hole.
      if (event && event.seq === events.length + 1) events.push(event);
    }
    return events;
  }

  async readStepDetails(executionId: string, stepId: string): Promise<StepAttemptDetail[] | undefined> {
    return this.readDetails(executionId, (id) => id === stepId);
  }

  async readAllStepDetails(executionId: string): Promise<StepAttemptDetail[] | undefined> {
    return this.readDetails(executionId, (id) => id !== undefined);
  }

  async delete(ids: readonly string[]): Promise<string[]> {
    const known = ids.filter((id) => {
      const summary = this.summaries.get(id);
      return summary !== undefined && isFinished(summary);
    });
    for (const id of known) this.forget(id);
    if (known.length) await this.dropped(known);
    const archived = await this.runs.delete(ids);
    return [...new Set([...known, ...archived])];
  }

  protected appendLine(executionId: string, line: string): void {
    if (!this.summaries.has(executionId)) return;
    this.bytes.set(executionId, (this.bytes.get(executionId) ?? 0) + line.length + 1);
    this.write(executionId, line);
  }

  protected forget(id: string): void {
    this.summaries.delete(id);
    this.bytes.delete(id);
  }

  protected reportError(err: Error): void {
    this.lastError = err;
    this.options.onError?.(err);
  }

  /** Drops the oldest finished executions beyond the limit. Running ones are never dropped. */
  protected applyRetention(): string[] {
    let excess = this.summaries.size - this.maxExecutions;
    if (excess <= 0) return [];
    const dropped: string[] = [];
    for (const summary of this.summaries.values()) {
      if (excess <= 0) break;
      if (!isFinished(summary)) continue;
      dropped.push(summary.id);
      excess--;
    }
    for (const id of dropped) this.forget(id);
    if (dropped.length) void this.dropped(dropped);
    return dropped;
  }

  private async readDetails(
    executionId: string,
    wanted: (stepId: string | undefined) => boolean,
  ): Promise<StepAttemptDetail[] | undefined> {
    if (!this.summaries.has(executionId)) return undefined;
    const out: StepAttemptDetail[] = [];
    for (const line of await this.segment(executionId)) {
      if (!wanted(detailLineStepId(line))) continue;
      const detail = parseDetailLine(line);
      if (detail) out.push(detail);
    }
    return out;
  }
}
