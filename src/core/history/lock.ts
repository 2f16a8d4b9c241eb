/**
 * One writer per history folder: `<dir>/writer.lock` names the process that holds it (pid, host,
 * what it is, since when). A second process finds it, says who holds it, and uses a folder of its
 * own or stops (its caller decides). A lock left by a process that no longer runs on this host
 * is stale: it is taken over, and the stale token file next to it removed.
 */
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TestMeshError } from '../errors';

export const LOCK_FILE = 'writer.lock';

export interface LockHolder {
  pid: number;
  host: string;
  /** What holds it: `testmesh serve`, `VS Code extension`, ... */
  holder: string;
  since: string;
}

/** The folder is held by another live process; `holder` says which. */
export class HistoryLockedError extends TestMeshError {
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    super(`the history folder ${dir} is in use by ${holder.holder} (pid ${holder.pid} on ${holder.host}, since ${holder.since}); stop it, or use another folder (--history-dir)`);
    this.name = 'HistoryLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as LockHolder;
    return Number.isInteger(value.pid) && typeof value.host === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Holds a history folder; `release()` removes the lock if it is still ours. */
export class HistoryLock {
  private constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {}

  /**
   * Takes the lock of `dir`, or throws HistoryLockedError. `staleFiles` (e.g. the token file of a
   * killed `testmesh serve`) are removed when a stale lock is taken over.
   */
  static async acquire(dir: string, holder: string, staleFiles: readonly string[] = []): Promise<HistoryLock> {
    const file = join(dir, LOCK_FILE);
    const mine: LockHolder = { pid: process.pid, host: hostname(), holder, since: new Date().toISOString() };
    for (let tries = 0; tries < 3; tries++) {
      try {
        await writeFile(file, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o600 });
        return new HistoryLock(file, mine);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new TestMeshError(`cannot lock the history folder ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      const current = await readHolder(file);
      if (current && current.pid === process.pid && current.host === mine.host) {
        throw new HistoryLockedError(dir, current);
      }
      if (current && (current.host !== mine.host || isAlive(current.pid))) throw new HistoryLockedError(dir, current);
      // Stale (its process is gone) or unreadable: take it over, and what the dead process left.
      await unlink(file).catch(() => undefined);
      for (const stale of staleFiles) await unlink(stale).catch(() => undefined);
    }
    throw new TestMeshError(`cannot lock the history folder ${dir}: another process keeps taking it`);
  }

  async release(): Promise<void> {
    const current = await readHolder(this.file);
    if (current && current.pid === this.holder.pid && current.since === this.holder.since && current.host === this.holder.host) await unlink(this.file).catch(() => undefined);
  }
}
