/**
 * Hooks around every step a run starts, for tools that watch or hold a run (the debugger):
 * `beforeStep` may await (a pause) before the step runs; `afterStep` sees its result. While a
 * hook is awaited the step timers of the run stand still, so a pause never times a step out.
 */
import type { FlowDef, StepDef } from '../flow/types';
import type { Scope } from './scope';
import type { StepResult } from './types';

/** One step as a hook sees it: where it is, what encloses it, and the scope it runs in. */
export interface StepFrame {
  executionId: string;
  step: StepDef;
  /** The flow the step belongs to (a sub-flow's own file for steps of a `run_flow`). */
  flow: FlowDef;
  /** The step's id in events (`caller/step[2]` for sub-flow steps and loop iterations). */
  stepId: string;
  /** Event id of the enclosing step (nested steps, iterations, a sub-flow's caller). */
  parentId?: string;
  /** The live scope: variables set here are what the step and the following steps see. */
  scope: Scope;
  /** The run's secret redaction, current at the time of the call. */
  redact<T>(value: T): T;
  /** Cancels the whole run (teardown still runs). */
  cancelled: AbortSignal;
}

export interface StepHooks {
  beforeStep?(frame: StepFrame): Promise<void> | void;
  afterStep?(frame: StepFrame, result: StepResult): Promise<void> | void;
}

interface Timer {
  remaining: number;
  startedAt: number;
  handle?: NodeJS.Timeout;
  fire: () => void;
}

/** Step time limits of one run, all held while any hook is awaited (suspend/resume nest). */
export class StepTimers {
  private suspended = 0;
  private readonly active = new Set<Timer>();

  /** Starts a limit; the returned function clears it. */
  start(ms: number, fire: () => void): () => void {
    const timer: Timer = { remaining: ms, startedAt: performance.now(), fire };
    const run = () => {
      this.active.delete(timer);
      fire();
    };
    timer.fire = run;
    this.active.add(timer);
    if (this.suspended === 0) timer.handle = setTimeout(run, ms);
    return () => {
      clearTimeout(timer.handle);
      this.active.delete(timer);
    };
  }

  suspend(): void {
    if (this.suspended++ > 0) return;
    const now = performance.now();
    for (const timer of this.active) {
      clearTimeout(timer.handle);
      timer.handle = undefined;
      timer.remaining = Math.max(0, timer.remaining - (now - timer.startedAt));
    }
  }

  resume(): void {
    if (this.suspended === 0 || --this.suspended > 0) return;
    const now = performance.now();
    for (const timer of this.active) {
      timer.startedAt = now;
      timer.handle = setTimeout(timer.fire, timer.remaining);
    }
  }

  /** Awaits a hook's promise with every timer held; a failing hook does not break the run. */
  async hold(pending: Promise<void> | void): Promise<void> {
    if (!pending || typeof (pending as Promise<void>).then !== 'function') return;
    this.suspend();
    try {
      await pending;
    } catch {
      // A faulty hook must not break the run, like a faulty event listener.
    } finally {
      this.resume();
    }
  }
}
