import type { SourceRange } from '../errors';

export type Phase = 'setup' | 'steps' | 'teardown';
export const PHASES: readonly Phase[] = ['setup', 'steps', 'teardown'];

export interface AssertionDef {
  /** The expression text as written. */
  expression: string;
  /** Optional message shown instead of the generic one when the assertion fails. */
  message?: string;
  range: SourceRange;
}

export interface RetryDef {
  maxAttempts: number;
  delayMs: number;
  backoff: 'fixed' | 'exponential';
}

/** A list of nested steps inside a step (condition then/else, for_each steps, parallel branches). */
export interface StepBlock {
  /** `then`, `else`, `steps`, or `branches[0]`, `branches[1]`, ... */
  key: string;
  steps: StepDef[];
  range: SourceRange;
}

export interface StepDef {
  /**
   * Unique within the flow: what events, history and editor items name the step by. Top-level
   * default `<phase>_<index>`; nested `<parent>.<block>_<index>`. A step that repeats an earlier
   * step's id (TestMesh allows that) gets `<id>@<n>` for its n-th use, and `writtenId` keeps the id.
   */
  id: string;
  /** The id as written, when it repeats an earlier step's: references (`{{id.x}}`) name it, the later step winning. */
  writtenId?: string;
  /** Range of the `id:` value, when the step has one. */
  idRange?: SourceRange;
  name: string;
  action: string;
  /** The action's settings as written, with nested step lists removed (they are in `blocks`). */
  config: Record<string, unknown>;
  assert: AssertionDef[];
  /** variable name -> output path (`$.body.id`). */
  output: Record<string, string>;
  retry?: RetryDef;
  timeoutMs?: number;
  when?: string;
  onError: 'fail' | 'continue';
  phase: Phase;
  /** Id of the enclosing step for nested steps. */
  parentId?: string;
  blocks: StepBlock[];
  /** Range of the whole step mapping. */
  range: SourceRange;
  /** Range of the `action:` value, for precise messages. */
  actionRange?: SourceRange;
  /**
   * What is wrong with the step as written (its error diagnostics, joined): the flow loads, and
   * the step fails with this when it runs, as it would in TestMesh.
   */
  problem?: string;
}

export interface FlowDef {
  /** Absolute path of the file the flow came from. */
  file: string;
  name: string;
  description?: string;
  suite?: string;
  tags: string[];
  env: Record<string, unknown>;
  /** Path of a .env file, resolved against the flow file's folder. */
  envFile?: string;
  setup: StepDef[];
  steps: StepDef[];
  teardown: StepDef[];
  /** Range of the flow mapping (the `flow:` key's value, or the root). */
  range: SourceRange;
  /** Range of the `name:` value. */
  nameRange?: SourceRange;
}

/** The id other steps refer to this step by (`{{id.x}}`): repeated ids share it, and the latest result wins. */
export function referenceId(step: StepDef): string {
  return step.writtenId ?? step.id;
}

/** Every step of a flow, nested ones included, in source order. */
export function allSteps(flow: FlowDef): StepDef[] {
  const out: StepDef[] = [];
  const walk = (steps: StepDef[]) => {
    for (const step of steps) {
      out.push(step);
      for (const block of step.blocks) walk(block.steps);
    }
  };
  walk(flow.setup);
  walk(flow.steps);
  walk(flow.teardown);
  return out;
}
