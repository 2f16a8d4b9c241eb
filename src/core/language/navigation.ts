/**
 * Go to definition, find references and rename for step ids, outputs, flow `env` names and
 * `for_each` item names, within one flow file (callers that read a flow's outputs through
 * `run_flow`: see callerRenameEdits). Steps that repeat an id are one symbol: a reference cannot
 * tell them apart, so they are renamed together.
 */
import { isBuiltin } from '../builtins';
import {
  contains,
  referenceAt,
  type EnvEntry,
  type FlowModel,
  type NameReference,
  type OutputInfo,
  type Span,
  type StepInfo,
} from './model';
import { scopeOf, type Resolution } from './resolve';

export type Target =
  | { kind: 'step'; id: string; step: StepInfo }
  | { kind: 'output'; stepId: string; name: string; output: OutputInfo }
  | { kind: 'env'; name: string; entry: EnvEntry }
  | { kind: 'item'; name: string; step: StepInfo }
  | { kind: 'external'; name: string }
  | { kind: 'runFlow'; step: StepInfo }
  | { kind: 'runFlowInput'; step: StepInfo; name: string };

export interface TargetAt {
  target: Target;
  /** The word under the cursor (what a rename replaces there). */
  span: Span;
  reference?: NameReference;
}

export interface TextEdit {
  span: Span;
  newText: string;
}

/** A name that can be a step id or an output, env or item name (one word, usable in expressions). */
const STEP_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What the symbol at `offset` is, if any. */
export function targetAt(model: FlowModel, offset: number): TargetAt | undefined {
  const ref = referenceAt(model, offset);
  if (ref) {
    const segment = ref.spans.findIndex((s) => contains(s, offset));
    if (segment < 0) return undefined;
    const target = referenceTarget(ref, scopeOf(model).resolve(ref), segment);
    return target && { target, span: ref.spans[segment], reference: ref };
  }
  for (const step of model.steps) {
    if (step.span.start > offset) break;
    if (contains(step.idSpan, offset)) return { target: { kind: 'step', id: step.id, step }, span: step.idSpan! };
    for (const output of step.outputs)
      if (contains(output.key, offset))
        return { target: { kind: 'output', stepId: step.id, name: output.name, output }, span: output.key };
    if (step.itemName?.span && contains(step.itemName.span, offset))
      return { target: { kind: 'item', name: step.itemName.name, step }, span: step.itemName.span };
    if (step.runFlow && contains(step.runFlow.span, offset) && step.runFlow.target)
      return { target: { kind: 'runFlow', step }, span: step.runFlow.span };
    for (const input of step.runFlow?.inputs ?? [])
      if (contains(input.span, offset))
        return { target: { kind: 'runFlowInput', step, name: input.name }, span: input.span };
  }
  for (const entry of model.env)
    if (contains(entry.key, offset)) return { target: { kind: 'env', name: entry.name, entry }, span: entry.key };
  return undefined;
}

function referenceTarget(ref: NameReference, resolution: Resolution, segment: number): Target | undefined {
  switch (resolution.kind) {
    case 'output': {
      const { output } = resolution;
      if (resolution.qualified && segment === 0) return { kind: 'step', id: output.step.id, step: output.step };
      if (resolution.qualified ? segment === 1 : segment === 0)
        return { kind: 'output', stepId: output.step.id, name: output.name, output };
      return undefined;
    }
    case 'step':
      return segment === 0 ? { kind: 'step', id: resolution.step.id, step: resolution.step } : undefined;
    case 'env':
      return segment === 0 ? { kind: 'env', name: resolution.entry.name, entry: resolution.entry } : undefined;
    case 'item':
      return segment === 0 ? { kind: 'item', name: resolution.name, step: resolution.step } : undefined;
    case 'external':
      return segment === 0 ? { kind: 'external', name: ref.segments[0] } : undefined;
    default:
      return undefined;
  }
}

/** Where a target is defined in this file (a step id: every step that has it). */
export function definitionSpans(model: FlowModel, target: Target): Span[] {
  switch (target.kind) {
    case 'step':
      return target.step.idSpan ? [target.step.idSpan] : [target.step.span];
    case 'output':
      return [target.output.key];
    case 'env':
      return [target.entry.key];
    case 'item':
      return [target.step.itemName?.span ?? target.step.actionSpan ?? target.step.span];
    default:
      return [];
  }
}

/** Every place the target is written: declarations (when asked) and references, in source order. */
export function referenceSpans(model: FlowModel, target: Target, includeDeclarations: boolean): Span[] {
  const scope = scopeOf(model);
  const out: Span[] = [];
  if (includeDeclarations) out.push(...declarationSpans(model, target));
  for (const ref of model.references) {
    const resolution = scope.resolve(ref);
    const span = matchingSegment(ref, resolution, target);
    if (span) out.push(span);
  }
  return out.sort((a, b) => a.start - b.start);
}

function declarationSpans(model: FlowModel, target: Target): Span[] {
  switch (target.kind) {
    case 'step':
      return model.steps.filter((s) => s.id === target.id && s.idSpan).map((s) => s.idSpan!);
    case 'output':
      return model.steps
        .filter((s) => s.id === target.stepId)
        .flatMap((s) => s.outputs.filter((o) => o.name === target.name).map((o) => o.key));
    case 'env':
      return [target.entry.key];
    case 'item':
      return target.step.itemName?.span ? [target.step.itemName.span] : [];
    default:
      return [];
  }
}

