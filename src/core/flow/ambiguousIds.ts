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

/** Warnings for references to a repeated step id made where more than one step with that id has run. */
export function ambiguousReferences(flow: FlowDef): Omit<FlowDiagnostic, 'file'>[] {
  const ordered = allSteps(flow);
  // Steps by the id they are referred to by, in run order; most ids are used once.
  const uses = new Map<string, StepDef[]>();
  for (const step of ordered) {
    const id = referenceId(step);
    const list = uses.get(id);
    if (list) list.push(step);
    else uses.set(id, [step]);
  }
  const repeated = new Set<string>();
  for (const [id, steps] of uses) if (steps.length > 1) repeated.add(id);
  if (repeated.size === 0) return [];

  const indexOf = new Map<StepDef, number>();
  ordered.forEach((step, index) => indexOf.set(step, index));
  const out: Omit<FlowDiagnostic, 'file'>[] = [];
  ordered.forEach((step, index) => {
    const reported = new Set<string>();
    for (const ref of referencesOf(step, repeated)) {
      const key = `${ref.id}\n${ref.text}`;
      if (reported.has(key)) continue;
      const steps = uses.get(ref.id) ?? [];
      // The steps with the id that have run by then: a prefix of the list, found by bisection.
      const last = ref.seesSelf ? index : index - 1;
      let count = 0;
      for (let high = steps.length; count < high;) {
        const mid = (count + high) >> 1;
        if ((indexOf.get(steps[mid]) as number) <= last) count = mid + 1;
        else high = mid;
      }
      if (count < 2) continue;
      reported.add(key);
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

function referencesOf(step: StepDef, repeated: ReadonlySet<string>): Reference[] {
  const refs: Reference[] = [];
  const stepRange = step.idRange ?? step.range;
  for (const text of placeholdersIn(step.config)) {
    const head = placeholderHead(text);
    if (head && repeated.has(head))
      refs.push({ id: head, range: stepRange, text: `'{{${text}}}' in its config`, seesSelf: false });
  }
  if (step.when !== undefined) {
    for (const name of namesRead(step.when)) {
      if (repeated.has(name))
        refs.push({ id: name, range: stepRange, text: `its 'when' (${step.when})`, seesSelf: false });
    }
  }
  for (const assertion of step.assert) {
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
