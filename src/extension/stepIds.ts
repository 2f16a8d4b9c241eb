/** Moved to core (the CLI's reporters map event step ids to definitions too). */
export { definitionStepId, isSubflowStep } from '../core/stepIds';
