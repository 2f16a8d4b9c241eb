/**
 * The `testmesh` debug type in VS Code: an inline adapter (the core's FlowDebugSession in the
 * extension host), launch.json support (snippets and an initial configuration in package.json; F5
 * without launch.json debugs the flow in the active editor), the Test Explorer's Debug profile
 * and the "Debug flow" command. Every debug run goes through the execution manager, so the Test
 * Explorer, decorations, panel, history and local API show it like any other run.
 */
import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { FlowDebugSession } from '../core/debug/adapter';
import {
  launchEnvironment,
  loadFlowOrThrow,
  loadForBreakpoints,
  type DebugLauncher,
  type DebugRun,
} from '../core/debug/launcher';
import type { LaunchArgs } from '../core/debug/launchArgs';
import { errorMessage, TestMeshError } from '../core/errors';
import type { ExecutionManager, StartExecutionRequest } from '../core/executions';
import type { ExecutionSummary } from '../core/history/types';
import { COMMAND_DEBUG_FLOW } from './codelens';
import type { FlowIndex } from './discovery';
import type { Log } from './log';
import type { RunInputs, Runs } from './runs';
import type { RunTarget } from './runTargets';
import { runnableTag, type TestTree } from './testing';
import type { VSCode, vscode } from './vscodeTypes';

export const DEBUG_TYPE = 'testmesh';

export interface DebuggingDependencies {
  vscode: VSCode;
  log: Log;
  tree: TestTree;
  index: FlowIndex;
  runs: Runs;
  manager: () => Promise<ExecutionManager>;
  inputs: () => Promise<RunInputs>;
}

/** A Test Explorer target waiting for its debug session to start it. */
interface PendingRun {
  request: StartExecutionRequest;
  started: (summary: ExecutionSummary) => void;
  failed: (err: unknown) => void;
}

export class FlowDebugging implements vscode.Disposable {
  readonly debugProfile: vscode.TestRunProfile;
  private readonly pending = new Map<string, PendingRun>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Sessions started, for tests and the state hook. */
  sessionsStarted = 0;

