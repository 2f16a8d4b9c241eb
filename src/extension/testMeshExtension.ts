/**
 * The extension, wired: every provider, the test controller, the runs, the panel, the local API
 * and the commands. The constructor only creates and registers (cheap); `startInBackground`
 * starts discovery, history and the server. Takes the `vscode` API as a parameter, so the whole
 * thing also runs against the fake in the unit tests.
 */
import { writeFile } from 'node:fs/promises';
import { errorMessage } from '../core/errors';
import type { ExecutionManager } from '../core/executions';
import { FlowCodeLensProvider } from './codelens';
import { DebugValueHover } from './debugHover';
import { DEBUG_TYPE, FlowDebugging } from './debugging';
import { openExecutionHistory } from './executionHistory';
import { registerCommands } from './commands';
import { StepDecorations } from './decorations';
import { FlowDiagnostics } from './diagnostics';
import { FlowIndex } from './discovery';
import { FlowMoves } from './flowMoves';
import { FlakyMarks } from './flakyMarks';
import { COMMAND_IMPORT, importArgsOf, ImportFlows } from './importFlows';
import { COMMAND_COPY_AS_CURL, CopyAsCurl, CurlCodeLens } from './copyAsCurl';
import { Environments } from './environments';
import { LanguageFeatures } from './languageFeatures';
import { LanguageServices } from './languageServices';
import { LocalApi } from './localApi';
import { createLog, type Log } from './log';
import { ExecutionPanel } from './panel';
import { Runs } from './runs';
import { StepRunPlanner } from './runStep';
import { readSettings } from './settings';
import { SchemaCompletion } from './schemaCompletion';
import { ServerStatus } from './statusBar';
import { TestTree } from './testing';
import { COMMAND_LIST_FILE, UnlistedFileLens } from './unlistedFiles';
import { COMMAND_OPEN_ENVIRONMENT, UnresolvedVariableNotices } from './variableHelp';
import type { VSCode, vscode } from './vscodeTypes';
import { FlowSchemaAssociation } from './yamlSchemaAssociation';

export const CONTROLLER_ID = 'testmesh';

