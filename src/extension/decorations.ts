/**
 * Step results next to the steps in the editor: "⟳ running…" on the line of the step that is
 * running now, and after it each step's state and duration first, then its request in short
 * ("✓ 120 ms · POST /orders → 201", "– skipped: an earlier step failed"). Drawn from every
 * execution's events (editor, REST API or panel runs alike) and placed by the current parse of
 * the file, so they follow edits. This is the only thing a run writes at the end of a step's
 * line: the Test Explorer's output goes to Test Results without a location (VS Code would draw it
 * inline on the same line, pushing this mark out of view).
 */
import type { ExecutionEvent } from '../core/events';
import type { ExecutionManager } from '../core/executions';
import { allSteps } from '../core/flow/types';
import type { FlowIndex } from './discovery';
import { stepStateText } from '../core/stepStateText';
import { requestSummary } from './outputText';
import { definitionStepId, isSubflowStep } from './stepIds';
import type { VSCode, vscode } from './vscodeTypes';

type StepStatus = 'running' | 'passed' | 'failed' | 'skipped';

interface StepMark {
  status: StepStatus;
  durationMs?: number;
  /** A loop iteration of this step failed earlier in the same execution. */
  failedBefore?: boolean;
  skipReason?: string;
  /** The step's request in short (`POST /orders → 201`), once its detail is recorded. */
  summary?: string;
}

const RENDER_DELAY_MS = 30;

export class StepDecorations {
  private readonly types: Record<StepStatus, vscode.TextEditorDecorationType>;
  /** File key -> step id -> latest mark. */
  private readonly marks = new Map<string, Map<string, StepMark>>();
  /** Execution id -> file key, while it runs. */
  private readonly executions = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private unsubscribe: (() => void) | undefined;
  private manager: ExecutionManager | undefined;

