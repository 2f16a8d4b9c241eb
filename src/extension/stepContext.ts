/**
 * What a single-step run starts from. Pure functions; runStep.ts feeds them from history.
 *
 * With an earlier execution of the flow, the step runs alone (setup and teardown skipped) with the
 * values that execution had when it reached the step: its run variables, every output the steps
 * before it captured (as `name`), and each of those steps' whole result (as `stepid`, so
 * `{{stepid.body.id}}` resolves too). Without one, the flow runs up to and including the step.
 */
import { allSteps, referenceId, type FlowDef, type StepDef } from '../core/flow/types';
import type { StepAttemptDetail } from '../core/history/types';
import { SECRET_MASK } from '../core/secrets';

/** What history holds of one step of an earlier execution. */
export interface CapturedStep {
  /** The action's result as assertions saw it (reconstructed for HTTP steps). */
  result?: unknown;
  outputs?: Record<string, unknown>;
}

/** History masks secret-looking run variables with this; such values must come from the current environment instead. */
export const MASKED = SECRET_MASK;

/** Steps that run before `stepId` in a full run, in order (setup, then steps; nested steps after their parent). */
export function stepsBefore(flow: FlowDef, stepId: string): StepDef[] {
  const ordered = allSteps(flow);
  const index = ordered.findIndex((s) => s.id === stepId);
  if (index < 0) return [];
  const target = ordered[index];
  if (target.phase === 'teardown') return ordered.slice(0, index);
  return ordered.slice(0, index).filter((s) => s.phase !== 'teardown');
}

/**
 * Variables for running `stepId` alone: `base` (the earlier execution's run variables, masked
 * values dropped), then for each earlier step its outputs, and its whole record under its id when
 * the step refers to it (`{{create.body.id}}`); unreferenced records would only bloat the run's
 * variables (and its history entry) with response bodies nobody reads.
 */
export function stepAloneVariables(
  flow: FlowDef,
  stepId: string,
  base: Record<string, unknown>,
  captured: ReadonlyMap<string, CapturedStep>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(base)) if (value !== MASKED) out[name] = value;
  const target = allSteps(flow).find((s) => s.id === stepId);
  const text = target ? stepText(target) : '';
  for (const step of stepsBefore(flow, stepId)) {
    const record = captured.get(step.id);
    if (!record) continue;
    const outputs = record.outputs ?? {};
    for (const [name, value] of Object.entries(outputs)) out[name] = value;
    // Referred to by the id as written; with repeated ids the latest step wins, as in a full run.
    const ref = referenceId(step);
    if (mentions(text, ref) && (record.result !== undefined || Object.keys(outputs).length))
      out[ref] = stepValue(record.result, outputs);
  }
  return out;
}

/** Everything a step (with its nested steps) may refer to other steps by: config, assertions, `when`. */
function stepText(step: StepDef): string {
  const parts = [JSON.stringify(step.config), step.when ?? '', ...step.assert.map((a) => a.expression)];
  for (const block of step.blocks) for (const nested of block.steps) parts.push(stepText(nested));
  return parts.join('\n');
}

function mentions(text: string, id: string): boolean {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_.-])${escaped}($|[^A-Za-z0-9_-])`).test(text);
}

/** A step id as a value, the way the engine shows it to later steps: its result with its outputs on top. */
function stepValue(result: unknown, outputs: Record<string, unknown>): unknown {
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) return { ...result, ...outputs };
  return Object.keys(outputs).length ? { value: result, ...outputs } : result;
}

/** The step result an HTTP step's assertions saw, rebuilt from its recorded response; other actions' results as recorded. */
export function resultFromDetail(detail: StepAttemptDetail): unknown {
  const response = detail.response;
  if (!response) return detail.result;
  const contentType = response.headers['content-type'];
  return {
    status: response.status,
    headers: response.headers,
    body: response.body,
    duration_ms: response.duration_ms,
    size_bytes: response.size_bytes,
    ...(contentType !== undefined ? { content_type: contentType } : {}),
  };
}

/**
 * The flow cut after `stepId`, for a step run with no earlier execution: setup and the steps
 * before it run first, then the step (with its nested steps, and the other nested steps of its
 * top-level step), then the whole teardown (teardown always runs). A teardown step runs the
 * whole flow.
 */
export function flowUpTo(flow: FlowDef, stepId: string): FlowDef | undefined {
  const target = allSteps(flow).find((s) => s.id === stepId);
  if (!target) return undefined;
  const topLevel = (list: StepDef[]) => list.findIndex((s) => s === target || containsStep(s, target));
  if (target.phase === 'teardown') return flow;
  if (target.phase === 'setup') return { ...flow, setup: flow.setup.slice(0, topLevel(flow.setup) + 1), steps: [] };
  return { ...flow, steps: flow.steps.slice(0, topLevel(flow.steps) + 1) };
}

function containsStep(parent: StepDef, target: StepDef): boolean {
  return parent.blocks.some((b) => b.steps.some((s) => s === target || containsStep(s, target)));
}
