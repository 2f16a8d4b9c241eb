/**
 * The Run profile: runs flows and steps through the ExecutionManager and draws their events on the
 * Test Explorer run (runMapping.ts). Continuous requests go to continuousRuns.ts, executions started
 * elsewhere are drawn by externalRuns.ts, the request's items resolve in runTargets.ts. Steps run
 * alone or "up to" (runStep.ts); cancel through the run's token cancels the execution (teardown
 * still runs).
 */
import type { ExecutionEvent } from '../core/events';
import type { ExecutionManager, ExecutionStartInfo, StartExecutionRequest } from '../core/executions';
import { errorMessage } from '../core/errors';
import type { ExecutionSummary } from '../core/history/types';
import type { FlowDef } from '../core/flow/types';
import { ContinuousRuns } from './continuousRuns';
import type { FlowIndex } from './discovery';
import { drawExternalRun } from './externalRuns';
import { eitherToken } from './linkedToken';
import type { Log } from './log';
import { RunMapping } from './runMapping';
import type { StepRunPlanner } from './runStep';
import { resolveTargets, type RunTarget } from './runTargets';
import { runnableTag, type TestTree } from './testing';
import type { VSCode, vscode } from './vscodeTypes';

/** What every editor run gets from the environment picker and SecretStorage. */
export interface RunInputs {
  environment: Record<string, string>;
  /** Secrets as variables (by name). */
  variables: Record<string, unknown>;
  /** Values to redact everywhere. */
  secrets: string[];
  /** Absolute path of the selected .env file, if any (its save re-runs continuous flows). */
  environmentFile?: string;
}

export interface RunsDependencies {
  vscode: VSCode;
  log: Log;
  tree: TestTree;
  index: FlowIndex;
  /** Resolves once the manager exists (it starts after activation). */
  manager: () => Promise<ExecutionManager>;
  planner: StepRunPlanner;
  inputs: () => Promise<RunInputs>;
  /** Called when an editor run's first execution started (opens the panel when the setting says so). */
  onEditorExecutionStarted?: (executionId: string) => void;
}

/** Starts one target's execution (default: the manager's start). */
export type StartExecution = (request: StartExecutionRequest, target: RunTarget) => Promise<ExecutionSummary>;

