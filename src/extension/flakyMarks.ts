/**
 * Flaky marks in the Test Explorer: a flow (and a step) whose recent executions the long history
 * calls flaky shows it after its description ("flaky: 3 of 10 runs failed"), where the user runs
 * it. Recomputed from the history when the manager is connected and after every finished run.
 */
import { dayRange } from '../core/analytics/range';
import { flakyFlows, flakyNote } from '../core/analytics/flakyMarks';
import { errorMessage } from '../core/errors';
import type { ExecutionManager } from '../core/executions';
import { flowIdFor } from '../core/workspaceFlows';
import type { FlowIndex } from './discovery';
import type { Log } from './log';
import { flowItemId, stepItemId, type TestTree } from './testing';

/** The window of executions the marks look at (the analytics' default flakiness window). */
export const FLAKY_WINDOW_DAYS = 7;
/** Runs finishing close together are counted in one refresh. */
const REFRESH_DELAY_MS = 200;

export class FlakyMarks {
  private manager: ExecutionManager | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly tree: TestTree,
    private readonly index: FlowIndex,
    private readonly log: Log,
  ) {}

  attach(manager: ExecutionManager): void {
    if (this.manager === manager) return;
    this.stopListening?.();
    this.manager = manager;
    const stopFinish = manager.onDidFinish(() => this.schedule());
    // Files listed later (or renamed) get their marks too.
    const indexChange = this.index.onDidChange(() => this.schedule());
    this.stopListening = () => {
      stopFinish();
      indexChange.dispose();
    };
    void this.refresh();
  }

  /** Recomputes the marks now; resolves when the tree shows them. */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(() => this.compute());
    return this.refreshing;
  }

  dispose(): void {
    this.stopListening?.();
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, REFRESH_DELAY_MS);
  }

  private async compute(): Promise<void> {
    const manager = this.manager;
    if (!manager) return;
    try {
      const window = dayRange(undefined, undefined, FLAKY_WINDOW_DAYS);
      const flaky = flakyFlows(await manager.store.runs.select({ from: window.from, to: window.to }));
      const notes = new Map<string, string>();
      for (const file of this.index.all()) {
        const found = flaky.get(flowIdFor(manager.workspace, file.uri.fsPath));
        if (!found) continue;
        if (found.flow) notes.set(flowItemId(file.key), flakyNote(found.flow));
        for (const [stepId, mark] of found.steps) notes.set(stepItemId(file.key, stepId), flakyNote(mark));
      }
      this.tree.setNotes(notes);
    } catch (err) {
      this.log.warn(`flaky marks: ${errorMessage(err)}`);
    }
  }
}