  constructor(
    private readonly vscode: VSCode,
    private readonly index: FlowIndex,
  ) {
    const after = (color: string, italic = false): vscode.DecorationRenderOptions => ({
      after: { color: new vscode.ThemeColor(color), margin: '0 0 0 2em', fontStyle: italic ? 'italic' : 'normal' },
    });
    this.types = {
      running: vscode.window.createTextEditorDecorationType(after('testing.iconQueued', true)),
      passed: vscode.window.createTextEditorDecorationType(after('testing.iconPassed')),
      failed: vscode.window.createTextEditorDecorationType(after('testing.iconFailed')),
      skipped: vscode.window.createTextEditorDecorationType(after('testing.iconSkipped', true)),
    };
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()),
      index.onDidChange((change) => {
        for (const key of change.removed) this.marks.delete(key);
        for (const file of change.changed) this.schedule(file.key);
      }),
    );
  }

  attach(manager: ExecutionManager): void {
    this.manager = manager;
    this.unsubscribe = manager.subscribe((event) => this.onEvent(event));
  }

  /** Forgets the marks of finished runs (their results no longer hold, e.g. the environment changed). */
  clearFinished(): void {
    const running = new Set(this.executions.values());
    for (const key of [...this.marks.keys()]) {
      if (running.has(key)) continue;
      this.marks.delete(key);
      this.schedule(key);
    }
  }

  /** Marks of a file (step id -> status and duration), for the test hook. */
  marksOf(key: string): Record<string, StepMark> {
    return Object.fromEntries(this.marks.get(key) ?? []);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.unsubscribe?.();
    for (const d of this.disposables) d.dispose();
    for (const type of Object.values(this.types)) type.dispose();
  }

  private onEvent(event: ExecutionEvent): void {
    if (event.type === 'execution.started') {
      const file = this.index.byPath(event.data.flow_file);
      if (!file) return;
      this.executions.set(event.execution_id, file.key);
      // A full run replaces the last results; a single-step run only its own step's.
      if (this.manager?.get(event.execution_id)?.only_step === undefined) this.marks.set(file.key, new Map());
      this.schedule(file.key);
      return;
    }
    const key = this.executions.get(event.execution_id);
    if (!key) return;
    const marks = this.marks.get(key) ?? new Map<string, StepMark>();
    this.marks.set(key, marks);
    switch (event.type) {
      case 'step.started': {
        if (isSubflowStep(event.data.step_id)) break;
        const id = definitionStepId(event.data.step_id);
        const previous = marks.get(id);
        // Loop iterations (`id[2]`) add up to one mark: time summed, a failure sticks.
        const iteration = id !== event.data.step_id && previous !== undefined;
        marks.set(id, {
          status: 'running',
          durationMs: iteration ? previous.durationMs : undefined,
          failedBefore: iteration && (previous.status === 'failed' || previous.failedBefore === true),
        });
        break;
      }
      case 'step.completed':
      case 'step.failed': {
        if (isSubflowStep(event.data.step_id)) break;
        const id = definitionStepId(event.data.step_id);
        const previous = marks.get(id);
        const failed = event.type === 'step.failed' || previous?.failedBefore === true;
        const mark: StepMark = {
          status: failed ? 'failed' : 'passed',
          durationMs: (previous?.durationMs ?? 0) + event.data.duration_ms,
          failedBefore: failed,
        };
        marks.set(id, mark);
        this.addSummary(key, event.execution_id, event.data.step_id, mark);
        break;
      }
      case 'step.skipped': {
        if (isSubflowStep(event.data.step_id)) break;
        const id = definitionStepId(event.data.step_id);
        if (!marks.has(id) || marks.get(id)?.status === 'running')
          marks.set(id, { status: 'skipped', skipReason: event.data.reason });
        break;
      }
      case 'execution.completed':
      case 'execution.failed':
      case 'execution.cancelled':
        for (const [id, mark] of marks)
          if (mark.status === 'running')
            marks.set(id, {
              status: 'skipped',
              skipReason: event.type === 'execution.cancelled' ? 'cancelled' : undefined,
            });
        this.executions.delete(event.execution_id);
        break;
      default:
        return;
    }
    this.schedule(key);
  }

  /** Reads the step's recorded request (history has it once the step ends) and adds it to the mark. */
  private addSummary(key: string, executionId: string, eventStepId: string, mark: StepMark): void {
    const manager = this.manager;
    if (!manager) return;
    void manager
      .stepDetail(executionId, eventStepId)
      .then((details) => {
        const last = details?.[details.length - 1];
        const summary = last ? requestSummary(last) : undefined;
        // Still the same mark (a newer run or iteration has not replaced it).
        if (!summary || this.marks.get(key)?.get(definitionStepId(eventStepId)) !== mark) return;
        mark.summary = summary;
        this.schedule(key);
      })
      .catch(() => undefined);
  }

  private schedule(key: string): void {
    this.dirty.add(key);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const keys = [...this.dirty];
      this.dirty.clear();
      for (const editor of this.vscode.window.visibleTextEditors)
        if (keys.includes(editor.document.uri.toString())) this.render(editor);
    }, RENDER_DELAY_MS);
  }

  private renderAll(): void {
    for (const editor of this.vscode.window.visibleTextEditors) this.render(editor);
  }

  private render(editor: vscode.TextEditor): void {
    const key = editor.document.uri.toString();
    const flow = this.index.get(key)?.flow;
    const marks = this.marks.get(key);
    const options: Record<StepStatus, vscode.DecorationOptions[]> = {
      running: [],
      passed: [],
      failed: [],
      skipped: [],
    };
    if (flow && marks) {
      for (const step of allSteps(flow)) {
        const mark = marks.get(step.id);
        const line = step.range.start.line - 1;
        if (!mark || line < 0 || line >= editor.document.lineCount) continue;
        const end = editor.document.lineAt(line).range.end;
        options[mark.status].push({
          range: new this.vscode.Range(end, end),
          renderOptions: { after: { contentText: label(mark) } },
        });
      }
    }
    for (const status of Object.keys(options) as StepStatus[])
      editor.setDecorations(this.types[status], options[status]);
  }
}

/** State and duration first (always seen), the request after it (may run past the window's edge). */
export function label(mark: StepMark): string {
  const state = stepStateText(mark.status, { durationMs: mark.durationMs, skipReason: mark.skipReason });
  return mark.summary && mark.status !== 'running' ? `${state} · ${mark.summary}` : state;
}
