/**
 * Cancellation and timing helpers, one copy for the engine and every action: why a signal aborted,
 * a signal linked to a parent with a time limit of its own, racing a promise against a signal, and
 * a sleep that a cancel cuts short.
 */
import { TestMeshError } from './errors';

/** Why a signal aborted, as an Error ('cancelled' when the reason is not one). */
export function abortReason(signal: AbortSignal): Error {
  const reason = signal.reason;
  return reason instanceof Error ? reason : new TestMeshError('cancelled');
}

/** Resolves after `ms`, or rejects at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles with the promise, or rejects with the signal's reason as soon as it aborts, whichever
 * comes first (for work that does not watch the signal itself; its late failure is ignored).
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Starts a timer that calls `fire` after `ms`; returns what clears it. */
export type StartTimer = (ms: number, fire: () => void) => () => void;

const startTimeout: StartTimer = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
};

export interface LinkedAbort {
  /** Aborts with the parent's reason when the parent aborts, or with the timeout's error. */
  readonly signal: AbortSignal;
  /** Aborts it with a reason of the caller's (a parallel branch failing the others). */
  abort(reason: Error): void;
  /** Clears the timer and unlinks from the parent (call when the work is over). */
  dispose(): void;
}

/**
 * A signal that follows `parent` and, with `timeout`, also aborts after `timeout.ms` with
 * `timeout.error()`. `timeout.start` replaces setTimeout (the engine's timers, held while a
 * debugger stops the run).
 */
export function linkedAbort(
  parent: AbortSignal,
  timeout?: { ms: number; error: () => Error; start?: StartTimer },
): LinkedAbort {
  const controller = new AbortController();
  const forward = () => controller.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  const clearTimer = timeout
    ? (timeout.start ?? startTimeout)(timeout.ms, () => controller.abort(timeout.error()))
    : undefined;
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => {
      clearTimer?.();
      parent.removeEventListener('abort', forward);
    },
  };
}
