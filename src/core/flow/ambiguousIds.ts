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

/** Warnings for references to a repeated step id made where more than one step with that id has run. */
export function ambiguousReferences(flow: FlowDef): Omit<FlowDiagnostic, 'file'>[] {
  const ordered = allSteps(flow);
  const uses = new Map<string, StepDef[]>();
  for (const step of ordered) {
    const id = referenceId(step);
    uses.set(id, [...(uses.get(id) ?? []), step]);
  }
  const repeated = new Set([...uses].filter(([, steps]) => steps.length > 1).map(([id]) => id));
  if (repeated.size === 0) return [];

  const out: Omit<FlowDiagnostic, 'file'>[] = [];
  ordered.forEach((step, index) => {
    const reported = new Set<string>();
    for (const ref of referencesOf(step, repeated)) {
      const key = `${ref.id}\n${ref.text}`;
      if (reported.has(key)) continue;
      const earlier = (uses.get(ref.id) ?? []).filter((s) => {
        const at = ordered.indexOf(s);
        return at < index || (ref.seesSelf && at === index);
      });
      if (earlier.length < 2) continue;
      reported.add(key);
      const places = earlier.map((s) => `${s.phase} at ${position(s)}`).join(', ');
      out.push({
        range: ref.range,
        severity: 'warning',
        message:
          `step '${referenceId(step)}': ${ref.text} is ambiguous: ${earlier.length} steps with id '${ref.id}' have run by then ` +
          `(${places}); it reads the last of them, as TestMesh does. Give the steps different ids to say which one you mean`,
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
