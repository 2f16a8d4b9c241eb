/**
 * Bounds of one execution, so a flow (hostile input) cannot make a run, its history or the
 * process that holds it grow without end. Past a limit the run fails with a message that names
 * the limit and how to raise it; teardown still runs.
 */
import { TestMeshError } from '../errors';

export interface RunLimits {
  /** Events of one execution (sub-flows included). */
  maxEvents: number;
  /** Block runs of one execution: `for_each` items, `wait_until` rounds, `if` branches, `parallel` branches. */
  maxIterations: number;
}

export const DEFAULT_RUN_LIMITS: Readonly<RunLimits> = Object.freeze({ maxEvents: 100_000, maxIterations: 10_000 });

/** The flag / option that raises each limit, named in the message. */
const HOW_TO_RAISE: Record<keyof RunLimits, string> = { maxEvents: '--max-events', maxIterations: '--max-iterations' };

/** A run went past one of its limits. */
export class RunLimitError extends TestMeshError {
  constructor(
    readonly limit: keyof RunLimits,
    readonly value: number,
    what: string,
  ) {
    super(
      `run limit ${limit} (${value}) reached: ${what}; raise it with ${HOW_TO_RAISE[limit]} N (or the '${limit}' setting)`,
    );
    this.name = 'RunLimitError';
  }
}

/** Defaults for what is not given; invalid values (not a positive whole number) are refused. */
export function resolveRunLimits(given: Partial<RunLimits> | undefined): RunLimits {
  const out: RunLimits = { ...DEFAULT_RUN_LIMITS };
  for (const key of Object.keys(DEFAULT_RUN_LIMITS) as Array<keyof RunLimits>) {
    const value = given?.[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1)
      throw new TestMeshError(`run limit ${key} must be a whole number >= 1, got ${String(value)}`);
    out[key] = value;
  }
  return out;
}
