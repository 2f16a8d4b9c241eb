/**
 * The history store on disk opened only to read it (`testmesh report`): no writer lock, so it
 * opens while VS Code or `testmesh serve` holds the folder, and never a write: no torn-tail
 * repair, no recovery of interrupted executions, no retention, no compaction. It sees what the
 * writer has written so far (batches land within milliseconds); a torn last line is skipped.
 * Every write is refused with a clear error.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestMeshError } from '../errors';
import { RUNS_FILE } from './fileRunArchive';
import { readSummaryFile } from './indexFile';
import { completeLines } from './records';
import { MemoryRunArchive } from './runArchive';
import type { HistoryStoreOptions } from './store';
import { BaseHistoryStore, DEFAULT_MAX_EXECUTIONS, SAFE_ID } from './storeCommon';
import type { ExecutionSummary } from './types';

export class ReadOnlyHistoryStore extends BaseHistoryStore {
  readonly kind = 'file' as const;

  private constructor(dir: string, summaries: Map<string, ExecutionSummary>, options: HistoryStoreOptions) {
    super(dir, summaries, options, DEFAULT_MAX_EXECUTIONS, options.runs ?? new MemoryRunArchive());
  }

  static async open(dir: string, options: HistoryStoreOptions = {}): Promise<ReadOnlyHistoryStore> {
    let summaries: Map<string, ExecutionSummary>;
    let records: Map<string, ExecutionSummary>;
    try {
      [summaries, records] = await Promise.all([
        readSummaryFile(join(dir, 'index.jsonl')).then((read) => read.summaries),
        options.runs ? new Map() : readSummaryFile(join(dir, RUNS_FILE)).then((read) => read.summaries),
      ]);
    } catch (err) {
      throw new TestMeshError(
        `cannot read the history in ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    // Oldest first, as the writer keeps them.
    const ordered = new Map(
      [...summaries.values()]
        .filter((s) => SAFE_ID.test(s.id))
        .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0))
        .map((s) => [s.id, s]),
    );
    const runs =
      options.runs ??
      new MemoryRunArchive(
        options.runRetention,
        [...records.values()].map((s) => ({ ...s, steps: s.steps ?? [] })),
      );
    return new ReadOnlyHistoryStore(dir, ordered, { ...options, runs });
  }

  override create(): string[] {
    throw this.refused();
  }

  override update(): void {
    throw this.refused();
  }

  override appendEvent(): void {
    throw this.refused();
  }

  override appendDetail(): void {
    throw this.refused();
  }

  override async delete(): Promise<string[]> {
    throw this.refused();
  }

  protected created(): void {
    throw this.refused();
  }

  protected updated(): void {
    throw this.refused();
  }

  protected write(): void {
    throw this.refused();
  }

  protected dropped(): void {
    throw this.refused();
  }

  protected async segment(executionId: string): Promise<string[]> {
    try {
      return completeLines(await readFile(join(this.dir!, 'executions', `${executionId}.jsonl`), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    await this.runs.close();
  }

  private refused(): TestMeshError {
    return new TestMeshError(`the history in ${this.dir} is open read-only`);
  }
}
