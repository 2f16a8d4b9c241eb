/**
 * The debugger's state machine, protocol-free: it holds a run at step boundaries (through the
 * engine's step hooks), decides where to stop (entry, breakpoints with conditions and hit counts,
 * logpoints, stepping, pause requests, failed steps) and knows the frames of the paused step.
 *
 * Stepping, with a step's depth = how many steps enclose it (a sub-flow's steps are one deeper
 * than their `run_flow` step):
 * - step over: the next step at the same depth or shallower;
 * - step in: the very next step (a nested step, an iteration, a sub-flow's first step);
 * - step out: the next step shallower than the paused one;
 * - pause: the next step, whatever its depth.
 * Parallel branches share one thread: while one is paused, the others wait at their next step.
 */
import type { StepFrame, StepHooks } from '../engine/hooks';
import type { StepResult } from '../engine/types';
import { errorMessage } from '../errors';
import { BreakpointStore, type FlowBreakpoint } from './breakpoints';
import { conditionHolds, formatLogMessage, type EvaluationContext } from './evaluate';

export type StopReason = 'entry' | 'breakpoint' | 'step' | 'pause' | 'exception';

export interface Stop {
  reason: StopReason;
  frame: StepFrame;
  /** The frames from the paused step outwards (the paused one first). */
  chain: StepFrame[];
  hitBreakpointIds: number[];
  /** Set for stops after a failed step. */
  failure?: StepResult;
  /** For exception stops and condition errors: what to tell the user. */
  text?: string;
}

export interface ControllerEvents {
  stopped(stop: Stop): void;
  /** Text for the debug console; `at` places it in the flow file. */
  output(
    text: string,
    category: 'console' | 'stdout' | 'stderr' | 'important',
    at?: { file: string; line: number },
  ): void;
}

export interface FailureFilters {
  /** Stop after a step whose assertion failed. */
  failedAssertion: boolean;
  /** Stop after any failed step. */
  failedStep: boolean;
}

type Mode = { kind: 'run' } | { kind: 'stepIn' } | { kind: 'over'; depth: number } | { kind: 'out'; depth: number };

const HTTP_RESULT = (value: unknown): boolean =>
  value !== null &&
  typeof value === 'object' &&
  typeof (value as { status?: unknown }).status === 'number' &&
  typeof (value as { headers?: unknown }).headers === 'object';

export class DebugController {
  readonly breakpoints = new BreakpointStore();
  filters: FailureFilters = { failedAssertion: false, failedStep: false };
  /** Stop before the first step. */
  stopOnEntry = false;
  /** Stop before this step id (of any flow of the run). */
  stopAtStep: string | undefined;
  private mode: Mode = { kind: 'run' };
  private pauseRequested = false;
  private entryPending = false;
  private ended = false;
  /** Steps running now, by event id: the frames of the call stack. */
  private readonly frames = new Map<string, StepFrame>();
  private current: { stop: Stop; resume: () => void; released: Promise<void> } | undefined;
  /** The most recent HTTP response the run received (the raw action result). */
  lastResponse: unknown;

  constructor(private readonly events: ControllerEvents) {}

  /** Resets per-run state before a (re)start. */
  begin(): void {
    this.mode = { kind: 'run' };
    this.pauseRequested = false;
    this.entryPending = this.stopOnEntry;
    this.ended = false;
    this.frames.clear();
    this.current = undefined;
    this.lastResponse = undefined;
    this.breakpoints.resetHits();
  }

  /** The run is being stopped or has ended: release any pause and never stop again. */
  end(): void {
    this.ended = true;
    this.release({ kind: 'run' });
  }

  get paused(): Stop | undefined {
    return this.current?.stop;
  }

  /** A step that is running now (or paused), by its event id. */
  frame(stepId: string): StepFrame | undefined {
    return this.frames.get(stepId);
  }

  continue(): void {
    this.release({ kind: 'run' });
  }

  stepOver(): void {
    const stop = this.current?.stop;
    if (!stop) return;
    // After a failure stop the step has already run: "over" means its siblings, not its children.
    this.release({ kind: 'over', depth: stop.chain.length - 1 });
  }

  stepIn(): void {
    const stop = this.current?.stop;
    if (!stop) return;
    this.release(stop.failure ? { kind: 'over', depth: stop.chain.length - 1 } : { kind: 'stepIn' });
  }

  stepOut(): void {
    const stop = this.current?.stop;
    if (!stop) return;
    this.release({ kind: 'out', depth: stop.chain.length - 1 });
  }

  /** Stops at the next step boundary. */
  pause(): void {
    if (!this.current) this.pauseRequested = true;
  }

  /** What evaluation sees in a frame of the paused step (or any running frame). */
  evaluationContext(frame: StepFrame): EvaluationContext {
    const stop = this.current?.stop;
    const result = stop?.failure && stop.frame === frame ? frame.scope.records.get(frame.step.id)?.result : undefined;
    return { scope: frame.scope, lastResponse: this.lastResponse, result };
  }