function matchingSegment(ref: NameReference, resolution: Resolution, target: Target): Span | undefined {
  switch (target.kind) {
    case 'step':
      if (resolution.kind === 'step' && resolution.step.id === target.id) return ref.spans[0];
      if (resolution.kind === 'output' && resolution.qualified && resolution.output.step.id === target.id)
        return ref.spans[0];
      return undefined;
    case 'output':
      if (
        resolution.kind !== 'output' ||
        resolution.output.name !== target.name ||
        resolution.output.step.id !== target.stepId
      )
        return undefined;
      return resolution.qualified ? ref.spans[1] : ref.spans[0];
    case 'env':
      return resolution.kind === 'env' && resolution.entry.name === target.name ? ref.spans[0] : undefined;
    case 'item':
      return resolution.kind === 'item' && resolution.step === target.step ? ref.spans[0] : undefined;
    case 'external':
      return resolution.kind === 'external' && resolution.name === target.name ? ref.spans[0] : undefined;
    default:
      return undefined;
  }
}

export class RenameError extends Error {}

/** Whether a rename can start here; throws RenameError saying why not. Returns the span to edit. */
export function prepareRename(model: FlowModel, offset: number): TargetAt {
  const at = targetAt(model, offset);
  if (!at)
    throw new RenameError(
      'nothing to rename here: rename works on step ids, outputs, flow env names and for_each item names',
    );
  const { target } = at;
  if (target.kind === 'external')
    throw new RenameError(`'${target.name}' comes from the environment, not from this flow: rename it there`);
  if (target.kind === 'runFlow' || target.kind === 'runFlowInput')
    throw new RenameError('rename the inputs and the flow file where they are defined');
  if (target.kind === 'step' && !model.steps.some((s) => s.id === target.id && s.idSpan))
    throw new RenameError(`step '${target.id}' has no 'id:' (its id is the default): give it one first`);
  if (target.kind === 'item' && !target.step.itemName?.span)
    throw new RenameError(
      `the loop item is called 'item' by default: set 'item_name' in the for_each config to rename it`,
    );
  return at;
}

/** The edits of renaming the symbol at `offset` to `newName` in this file; throws RenameError on invalid names and collisions. */
export function renameEdits(model: FlowModel, offset: number, newName: string): { target: Target; edits: TextEdit[] } {
  const { target } = prepareRename(model, offset);
  const name = newName.trim();
  const oldName = target.kind === 'step' ? target.id : 'name' in target ? target.name : '';
  if (name === oldName) return { target, edits: [] };
  const pattern = target.kind === 'step' ? STEP_ID : VARIABLE;
  if (!pattern.test(name)) {
    throw new RenameError(
      `'${name}' is not a valid ${target.kind === 'step' ? 'step id' : 'name'}: use letters, digits and '_'${target.kind === 'step' ? " (and '-')" : ''}, starting with a letter or '_'`,
    );
  }
  const collision = collisionOf(model, target, name);
  if (collision) throw new RenameError(collision);
  const edits = referenceSpans(model, target, true).map((span) => ({ span, newText: name }));
  return { target, edits: dedupe(edits) };
}

/** Why `name` cannot be used for the target, or undefined when it can. */
function collisionOf(model: FlowModel, target: Target, name: string): string | undefined {
  if (target.kind === 'step') {
    return model.steps.some((s) => s.id === name)
      ? `a step with id '${name}' already exists: step ids must stay unique`
      : undefined;
  }
  if (isBuiltin(name)) return `'${name}' is a built-in variable`;
  if (target.kind === 'output') {
    const steps = model.steps.filter((s) => s.id === target.stepId);
    if (steps.some((s) => s.outputs.some((o) => o.name === name)))
      return `step '${target.stepId}' already has an output '${name}'`;
  }
  const clash = model.env.some((e) => e.name === name)
    ? 'a flow env variable'
    : model.steps.some((s) => s.outputs.some((o) => o.name === name))
      ? 'an output of another step'
      : model.steps.some((s) => s.id === name)
        ? 'a step id'
        : model.steps.some((s) => s.itemName?.name === name)
          ? 'a for_each item name'
          : undefined;
  return clash ? `'${name}' is already ${clash} in this flow: references would change meaning` : undefined;
}

function dedupe(edits: TextEdit[]): TextEdit[] {
  const seen = new Set<number>();
  return edits.filter((e) => (seen.has(e.span.start) ? false : (seen.add(e.span.start), true)));
}

/**
 * Edits in a flow that calls another with `run_flow` and reads its outputs (`{{call.token}}`,
 * `{{call.outputs.token}}`): `isCall` says which steps call the flow whose output is renamed.
 */
export function callerRenameEdits(
  caller: FlowModel,
  isCall: (step: StepInfo) => boolean,
  oldName: string,
  newName: string,
): TextEdit[] {
  const scope = scopeOf(caller);
  const edits: TextEdit[] = [];
  for (const ref of caller.references) {
    if (ref.segments.length < 2) continue;
    const resolution = scope.resolve(ref);
    const step = resolution.kind === 'step' ? resolution.step : undefined;
    if (!step || step.action !== 'run_flow' || !isCall(step)) continue;
    const index = ref.segments[1] === 'outputs' ? 2 : 1;
    if (ref.segments[index] === oldName) edits.push({ span: ref.spans[index], newText: newName });
  }
  return edits;
}

/** The first reference to `name` as an outside variable in a flow (where a `run_flow` input is used). */
export function firstExternalUse(model: FlowModel, name: string): Span | undefined {
  const entry = model.env.find((e) => e.name === name);
  if (entry) return entry.key;
  const scope = scopeOf(model);
  return model.references.find((ref) => ref.segments[0] === name && scope.resolve(ref).kind === 'external')?.spans[0];
}
