/**
 * Breakpoints on flow steps. A breakpoint on any line of a step belongs to the innermost step
 * whose range holds the line (a nested step wins over its parent); a line in no step is
 * unverified, with the reason. Conditions and hit counts are checked when they are set, so a
 * typo shows on the breakpoint instead of at the stop.
 */
import { resolve } from 'node:path';
import { errorMessage } from '../errors';
import { compileExpression } from '../expr';
import { allSteps, type FlowDef, type StepDef } from '../flow/types';
import { parseHitCondition, type HitCondition } from './hitCondition';

export interface BreakpointRequest {
  line: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export interface FlowBreakpoint {
  id: number;
  file: string;
  line: number;
  verified: boolean;
  /** Why it is unverified, or a note on where it stops. */
  message?: string;
  /** The step it stops before (its id in the flow). */
  stepId?: string;
  condition?: string;
  hitCondition?: HitCondition;
  logMessage?: string;
  /** Times the step was reached with the condition true. */
  hits: number;
}

/** The innermost step whose range holds the 1-based line. */
function stepAtLine(flow: FlowDef, line: number): StepDef | undefined {
  let best: StepDef | undefined;
  for (const step of allSteps(flow)) {
    if (line < step.range.start.line || line > step.range.end.line) continue;
    // allSteps lists parents before their nested steps, so a later match is deeper.
    if (!best || step.range.start.line >= best.range.start.line) best = step;
  }
  return best;
}

export class BreakpointStore {
  private nextId = 1;
  private readonly byFile = new Map<string, FlowBreakpoint[]>();

  /**
   * Replaces the breakpoints of a file. `flow` is the file as loaded now; when it is undefined,
   * `problem` says why (not a flow, does not validate) and every breakpoint is unverified.
   */
  set(
    file: string,
    flow: FlowDef | undefined,
    problem: string | undefined,
    requests: readonly BreakpointRequest[],
  ): FlowBreakpoint[] {
    const key = resolve(file);
    const out = requests.map((request) => this.make(key, flow, problem, request));
    this.byFile.set(key, out);
    return out;
  }

  /** Verified breakpoints that stop before a step of a file. */
  at(file: string, stepId: string): FlowBreakpoint[] {
    const list = this.byFile.get(resolve(file));
    return list ? list.filter((b) => b.verified && b.stepId === stepId) : [];
  }

  resetHits(): void {
    for (const list of this.byFile.values()) for (const b of list) b.hits = 0;
  }

  private make(
    file: string,
    flow: FlowDef | undefined,
    problem: string | undefined,
    request: BreakpointRequest,
  ): FlowBreakpoint {
    const bp: FlowBreakpoint = { id: this.nextId++, file, line: request.line, verified: false, hits: 0 };
    if (!flow) {
      bp.message = problem ?? 'not a flow file';
      return bp;
    }
    const step = stepAtLine(flow, request.line);
    if (!step) {
      bp.message = `line ${request.line} is not inside a step of flow '${flow.name}'`;
      return bp;
    }
    try {
      if (request.condition?.trim()) {
        compileExpression(request.condition);
        bp.condition = request.condition;
      }
      if (request.hitCondition?.trim()) bp.hitCondition = parseHitCondition(request.hitCondition);
    } catch (err) {
      bp.message = errorMessage(err);
      return bp;
    }
    if (request.logMessage !== undefined && request.logMessage !== '') bp.logMessage = request.logMessage;
    bp.verified = true;
    bp.stepId = step.id;
    bp.message = `stops before step '${step.name}' (line ${step.range.start.line})`;
    return bp;
  }
}
