/**
 * Quick fixes for findings in flow files: the validator's did-you-mean hints and duplicate ids,
 * and variables that nothing defines (found here: unknownVariables), with the names they were
 * probably meant to be.
 */
import { suggest } from '../flow/suggest';
import type { FlowModel, NameReference, Span } from './model';
import { scopeOf, visibleVariables } from './resolve';

/** `(did you mean 'x'?)` in a validator message: the replacement it proposes. */
export function didYouMean(message: string): string | undefined {
  return /\(did you mean '([^']+)'\?\)/.exec(message)?.[1];
}

/** `duplicate step id 'x'` in a validator message: the id. */
export function duplicateId(message: string): string | undefined {
  return /duplicate step id '([^']+)'/.exec(message)?.[1];
}

/** The first `<id>_<n>` (n from 2) no step uses. */
export function uniqueId(model: FlowModel, id: string): string {
  const taken = new Set(model.steps.map((s) => s.id));
  let n = 2;
  while (taken.has(`${id}_${n}`)) n++;
  return `${id}_${n}`;
}

export interface UnknownVariable {
  name: string;
  /** The name in the text (what a did-you-mean replaces). */
  span: Span;
  reference: NameReference;
  /** The closest known name, if one is close. */
  suggestion?: string;
}

export const UNKNOWN_VARIABLE_CODE = 'unknown-variable';

/**
 * Placeholders and expression names that no earlier step, flow env, loop, built-in or known
 * environment variable defines: at run time they fail as unresolved (unless passed as run variables).
 */
export function unknownVariables(model: FlowModel, environmentNames: ReadonlySet<string>): UnknownVariable[] {
  const scope = scopeOf(model);
  const out: UnknownVariable[] = [];
  for (const reference of model.references) {
    const resolution = scope.resolve(reference);
    if (resolution.kind !== 'external' || environmentNames.has(resolution.name)) continue;
    const candidates = [
      ...visibleVariables(model, reference.step, reference.site === 'expression').map((v) => v.name),
      ...environmentNames,
    ];
    const suggestion = didYouMean(suggest(resolution.name, candidates));
    out.push({ name: resolution.name, span: reference.spans[0], reference, ...(suggestion ? { suggestion } : {}) });
  }
  return out;
}

/** Where to add `name` to the flow's `env` (creating `env:` after the name when missing): an insertion. */
export function addToFlowEnv(
  model: FlowModel,
  text: string,
  name: string,
): { offset: number; text: string } | undefined {
  const lineStart = (offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
  const indentAt = (offset: number) => offset - lineStart(offset);
  if (model.envSpan) {
    const last = model.env[model.env.length - 1];
    const indent = last ? indentAt(last.key.start) : indentAt(model.envSpan.start) + 2;
    const after = last ? last.key.start : model.envSpan.start;
    const end = text.indexOf('\n', after);
    return end < 0
      ? { offset: text.length, text: `\n${' '.repeat(indent)}${name}: ""` }
      : { offset: end + 1, text: `${' '.repeat(indent)}${name}: ""\n` };
  }
  const anchor = model.nameSpan ?? model.span;
  if (!anchor) return undefined;
  const start = lineStart(anchor.start);
  let first = start;
  while (text[first] === ' ') first++;
  const indent = first - start;
  const end = text.indexOf('\n', anchor.start);
  const block = `${' '.repeat(indent)}env:\n${' '.repeat(indent + 2)}${name}: ""\n`;
  return end < 0 ? { offset: text.length, text: `\n${block}` } : { offset: end + 1, text: block };
}
