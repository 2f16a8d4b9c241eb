/**
 * Which variable a name means at a place of a flow, by the engine's rules (core/engine/scope.ts): step
 * outputs of earlier steps (later wins, a repeated step id too) over flow `env` over the outside
 * environment; `for_each` item names inside their loop; built-ins last. Setup runs before steps,
 * teardown after both; a step never sees what its enclosing steps capture (they finish after it).
 */
import { BUILTIN_NAMES, isBuiltin } from '../builtins';
import type { Phase } from '../flow/types';
import type { EnvEntry, FlowModel, NameReference, OutputInfo, StepInfo } from './model';

/** What a name stands for. `external`: the selected environment, `.env` files, run variables. */
export type Resolution =
  | { kind: 'output'; output: OutputInfo; qualified: boolean }
  | { kind: 'step'; step: StepInfo }
  | { kind: 'item'; step: StepInfo; name: string }
  | { kind: 'index'; step: StepInfo }
  | { kind: 'env'; entry: EnvEntry }
  | { kind: 'result'; key: string }
  | { kind: 'builtin'; name: string }
  | { kind: 'external'; name: string };

/** Top-level keys of a step result that `assert` and `when` expressions see. */
export const RESULT_KEYS: readonly string[] = [
  'status',
  'body',
  'headers',
  'duration_ms',
  'content_type',
  'size_bytes',
  'response',
];

/** Functions of the expression language, with a one-line description. */
export const EXPRESSION_FUNCTIONS: Readonly<Record<string, string>> = {
  len: 'len(x): length of a string, list or mapping',
  contains: 'a contains b: text or list contains',
  startsWith: 'a startsWith b',
  endsWith: 'a endsWith b',
  matches: 'a matches "regex"',
  in: 'a in list',
};

const PHASE_RANK: Record<Phase, number> = { setup: 0, steps: 1, teardown: 2 };

function rank(step: StepInfo): number {
  return PHASE_RANK[step.phase] * 1e7 + step.index;
}

function isAncestor(ancestor: StepInfo, step: StepInfo): boolean {
  for (let p = step.parent; p; p = p.parent) if (p === ancestor) return true;
  return false;
}

/** Whether `earlier` has run (and captured its outputs) by the time `step` runs. */
function runsBefore(earlier: StepInfo, step: StepInfo): boolean {
  return rank(earlier) < rank(step) && !isAncestor(earlier, step);
}

/** Name indexes of a model, built once per model. */
export class FlowScope {
  readonly stepsById = new Map<string, StepInfo[]>();
  readonly outputsByName = new Map<string, OutputInfo[]>();
  readonly env = new Map<string, EnvEntry>();

  constructor(readonly model: FlowModel) {
    const ordered = [...model.steps].sort((a, b) => rank(a) - rank(b));
    for (const step of ordered) {
      push(this.stepsById, step.id, step);
      for (const output of step.outputs) push(this.outputsByName, output.name, output);
    }
    for (const entry of model.env) this.env.set(entry.name, entry);
  }

  /** The latest step with this id that has run before `at` (any, when `at` is outside steps). */
  stepBefore(id: string, at: StepInfo | undefined): StepInfo | undefined {
    const list = this.stepsById.get(id);
    if (!list || !at) return undefined;
    for (let i = list.length - 1; i >= 0; i--) if (runsBefore(list[i], at)) return list[i];
    return undefined;
  }