  constructor(private readonly deps: DebuggingDependencies) {
    const { vscode, tree } = deps;
    this.debugProfile = tree.controller.createRunProfile(
      'Debug',
      vscode.TestRunProfileKind.Debug,
      (request, token) => this.debugFromTestExplorer(request, token),
      true,
      runnableTag(vscode),
    );
    this.disposables.push(
      this.debugProfile,
      vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
        createDebugAdapterDescriptor: () => {
          this.sessionsStarted++;
          return new vscode.DebugAdapterInlineImplementation(
            new FlowDebugSession(this.launcher()) as unknown as vscode.DebugAdapter,
          );
        },
      }),
      vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
        provideDebugConfigurations: () => [
          { type: DEBUG_TYPE, request: 'launch', name: 'Debug flow', flow: '${file}', stopOnEntry: false },
        ],
        resolveDebugConfiguration: (_folder, config) => this.resolveConfiguration(config),
      }),
      vscode.commands.registerCommand(COMMAND_DEBUG_FLOW, (target?: string) => this.debugFlowCommand(target)),
    );
  }

  /** F5 without launch.json: the flow in the active editor. */
  private resolveConfiguration(config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    if (config.type && config.request && config.flow) return config;
    const editor = this.deps.vscode.window.activeTextEditor;
    const file = editor && this.deps.index.get(editor.document.uri);
    if (!file?.flow) {
      void this.deps.vscode.window.showErrorMessage(
        'TestMesh: open a flow file to debug it, or add a "flow" to the launch configuration.',
      );
      return undefined;
    }
    return {
      ...config,
      type: DEBUG_TYPE,
      request: 'launch',
      name: config.name || `Debug ${file.flow.name}`,
      flow: file.uri.fsPath,
    };
  }

  /** "Debug flow" (CodeLens, palette): a debug session on a flow file (a uri string, or the active editor). */
  private async debugFlowCommand(target?: string): Promise<boolean> {
    const { vscode, index } = this.deps;
    await index.whenIdle();
    const uri = target
      ? target.includes('://')
        ? vscode.Uri.parse(target)
        : vscode.Uri.file(target)
      : vscode.window.activeTextEditor?.document.uri;
    const file = uri && index.get(uri);
    if (!file?.flow) {
      void vscode.window.showErrorMessage('TestMesh: not a valid flow file to debug.');
      return false;
    }
    return vscode.debug.startDebugging(file.folder, {
      type: DEBUG_TYPE,
      request: 'launch',
      name: `Debug ${file.flow.name}`,
      flow: file.uri.fsPath,
    });
  }

  /** The Debug profile: each flow or step runs in a debug session of its own, drawn on one test run. */
  private async debugFromTestExplorer(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    await this.deps.runs.executeWith(request, token, (start, target) => this.startInSession(start, target));
  }

  private startInSession(request: StartExecutionRequest, target: RunTarget): Promise<ExecutionSummary> {
    const { vscode } = this.deps;
    const key = randomUUID();
    return new Promise<ExecutionSummary>((started, failed) => {
      this.pending.set(key, { request, started, failed });
      const flow = request.flow!;
      const config: vscode.DebugConfiguration = {
        type: DEBUG_TYPE,
        request: 'launch',
        name: `Debug ${flow.name}`,
        flow: flow.file,
        __testmeshRun: key,
        ...(target.stepId !== undefined ? { stopAtStep: target.stepId } : {}),
      };
      Promise.resolve(vscode.debug.startDebugging(target.file.folder, config)).then((ok) => {
        if (!ok) failed(new TestMeshError('the debug session did not start'));
      }, failed);
    }).finally(() => this.pending.delete(key));
  }

  /** Starts debug runs through the execution manager. */
  private launcher(): DebugLauncher {
    const deps = this.deps;
    const workspaceOf = async (args: LaunchArgs): Promise<string> => {
      if (args.cwd) return args.cwd;
      const manager = await deps.manager();
      return manager.workspace;
    };
    return {
      loadFlow: async (args) => {
        const pending = args.hostRun ? this.pending.get(args.hostRun) : undefined;
        if (pending?.request.flow) return pending.request.flow;
        const file = isAbsolute(args.flow) ? args.flow : resolve(await workspaceOf(args), args.flow);
        return loadFlowOrThrow(file);
      },
      loadForBreakpoints,
      start: async ({ flow, args, hooks, onEvent }): Promise<DebugRun> => {
        const manager = await deps.manager();
        const pending = args.hostRun ? this.pending.get(args.hostRun) : undefined;
        let request: StartExecutionRequest;
        if (pending) {
          // The same object the Test Explorer run registered, so the run draws this execution.
          request = pending.request;
        } else {
          const inputs = await deps.inputs();
          request = {
            flow,
            environment: inputs.environment,
            variables: { ...inputs.variables },
            secrets: inputs.secrets,
            trigger: 'debug',
          };
        }
        if (args.environment || args.envFile) {
          const named = await launchEnvironment(args, await workspaceOf(args));
          request.environment = { ...(typeof request.environment === 'object' ? request.environment : {}), ...named };
        }
        request.variables = { ...request.variables, ...args.variables };
        request.hooks = hooks;
        let summary: ExecutionSummary;
        try {
          summary = await manager.start(request);
        } catch (err) {
          pending?.failed(err);
          throw err;
        }
        const unsubscribe = manager.subscribeExecution(summary.id, (event) => onEvent(event));
        pending?.started(summary);
        const environment = typeof request.environment === 'object' ? request.environment : {};
        return {
          executionId: summary.id,
          environmentNames: Object.keys(environment),
          cancel: () => void manager.cancel(summary.id),
          done: manager.whenFinished(summary.id).then((final) => {
            unsubscribe();
            const status = final?.status === 'completed' || final?.status === 'cancelled' ? final.status : 'failed';
            return { status, error: final?.error };
          }),
        };
      },
    };
  }

  dispose(): void {
    for (const run of this.pending.values()) run.failed(new TestMeshError('the extension is shutting down'));
    this.pending.clear();
    for (const d of this.disposables) {
      try {
        d.dispose();
      } catch (err) {
        this.deps.log.warn(`dispose: ${errorMessage(err)}`);
      }
    }
  }
}
