/** The JSON report of `testmesh run --reporter json`, built from execution results. */
import { firstError, type FlowDiagnostic } from './errors';
import type { ExecutionResult, StepResult } from './engine/types';
import type { ExecutionEvent } from './events';
import type { Phase } from './flow/types';
import type { StepAttemptDetail } from './history/types';

export interface StepReport {
  step_id: string;
  name: string;
  phase: Phase;
  action: string;
  status: 'passed' | 'failed' | 'skipped';
  duration_ms: number;
  attempts: number;
  error?: string;
  parent_id?: string;
  assertion?: { expression: string; expected?: unknown; actual?: unknown; line?: number; column?: number };
  /** Where the step is written in the flow file (1-based; a sub-flow's step: the calling step). */
  line?: number;
  column?: number;
  /** Things that did not fail the step but deserve a look (an output path that matched nothing). */
  warnings?: string[];
}

export interface FlowReport {
  file: string;
  name: string;
  status: 'passed' | 'failed' | 'error';
  duration_ms: number;
  steps: StepReport[];
  /** Why the flow failed or could not run. */
  error?: string;
  execution_id?: string;
  /** Validation problems, for status `error`. */
  diagnostics?: FlowDiagnostic[];
  /** Line of the flow's `name:` (or of the flow mapping) in its file. */
  line?: number;
  /** The execution's events (secrets redacted), for reports rendered later (HTML, merged shards). */
  events?: ExecutionEvent[];
  /** Request/response detail of each step attempt, bodies capped as in history. */
  details?: StepAttemptDetail[];
}

/** What a set of shards must share to be merged: the same suite, cut the same way. */
export interface SuiteIdentity {
  /** Hash of the selected flows' paths (after --grep/--tag, before --shard). */
  id: string;
  /** Number of flows in the whole suite (all shards). */
  flows: number;
  shard?: { index: number; total: number };
}

export interface RunReport {
  suite?: SuiteIdentity;
  /** Set by `testmesh merge-reports`: how many shard reports this one was merged from. */
  merged_shards?: number;
  flows: FlowReport[];
  summary: { total: number; passed: number; failed: number; errors: number; duration_ms: number };
}

/** A failed assertion as reports carry it: the expression and the values compared (its message is the step's error). */
export function reportedAssertion(assertion: {
  expression: string;
  expected?: unknown;
  actual?: unknown;
}): NonNullable<StepReport['assertion']> {
  return { expression: assertion.expression, expected: assertion.expected, actual: assertion.actual };
}

export function stepReport(step: StepResult): StepReport {
  const out: StepReport = {
    step_id: step.step_id,
    name: step.name,
    phase: step.phase,
    action: step.action,
    status: step.status === 'completed' ? 'passed' : step.status,
    duration_ms: step.duration_ms,
    attempts: step.attempts,
  };
  if (step.error !== undefined) out.error = step.error;
  if (step.skip_reason !== undefined && out.error === undefined) out.error = step.skip_reason;
  if (step.parent_id !== undefined) out.parent_id = step.parent_id;
  if (step.assertion) out.assertion = reportedAssertion(step.assertion);
  if (step.warnings?.length) out.warnings = step.warnings;
  return out;
}

export function flowReport(file: string, result: ExecutionResult): FlowReport {
  const report: FlowReport = {
    file,
    name: result.flow_name,
    status: result.status === 'completed' ? 'passed' : 'failed',
    duration_ms: result.duration_ms,
    steps: result.steps.map(stepReport),
    execution_id: result.execution_id,
  };
  if (result.error !== undefined) report.error = result.error;
  return report;
}

export function invalidFlowReport(file: string, name: string, diagnostics: FlowDiagnostic[]): FlowReport {
  return {
    file,
    name,
    status: 'error',
    duration_ms: 0,
    steps: [],
    error: firstError(diagnostics) ?? 'invalid flow',
    diagnostics,
  };
}

export function summarize(flows: FlowReport[], duration_ms: number): RunReport {
  return {
    flows,
    summary: {
      total: flows.length,
      passed: flows.filter((f) => f.status === 'passed').length,
      failed: flows.filter((f) => f.status !== 'passed').length,
      errors: flows.filter((f) => f.status === 'error').length,
      duration_ms,
    },
  };
}
