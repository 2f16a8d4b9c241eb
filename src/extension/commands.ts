/**
 * The extension's commands. Ids are stable (end-to-end tests and keybindings call them); each
 * takes its arguments as plain strings so it can be run from code, a CodeLens or the palette.
 */
import { allSteps } from '../core/flow/types';
import { flowIdFor } from '../core/workspaceFlows';
import type { FlowFile, FlowIndex } from './discovery';
import type { Environments } from './environments';
import type { LocalApi } from './localApi';
import type { Log } from './log';
import type { ExecutionPanel } from './panel';
import type { Runs } from './runs';
import type { ServerStatus } from './statusBar';
import { COMMAND_SERVER_ACTIONS } from './statusBar';
import type { TestTree } from './testing';
import type { VSCode, vscode } from './vscodeTypes';

export const COMMANDS = {
  runFlow: 'testmesh.runFlow',
  runStep: 'testmesh.runStep',
  showExecution: 'testmesh.showExecution',
  showLastExecution: 'testmesh.showLastExecution',
  copyServerUrl: 'testmesh.copyServerUrl',
  copyServerToken: 'testmesh.copyServerToken',
  selectEnvironment: 'testmesh.selectEnvironment',
  setSecret: 'testmesh.setSecret',
  refresh: 'testmesh.refresh',
  cancelAll: 'testmesh.cancelAll',
  internalState: 'testmesh.internal.state',
  serverActions: COMMAND_SERVER_ACTIONS,
} as const;

export interface CommandDependencies {
  vscode: VSCode;
  log: Log;
  index: FlowIndex;
  tree: TestTree;
  runs: Runs;
  panel: ExecutionPanel;
  api: LocalApi;
  environments: Environments;
  status: ServerStatus;
  state: () => Promise<unknown>;
}

/** What `testmesh.runFlow` / `testmesh.runStep` return: the executions they started. */
export interface RunCommandResult {
  execution_ids: string[];
}

export function registerCommands(deps: CommandDependencies): vscode.Disposable[] {
  const { vscode, index, tree, runs, panel, api, environments } = deps;
  // Command arguments come from anywhere (palette, keybindings, other extensions): each handler checks its own.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const register = (id: string, handler: (...args: any[]) => unknown) => vscode.commands.registerCommand(id, handler);

  /** A flow file from a uri string, a Uri, a TestItem, or the active editor. */
  const fileOf = async (target: unknown): Promise<FlowFile | undefined> => {
    await index.whenIdle();
    if (typeof target === 'string') return index.get(target) ?? index.get(vscode.Uri.file(target));
    if (target instanceof vscode.Uri) return index.get(target);
    const item = target as vscode.TestItem | undefined;
    if (item && typeof item === 'object' && typeof item.id === 'string') {
      const data = tree.dataOf(item);
      return data ? index.get(data.key) : undefined;
    }
    const editor = vscode.window.activeTextEditor;
    return editor ? index.get(editor.document.uri) : undefined;
  };

  const notAFlow = (target: unknown) => {
    void vscode.window.showWarningMessage(
      `TestMesh: ${typeof target === 'string' ? target : 'this file'} is not a discovered flow: a flow is a YAML file whose root has \`flow:\` (or \`name\` + \`steps\`), outside node_modules and dot-folders (testmesh.flowGlobs and testmesh.excludeGlobs narrow or widen where discovery looks).`,
    );
  };

  const lastExecutionOf = async (file: FlowFile): Promise<string | undefined> => {
    const manager = await api.getManager();
    return (
      runs.lastExecution(file.key) ??
      manager.list({ flow_id: flowIdFor(manager.workspace, file.uri.fsPath), limit: 1 }).executions[0]?.id
    );
  };

  return [
    register(COMMANDS.runFlow, async (target?: unknown): Promise<RunCommandResult | undefined> => {
      const file = await fileOf(target);
      const item = file && (tree.flowItem(file.key) ?? tree.fileItem(file.key));
      if (!file || !item) return void notAFlow(target);
      const { started } = runs.runItems([item]);
      return { execution_ids: [...(await started)] };
    }),

    register(COMMANDS.runStep, async (target?: unknown, stepId?: unknown): Promise<RunCommandResult | undefined> => {
      const file = await fileOf(target);
      if (!file?.flow) return void notAFlow(target);
      let id = typeof stepId === 'string' ? stepId : undefined;
      if (id === undefined) {
        // From the palette: the innermost step around the cursor.
        const editor = vscode.window.activeTextEditor;
        const line =
          editor && editor.document.uri.toString() === file.key ? editor.selection.active.line + 1 : undefined;
        id =
          line === undefined
            ? undefined
            : allSteps(file.flow)
                .filter((s) => s.range.start.line <= line && line <= s.range.end.line)
                .pop()?.id;
      }
      const item = id === undefined ? undefined : tree.stepItem(file.key, id);
      if (!item) {
        void vscode.window.showWarningMessage(
          `TestMesh: no step ${id === undefined ? 'at the cursor' : `'${id}'`} in ${file.relativePath}.`,
        );
        return undefined;
      }
      const { started } = runs.runItems([item]);
      return { execution_ids: [...(await started)] };
    }),

    register(COMMANDS.showExecution, async (target?: unknown) => {
      if (typeof target === 'string' && target) return panel.show(target);
      if (target && typeof target === 'object') {
        // From a Test Explorer item's context menu: the latest execution of its flow, on that step.
        const file = await fileOf(target);
        const id = file && (await lastExecutionOf(file));
        const stepId = tree.dataOf(target as vscode.TestItem)?.stepId;
        return panel.show(id, { stepId });
      }
      return panel.show();
    }),

    register(COMMANDS.showLastExecution, async (target?: unknown) => {
      const file = await fileOf(target);
      if (!file) return void notAFlow(target);
      const id = await lastExecutionOf(file);
      if (!id) {
        void vscode.window.showInformationMessage(`TestMesh: ${file.flow?.name ?? file.relativePath} has not run yet.`);
        return undefined;
      }
      await panel.show(id);
      return id;
    }),

    register(COMMANDS.copyServerUrl, async () => {
      const url = api.url();
      if (!url) return void vscode.window.showWarningMessage('TestMesh: the local API is not running.');
      await vscode.env.clipboard.writeText(url);
      void vscode.window.setStatusBarMessage(`TestMesh: copied ${url}`, 3000);
      return url;
    }),

    register(COMMANDS.copyServerToken, async () => {
      const token = api.token();
      if (!token) return void vscode.window.showWarningMessage('TestMesh: the local API is not running.');
      await vscode.env.clipboard.writeText(token);
      void vscode.window.setStatusBarMessage('TestMesh: copied the server token', 3000);
      return true;
    }),

    register(COMMANDS.selectEnvironment, (path?: unknown) =>
      environments.select(typeof path === 'string' ? path : undefined),
    ),

    register(COMMANDS.setSecret, (name?: unknown, value?: unknown) =>
      environments.setSecret(
        typeof name === 'string' ? name : undefined,
        typeof value === 'string' ? value : undefined,
      ),
    ),

    register(COMMANDS.refresh, async () => {
      await index.refresh();
      return tree.fileKeys().length;
    }),

    register(COMMANDS.cancelAll, () => runs.cancelAll()),

    register(COMMANDS.internalState, () => deps.state()),

    register(COMMANDS.serverActions, () => deps.status.showActions()),
  ];
}
