/**
 * A server process a test started and owns: killed if the test process exits first, and stopped
 * by its PID (SIGTERM, then SIGKILL after 10 s) once, however often `stop` is called.
 */
import type { ChildProcess } from 'node:child_process';

export interface OwnedProcess {
  pid: number;
  /** Stops the process, then runs `cleanup` (its temp folder, say). */
  stop(): Promise<void>;
}

export function ownProcess(child: ChildProcess, cleanup: () => void = () => undefined): OwnedProcess {
  const pid = child.pid!;
  const killOnExit = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    process.off('exit', killOnExit);
    const exited = new Promise<void>((resolve) =>
      child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
    );
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => child.exitCode === null && process.kill(pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    cleanup();
  };
  return { pid, stop: () => (stopping ??= stop()) };
}
