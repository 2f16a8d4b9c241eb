/**
 * Which saved files should re-run a flow in continuous mode: its own file, its `env_file`, and
 * every flow it reaches through `run_flow` (by relative path or by name), with their env files,
 * transitively. Pure: the caller supplies the lookups.
 */
import { dirname, resolve } from 'node:path';
import { allSteps, type FlowDef } from './flow/types';

export interface FlowLookup {
  /** A flow by absolute file path. */
  byPath(file: string): FlowDef | undefined;
  /** A flow by its `name:`. */
  byName(name: string): FlowDef | undefined;
}

const PLACEHOLDER = /\$\{|\{\{/;

/** Absolute paths of every file whose change affects `flow`'s run. */
export function dependenciesOf(flow: FlowDef, lookup: FlowLookup): Set<string> {
  const files = new Set<string>();
  const visited = new Set<string>();
  const visit = (current: FlowDef) => {
    if (visited.has(current.file)) return;
    visited.add(current.file);
    files.add(current.file);
    if (current.envFile) files.add(current.envFile);
    for (const step of allSteps(current)) {
      if (step.action !== 'run_flow') continue;
      const reference = step.config.flow;
      // A reference computed at run time cannot be followed ahead of time.
      if (typeof reference !== 'string' || !reference || PLACEHOLDER.test(reference)) continue;
      const path = resolve(dirname(current.file), reference);
      const target = lookup.byPath(path) ?? lookup.byName(reference);
      if (target) visit(target);
      else files.add(path);
    }
  };
  visit(flow);
  return files;
}

/** The flows (of `flows`) that a save of `savedFile` should re-run. */
export function affectedFlows(savedFile: string, flows: readonly FlowDef[], lookup: FlowLookup): FlowDef[] {
  return flows.filter((flow) => dependenciesOf(flow, lookup).has(savedFile));
}
