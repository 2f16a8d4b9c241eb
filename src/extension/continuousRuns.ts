/**
 * Continuous runs: while the user has continuous run on for some flows, a save of a file they
 * depend on (the flow itself, a flow it calls, a file it reads, the selected .env file) re-runs
 * them. Saves during a run queue the next one, so runs of one watch never overlap.
 */
import { errorMessage } from '../core/errors';
import type { FlowDef } from '../core/flow/types';
import { affectedFlows, type FlowLookup } from './dependencies';
import type { FlowIndex } from './discovery';
import { eitherToken } from './linkedToken';
import type { Log } from './log';
import type { RunTarget } from './runTargets';
import type { TestTree } from './testing';
import type { VSCode, vscode } from './vscodeTypes';

export interface ContinuousRunsDependencies {
  vscode: VSCode;
  log: Log;
  tree: TestTree;
  index: FlowIndex;
  /** The selected .env file, if any (its save re-runs every watched flow). */
  environmentFile: () => Promise<string | undefined>;
  targets: (request: vscode.TestRunRequest) => RunTarget[];
  /** Runs targets one after another, drawing them on `run`. */
  runTargets: (run: vscode.TestRun, targets: RunTarget[], token: vscode.CancellationToken) => Promise<void>;
}

interface ContinuousWatch {
  request: vscode.TestRunRequest;
  targets: RunTarget[];
  token: vscode.CancellationToken;
  /** Runs one after another: a save during a run queues the next. */
  queue: Promise<void>;
}

export class ContinuousRuns {
  private readonly watches = new Set<ContinuousWatch>();
  private readonly saved: vscode.Disposable;

  constructor(private readonly deps: ContinuousRunsDependencies) {
    this.saved = deps.vscode.workspace.onDidSaveTextDocument((doc) => this.onSaved(doc.uri));
  }

  /** Watches a continuous request's flows until its token is cancelled. */
  watch(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    return new Promise<void>((resolve) => {
      const watch: ContinuousWatch = { request, targets: this.deps.targets(request), token, queue: Promise.resolve() };
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

  dispose(): void {
    this.saved.dispose();
  }

  private onSaved(uri: vscode.Uri): void {
    if (this.watches.size === 0 || uri.scheme !== 'file') return;
    const saved = uri.fsPath;
    void (async () => {
      await this.deps.index.whenIdle();
      const environmentFile = await this.deps.environmentFile().catch(() => undefined);
      for (const watch of this.watches) {
        const targets = this.affected(watch, saved, environmentFile);
        if (targets.length === 0) continue;
        this.deps.log.info(`continuous run: ${saved} changed, re-running ${targets.length} flow(s)`);
        watch.queue = watch.queue.then(() => this.rerun(watch, targets));
      }
    })().catch((err) => this.deps.log.error(`continuous run failed: ${errorMessage(err)}`));
  }

  private async rerun(watch: ContinuousWatch, targets: RunTarget[]): Promise<void> {
    if (watch.token.isCancellationRequested) return;
    const run = this.deps.tree.controller.createTestRun(watch.request, undefined, true);
    const cancel = eitherToken(this.deps.vscode, watch.token, run.token);
    try {
      await this.deps.runTargets(run, targets, cancel.token);
    } finally {
      cancel.dispose();
      run.end();
    }
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
}