export class Runs {
  /**
   * The default Run profile, which also takes continuous requests (VS Code sets
   * `request.continuous` when the user turns continuous run on); a second, continuous-only profile
   * would only duplicate the run buttons.
   */
  readonly runProfile: vscode.TestRunProfile;
  /** Event routing: execution id -> the mapping drawing it on a TestRun. */
  private readonly mappings = new Map<string, RunMapping>();
  /** Start requests made here; every other start (REST, panel) is shown as a run of its own. */
  private readonly own = new WeakSet<StartExecutionRequest>();
  private readonly running = new Set<string>();
  private readonly continuous: ContinuousRuns;
  private readonly lastByFile = new Map<string, string>();
  private readonly activeEmitter: vscode.EventEmitter<number>;
  readonly onDidChangeActive: vscode.Event<number>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly deps: RunsDependencies) {
    const { vscode, tree } = deps;
    this.activeEmitter = new vscode.EventEmitter<number>();
    this.onDidChangeActive = this.activeEmitter.event;
    this.runProfile = tree.controller.createRunProfile(
      'Run',
      vscode.TestRunProfileKind.Run,
      (request, token) => this.handle(request, token),
      true,
      runnableTag(vscode),
      true,
    );
    this.continuous = new ContinuousRuns({
      vscode,
      log: deps.log,
      tree,
      index: deps.index,
      environmentFile: async () => (await deps.inputs()).environmentFile,
      targets: (request) => this.targets(request),
      runTargets: (run, targets, token) => this.runTargets(run, targets, token),
    });
    this.disposables.push(this.continuous);
  }

  /** Connects to the manager: routes its events and shows executions started elsewhere. */
  attach(manager: ExecutionManager): void {
    this.unsubscribe.push(
      manager.subscribe((event) => this.route(event)),
      manager.onDidStart((info) => this.onStarted(info)),
      manager.onDidFinish((summary) => {
        if (this.running.delete(summary.id)) this.activeEmitter.fire(this.running.size);
      }),
    );
  }

  /** Ids of executions running now (any source). */
  activeExecutions(): string[] {
    return [...this.running];
  }

  /** The newest execution of a flow file seen by this window, by file key. */
  lastExecution(key: string): string | undefined {
    return this.lastByFile.get(key);
  }

  /**
   * Runs items (flows, files, folders, steps) as a Test Explorer run, as the commands do.
   * `started` resolves with the execution ids once the first has started (or the run ended
   * without any); `done` when the whole run has ended.
   */
  runItems(items: vscode.TestItem[]): { started: Promise<string[]>; done: Promise<void> } {
    const request = new this.deps.vscode.TestRunRequest(items, undefined, this.runProfile);
    const source = new this.deps.vscode.CancellationTokenSource();
    const ids: string[] = [];
    let resolveStarted!: (ids: string[]) => void;
    const started = new Promise<string[]>((resolve) => (resolveStarted = resolve));
    const done = this.execute(request, source.token, (id) => {
      ids.push(id);
      resolveStarted(ids);
    })
      .catch((err) => this.deps.log.error(`run failed: ${errorMessage(err)}`))
      .finally(() => {
        resolveStarted(ids);
        source.dispose();
      });
    return { started, done };
  }

  /** Cancels every running execution (their teardowns run). */
  async cancelAll(): Promise<number> {
    const manager = await this.deps.manager();
    const ids = [...this.running];
    for (const id of ids) manager.cancel(id);
    return ids.length;
  }

  dispose(): void {
    for (const off of this.unsubscribe) off();
    for (const d of this.disposables) d.dispose();
    this.runProfile.dispose();
    this.activeEmitter.dispose();
  }

  private async handle(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    if (request.continuous) return this.continuous.watch(request, token);
    await this.execute(request, token);
  }

  /**
   * Runs a request's targets with executions started by `start` instead of the manager directly
   * (the Debug profile starts each one inside a debug session); drawn like any other run.
   */
  executeWith(request: vscode.TestRunRequest, token: vscode.CancellationToken, start: StartExecution): Promise<void> {
    return this.execute(request, token, undefined, start);
  }

  private async execute(
    request: vscode.TestRunRequest,
    token: vscode.CancellationToken,
    onStarted?: (id: string) => void,
    start?: StartExecution,
  ): Promise<void> {
    await this.deps.index.whenIdle();
    const targets = this.targets(request);
    const run = this.deps.tree.controller.createTestRun(request, undefined, true);
    // The Test Explorer's stop button cancels the run's own token; the handler's token is the caller's.
    const cancel = eitherToken(this.deps.vscode, token, run.token);
    try {
      await this.runTargets(run, targets, cancel.token, onStarted, start);
    } finally {
      cancel.dispose();
      run.end();
    }
  }

  private async runTargets(
    run: vscode.TestRun,
    targets: RunTarget[],
    token: vscode.CancellationToken,
    onStarted?: (id: string) => void,
    start?: StartExecution,
  ): Promise<void> {
    let first = true;
    for (const target of targets) {
      if (token.isCancellationRequested) break;
      await this.runTarget(
        run,
        target,
        token,
        (id) => {
          onStarted?.(id);
          if (first) this.deps.onEditorExecutionStarted?.(id);
          first = false;
        },
        start,
      );
    }
  }

  /** Runs one flow or step to its end, drawing it on `run`. */
  async runTarget(
    run: vscode.TestRun,
    target: RunTarget,
    token: vscode.CancellationToken,
    onStarted?: (id: string) => void,
    start?: StartExecution,
  ): Promise<void> {
    const { vscode, tree, log } = this.deps;
    // Right after activation a file may be listed but not parsed yet: wait for its parse.
    if (target.file.pending) await this.deps.index.whenIdle();
    const file = this.deps.index.get(target.file.key) ?? target.file;
    if (!file.flow) {
      const item = tree.fileItem(file.key);
      const first = file.diagnostics.find((d) => d.severity === 'error');
      if (item)
        run.errored(
          item,
          new vscode.TestMessage(first ? `line ${first.range.start.line}: ${first.message}` : 'not a valid flow'),
        );
      return;
    }
    let manager: ExecutionManager;
    let inputs: RunInputs;
    try {
      [manager, inputs] = await Promise.all([this.deps.manager(), this.deps.inputs()]);
    } catch (err) {
      const item = tree.flowItem(file.key);
      if (item) run.errored(item, new vscode.TestMessage(`cannot run: ${errorMessage(err)}`));
      return;
    }

    let flow: FlowDef = file.flow;
    let onlyStep: string | undefined;
    let variables: Record<string, unknown> = { ...inputs.variables };
    let note: string | undefined;
    if (target.stepId !== undefined) {
      try {
        const plan = await this.deps.planner.plan(file.flow, target.stepId);
        if (plan.mode === 'alone') {
          onlyStep = plan.stepId;
          variables = { ...plan.variables, ...inputs.variables };
          note = `Step '${plan.stepId}' runs alone with the values captured by execution ${plan.basedOn.id} (${plan.basedOn.started_at ?? plan.basedOn.created_at}); setup and teardown are skipped.`;
        } else {
          flow = plan.flow;
          note = `No earlier execution of '${file.flow.name}': running setup and the steps up to '${plan.stepId}', then teardown.`;
        }
      } catch (err) {
        const item = tree.stepItem(file.key, target.stepId);
        if (item) run.errored(item, new vscode.TestMessage(errorMessage(err)));
        return;
      }
    }

    const mapping: RunMapping = new RunMapping(vscode, run, tree, file, {
      flow,
      onlyStep,
      details: (stepId: string) =>
        mapping.executionId ? manager.stepDetail(mapping.executionId, stepId) : Promise.resolve(undefined),
    });
    mapping.enqueue();
    if (note) run.appendOutput(`${note}\r\n`);
    if (token.isCancellationRequested) {
      mapping.fail('cancelled before it started');
      return;
    }
    const request: StartExecutionRequest = {
      flow,
      environment: inputs.environment,
      variables,
      secrets: inputs.secrets,
      trigger: 'editor',
      ...(onlyStep !== undefined ? { only_step: onlyStep } : {}),
    };
    this.own.add(request);
    this.deps.planner.watch(manager);
    let id: string;
    try {
      id = (await (start ? start(request, target) : manager.start(request))).id;
    } catch (err) {
      log.warn(`could not start ${file.relativePath}: ${errorMessage(err)}`);
      mapping.fail(errorMessage(err));
      return;
    }
    // Registered before the manager's first event (it starts running on the next event-loop turn).
    mapping.executionId = id;
    this.mappings.set(id, mapping);
    if (onlyStep !== undefined) this.deps.planner.remember(id, variables);
    onStarted?.(id);
    const cancel = token.onCancellationRequested(() => manager.cancel(id));
    try {
      await manager.whenFinished(id);
      await mapping.flush();
    } finally {
      cancel.dispose();
      this.mappings.delete(id);
    }
  }

  /** Flows and steps a request names; a flow run wins over runs of its own steps. */
  private targets(request: vscode.TestRunRequest): RunTarget[] {
    return resolveTargets(this.deps.tree, this.deps.index, request);
  }

  private route(event: ExecutionEvent): void {
    if (event.type === 'execution.started') {
      const file = this.deps.index.byPath(event.data.flow_file);
      if (file) this.lastByFile.set(file.key, event.execution_id);
    }
    this.mappings.get(event.execution_id)?.handle(event);
  }

  /** An execution began: count it, and draw the ones started elsewhere (REST API, panel) as runs of their own. */
  private onStarted(info: ExecutionStartInfo): void {
    this.running.add(info.summary.id);
    this.activeEmitter.fire(this.running.size);
    if (this.own.has(info.request)) return;
    drawExternalRun({ ...this.deps, mappings: this.mappings }, info);
  }
}
