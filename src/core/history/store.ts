/**
 * The history store: executions, their events and their steps' request/response detail, on disk.
 *
 *   <dir>/index.jsonl                 one summary record per line (see indexFile.ts)
 *   <dir>/executions/<id>.jsonl       one segment per execution: summaries, events, details
 *
 * Everything is appended in batches (appendLog.ts), never rewritten in place; a torn last line
 * (crash, kill) is skipped on load. The index is rebuilt on load from the index file and any
 * segment it does not know. Retention drops the oldest finished executions: the index is
 * compacted (temp file + rename) and then their segments are deleted.
 *
 * `HistoryStore.memory()` keeps the same records in memory, for callers without a folder.
 */
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TestMeshError } from '../errors';
import type { ExecutionEvent } from '../events';
import { TERMINAL_EVENT_TYPES } from '../events';
import type { StepDetail } from '../engine/types';
import { AppendLog, type AppendLogOptions } from './appendLog';
import { capStepDetail, DEFAULT_MAX_BODY_BYTES } from './cap';
import { applyEvent, emptyExecutionState } from './fold';
import { IndexFile } from './indexFile';
import { HistoryLock } from './lock';
import {
  completeLines,
  detailLine,
  detailLineStepId,
  eventLine,
  isSummaryLine,
  parseDetailLine,
  parseEventLine,
  parseSummaryLine,
  summaryLine,
} from './records';
import type { ExecutionSummary, StepAttemptDetail } from './types';

export const DEFAULT_MAX_EXECUTIONS = 200;
/** History of one execution (events and step details) past which its step details are no longer stored. */
export const DEFAULT_MAX_EXECUTION_BYTES = 64 * 1024 * 1024;
/** All executions kept in memory (memory mode): the oldest finished ones go past this. */
export const DEFAULT_MAX_MEMORY_BYTES = 128 * 1024 * 1024;
export const DEFAULT_MAX_MEMORY_EXECUTIONS = 50;
export const INTERRUPTED_ERROR = 'interrupted: testmesh stopped before the execution finished';

export interface HistoryStoreOptions {
  /** Executions kept; older finished ones are dropped. Default 200 on disk, 50 in memory. */
  maxExecutions?: number;
  /** Cap for each stored request/response body and result. Default 64 KiB. */
  maxBodyBytes?: number;
  /** How long records wait before a batched write. Default 25 ms. */
  flushDelayMs?: number;
  /** Write errors; the store keeps running (and the runs it records keep running). */
  onError?: (err: Error) => void;
  /**
   * Bytes of history per execution (default 64 MiB). Past it, further step details (request and
   * response bodies) are dropped and only events and summaries are kept; the summary says so.
   */
  maxExecutionBytes?: number;
  /** Memory mode: bytes of all kept executions (default 128 MiB); the oldest finished ones are dropped past it. */
  maxMemoryBytes?: number;
  /** Who writes (named by the lock to a second process). Default `testmesh`. */
  holder?: string;
  /** Files a killed holder may have left (its token file), removed when its stale lock is taken over. */
  staleFiles?: string[];
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const TERMINAL_STATUSES = new Set(['completed', 'failed', 'cancelled']);

export function isFinished(summary: ExecutionSummary): boolean {
  return TERMINAL_STATUSES.has(summary.status);
}

export class HistoryStore {
  /** Oldest first. */
  private readonly summaries: Map<string, ExecutionSummary>;
  /** Open segment writers of executions that are not finished yet (file mode). */
  private readonly writers = new Map<string, AppendLog>();
  /** Segment writers still writing their last batch, by execution id. */
  private readonly closing = new Map<string, Promise<void>>();
  /** Segment lines per execution (memory mode). */
  private readonly memoryLines: Map<string, string[]> | undefined;
  private maintenance: Promise<void> = Promise.resolve();
  readonly maxExecutions: number;
  readonly maxBodyBytes: number;
  readonly maxExecutionBytes: number;
  readonly maxMemoryBytes: number;
  /** Bytes recorded per execution (segment size so far, or memory held). */
  private readonly bytes = new Map<string, number>();
  private memoryBytes = 0;
  /** The last write error, if any. */
  lastError: Error | undefined;
  /** The folder's writer lock (file mode). */
  private lock: HistoryLock | undefined;

