/** The action registry: a new action is one file that calls `registerAction`. */
import type { ActionDefinition } from './types';

const actions = new Map<string, ActionDefinition>();

export function registerAction(definition: ActionDefinition): void {
  actions.set(definition.name, definition);
}

export function getAction(name: string): ActionDefinition | undefined {
  return actions.get(name);
}

export function registeredActions(): string[] {
  return [...actions.keys()].sort();
}
