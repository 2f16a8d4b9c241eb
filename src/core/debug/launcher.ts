/**
 * How a debug session gets its flow and starts its run. The CLI adapter runs the engine
 * directly (directLauncher); inside VS Code the extension starts runs through its execution
 * manager, so the Test Explorer, decorations, panel, history and local API see them live.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createFlowResolver } from '../discovery';
import { looksSecret, readDotenv } from '../dotenv';
import { firstError, formatDiagnostic, TestMeshError } from '../errors';
import type { ExecutionEvent } from '../events';
import { runFlow } from '../engine/executor';
import type { StepHooks } from '../engine/hooks';
import { loadFlowFile } from '../flow/load';
import type { FlowDef } from '../flow/types';
import { readWorkspaceEnvironment } from '../workspaceEnvironments';
import type { LaunchArgs } from './launchArgs';

export interface DebugRunRequest {
  flow: FlowDef;
  args: LaunchArgs;
  /** Absent for runs without debugging. */
  hooks?: StepHooks;
  onEvent(event: ExecutionEvent): void;
}

export interface DebugRunOutcome {
  status: 'completed' | 'failed' | 'cancelled';
  error?: string;
}

export interface DebugRun {
  executionId: string;
  /** Names of the run's environment values (for labels in the Variables view). */
  environmentNames: string[];
  /** Cancels the step in flight; teardown still runs. */
  cancel(): void;
  done: Promise<DebugRunOutcome>;
}

export interface DebugLauncher {
  /** Loads the flow a launch names; throws a TestMeshError naming file, line and column when it is invalid. */
  loadFlow(args: LaunchArgs): Promise<FlowDef>;
  /** Loads any file for breakpoints: its flow, or why it has none. */
  loadForBreakpoints(file: string): Promise<{ flow?: FlowDef; problem?: string }>;
  start(request: DebugRunRequest): Promise<DebugRun>;
}

/** Loads a flow file with every error in `file:line:column: message` form. */
export async function loadFlowOrThrow(file: string): Promise<FlowDef> {
  const { flow, diagnostics } = await loadFlowFile(file);
  if (flow) return flow;
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) throw new TestMeshError(`${file}: not a flow file`);
  throw new TestMeshError(`the flow does not validate:\n${errors.slice(0, 10).map(formatDiagnostic).join('\n')}`);
}

export async function loadForBreakpoints(file: string): Promise<{ flow?: FlowDef; problem?: string }> {
  const { flow, diagnostics } = await loadFlowFile(file);
  if (flow) return { flow };
  const first = firstError(diagnostics);
  return { problem: first ? `this file is not a valid flow: ${first}` : 'this file is not a flow' };
}

/** The run's environment: a named workspace environment, then the `envFile` values over it. */
export async function launchEnvironment(args: LaunchArgs, cwd: string): Promise<Record<string, string>> {
  const environment = args.environment ? await readWorkspaceEnvironment(cwd, args.environment) : {};
  if (args.envFile) Object.assign(environment, await readDotenv(resolve(cwd, args.envFile)));
  return environment;
}

/** Runs the engine in this process (the `testmesh debug-adapter` command). */
export function directLauncher(defaultCwd: string = process.cwd()): DebugLauncher {
  const cwdOf = (args: LaunchArgs) => resolve(defaultCwd, args.cwd ?? '.');
  return {
    loadFlow: (args) => loadFlowOrThrow(resolve(cwdOf(args), args.flow)),
    loadForBreakpoints,
    async start({ flow, args, hooks, onEvent }) {
      const cwd = cwdOf(args);
      const environment = await launchEnvironment(args, cwd);
      const secrets = Object.entries(environment)
        .filter(([name]) => looksSecret(name))
        .map(([, value]) => value);
      for (const [name, value] of Object.entries(args.variables))
        if (looksSecret(name) && typeof value === 'string') secrets.push(value);
      const controller = new AbortController();
      const executionId = randomUUID();
      const done = runFlow(flow, {
        executionId,
        environment,
        variables: args.variables,
        secrets,
        signal: controller.signal,
        resolveFlow: createFlowResolver(cwd),
        hooks,
        onEvent,
      }).then((result) => ({ status: result.status, error: result.error }));
      return { executionId, environmentNames: Object.keys(environment), cancel: () => controller.abort(), done };
    },
  };
}