export class TestMeshExtension {
  readonly log: Log;
  readonly index: FlowIndex;
  readonly tree: TestTree;
  readonly api: LocalApi;
  readonly environments: Environments;
  readonly runs: Runs;
  readonly panel: ExecutionPanel;
  readonly decorations: StepDecorations;
  readonly status: ServerStatus;
  readonly debugging: FlowDebugging;
  readonly language: LanguageFeatures;
  readonly flaky: FlakyMarks;
  private readonly disposables: vscode.Disposable[] = [];
  /** Settles when discovery and the server have started (or failed to). */
  ready: Promise<void> = Promise.resolve();
  private readyState = false;
  private stateTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(vscode: VSCode, context: vscode.ExtensionContext) {
    this.log = createLog(vscode);
    this.index = new FlowIndex(vscode, this.log);
    const controller = vscode.tests.createTestController(CONTROLLER_ID, 'TestMesh');
    this.tree = new TestTree(vscode, controller);
    this.flaky = new FlakyMarks(this.tree, this.index, this.log);
    controller.refreshHandler = () => this.index.refresh();
    this.api = new LocalApi(vscode, context, this.log, () => openExecutionHistory(vscode, context, this.log));
    this.environments = new Environments(vscode, context, this.log, this.index);
    // Whoever needs the manager first (a run, the panel, the background start) connects it to
    // the views before anything can run on it, so no event is missed.
    const manager = () => this.api.getManager().then((m) => this.connect(m));
    this.connectedManager = manager;
    const inputs = () => this.environments.inputs();
    const planner = new StepRunPlanner(() => this.api.currentManager());
    const copyAsCurl = new CopyAsCurl({
      vscode,
      log: this.log,
      index: this.index,
      tree: this.tree,
      manager,
      planner,
      inputs,
    });
    this.panel = new ExecutionPanel({
      vscode,
      extensionUri: context.extensionUri,
      log: this.log,
      manager,
      index: this.index,
      inputs,
      copyAsCurl: (executionId, stepId, attempt) => copyAsCurl.fromExecution(executionId, stepId, attempt),
    });
    this.runs = new Runs({
      vscode,
      log: this.log,
      tree: this.tree,
      index: this.index,
      manager,
      planner,
      inputs,
      onEditorExecutionStarted: (id) => {
        if (readSettings(vscode).openPanelOnRun) void this.panel.show(id, { preserveFocus: true });
      },
    });
    this.decorations = new StepDecorations(vscode, this.index);
    this.status = new ServerStatus(vscode, this.api, this.log);
    const codeLens = new FlowCodeLensProvider(vscode, this.index);
    const unlisted = new UnlistedFileLens(vscode, this.index);
    const curlLens = new CurlCodeLens(vscode, this.index);
    this.variableNotices = new UnresolvedVariableNotices(vscode, () => this.environments.label());
    const diagnostics = new FlowDiagnostics(vscode, this.index);
    this.debugging = new FlowDebugging({
      vscode,
      log: this.log,
      tree: this.tree,
      index: this.index,
      runs: this.runs,
      manager,
      inputs,
    });
    const languageServices = new LanguageServices({
      vscode,
      log: this.log,
      manager: () => this.api.currentManager(),
      selectedEnvironment: () => this.environments.selected(),
      secretValues: async () => (await this.environments.inputs()).secrets,
      flowFiles: () => this.index.all().map((f) => ({ file: f.uri.fsPath, name: f.flow?.name })),
    });
    const schemaAssociation = new FlowSchemaAssociation(
      vscode,
      this.index,
      vscode.Uri.joinPath(context.extensionUri, 'schemas', 'flow.schema.json').fsPath,
      this.log,
    );
    void schemaAssociation.start();
    this.language = new LanguageFeatures(
      languageServices,
      new SchemaCompletion(vscode, (document) => schemaAssociation.isAssociated(document)),
      () => this.environments.selected(),
    );

    this.disposables.push(
      this.log,
      controller,
      this.environments,
      this.panel,
      this.decorations,
      this.status,
      codeLens,
      diagnostics,
      this.debugging,
      new DebugValueHover(vscode, DEBUG_TYPE),
      this.language,
      schemaAssociation,
      { dispose: () => this.runs.dispose() },
      this.flaky,
      new FlowMoves(vscode, this.index, this.log),
      { dispose: () => this.index.dispose() },
      vscode.languages.registerCodeLensProvider([{ language: 'yaml', scheme: 'file' }], codeLens),
      unlisted,
      vscode.languages.registerCodeLensProvider([{ language: 'yaml', scheme: 'file' }], unlisted),
      vscode.commands.registerCommand(COMMAND_LIST_FILE, (target?: unknown) => unlisted.listFile(target)),
      vscode.commands.registerCommand(COMMAND_OPEN_ENVIRONMENT, () => this.environments.openCurrent()),
      vscode.commands.registerCommand(COMMAND_COPY_AS_CURL, (target?: unknown, stepId?: unknown, mode?: unknown) =>
        copyAsCurl.command(target, stepId, mode),
      ),
      curlLens,
      vscode.languages.registerCodeLensProvider([{ language: 'yaml', scheme: 'file' }], curlLens),
      vscode.commands.registerCommand(COMMAND_IMPORT, (args?: unknown) =>
        new ImportFlows(vscode, this.log).run(importArgsOf(args)),
      ),
      this.environments.onDidChange(() => this.variableNotices.reset()),
      this.index.onDidChange((change) => {
        this.tree.apply(change, this.index.all());
        if (change.changed.length) this.language.register();
        this.stateChanged();
      }),
      this.runs.onDidChangeActive((count) => {
        this.status.setActiveRuns(count);
        this.stateChanged();
      }),
      this.api.onDidChange(() => {
        this.status.render();
        this.stateChanged();
      }),
      this.environments.onDidChange(() => {
        // Results of runs made with another environment are stale: clear them from the editor.
        const label = this.environments.label() ?? 'none';
        if (this.lastEnvironment !== undefined && this.lastEnvironment !== label) {
          controller.invalidateTestResults?.();
          this.decorations.clearFinished();
        }
        this.lastEnvironment = label;
        this.stateChanged();
      }),
      this.environments.onDidChange(() => this.language.environmentChanged()),
      ...registerCommands({
        vscode,
        log: this.log,
        index: this.index,
        tree: this.tree,
        runs: this.runs,
        panel: this.panel,
        api: this.api,
        environments: this.environments,
        status: this.status,
        state: () => this.state(),
      }),
    );
  }

  private connected: unknown;
  private readonly variableNotices: UnresolvedVariableNotices;
  private lastEnvironment: string | undefined;
  private readonly connectedManager: () => Promise<ExecutionManager>;

