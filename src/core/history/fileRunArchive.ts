/**
 * The long history on disk: `<history>/runs.jsonl`, one record per line, appended in batches and
 * compacted (temp file + rename) when it holds many more lines than records. The records are
 * kept in memory too, so queries over 20,000 executions never read the file.
 */
import { join } from 'node:path';
import type { AppendLogOptions } from './appendLog';
import { IndexFile } from './indexFile';
import { MemoryRunArchive, type RunArchive, type RunRetention } from './runArchive';
import type { RunRecord } from './types';

export const RUNS_FILE = 'runs.jsonl';

export class FileRunArchive extends MemoryRunArchive {
  override readonly kind: RunArchive['kind'] = 'file';
  override readonly location: string;

  private constructor(
    private readonly file: IndexFile,
    retention: RunRetention,
    initial: Iterable<RunRecord>,
  ) {
    super(retention, initial);
    this.location = file.file;
  }

  /** Opens `runs.jsonl` in `dir`; `seed` lists executions to add when the file is new (older history). */
  static async open(
    dir: string,
    retention: RunRetention = {},
    logOptions: AppendLogOptions = {},
    seed: () => Iterable<RunRecord> = () => [],
  ): Promise<FileRunArchive> {
    const { index, summaries } = await IndexFile.open(join(dir, RUNS_FILE), logOptions);
    const fresh = index.lineCount === 0;
    const initial = [...summaries.values()].map((s) => ({ ...s, steps: s.steps ?? [] }));
    const archive = new FileRunArchive(index, retention, initial);
    if (fresh) for (const run of seed()) if (!archive.byId.has(run.id)) archive.put(run);
    if (fresh || archive.runs.length < summaries.size || index.lineCount > archive.runs.length) await archive.compact();
    return archive;
  }

  override record(run: RunRecord): void {
    this.put(run);
    this.file.append(run);
    if (this.applyRetention() || this.file.lineCount > 2 * this.runs.length + 1000) void this.compact();
  }

  override async delete(ids: readonly string[]): Promise<string[]> {
    const gone = await super.delete(ids);
    if (gone.length) {
      await this.file.flush(); // lets a compaction already under way finish first
      await this.compact();
    }
    return gone;
  }

  override async flush(): Promise<void> {
    await this.file.flush();
  }

  override async close(): Promise<void> {
    await this.file.close();
  }

  private compact(): Promise<void> {
    return this.file.compact(() => this.runs);
  }
}