  /** The latest output with this name captured before `at` (its own outputs too, for its assertions). */
  outputBefore(name: string, at: StepInfo | undefined, ownToo = false): OutputInfo | undefined {
    const list = this.outputsByName.get(name);
    if (!list || !at) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const step = list[i].step;
      if (runsBefore(step, at) || (ownToo && step === at)) return list[i];
    }
    return undefined;
  }

  /** The enclosing `for_each` that names `name` as its item. */
  loopItem(name: string, at: StepInfo | undefined): StepInfo | undefined {
    for (let p = at?.parent; p; p = p.parent) if (p.itemName?.name === name) return p;
    return undefined;
  }

  loop(at: StepInfo | undefined): StepInfo | undefined {
    for (let p = at?.parent; p; p = p.parent) if (p.itemName) return p;
    return undefined;
  }

  /** What a reference's head (and for `step.name`, its second segment) means where it stands. */
  resolve(ref: NameReference): Resolution {
    const [head, second] = ref.segments;
    const at = ref.step;
    const item = this.loopItem(head, at);
    if (item) return { kind: 'item', step: item, name: head };
    if (head === 'index' && this.loop(at)) return { kind: 'index', step: this.loop(at)! };
    const step = this.stepBefore(head, at);
    if (step && second !== undefined) {
      const output = step.outputs.find((o) => o.name === second);
      if (output) return { kind: 'output', output, qualified: true };
    }
    const output = this.outputBefore(head, at, ref.site === 'expression');
    if (output) return { kind: 'output', output, qualified: false };
    if (step) return { kind: 'step', step };
    const entry = this.env.get(head);
    if (entry) return { kind: 'env', entry };
    if (ref.site === 'expression' && RESULT_KEYS.includes(head)) return { kind: 'result', key: head };
    if (isBuiltin(head)) return { kind: 'builtin', name: head };
    return { kind: 'external', name: head };
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const scopes = new WeakMap<FlowModel, FlowScope>();

export function scopeOf(model: FlowModel): FlowScope {
  let scope = scopes.get(model);
  if (!scope) {
    scope = new FlowScope(model);
    scopes.set(model, scope);
  }
  return scope;
}

/** One variable that can be used at a place, for completion. */
export interface VisibleVariable {
  /** What to type: `user_id`, `create.user_id`, `create`, `item`. */
  name: string;
  kind: 'output' | 'step' | 'item' | 'index' | 'env' | 'builtin';
  /** The output, step, loop or env entry that defines it. */
  output?: OutputInfo;
  step?: StepInfo;
  entry?: EnvEntry;
}

/**
 * Variables in scope at a step (undefined: outside any step, e.g. in flow `env`), nearest
 * definitions first and each name once: loop items, outputs of earlier steps (as `name` and
 * `step_id.name`), earlier step ids, flow env, built-ins. The outside environment is the caller's.
 */
export function visibleVariables(model: FlowModel, at: StepInfo | undefined, ownOutputs = false): VisibleVariable[] {
  // Completion asks again on every keystroke in the same place: remembered per model and step.
  let memo = visibleMemo.get(model);
  if (!memo) visibleMemo.set(model, (memo = new Map()));
  const key = at ? `${at.index}:${ownOutputs}` : '-';
  let known = memo.get(key);
  if (!known) {
    if (memo.size > 32) memo.clear();
    known = computeVisible(model, at, ownOutputs);
    memo.set(key, known);
  }
  return known;
}

const visibleMemo = new WeakMap<FlowModel, Map<string, VisibleVariable[]>>();

/** `step_id.name` forms are listed for this many nearest earlier steps; farther ones come after `step_id.`. */
export const QUALIFIED_OUTPUT_STEPS = 100;

function computeVisible(model: FlowModel, at: StepInfo | undefined, ownOutputs: boolean): VisibleVariable[] {
  const scope = scopeOf(model);
  const out: VisibleVariable[] = [];
  const seen = new Set<string>();
  const add = (v: VisibleVariable) => {
    if (seen.has(v.name)) return;
    seen.add(v.name);
    out.push(v);
  };
  for (let p = at?.parent; p; p = p.parent) {
    if (!p.itemName) continue;
    add({ name: p.itemName.name, kind: 'item', step: p });
    add({ name: 'index', kind: 'index', step: p });
  }
  if (at) {
    const earlier = model.steps
      .filter((s) => runsBefore(s, at) || (ownOutputs && s === at))
      .sort((a, b) => rank(b) - rank(a));
    for (const step of earlier)
      for (const output of step.outputs) add({ name: output.name, kind: 'output', output, step });
    let qualified = 0;
    for (const step of earlier) {
      if (scope.stepBefore(step.id, at) !== step && step !== at) continue;
      if (qualified++ < QUALIFIED_OUTPUT_STEPS)
        for (const output of step.outputs) add({ name: `${step.id}.${output.name}`, kind: 'output', output, step });
      add({ name: step.id, kind: 'step', step });
    }
  }
  for (const entry of model.env) add({ name: entry.name, kind: 'env', entry });
  for (const name of BUILTIN_NAMES) add({ name, kind: 'builtin' });
  return out;
}