  hooks(): StepHooks {
    return {
      beforeStep: (frame) => this.beforeStep(frame),
      afterStep: (frame, result) => this.afterStep(frame, result),
    };
  }

  private chainOf(frame: StepFrame): StepFrame[] {
    const chain = [frame];
    for (let parent = frame.parentId; parent !== undefined;) {
      const next = this.frames.get(parent);
      if (!next || chain.length > 1000) break;
      chain.push(next);
      parent = next.parentId;
    }
    return chain;
  }

  private async beforeStep(frame: StepFrame): Promise<void> {
    this.frames.set(frame.stepId, frame);
    // Another branch is paused: this one waits at its boundary, then decides afresh.
    while (this.current && !this.ended) await this.current.released;
    if (this.ended || frame.cancelled.aborted) return;
    const chain = this.chainOf(frame);
    const depth = chain.length - 1;
    const hit = this.breakpointsHit(frame);
    let reason: StopReason | undefined;
    let text: string | undefined;
    if (this.entryPending) {
      this.entryPending = false;
      reason = 'entry';
    } else if (this.stopAtStep !== undefined && frame.step.id === this.stopAtStep) {
      this.stopAtStep = undefined;
      reason = 'entry';
    } else if (hit.ids.length) {
      reason = 'breakpoint';
      text = hit.error;
    } else if (this.pauseRequested) {
      reason = 'pause';
    } else if (this.wantsStep(depth)) {
      reason = 'step';
    }
    if (!reason) return;
    this.pauseRequested = false;
    await this.hold({ reason, frame, chain, hitBreakpointIds: hit.ids, text });
  }

  private async afterStep(frame: StepFrame, result: StepResult): Promise<void> {
    try {
      const record = frame.scope.records.get(frame.step.id);
      if (result.status !== 'skipped' && record && HTTP_RESULT(record.result)) this.lastResponse = record.result;
      if (result.status !== 'failed' || this.ended || frame.cancelled.aborted) return;
      const wanted = this.filters.failedStep || (this.filters.failedAssertion && result.assertion !== undefined);
      if (!wanted) return;
      while (this.current && !this.ended) await this.current.released;
      if (this.ended) return;
      const chain = this.chainOf(frame);
      this.pauseRequested = false;
      await this.hold({
        reason: 'exception',
        frame,
        chain,
        hitBreakpointIds: [],
        failure: result,
        text: result.error ?? 'step failed',
      });
    } finally {
      this.frames.delete(frame.stepId);
    }
  }

  private wantsStep(depth: number): boolean {
    const mode = this.mode;
    switch (mode.kind) {
      case 'stepIn':
        return true;
      case 'over':
        return depth <= mode.depth;
      case 'out':
        return depth < mode.depth;
      default:
        return false;
    }
  }

  /** Breakpoints of this step whose condition holds and whose hit count matches; logpoints print. */
  private breakpointsHit(frame: StepFrame): { ids: number[]; error?: string } {
    const ids: number[] = [];
    let error: string | undefined;
    for (const bp of this.breakpoints.at(frame.flow.file, frame.step.id)) {
      const outcome = this.check(bp, frame);
      if (outcome.error) error = outcome.error;
      if (outcome.stop) ids.push(bp.id);
    }
    return { ids, error };
  }

  private check(bp: FlowBreakpoint, frame: StepFrame): { stop: boolean; error?: string } {
    const context = this.evaluationContext(frame);
    if (bp.condition !== undefined) {
      try {
        if (!conditionHolds(bp.condition, context)) return { stop: false };
      } catch (err) {
        // Like other debuggers: a condition that cannot be evaluated stops, and says why.
        const error = `breakpoint condition '${bp.condition}' failed: ${frame.redact(errorMessage(err))}`;
        this.events.output(`${error}\n`, 'stderr', { file: frame.flow.file, line: bp.line });
        return { stop: true, error };
      }
    }
    bp.hits++;
    if (bp.hitCondition && !bp.hitCondition(bp.hits)) return { stop: false };
    if (bp.logMessage !== undefined) {
      this.events.output(`${frame.redact(formatLogMessage(bp.logMessage, context))}\n`, 'console', {
        file: frame.flow.file,
        line: bp.line,
      });
      return { stop: false };
    }
    return { stop: true };
  }

  private hold(stop: Stop): Promise<void> {
    let resume!: () => void;
    const released = new Promise<void>((resolve) => (resume = resolve));
    this.current = { stop, resume, released };
    this.events.stopped(stop);
    return released;
  }

  private release(mode: Mode): void {
    this.mode = mode;
    const current = this.current;
    this.current = undefined;
    current?.resume();
  }
}
