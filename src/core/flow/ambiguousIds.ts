/**
 * Repeated step ids are allowed (TestMesh allows them; its generator puts the same cleanup step in
 * setup and teardown). A reference to such an id (`{{cleanup.rows_affected}}`, `cleanup.status`)
 * reads the latest of them to have run. That is only worth a warning where it is ambiguous: where
 * two or more steps with the id may already have run.
 */
import type { FlowDiagnostic, SourceRange } from '../errors';
import { namesRead, placeholderHead } from '../expr/names';
import { placeholdersIn } from '../template';
import { allSteps, referenceId, type FlowDef, type StepDef } from './types';

interface Reference {
  /** The step id referred to. */
  id: string;
  /** Where the reference is written: an assertion, the `when`, or the step (for its config). */
  range: SourceRange;
  /** How it is written, for the message. */
  text: string;
  /** In an assertion the step's own result is visible too (it has just run). */
  seesSelf: boolean;
}

/** Places listed in one warning; a flow that repeats an id more often says how many more. */
const MAX_PLACES = 5;

/**
 * Up to this many repeated ids, a text is searched for each of them before it is parsed: most
 * texts of a long flow name none (a cleanup step shared by setup and teardown is the usual
 * repeat), and parsing every assertion of 10,000 steps cost more than loading them.
 */
const MAX_SEARCHED_IDS = 16;

/** Warnings for references to a repeated step id made where more than one step with that id has run. */
export function ambiguousReferences(flow: FlowDef): Omit<FlowDiagnostic, 'file'>[] {
  const ordered = allSteps(flow);
  // Steps by the id they are referred to by, in run order: a step alone for an id used once (most
  // of them), a list from the second use on.
  const uses = new Map<string, StepDef | StepDef[]>();
  for (const step of ordered) {
    const id = referenceId(step);
    const known = uses.get(id);
    if (known === undefined) uses.set(id, step);
    else if (Array.isArray(known)) known.push(step);
    else uses.set(id, [known, step]);
  }
  const repeated = new Set<string>();
  for (const [id, steps] of uses) if (Array.isArray(steps)) repeated.add(id);
  if (repeated.size === 0) return [];
  const indexOf = new Map<StepDef, number>();
  ordered.forEach((step, index) => {
    if (repeated.has(referenceId(step))) indexOf.set(step, index);
  });
  const searched = repeated.size <= MAX_SEARCHED_IDS ? [...repeated] : undefined;

  const out: Omit<FlowDiagnostic, 'file'>[] = [];
  ordered.forEach((step, index) => {
    let reported: Set<string> | undefined;
    for (const ref of referencesOf(step, repeated, searched)) {
      const key = `${ref.id}\n${ref.text}`;
      if (reported?.has(key)) continue;
      const steps = uses.get(ref.id) as StepDef[];
      // The steps with the id that have run by then: a prefix of the list, found by bisection.
      const last = ref.seesSelf ? index : index - 1;
      let count = 0;
      for (let high = steps.length; count < high;) {
        const mid = (count + high) >> 1;
        if ((indexOf.get(steps[mid]) as number) <= last) count = mid + 1;
        else high = mid;
      }
      if (count < 2) continue;
      (reported ??= new Set()).add(key);
      const shown = steps.slice(0, Math.min(count, MAX_PLACES)).map((s) => `${s.phase} at ${position(s)}`);
      if (count > MAX_PLACES) shown.push(`${count - MAX_PLACES} more`);
      out.push({
        range: ref.range,
        severity: 'warning',
        message:
          `step '${referenceId(step)}': ${ref.text} is ambiguous: ${count} steps with id '${ref.id}' have run by then ` +
          `(${shown.join(', ')}); it reads the last of them, as TestMesh does. Give the steps different ids to say which one you mean`,
      });
    }
  });
  return out;
}

/**
 * Whether `text` may name one of `ids`: names and placeholder heads are written out in it, so a
 * text without any of them as a part names none. A backslash may spell a name in an escape: then
 * it may.
 */
function mayName(text: string, ids: readonly string[] | undefined): boolean {
  if (!ids || text.includes('\\')) return true;
  for (const id of ids) if (text.includes(id)) return true;
  return false;
}

/** Whether a text anywhere in a config value may name one of `ids` (mayName). */
function configMayName(value: unknown, ids: readonly string[] | undefined): boolean {
  if (!ids) return true;
  if (typeof value === 'string') return mayName(value, ids);
  if (Array.isArray(value)) return value.some((item) => configMayName(item, ids));
  if (value !== null && typeof value === 'object') return Object.values(value).some((item) => configMayName(item, ids));
  return false;
}

function referencesOf(
  step: StepDef,
  repeated: ReadonlySet<string>,
  searched: readonly string[] | undefined,
): Reference[] {
  const refs: Reference[] = [];
  const stepRange = step.idRange ?? step.range;
  if (configMayName(step.config, searched)) {
    for (const text of placeholdersIn(step.config)) {
      const head = placeholderHead(text);
      if (head && repeated.has(head))
        refs.push({ id: head, range: stepRange, text: `'{{${text}}}' in its config`, seesSelf: false });
    }
  }
  if (step.when !== undefined && mayName(step.when, searched)) {
    for (const name of namesRead(step.when)) {
      if (repeated.has(name))
        refs.push({ id: name, range: stepRange, text: `its 'when' (${step.when})`, seesSelf: false });
    }
  }
  for (const assertion of step.assert) {
    if (!mayName(assertion.expression, searched)) continue;
    for (const name of namesRead(assertion.expression)) {
      if (repeated.has(name))
        refs.push({
          id: name,
          range: assertion.range,
          text: `the assertion '${assertion.expression}'`,
          seesSelf: true,
        });
    }
  }
  return refs;
}

function position(step: StepDef): string {
  const at = (step.idRange ?? step.range).start;
  return `${at.line}:${at.column}`;
}
