/**
 * The history store in memory, for callers without a folder: every kept execution's records stay
 * in the heap, so it keeps fewer executions (50) and drops the oldest finished ones past a byte
 * budget (128 MiB).
 */
import { MemoryRunArchive } from './runArchive';
import type { HistoryStoreOptions } from './store';
import { BaseHistoryStore, DEFAULT_MAX_MEMORY_BYTES, DEFAULT_MAX_MEMORY_EXECUTIONS, isFinished } from './storeCommon';
import type { ExecutionSummary } from './types';

export class MemoryHistoryStore extends BaseHistoryStore {
  readonly kind = 'memory' as const;
  readonly maxMemoryBytes: number;
  private readonly lines = new Map<string, string[]>();
  private memoryBytes = 0;

  constructor(options: HistoryStoreOptions = {}) {
    super(
      undefined,
      new Map(),
      options,
      DEFAULT_MAX_MEMORY_EXECUTIONS,
      options.runs ?? new MemoryRunArchive(options.runRetention),
    );
    this.maxMemoryBytes = Math.max(1024 * 1024, options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES);
  }

  protected created(summary: ExecutionSummary, line: string): void {
    this.lines.set(summary.id, [line]);
    this.memoryBytes += line.length + 1;
  }

  protected updated(summary: ExecutionSummary, line: string): void {
    this.appendLine(summary.id, line);
  }

  protected write(executionId: string, line: string): void {
    const lines = this.lines.get(executionId);
    if (!lines) return;
    lines.push(line);
    this.memoryBytes += line.length + 1;
    if (this.memoryBytes > this.maxMemoryBytes) this.dropForMemory(executionId);
  }

  protected async segment(executionId: string): Promise<string[]> {
    return this.lines.get(executionId) ?? [];
  }

  protected override forget(id: string): void {
    this.memoryBytes -= this.bytes.get(id) ?? 0;
    this.lines.delete(id);
    super.forget(id);
  }

  protected dropped(): void {
    // forget() released the lines already.
  }

  async flush(): Promise<void> {
    await this.runs.flush();
  }

  async close(): Promise<void> {
    await this.runs.close();
  }

  /** Drops the oldest finished executions until the kept ones fit in maxMemoryBytes. */
  private dropForMemory(keep: string): void {
    for (const summary of [...this.summaries.values()]) {
      if (this.memoryBytes <= this.maxMemoryBytes) break;
      if (summary.id === keep || !isFinished(summary)) continue;
      this.forget(summary.id);
      this.onDropped?.(summary.id);
    }
  }
}
