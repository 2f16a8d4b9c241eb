/**
 * The history store on disk:
 *
 *   <dir>/index.jsonl                 one summary record per line (see indexFile.ts)
 *   <dir>/executions/<id>.jsonl       one segment per execution: summaries, events, details
 *   <dir>/runs.jsonl                  the long history of finished executions (fileRunArchive.ts)
 *
 * Everything is appended in batches (appendLog.ts), never rewritten in place; a torn last line
 * (crash, kill) is skipped on load. The index is rebuilt on load from the index file and any
 * segment it does not know. Retention drops the oldest finished executions: the index is
 * compacted (temp file + rename) and then their segments are deleted.
 */
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TestMeshError } from '../errors';
import type { ExecutionEvent } from '../events';
import { TERMINAL_EVENT_TYPES } from '../events';
import { AppendLog, type AppendLogOptions } from './appendLog';
import { FileRunArchive } from './fileRunArchive';
import { applyEvent, emptyExecutionState, stepSummaries } from './fold';
import { IndexFile } from './indexFile';
import { HistoryLock } from './lock';
import { completeLines, isSummaryLine, parseEventLine, parseSummaryLine } from './records';
import type { RunArchive } from './runArchive';
import type { HistoryStoreOptions } from './store';
import { BaseHistoryStore, DEFAULT_MAX_EXECUTIONS, INTERRUPTED_ERROR, isFinished, SAFE_ID } from './storeCommon';
import type { ExecutionSummary, RunRecord, StepSummary } from './types';

export class FileHistoryStore extends BaseHistoryStore {
  readonly kind = 'file' as const;
  /** Open segment writers of executions that are not finished yet. */
  private readonly writers = new Map<string, AppendLog>();
  /** Segment writers still writing their last batch, by execution id. */
  private readonly closing = new Map<string, Promise<void>>();
  private maintenance: Promise<void> = Promise.resolve();
  /** The folder's writer lock. */
  private lock: HistoryLock | undefined;
  private index!: IndexFile;

  private constructor(
    dir: string,
    summaries: Map<string, ExecutionSummary>,
    options: HistoryStoreOptions,
    runs: RunArchive,
  ) {
    super(dir, summaries, options, DEFAULT_MAX_EXECUTIONS, runs);
  }

  static async open(dir: string, options: HistoryStoreOptions = {}): Promise<FileHistoryStore> {
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
      return await FileHistoryStore.openLocked(dir, segments, lock, options);
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
  ): Promise<FileHistoryStore> {
    // eslint-disable-next-line prefer-const -- the onError callback is made before the store it reports to
    let store: FileHistoryStore | undefined;
    const logOptions: AppendLogOptions = {
      flushDelayMs: options.flushDelayMs,
      onError: (err) => store?.reportError(err),
    };
    const { index, summaries } = await IndexFile.open(join(dir, 'index.jsonl'), logOptions);
    // A history from before the long history existed starts it with the executions it lists.
    const runs =
      options.runs ??
      (await FileRunArchive.open(dir, options.runRetention, logOptions, () =>
        [...summaries.values()].filter(isFinished).map((s): RunRecord => ({ ...s, steps: s.steps ?? [] })),
      ));
    store = new FileHistoryStore(dir, summaries, options, runs);
    store.index = index;
    store.lock = lock;
    await store.recover(segments);
    return store;
  }

  protected created(summary: ExecutionSummary, line: string): void {
    const writer = new AppendLog(this.segmentFile(summary.id), {
      flushDelayMs: this.options.flushDelayMs,
      onError: (err) => this.reportError(err),
    });
    writer.append(line);
    this.writers.set(summary.id, writer);
    this.index.append(summary);
  }

  /** A finished execution's segment is closed. */
  protected updated(summary: ExecutionSummary, line: string): void {
    this.index.append(summary);
    const writer = this.writers.get(summary.id);
    if (!writer) return;
    writer.append(line);
    if (isFinished(summary)) {
      this.writers.delete(summary.id);
      this.track(summary.id, writer.close());
    }
  }

  protected write(executionId: string, line: string): void {
    this.writers.get(executionId)?.append(line);
  }

  protected async segment(executionId: string): Promise<string[]> {
    await this.writers.get(executionId)?.flush();
    await this.closing.get(executionId);
    try {
      return completeLines(await readFile(this.segmentFile(executionId), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Index first: a crash in between leaves orphan segments, which recovery lists again. */
  protected dropped(ids: string[]): Promise<void> {
    const removeSegment = async (id: string) => {
      await this.closing.get(id);
      await unlink(this.segmentFile(id)).catch(() => undefined);
    };
    this.maintenance = this.maintenance
      .then(() => this.index.compact(() => this.summaries.values()))
      .then(() => Promise.all(ids.map(removeSegment)))
      .then(
        () => undefined,
        (err) => this.reportError(err),
      );
    return this.maintenance;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.flush()));
    while (this.closing.size) await Promise.all([...this.closing.values()]);
    await this.maintenance;
    await this.index.flush();
    await this.runs.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    await Promise.all([...this.writers.values()].map((w) => w.close()));
    this.writers.clear();
    await this.index.close();
    await this.runs.close();
    await this.lock?.release();
    this.lock = undefined;
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

  /**
   * Load-time repair: segments the index lost are listed again (from their own summary records),
   * executions that were running when the process died are marked failed (and enter the long
   * history), then retention and compaction run.
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
      const steps = await this.markInterrupted(summary);
      if (!(await this.runs.get(id))) this.runs.record({ ...summary, steps });
      changed = true;
    }
    // Oldest first, by creation time; ties keep the order the index had.
    const ordered = [...this.summaries.values()]
      .map((s, i) => ({ s, i }))
      .sort((a, b) => (a.s.created_at < b.s.created_at ? -1 : a.s.created_at > b.s.created_at ? 1 : a.i - b.i));
    this.summaries.clear();
    for (const { s } of ordered) this.summaries.set(s.id, s);
    const dropped = this.applyRetention();
    if (!dropped.length && (changed || this.index.lineCount > this.summaries.size)) {
      this.maintenance = this.maintenance.then(() => this.index.compact(() => this.summaries.values()));
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
  private async markInterrupted(summary: ExecutionSummary): Promise<StepSummary[]> {
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
    return stepSummaries(state.steps);
  }
}
