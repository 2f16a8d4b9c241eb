/**
 * `run_flow` steps name their sub-flow by a path relative to the calling file (or by flow name).
 * When flow files move, the relative paths that lead to them, and those written in them, must be
 * rewritten or the callers break. This module finds each `config.flow` value of a run_flow step
 * with its place in the text, and works out what it must say once given files have moved.
 *
 * Ids here are workspace-relative POSIX paths, as the local API names flows.
 */
import { posix } from 'node:path';
import { isMap, isScalar, parseDocument, visit, type YAMLMap } from 'yaml';
import { TestMeshError } from './errors';
import { scalarReplacement } from './flowTextEdits';

export interface RunFlowReference {
  /** The `flow:` value as written. */
  value: string;
  /** The value node's offsets in the text: [start, value end, node end]. */
  range: [number, number, number];
}

/** Every `flow:` of a run_flow step in the text, nested steps included; none when it does not parse. */
export function runFlowReferences(text: string): RunFlowReference[] {
  if (!text.includes('run_flow')) return [];
  const document = parseDocument(text, { keepSourceTokens: false });
  if (document.errors.length) return [];
  const found: RunFlowReference[] = [];
  visit(document, {
    Map(_key, map: YAMLMap) {
      const action = map.get('action', true);
      if (!isScalar(action) || action.value !== 'run_flow') return;
      const config = map.get('config', true);
      if (!isMap(config)) return;
      const flow = config.get('flow', true);
      if (isScalar(flow) && typeof flow.value === 'string' && flow.range)
        found.push({ value: flow.value, range: flow.range as [number, number, number] });
    },
  });
  return found;
}

/**
 * The workspace id a reference written in `fromId` leads to, when it is a plain relative path:
 * undefined for templates (`{{...}}`, `${...}`), absolute paths, backslashes and paths that leave
 * the workspace, which no move can be rewritten for.
 */
export function referencedId(fromId: string, reference: string): string | undefined {
  if (!reference || /\{\{|\$\{|\\/.test(reference) || posix.isAbsolute(reference)) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(fromId), reference));
  if (target === '..' || target.startsWith('../')) return undefined;
  return target;
}

/** The relative path from the folder of `fromId` to `toId`, in the style `written` used (`./` or not). */
function relativeReference(fromId: string, toId: string, written: string): string {
  const path = posix.relative(posix.dirname(fromId), toId);
  return written.startsWith('./') && !path.startsWith('../') ? `./${path}` : path;
}

/** One reference to rewrite: [start, end) of the text becomes `newText`. */
export interface ReferenceEdit {
  start: number;
  end: number;
  newText: string;
  /** The reference as written, and as it will read. */
  from: string;
  to: string;
  /** The moved id it leads to, when the target is what moved (undefined: the calling file moved). */
  movedTarget?: string;
}

/**
 * The edits that keep the run_flow references of the flow `fromId` right after `moves` (old id ->
 * new id; `fromId` itself may be among them). A reference is a path only when it led to an
 * existing file before the moves, as the runner resolves it: `exists` answers that for ids that
 * do not move.
 */
export async function referenceEditsForMoves(
  text: string,
  fromId: string,
  moves: ReadonlyMap<string, string>,
  exists: (id: string) => Promise<boolean>,
): Promise<ReferenceEdit[]> {
  const newSelf = moves.get(fromId) ?? fromId;
  const edits: ReferenceEdit[] = [];
  for (const reference of runFlowReferences(text)) {
    const target = referencedId(fromId, reference.value);
    if (target === undefined) continue;
    const movedTo = moves.get(target);
    if (movedTo === undefined && (newSelf === fromId || !(await exists(target)))) continue;
    const value = relativeReference(newSelf, movedTo ?? target, reference.value);
    if (value === reference.value) continue;
    const { start, end, newText } = scalarReplacement(text, reference.range, value);
    edits.push({ start, end, newText, from: reference.value, to: value, movedTarget: movedTo && target });
  }
  return edits;
}

export interface ReferenceRewrite {
  /** The file's text with its references rewritten (the same text when none needed it). */
  text: string;
  /** The moved ids the rewritten references lead to: they must have moved for the text to be right. */
  movedTargets: string[];
}

/** The text of the flow `fromId` with referenceEditsForMoves applied, checked by reading it back. */
export async function rewriteForMoves(
  text: string,
  fromId: string,
  moves: ReadonlyMap<string, string>,
  exists: (id: string) => Promise<boolean>,
): Promise<ReferenceRewrite> {
  const edits = await referenceEditsForMoves(text, fromId, moves, exists);
  const movedTargets = [...new Set(edits.flatMap((e) => (e.movedTarget === undefined ? [] : [e.movedTarget])))];
  if (edits.length === 0) return { text, movedTargets };
  let next = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start))
    next = next.slice(0, edit.start) + edit.newText + next.slice(edit.end);
  const check = runFlowReferences(next).map((r) => r.value);
  const expected = runFlowReferences(text).map((r) => edits.find((e) => e.start === r.range[0])?.to ?? r.value);
  if (check.length !== expected.length || check.some((v, i) => v !== expected[i]))
    throw new TestMeshError(`the run_flow references of ${fromId} could not be rewritten in place; edit them by hand`);
  return { text: next, movedTargets };
}
