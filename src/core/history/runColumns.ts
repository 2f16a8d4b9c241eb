/**
 * A columnar copy of the embedded long history, kept beside the records (oldest first, same
 * positions) and updated as executions are recorded, so analytics over 20,000 executions read a
 * few number arrays instead of walking 20,000 objects and their steps. Flows, environments and
 * steps are numbered once (interned); analytics group by those numbers.
 *
 * Appending at the end and dropping from the front (retention) are cheap; anything else (a record
 * replaced, deleted or inserted far from the end) marks the columns stale and they are rebuilt
 * from the records on the next read.
 */
import type { RunRecord } from './types';

const DAY_MS = 86_400_000;
/** Outcome codes: analytics count only completed and failed executions and steps. */
export const NOT_COUNTED = 0;
export const PASSED = 1;
export const FAILED = 2;

function outcomeOf(status: string): number {
  return status === 'completed' ? PASSED : status === 'failed' ? FAILED : NOT_COUNTED;
}

/** Numbers distinct strings in the order they are first seen. */
export class Interner {
  private readonly ids = new Map<string, number>();
  readonly values: string[] = [];

  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(value, id);
      this.values.push(value);
    }
    return id;
  }

  /** -1 for a string never seen. */
  find(value: string): number {
    return this.ids.get(value) ?? -1;
  }
}

/** Steps of how many records a rebuild may be put off (insertions closer to the end are made in place). */
const INSERT_REACH = 256;

export class RunColumns {
  /** Per execution (position = the record's position in the archive). */
  readonly day: number[] = [];
  readonly outcome: number[] = [];
  readonly duration: number[] = [];
  readonly environment: number[] = [];
  readonly flow: number[] = [];
  readonly flowName: string[] = [];
  readonly totalSteps: number[] = [];
  readonly passedSteps: number[] = [];
  readonly failedSteps: number[] = [];
  /** Where the execution's counted steps start (stepStart[i] - stepBase in the step columns), and how many. */
  readonly stepStart: number[] = [];
  readonly stepCount: number[] = [];

  /** Per counted step of a counted execution (completed or failed), in execution order. */
  readonly stepKey: number[] = [];
  readonly stepOutcome: number[] = [];
  readonly stepDuration: number[] = [];
  readonly stepName: string[] = [];
  readonly stepAction: string[] = [];
  readonly stepError: (string | undefined)[] = [];

  /** Steps dropped from the front since the last rebuild: stepStart[i] - stepBase is a position in the step columns. */
  stepBase = 0;

  environments = new Interner();
  flows = new Interner();
  /** `flow number \0 step id`; keyFlow and keyStep say which. */
  stepKeys = new Interner();
  keyFlow: number[] = [];
  keyStep: string[] = [];

  private stale = false;

  /** Rebuilt from these records on the next read. */
  invalidate(): void {
    this.stale = true;
  }

  /** True when the columns must be rebuilt before they are read. */
  get isStale(): boolean {
    return this.stale;
  }

  get length(): number {
    return this.day.length;
  }

  rebuild(runs: readonly RunRecord[]): void {
    for (const column of this.runColumns()) column.length = 0;
    for (const column of this.stepColumns()) column.length = 0;
    // Fresh numbering, so flows and steps that are gone are forgotten.
    this.stepBase = 0;
    this.environments = new Interner();
    this.flows = new Interner();
    this.stepKeys = new Interner();
    this.keyFlow = [];
    this.keyStep = [];
    this.stale = false;
    for (const run of runs) this.push(run);
  }

  /** Puts a record at a position; far from the end, the columns go stale instead. */
  insert(position: number, run: RunRecord): void {
    if (this.stale) return;
    if (this.length - position > INSERT_REACH) {
      this.stale = true;
      return;
    }
    if (position === this.length) {
      this.push(run);
      return;
    }
    // Rare (an execution finished after a later one): append, then rotate the tail into place.
    const stepAt = this.stepStart[position] - this.stepBase;
    const runTail = this.runColumns().map((column) => column.splice(position));
    const stepTail = this.stepColumns().map((column) => column.splice(stepAt));
    this.push(run);
    const added = this.stepKey.length - stepAt;
    this.runColumns().forEach((column, k) => column.push(...runTail[k]));
    this.stepColumns().forEach((column, k) => column.push(...stepTail[k]));
    for (let i = position + 1; i < this.length; i++) this.stepStart[i] += added;
  }

  private push(run: RunRecord): void {
    const outcome = outcomeOf(run.status);
    const flow = this.flows.id(run.flow_id);
    const start = this.stepKey.length;
    if (outcome !== NOT_COUNTED)
      for (const step of run.steps ?? []) {
        const stepOutcome = outcomeOf(step.status);
        if (stepOutcome === NOT_COUNTED) continue;
        const key = this.stepKeys.id(`${flow}\u0000${step.step_id}`);
        if (key === this.keyFlow.length) {
          this.keyFlow.push(flow);
          this.keyStep.push(step.step_id);
        }
        this.stepKey.push(key);
        this.stepOutcome.push(stepOutcome);
        this.stepDuration.push(step.duration_ms ?? 0);
        this.stepName.push(step.step_name);
        this.stepAction.push(step.action);
        this.stepError.push(step.error_message);
      }
    this.day.push(Math.floor(Date.parse(run.created_at) / DAY_MS));
    this.outcome.push(outcome);
    this.duration.push(run.duration_ms ?? 0);
    this.environment.push(this.environments.id(run.environment ?? ''));
    this.flow.push(flow);
    this.flowName.push(run.flow_name);
    this.totalSteps.push(run.total_steps ?? 0);
    this.passedSteps.push(run.passed_steps ?? 0);
    this.failedSteps.push(run.failed_steps ?? 0);
    this.stepStart.push(start + this.stepBase);
    this.stepCount.push(this.stepKey.length - start);
  }

  /** Forgets the first `count` executions (retention drops the oldest). */
  dropFront(count: number): void {
    if (this.stale || count <= 0) return;
    const steps = count < this.length ? this.stepStart[count] - this.stepBase : this.stepKey.length;
    for (const column of this.runColumns()) column.splice(0, count);
    for (const column of this.stepColumns()) column.splice(0, steps);
    this.stepBase += steps;
  }

  private runColumns(): unknown[][] {
    return [
      this.day,
      this.outcome,
      this.duration,
      this.environment,
      this.flow,
      this.flowName,
      this.totalSteps,
      this.passedSteps,
      this.failedSteps,
      this.stepStart,
      this.stepCount,
    ];
  }

  private stepColumns(): unknown[][] {
    return [this.stepKey, this.stepOutcome, this.stepDuration, this.stepName, this.stepAction, this.stepError];
  }
}
