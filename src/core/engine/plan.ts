/**
 * The steps an execution will show from its start (`execution.started`'s `planned_steps`), so a
 * view lists every row before it runs: each phase's steps, the steps nested in them (condition
 * branches, parallel branches, loop bodies, once each as written) and the steps of the flows that
 * `run_flow` steps call, read from their own files. Ids and parents are the ones the step events
 * will carry (`call/login` under `call`); a loop body's rows stand for its iterations (`check`
 * for `check[0]`, `check[1]`, …) until those start.
 */
import type { PlannedStep } from '../events';
import { allSteps, type FlowDef, type StepDef } from '../flow/types';

/** Loads the flow a `run_flow` reference names, confined as the run itself confines it. */
export type PlanFlowLoader = (reference: string, fromFile: string) => Promise<FlowDef>;

/** Sub-flows read for the plan, by calling file and reference (see subflowKey). */
export type PlannedSubflows = ReadonlyMap<string, FlowDef>;

const DEFAULT_MAX_DEPTH = 16;
/** Rows planned at most: a view lists this many before the run starts, the rest as they come. */
const MAX_PLANNED_STEPS = 10_000;

/** A reference with a placeholder is only known when the step runs. */
const TEMPLATED = /\{\{|\$\{/;

const subflowKey = (fromFile: string, reference: string) => `${fromFile}\0${reference}`;

function plainReference(step: StepDef): string | undefined {
  const reference = step.config.flow;
  return step.action === 'run_flow' && typeof reference === 'string' && !TEMPLATED.test(reference)
    ? reference
    : undefined;
}

/** Whether planning needs files read first (a `run_flow` step with a plain reference somewhere). */
export function plansSubflows(flow: FlowDef): boolean {
  return allSteps(flow).some((s) => plainReference(s) !== undefined);
}

/**
 * Reads the flows `run_flow` steps call (and the flows those call), for plannedSteps. A flow that
 * cannot be read is left out: the run says why when it gets to the step.
 */
export async function loadPlannedSubflows(
  flow: FlowDef,
  loadFlow: PlanFlowLoader,
  maxDepth = DEFAULT_MAX_DEPTH,
): Promise<PlannedSubflows> {
  const loaded = new Map<string, FlowDef>();
  const tried = new Set<string>();
  const visit = async (from: FlowDef, stack: string[]): Promise<void> => {
    if (stack.length > maxDepth) return;
    for (const step of allSteps(from)) {
      const reference = plainReference(step);
      const key = reference === undefined ? undefined : subflowKey(from.file, reference);
      if (key === undefined || tried.has(key)) continue;
      tried.add(key);
      const sub = await loadFlow(reference!, from.file).catch(() => undefined);
      // A cycle fails the run when it gets there; the plan just stops.
      if (!sub || stack.includes(sub.file)) continue;
      loaded.set(key, sub);
      await visit(sub, [...stack, sub.file]);
    }
  };
  await visit(flow, [flow.file]);
  return loaded;
}

/** The steps to list from the start, parents before their children, in the order they are written. */
export function plannedSteps(
  flow: FlowDef,
  options: { onlyStepId?: string; subflows?: PlannedSubflows } = {},
): PlannedStep[] {
  const out: PlannedStep[] = [];
  const plan = (step: StepDef, from: FlowDef, prefix: string, parentId: string | undefined, stack: string[]) => {
    if (out.length >= MAX_PLANNED_STEPS) return;
    const stepId = prefix + step.id;
    out.push({
      step_id: stepId,
      step_name: step.name,
      action: step.action,
      phase: step.phase,
      ...(parentId !== undefined ? { parent_id: parentId } : {}),
    });
    for (const block of step.blocks) for (const child of block.steps) plan(child, from, prefix, stepId, stack);
    const reference = plainReference(step);
    const sub = reference === undefined ? undefined : options.subflows?.get(subflowKey(from.file, reference));
    if (!sub || stack.includes(sub.file)) return;
    for (const child of [...sub.setup, ...sub.steps, ...sub.teardown])
      plan(child, sub, `${stepId}/`, stepId, [...stack, sub.file]);
  };

  if (options.onlyStepId !== undefined) {
    const step = allSteps(flow).find((s) => s.id === options.onlyStepId);
    if (step) plan(step, flow, '', step.parentId, [flow.file]);
    return out;
  }
  for (const step of [...flow.setup, ...flow.steps, ...flow.teardown]) plan(step, flow, '', undefined, [flow.file]);
  return out;
}