  /** Connects the views to the manager, once. */
  private connect(manager: ExecutionManager): ExecutionManager {
    if (this.connected === manager) return manager;
    this.connected = manager;
    this.runs.attach(manager);
    this.decorations.attach(manager);
    this.flaky.attach(manager);
    manager.subscribe((event) => this.variableNotices.handle(event));
    manager.onDidFinish(() => this.stateChanged());
    manager.onDidFinish(() => this.language.runFinished());
    return manager;
  }

  /**
   * Starts discovery after activation has returned; the manager, the server and the status bar
   * items follow once the workspace turns out to use TestMesh (a flow or a `.testmesh.yaml`).
   * In a repository of other YAML the extension stays at that: one sniff per YAML file.
   */
  startInBackground(): void {
    this.ready = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const started = Date.now();
      await this.index.start().catch((err) => this.log.error(`discovery failed: ${errorMessage(err)}`));
      if (!this.index.isTestMeshWorkspace()) {
        this.log.info(`no flow and no .testmesh.yaml in the workspace (${Date.now() - started} ms); waiting for one`);
        const wake = () => {
          if (!this.index.isTestMeshWorkspace() || this.woken) return;
          void this.startServices(Date.now());
        };
        this.disposables.push(this.index.onDidChange(wake), this.index.onDidChangeProject(wake));
        this.readyState = true;
        this.stateChanged();
        return;
      }
      await this.startServices(started);
    });
  }

  private woken = false;

  private async startServices(started: number): Promise<void> {
    this.woken = true;
    this.status.item.show();
    const environments = this.environments.start().catch((err) => this.log.error(`environments: ${errorMessage(err)}`));
    const server = this.api
      .start()
      .then(() => this.connectedManager())
      .catch((err) => this.log.error(`local API failed: ${errorMessage(err)}`));
    await Promise.all([environments, server]);
    this.readyState = true;
    this.log.info(`ready in ${Date.now() - started} ms`);
    this.stateChanged();
  }

  /** JSON-serializable state for end-to-end tests (`testmesh.internal.state`). */
  async state(): Promise<Record<string, unknown>> {
    await this.ready;
    await this.index.whenIdle();
    const manager = this.api.currentManager();
    const lastExecutions: Record<string, string> = {};
    const flows = this.index.all().map((file) => {
      const last = this.runs.lastExecution(file.key);
      if (last) lastExecutions[file.key] = last;
      return {
        uri: file.key,
        file: file.relativePath,
        name: file.flow?.name,
        valid: file.flow !== undefined,
        errors: file.diagnostics
          .filter((d) => d.severity === 'error')
          .map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`),
        decorations: this.decorations.marksOf(file.key),
      };
    });
    const state = {
      ready: this.readyState,
      server: this.api.state(),
      flows,
      testItemIds: this.tree.allIds(),
      activeRuns: this.runs.activeExecutions(),
      lastExecutions,
      recentExecutions: manager
        ? manager.list({ limit: 20 }).executions.map((e) => ({
            id: e.id,
            flow_id: e.flow_id,
            status: e.status,
            trigger: e.trigger,
            only_step: e.only_step,
          }))
        : [],
      environment: this.environments.selected() ?? null,
      environmentLabel: this.environments.label() ?? null,
      environmentAuto: this.environments.current().auto,
      testMeshWorkspace: this.index.isTestMeshWorkspace(),
      secretNames: await this.environments.secretNames(),
      panel: { open: this.panel.isOpen, route: this.panel.route ?? null },
    };
    // Plain JSON (no undefined, no class instances): what a test reads is what a file would hold.
    return JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
  }

  /**
   * With TESTMESH_STATE_FILE set in the environment (end-to-end tests), the state is also written
   * there after every change, so a test can read it without the command palette.
   */
  private stateChanged(): void {
    const target = process.env.TESTMESH_STATE_FILE;
    if (!target || this.stateTimer) return;
    this.stateTimer = setTimeout(() => {
      this.stateTimer = undefined;
      void this.state()
        .then((state) => writeFile(target, `${JSON.stringify(state, null, 2)}\n`))
        .catch((err) => this.log.warn(`cannot write ${target}: ${errorMessage(err)}`));
    }, 100);
  }

  private disposed: Promise<void> | undefined;

  dispose(): Promise<void> {
    this.disposed ??= this.disposeOnce();
    return this.disposed;
  }

  private async disposeOnce(): Promise<void> {
    clearTimeout(this.stateTimer);
    // Runs are cancelled (teardowns run) and history flushed before the rest goes away.
    await this.api.dispose().catch(() => undefined);
    for (const d of this.disposables.reverse()) {
      try {
        d.dispose();
      } catch {
        // Shutting down: keep disposing the rest.
      }
    }
  }
}
