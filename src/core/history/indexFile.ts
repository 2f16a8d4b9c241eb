/**
 * The executions index: `index.jsonl`, one summary record per line, the last line of an id wins.
 * Compaction rewrites it to a temp file and renames that over the old one (atomic on POSIX), so
 * a crash leaves either the old or the new index, never half of one.
 */
import { readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { AppendLog, repairTornTail, type AppendLogOptions } from './appendLog';
import { completeLines, isSummaryLine, parseSummaryLine, summaryLine } from './records';
import type { ExecutionSummary } from './types';

/** The summaries of an index file (the last record of an id wins) and how many records it holds; none when missing. */
export async function readSummaryFile(
  file: string,
): Promise<{ summaries: Map<string, ExecutionSummary>; lineCount: number }> {
  const summaries = new Map<string, ExecutionSummary>();
  let lineCount = 0;
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const line of completeLines(text)) {
    if (!isSummaryLine(line)) continue;
    const summary = parseSummaryLine(line);
    if (!summary) continue;
    lineCount++;
    summaries.set(summary.id, summary);
  }
  return { summaries, lineCount };
}

export class IndexFile {
  private log: AppendLog;
  /** Lines held back while a compaction swaps the file. */
  private held: string[] | undefined;
  private compacting: Promise<void> | undefined;
  /** Records in the file; compared with the number of executions to decide when to compact. */
  lineCount = 0;
  private readonly logOptions: AppendLogOptions;

  private constructor(
    readonly file: string,
    logOptions: AppendLogOptions,
  ) {
    this.logOptions = { ...logOptions, reopenIfReplaced: true };
    this.log = new AppendLog(file, this.logOptions);
  }

  /** Opens the index, repairing a torn tail, and returns the summaries it holds (last record per id). */
  static async open(
    file: string,
    logOptions: AppendLogOptions,
  ): Promise<{ index: IndexFile; summaries: Map<string, ExecutionSummary> }> {
    await repairTornTail(file);
    const index = new IndexFile(file, logOptions);
    const { summaries, lineCount } = await readSummaryFile(file);
    index.lineCount = lineCount;
    return { index, summaries };
  }

  append(summary: ExecutionSummary): void {
    const line = summaryLine(summary);
    this.lineCount++;
    if (this.held) this.held.push(line);
    else this.log.append(line);
  }

  /** Rewrites the index to exactly these summaries (temp file + rename). */
  compact(summaries: () => Iterable<ExecutionSummary>): Promise<void> {
    this.compacting ??= this.swap(summaries).finally(() => {
      this.compacting = undefined;
    });
    return this.compacting;
  }

  private async swap(summaries: () => Iterable<ExecutionSummary>): Promise<void> {
    this.held = [];
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      await this.log.close();
      const lines = [...summaries()].map(summaryLine);
      await writeFile(tmp, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
      await rename(tmp, this.file);
      this.lineCount = lines.length;
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      this.logOptions.onError?.(err instanceof Error ? err : new Error(String(err)));
    } finally {
      // Records that arrived during the swap belong after the snapshot, in the new file.
      const held = this.held ?? [];
      this.held = undefined;
      this.log = new AppendLog(this.file, this.logOptions);
      for (const line of held) this.log.append(line);
    }
  }

  async flush(): Promise<void> {
    while (this.compacting) await this.compacting;
    await this.log.flush();
  }

  async close(): Promise<void> {
    while (this.compacting) await this.compacting;
    await this.log.close();
  }
}