  private constructor(
    /** Folder of the store; undefined in memory mode. */
    readonly dir: string | undefined,
    private readonly index: IndexFile | undefined,
    summaries: Map<string, ExecutionSummary>,
    private readonly options: HistoryStoreOptions,
  ) {
    this.summaries = summaries;
    // In memory, every kept execution's records stay in the heap: keep fewer by default.
    this.maxExecutions = Math.max(
      1,
      options.maxExecutions ?? (dir === undefined ? DEFAULT_MAX_MEMORY_EXECUTIONS : DEFAULT_MAX_EXECUTIONS),
    );
    this.maxBodyBytes = Math.max(1024, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    this.memoryLines = dir === undefined ? new Map() : undefined;
    this.maxExecutionBytes = Math.max(64 * 1024, options.maxExecutionBytes ?? DEFAULT_MAX_EXECUTION_BYTES);
    this.maxMemoryBytes = Math.max(1024 * 1024, options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES);
  }

  /**
   * Opens (creating if needed) the store in `dir` and rebuilds its index. Throws
   * HistoryLockedError when another live process writes to the folder.
   */
  static async open(dir: string, options: HistoryStoreOptions = {}): Promise<HistoryStore> {
    const segments = join(dir, 'executions');
    try {
      await mkdir(segments, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new TestMeshError(
        `cannot create the history folder ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    const lock = await HistoryLock.acquire(dir, options.holder ?? 'testmesh', options.staleFiles);
    try {
      return await HistoryStore.openLocked(dir, segments, lock, options);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  private static async openLocked(
    dir: string,
    segments: string,
    lock: HistoryLock,
    options: HistoryStoreOptions,
  ): Promise<HistoryStore> {
    // eslint-disable-next-line prefer-const -- the onError callback is made before the store it reports to
    let store: HistoryStore | undefined;
    const logOptions: AppendLogOptions = {
      flushDelayMs: options.flushDelayMs,
      onError: (err) => store?.reportError(err),
    };
    const { index, summaries } = await IndexFile.open(join(dir, 'index.jsonl'), logOptions);
    store = new HistoryStore(dir, index, summaries, options);
    store.lock = lock;
    await store.recover(segments);
    return store;
  }

  static memory(options: HistoryStoreOptions = {}): HistoryStore {
    return new HistoryStore(undefined, undefined, new Map(), options);
  }

  /** Newest first. */
  list(): ExecutionSummary[] {
    return [...this.summaries.values()].reverse();
  }

  get(id: string): ExecutionSummary | undefined {
    return this.summaries.get(id);
  }

  has(id: string): boolean {
    return this.summaries.has(id);
  }

  /** Records a new execution, then applies retention. Returns the ids retention dropped. */
  create(summary: ExecutionSummary): string[] {
    if (!SAFE_ID.test(summary.id))
      throw new TestMeshError(`invalid execution id ${JSON.stringify(summary.id)}: letters, digits, '-' and '_' only`);
    if (this.summaries.has(summary.id)) throw new TestMeshError(`execution ${summary.id} already exists`);
    this.summaries.set(summary.id, { ...summary });
    const line = summaryLine(summary);
    if (this.memoryLines) {
      this.memoryLines.set(summary.id, [line]);
      this.bytes.set(summary.id, line.length + 1);
      this.memoryBytes += line.length + 1;
    } else {
      const writer = new AppendLog(this.segmentFile(summary.id), {
        flushDelayMs: this.options.flushDelayMs,
        onError: (err) => this.reportError(err),
      });
      writer.append(line);
      this.writers.set(summary.id, writer);
      this.index!.append(summary);
    }
    return this.applyRetention();
  }

  /** Records the new state of an execution; a finished one's segment is closed. */
  update(given: ExecutionSummary): void {
    const known = this.summaries.get(given.id);
    if (!known) return;
    const summary =
      known.history_truncated && !given.history_truncated
        ? { ...given, history_truncated: known.history_truncated }
        : { ...given };
    this.summaries.set(summary.id, summary);
    const line = summaryLine(summary);
    if (this.memoryLines) {
      this.appendLine(summary.id, line);
      return;
    }
    this.index!.append(summary);
    const writer = this.writers.get(summary.id);
    if (!writer) return;
    writer.append(line);
    if (isFinished(summary)) {
      this.writers.delete(summary.id);
      this.track(summary.id, writer.close());
    }
  }

  /** Appends one event, given as its JSON text (serialized once by the caller for the wire too). */
  appendEvent(executionId: string, eventJson: string): void {
    this.appendLine(executionId, eventLine(eventJson));
  }

  /** Appends one attempt's detail, with bodies cut at the cap; dropped once the execution's history is full. */
  appendDetail(executionId: string, detail: StepDetail): void {
    const line = detailLine(capStepDetail(detail, this.maxBodyBytes));
    if ((this.bytes.get(executionId) ?? 0) + line.length > this.maxExecutionBytes) {
      const summary = this.summaries.get(executionId);
      if (summary && !summary.history_truncated)
        summary.history_truncated = `step details past ${this.maxExecutionBytes} bytes of history (maxExecutionBytes) were not stored`;
      return;
    }
    this.appendLine(executionId, line);
  }

  /** Every recorded event of an execution in `seq` order, or undefined for an unknown id. */
  async readEvents(executionId: string): Promise<ExecutionEvent[] | undefined> {
    const lines = await this.readSegment(executionId);
    if (!lines) return undefined;
    const events: ExecutionEvent[] = [];
    for (const line of lines) {
      const event = parseEventLine(line);
      // Keep the stream gap-free even if a damaged line hid something: stop at the first hole.
      if (event && event.seq === events.length + 1) events.push(event);
    }
    return events;
  }

  /** Request/response detail of every attempt of one step, or undefined for an unknown execution. */
  async readStepDetails(executionId: string, stepId: string): Promise<StepAttemptDetail[] | undefined> {
    const lines = await this.readSegment(executionId);
    if (!lines) return undefined;
    const out: StepAttemptDetail[] = [];
    for (const line of lines) {
      if (detailLineStepId(line) !== stepId) continue;
      const detail = parseDetailLine(line);
      if (detail) out.push(detail);
    }
    return out;
  }

  /** Request/response detail of every attempt of every step, in record order (one read of the segment). */
  async readAllStepDetails(executionId: string): Promise<StepAttemptDetail[] | undefined> {
    const lines = await this.readSegment(executionId);
    if (!lines) return undefined;
    const out: StepAttemptDetail[] = [];
    for (const line of lines) {
      if (detailLineStepId(line) === undefined) continue;
      const detail = parseDetailLine(line);
      if (detail) out.push(detail);
    }
    return out;
  }

  /** Resolves once every record appended so far is on disk. */
  async flush(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.flush()));
    while (this.closing.size) await Promise.all([...this.closing.values()]);
    await this.maintenance;
    await this.index?.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    await Promise.all([...this.writers.values()].map((w) => w.close()));
    this.writers.clear();
    await this.index?.close();
    await this.lock?.release();
    this.lock = undefined;
  }

  private appendLine(executionId: string, line: string): void {
    this.bytes.set(executionId, (this.bytes.get(executionId) ?? 0) + line.length + 1);
    if (this.memoryLines) {
      const lines = this.memoryLines.get(executionId);
      if (!lines) return;
      lines.push(line);
      this.memoryBytes += line.length + 1;
      if (this.memoryBytes > this.maxMemoryBytes) this.dropForMemory(executionId);
    } else this.writers.get(executionId)?.append(line);
  }

  /** Memory mode: drops the oldest finished executions until the kept ones fit in maxMemoryBytes. */
  private dropForMemory(keep: string): void {
    for (const summary of [...this.summaries.values()]) {
      if (this.memoryBytes <= this.maxMemoryBytes) break;
      if (summary.id === keep || !isFinished(summary)) continue;
      this.forget(summary.id);
      this.onDropped?.(summary.id);
    }
  }

  /** Told of executions dropped to stay within memory (the manager forgets its copies too). */
  onDropped: ((id: string) => void) | undefined;

  private forget(id: string): void {
    this.summaries.delete(id);
    this.memoryLines?.delete(id);
    this.memoryBytes -= this.bytes.get(id) ?? 0;
    this.bytes.delete(id);
  }

  private async readSegment(executionId: string): Promise<string[] | undefined> {
    if (!this.summaries.has(executionId)) return undefined;
    if (this.memoryLines) return this.memoryLines.get(executionId) ?? [];
    await this.writers.get(executionId)?.flush();
    await this.closing.get(executionId);
    try {
      return completeLines(await readFile(this.segmentFile(executionId), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  private segmentFile(id: string): string {
    return join(this.dir!, 'executions', `${id}.jsonl`);
  }

  private track(id: string, promise: Promise<void>): void {
    const done = promise.finally(() => {
      if (this.closing.get(id) === done) this.closing.delete(id);
    });
    this.closing.set(id, done);
  }

  private reportError(err: Error): void {
    this.lastError = err;
    this.options.onError?.(err);
  }

  /** Drops the oldest finished executions beyond the limit. Running ones are never dropped. */
  private applyRetention(): string[] {
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
    if (dropped.length && this.index) {
      // Index first: a crash in between leaves orphan segments, which recovery lists again.
      const removeSegment = async (id: string) => {
        await this.closing.get(id);
        await unlink(this.segmentFile(id)).catch(() => undefined);
      };
      this.maintenance = this.maintenance
        .then(() => this.index!.compact(() => this.summaries.values()))
        .then(() => Promise.all(dropped.map(removeSegment)))
        .then(
          () => undefined,
          (err) => this.reportError(err),
        );
    }
    return dropped;
  }

  /**
   * Load-time repair: segments the index lost are listed again (from their own summary records),
   * executions that were running when the process died are marked failed, then retention and
   * compaction run.
   */
  private async recover(segmentsDir: string): Promise<void> {
    let names: string[] = [];
    try {
      names = await readdir(segmentsDir);
    } catch {
      // An empty store.
    }
    let changed = false;
    for (const name of names) {
      if (!name.endsWith('.jsonl')) continue;
      const id = name.slice(0, -'.jsonl'.length);
      if (!SAFE_ID.test(id) || this.summaries.has(id)) continue;
      const summary = await this.summaryFromSegment(id);
      if (summary) {
        this.summaries.set(id, summary);
        changed = true;
      }
    }
    for (const [id, summary] of this.summaries) {
      // The segment is the execution's own record: when it ended there, that wins over an index
      // line that says running or interrupted (another process's recovery, a lost last batch).
      if (!isFinished(summary) || summary.error === INTERRUPTED_ERROR) {
        const own = await this.summaryFromSegment(id);
        if (own && isFinished(own) && own.error !== INTERRUPTED_ERROR) {
          this.summaries.set(id, own);
          changed = true;
          continue;
        }
      }
      if (isFinished(summary)) continue;
      await this.markInterrupted(summary);
      changed = true;
    }
    // Oldest first, by creation time; ties keep the order the index had.
    const ordered = [...this.summaries.values()]
      .map((s, i) => ({ s, i }))
      .sort((a, b) => (a.s.created_at < b.s.created_at ? -1 : a.s.created_at > b.s.created_at ? 1 : a.i - b.i));
    this.summaries.clear();
    for (const { s } of ordered) this.summaries.set(s.id, s);
    const dropped = this.applyRetention();
    if (!dropped.length && (changed || this.index!.lineCount > this.summaries.size)) {
      this.maintenance = this.maintenance.then(() => this.index!.compact(() => this.summaries.values()));
    }
    await this.maintenance;
  }

  private async summaryFromSegment(id: string): Promise<ExecutionSummary | undefined> {
    let lines: string[];
    try {
      lines = completeLines(await readFile(this.segmentFile(id), 'utf8'));
    } catch {
      return undefined;
    }
    let summary: ExecutionSummary | undefined;
    for (const line of lines) if (isSummaryLine(line)) summary = parseSummaryLine(line) ?? summary;
    return summary && summary.id === id ? summary : undefined;
  }

  /** Folds what the segment recorded, so the listing shows how far the run got. */
  private async markInterrupted(summary: ExecutionSummary): Promise<void> {
    const state = emptyExecutionState(summary.id);
    let lines: string[] = [];
    try {
      lines = completeLines(await readFile(this.segmentFile(summary.id), 'utf8'));
    } catch {
      // No events: the run died before its first batch was written.
    }
    let finishedBy: ExecutionEvent | undefined;
    let lastTimestamp: string | undefined;
    for (const line of lines) {
      const event = parseEventLine(line);
      if (!event || event.seq !== state.last_seq + 1) continue;
      applyEvent(state, event);
      lastTimestamp = event.timestamp;
      if (TERMINAL_EVENT_TYPES.has(event.type)) finishedBy = event;
    }
    summary.last_seq = state.last_seq;
    summary.started_at ??= state.started_at;
    if (state.total_steps) summary.total_steps = state.total_steps;
    summary.passed_steps = state.steps.filter((s) => s.status === 'completed').length;
    summary.failed_steps = state.steps.filter((s) => s.status === 'failed').length;
    summary.skipped_steps = state.steps.filter((s) => s.status === 'skipped').length;
    if (finishedBy) {
      // The run ended but its final summary was lost with the last batch.
      summary.status = state.status;
      summary.finished_at = state.finished_at;
      summary.duration_ms = state.duration_ms;
      if (state.error) summary.error = state.error;
    } else {
      summary.status = 'failed';
      summary.error = INTERRUPTED_ERROR;
      summary.finished_at = lastTimestamp ?? summary.started_at ?? summary.created_at;
    }
  }
}
