/**
 * Test runs: the Run profile (default) and the continuous-run profile, both running flows through
 * the ExecutionManager, so that runs started from the REST API or the panel show in the Test
 * Explorer the same way (as runs of their own). Steps run alone or "up to" (runStep.ts); cancel
 * through the run's token cancels the execution (teardown still runs).
 */
import type { ExecutionEvent } from '../core/events';
import type { ExecutionManager, ExecutionStartInfo, StartExecutionRequest } from '../core/executions';
import { errorMessage } from '../core/errors';
import type { ExecutionSummary } from '../core/history/types';
import type { FlowDef } from '../core/flow/types';
import { affectedFlows, type FlowLookup } from './dependencies';
import type { FlowFile, FlowIndex } from './discovery';
import type { Log } from './log';
import { RunMapping } from './runMapping';
import type { StepRunPlanner } from './runStep';
import type { TestTree } from './testing';
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

/** One flow (or one step of it) to run. */
export interface RunTarget {
  file: FlowFile;
  stepId?: string;
}

interface ContinuousWatch {
  request: vscode.TestRunRequest;
  targets: RunTarget[];
  token: vscode.CancellationToken;
  /** Runs one after another: a save during a run queues the next. */
  queue: Promise<void>;
}

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
  private readonly watches = new Set<ContinuousWatch>();
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
      undefined,
      true,
    );
    this.disposables.push(vscode.workspace.onDidSaveTextDocument((doc) => this.onSaved(doc.uri)));
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
    if (request.continuous) return this.watch(request, token);
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
    const cancel = this.either(token, run.token);
    try {
      await this.runTargets(run, targets, cancel.token, onStarted, start);
    } finally {
      cancel.dispose();
      run.end();
    }
  }

  /** A token cancelled when either one is. */
  private either(a: vscode.CancellationToken, b: vscode.CancellationToken): vscode.CancellationTokenSource {
    const source = new this.deps.vscode.CancellationTokenSource();
    const links = [a.onCancellationRequested(() => source.cancel()), b.onCancellationRequested(() => source.cancel())];
    if (a.isCancellationRequested || b.isCancellationRequested) source.cancel();
    const dispose = source.dispose.bind(source);
    source.dispose = () => {
      for (const link of links) link.dispose();
      dispose();
    };
    return source;
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

  /** Continuous run: re-runs the requested flows whenever a file they depend on is saved. */
  private watch(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    return new Promise<void>((resolve) => {
      const watch: ContinuousWatch = { request, targets: this.targets(request), token, queue: Promise.resolve() };
      this.watches.add(watch);
      this.deps.log.info(`continuous run: watching ${watch.targets.length} flow(s)`);
      const stop = token.onCancellationRequested(() => {
        this.watches.delete(watch);
        stop.dispose();
        resolve();
      });
      if (token.isCancellationRequested) {
        this.watches.delete(watch);
        resolve();
      }
    });
  }

  private onSaved(uri: vscode.Uri): void {
    if (this.watches.size === 0 || uri.scheme !== 'file') return;
    const saved = uri.fsPath;
    void (async () => {
      await this.deps.index.whenIdle();
      const environmentFile = (await this.deps.inputs().catch(() => undefined))?.environmentFile;
      for (const watch of this.watches) {
        const targets = this.affected(watch, saved, environmentFile);
        if (targets.length === 0) continue;
        this.deps.log.info(`continuous run: ${saved} changed, re-running ${targets.length} flow(s)`);
        watch.queue = watch.queue.then(async () => {
          if (watch.token.isCancellationRequested) return;
          const run = this.deps.tree.controller.createTestRun(watch.request, undefined, true);
          const cancel = this.either(watch.token, run.token);
          try {
            await this.runTargets(run, targets, cancel.token);
          } finally {
            cancel.dispose();
            run.end();
          }
        });
      }
    })().catch((err) => this.deps.log.error(`continuous run failed: ${errorMessage(err)}`));
  }

  /** The targets of a watch a save affects, with their flows re-read from the index. */
  private affected(watch: ContinuousWatch, saved: string, environmentFile: string | undefined): RunTarget[] {
    const index = this.deps.index;
    const lookup: FlowLookup = {
      byPath: (path) => index.byPath(path)?.flow,
      byName: (name) => index.all().find((f) => f.flow?.name === name)?.flow,
    };
    const current = watch.targets.map((t) => ({ ...t, file: index.get(t.file.key) ?? t.file }));
    if (saved === environmentFile) return current;
    const flows = current.map((t) => t.file.flow).filter((f): f is FlowDef => f !== undefined);
    const hit = new Set(affectedFlows(saved, flows, lookup).map((f) => f.file));
    return current.filter((t) => (t.file.flow ? hit.has(t.file.flow.file) : t.file.uri.fsPath === saved));
  }

  /** Flows and steps a request names; a flow run wins over runs of its own steps. */
  targets(request: vscode.TestRunRequest): RunTarget[] {
    const { tree, index } = this.deps;
    const excluded = new Set(request.exclude ?? []);
    const isExcluded = (item: vscode.TestItem) => {
      for (let i: vscode.TestItem | undefined = item; i; i = i.parent) if (excluded.has(i)) return true;
      return false;
    };
    const roots: vscode.TestItem[] = [];
    if (request.include) roots.push(...request.include);
    else tree.controller.items.forEach((item) => roots.push(item));

    const whole = new Map<string, RunTarget>();
    const steps: RunTarget[] = [];
    const addFile = (key: string) => {
      const file = index.get(key);
      if (file && !whole.has(key)) whole.set(key, { file });
    };
    for (const item of roots) {
      if (isExcluded(item)) continue;
      const data = tree.dataOf(item);
      if (!data) continue;
      if (data.kind === 'folder') {
        item.children.forEach((child) => {
          const childData = tree.dataOf(child);
          if (childData && !isExcluded(child)) addFile(childData.key);
        });
      } else if (data.kind === 'step' && data.stepId !== undefined) {
        const file = index.get(data.key);
        if (file) steps.push({ file, stepId: data.stepId });
      } else {
        addFile(data.key);
      }
    }
    const out = [...whole.values()];
    const seen = new Set<string>();
    for (const step of steps) {
      const id = `${step.file.key}#${step.stepId}`;
      if (whole.has(step.file.key) || seen.has(id)) continue;
      seen.add(id);
      out.push(step);
    }
    return out;
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
    const { vscode, tree, index } = this.deps;
    const file = index.byPath(info.flow.file);
    const flowItem = file && tree.flowItem(file.key);
    if (!file || !flowItem) return;
    const onlyStep = info.request.only_step;
    const target = onlyStep !== undefined ? (tree.stepItem(file.key, onlyStep) ?? flowItem) : flowItem;
    const run = tree.controller.createTestRun(
      new vscode.TestRunRequest([target]),
      `${info.flow.name} (${info.summary.trigger})`,
      true,
    );
    const id = info.summary.id;
    const mapping = new RunMapping(vscode, run, tree, file, {
      flow: info.flow,
      onlyStep,
      details: (stepId) => this.deps.manager().then((m) => m.stepDetail(id, stepId)),
    });
    mapping.executionId = id;
    mapping.enqueue();
    this.mappings.set(id, mapping);
    // The Test Explorer's stop button on this run cancels the execution, whoever started it.
    const stop = run.token.onCancellationRequested(() => void this.deps.manager().then((m) => m.cancel(id)));
    void this.deps
      .manager()
      .then((manager) => manager.whenFinished(id))
      .then(() => mapping.flush())
      .catch((err) => this.deps.log.warn(`run ${id}: ${errorMessage(err)}`))
      .finally(() => {
        stop.dispose();
        this.mappings.delete(id);
        run.end();
      });
  }
}
