/**
 * Event step ids name step instances: `items.steps_0[2]` (third for_each iteration),
 * `call/login` (step `login` of the flow that step `call` ran). The editor shows definitions, so
 * an instance maps to the definition it came from, and a sub-flow's steps to the calling step.
 */

/** The id of the step definition in the flow's own file that an event's `step_id` belongs to. */
export function definitionStepId(eventStepId: string): string {
  const slash = eventStepId.indexOf('/');
  const own = slash < 0 ? eventStepId : eventStepId.slice(0, slash);
  return own.replace(/\[\d+\]/g, '');
}

/** Whether the event is about a step of a sub-flow (reported under its calling step). */
export function isSubflowStep(eventStepId: string): boolean {
  return eventStepId.includes('/');
}
