/**
 * A JSON-lines file written in batches: `append` only queues, a timer (or a full buffer) writes
 * everything queued in one call, one write in flight at a time. No fsync: a crash loses at most
 * the last batch and leaves at worst one torn last line, which readers skip.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';

export interface AppendLogOptions {
  /** How long lines wait for more company before they are written. */
  flushDelayMs?: number;
  /** Queued bytes that trigger a write at once, without waiting for the timer. */
  maxPendingBytes?: number;
  /** Write errors (disk full, folder removed): reported, never thrown into the run that produced the lines. */
  onError?: (err: Error) => void;
  /** Before each batch, reopen the file when it was replaced or removed (an index another process compacted). */
  reopenIfReplaced?: boolean;
}

export class AppendLog {
  private pending: string[] = [];
  private pendingChars = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private handle: FileHandle | undefined;
  private readonly flushDelayMs: number;
  private readonly maxPendingBytes: number;

  constructor(
    readonly file: string,
    private readonly options: AppendLogOptions = {},
  ) {
    this.flushDelayMs = options.flushDelayMs ?? 25;
    this.maxPendingBytes = options.maxPendingBytes ?? 1024 * 1024;
  }

  /** Queues one record; `line` must not contain a newline (JSON.stringify output never does). */
  append(line: string): void {
    this.pending.push(line, '\n');
    this.pendingChars += line.length + 1;
    if (this.pendingChars >= this.maxPendingBytes) this.startWrite();
    else if (!this.timer && !this.writing) {
      this.timer = setTimeout(() => this.startWrite(), this.flushDelayMs);
      this.timer.unref();
    }
  }

  /** Resolves once everything appended so far is in the file. */
  async flush(): Promise<void> {
    this.startWrite();
    while (this.writing) await this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  /** True when the path no longer names the file the handle has open. */
  private async replaced(handle: FileHandle): Promise<boolean> {
    const [open, current] = await Promise.all([handle.stat(), stat(this.file).catch(() => undefined)]);
    return !current || current.ino !== open.ino || current.dev !== open.dev;
  }

  private startWrite(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.writing && this.pending.length) this.writing = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length) {
        const text = this.pending.join('');
        this.pending = [];
        this.pendingChars = 0;
        if (this.handle && this.options.reopenIfReplaced && (await this.replaced(this.handle))) {
          await this.handle.close().catch(() => undefined);
          this.handle = undefined;
        }
        this.handle ??= await open(this.file, 'a', 0o600);
        await this.handle.appendFile(text, 'utf8');
      }
    } catch (err) {
      this.pending = [];
      this.pendingChars = 0;
      this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.writing = undefined;
    }
  }
}

/**
 * Cuts a torn last line (a write interrupted by a crash) off a file before appending to it again,
 * so the next record does not glue onto the broken one. A missing file is fine.
 */
export async function repairTornTail(file: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r+');
  } catch {
    return;
  }
  try {
    const { size } = await handle.stat();
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    // Walk back from the end to the last newline; everything after it is the torn record.
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (newline >= 0) {
        end = start + newline + 1;
        break;
      }
      end = start;
    }
    if (end !== size) await handle.truncate(end);
  } finally {
    await handle.close();
  }
}
