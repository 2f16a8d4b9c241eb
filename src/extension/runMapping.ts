/**
 * Draws one execution's events on a `TestRun`: items go enqueued -> started -> passed / failed /
 * skipped as the events arrive, with durations. A failed assertion becomes a `TestMessage` with
 * expected and actual values (a diff) at the assertion's own line; each step's request/response
 * summary and logs go to the run's output, attached to the step's item but to no location: with
 * one, VS Code draws the output inline at the step's line, where the editor's own mark
 * (decorations.ts: state and duration, then the request) already says it.
 */
import type { ExecutionEvent, StepFailedEvent } from '../core/events';
import { allSteps, type FlowDef, type StepDef } from '../core/flow/types';
import type { StepAttemptDetail } from '../core/history/types';
import type { FlowFile } from './discovery';
import { lineStart, toRange } from './ranges';
import { definitionStepId, isSubflowStep } from './stepIds';
import { describeDetail, formatDiffValue } from './outputText';
import { formatDuration } from '../core/format';
import { notRunReason, skippedText } from '../core/stepStateText';
import { unresolvedVariable, unresolvedVariableMessage } from './variableHelp';
import type { TestTree } from './testing';
import type { VSCode, vscode } from './vscodeTypes';

export interface RunMappingOptions {
  /** The flow as it is run (possibly cut short for a step run); defaults to the file's flow. */
  flow?: FlowDef;
  /** Set when one step runs alone: the flow item is then left alone. */
  onlyStep?: string;
  /** Request/response detail of a step's attempts, for the output (the execution's history). */
  details?: (stepId: string) => Promise<StepAttemptDetail[] | undefined>;
}

type Final = 'passed' | 'failed' | 'skipped' | 'errored';

/** Request/response lookups per execution; after these the output shows only the step lines (huge loops). */
const MAX_DETAIL_LOOKUPS = 200;

export class RunMapping {
  private readonly flow: FlowDef;
  private readonly steps = new Map<string, StepDef>();
  /** Final states reported in this execution (for_each iterations must not turn a failure green). */
  private readonly finals = new Map<vscode.TestItem, Final>();
  private readonly enqueuedItems: vscode.TestItem[] = [];
  private readonly startedGroups = new Set<vscode.TestItem>();
  private output: Promise<void> = Promise.resolve();
  private ended = false;
  private detailLookups = 0;
  executionId: string | undefined;

  constructor(
    private readonly vscode: VSCode,
    private readonly run: vscode.TestRun,
    private readonly tree: TestTree,
    private readonly file: FlowFile,
    private readonly options: RunMappingOptions = {},
  ) {
    this.flow = options.flow ?? file.flow!;
    for (const step of allSteps(this.flow)) this.steps.set(step.id, step);
  }

  /** The items this execution will report on. */
  items(): vscode.TestItem[] {
    const key = this.file.key;
    const out: vscode.TestItem[] = [];
    const add = (item: vscode.TestItem | undefined) => {
      if (item && !out.includes(item)) out.push(item);
    };
    if (this.options.onlyStep !== undefined) {
      const target = this.steps.get(this.options.onlyStep);
      const walk = (step: StepDef) => {
        add(this.tree.stepItem(key, step.id));
        for (const block of step.blocks) block.steps.forEach(walk);
      };
      if (target) walk(target);
      return out;
    }
    add(this.tree.flowItem(key));
    if (this.flow.setup.length) add(this.tree.groupItem(key, 'setup'));
    if (this.flow.teardown.length) add(this.tree.groupItem(key, 'teardown'));
    for (const step of allSteps(this.flow)) add(this.tree.stepItem(key, step.id));
    return out;
  }

  enqueue(): void {
    for (const item of this.items()) {
      this.tree.setRunNote(item, undefined);
      this.run.enqueued(item);
      this.enqueuedItems.push(item);
    }
  }

  /** Applies one event of this execution. */
  handle(event: ExecutionEvent): void {
    if (this.ended) return;
    switch (event.type) {
      case 'execution.started':
        this.executionId = event.execution_id;
        this.print(
          `▶ ${event.data.flow_name}${this.options.onlyStep ? ` · step ${this.options.onlyStep} alone` : ''} (execution ${event.execution_id})`,
        );
        if (this.options.onlyStep === undefined) this.started(this.tree.flowItem(this.file.key));
        return;
      case 'step.started': {
        const item = this.stepItem(event.data.step_id);
        if (isSubflowStep(event.data.step_id)) return;
        if (event.data.attempt > 1) return;
        this.startGroup(event.data.phase);
        this.started(item);
        return;
      }
      case 'step.retrying': {
        const item = this.stepItem(event.data.step_id);
        this.print(
          `  ↻ ${event.data.step_id}: retrying (attempt ${event.data.attempt}) in ${formatDuration(event.data.delay_ms)} after: ${event.data.error_message}`,
          item,
        );
        return;
      }
      case 'step.completed': {
        const id = event.data.step_id;
        this.queueDetail(id, `✓ ${event.data.step_name}`, event.data.duration_ms);
        if (isSubflowStep(id)) return;
        this.final(this.stepItem(id), 'passed', event.data.duration_ms);
        return;
      }
      case 'step.failed': {
        const id = event.data.step_id;
        this.queueDetail(id, `✗ ${event.data.step_name}`, event.data.duration_ms, event.data.error_message);
        if (isSubflowStep(id)) return;
        const item = this.stepItem(id);
        // A step with `on_error: continue` may fail without failing its flow. Shown red, it would
        // turn the flow and file red too (VS Code rolls children up), so it passes here and its
        // failure goes to the output.
        if (this.steps.get(definitionStepId(id))?.onError === 'continue') {
          this.print(`    failed, continued (on_error: continue): ${event.data.error_message}`, item);
          if (item) this.final(item, 'passed', event.data.duration_ms);
          return;
        }
        if (item) this.final(item, 'failed', event.data.duration_ms, this.failureMessage(event));
        return;
      }
      case 'step.skipped': {
        const id = event.data.step_id;
        const item = this.stepItem(id);
        this.print(`  – ${event.data.step_name}: ${skippedText(event.data.reason)}`, item);
        if (isSubflowStep(id)) return;
        this.final(item, 'skipped', undefined, undefined, skippedText(event.data.reason));
        return;
      }
      case 'log': {
        const id = event.data.step_id;
        const item = id === undefined ? undefined : this.stepItem(id);
        this.print(`  [${event.data.level}] ${event.data.message}`, item);
        return;
      }
      case 'execution.completed':
      case 'execution.failed':
      case 'execution.cancelled':
        this.finishExecution(event);
        return;
    }
  }

  /** Waits for the output still being gathered (step details are read from history). */
  async flush(): Promise<void> {
    await this.output;
  }

  /** Whether any item of this execution failed. */
  get failed(): boolean {
    return [...this.finals.values()].some((s) => s === 'failed' || s === 'errored');
  }

  /** Ends the mapping when the execution never ran (e.g. the manager refused it). */
  fail(message: string): void {
    const item =
      this.options.onlyStep !== undefined
        ? this.tree.stepItem(this.file.key, this.options.onlyStep)
        : this.tree.flowItem(this.file.key);
    if (item) this.final(item, 'errored', undefined, new this.vscode.TestMessage(message));
    this.print(`✗ ${message}`);
    this.skipUnfinished();
    this.ended = true;
  }

  private finishExecution(
    event: ExecutionEvent & { type: 'execution.completed' | 'execution.failed' | 'execution.cancelled' },
  ): void {
    const flowItem = this.tree.flowItem(this.file.key);
    const duration = event.data.duration_ms;
    for (const phase of ['setup', 'teardown'] as const) {
      const group = this.tree.groupItem(this.file.key, phase);
      if (!group || !this.enqueuedItems.includes(group)) continue;
      const states: Final[] = [];
      group.children.forEach((child) => {
        const state = this.finals.get(child);
        if (state) states.push(state);
      });
      if (states.some((s) => s === 'failed' || s === 'errored'))
        this.final(group, 'failed', undefined, new this.vscode.TestMessage(`a ${phase} step failed`));
      else if (states.includes('passed')) this.final(group, 'passed');
      else this.final(group, 'skipped');
    }
    if (this.options.onlyStep === undefined && flowItem) {
      if (event.type === 'execution.completed') this.final(flowItem, 'passed', duration);
      else if (event.type === 'execution.cancelled') this.final(flowItem, 'skipped');
      else if (this.failed) this.final(flowItem, 'failed', duration, this.flowMessage(event.data.error));
      // No step failed, yet the run did: the flow could not start (env file, sub-flow, ...).
      else this.final(flowItem, 'errored', duration, this.flowMessage(event.data.error));
    } else if (event.type === 'execution.failed' && !this.failed && this.options.onlyStep !== undefined) {
      const item = this.tree.stepItem(this.file.key, this.options.onlyStep);
      if (item) this.final(item, 'errored', duration, this.flowMessage(event.data.error));
    }
    const verdict =
      event.type === 'execution.completed'
        ? 'passed'
        : event.type === 'execution.cancelled'
          ? 'cancelled'
          : `failed: ${event.data.error}`;
    this.print(`■ ${verdict} in ${formatDuration(duration)}`);
    this.skipUnfinished();
    this.ended = true;
  }

  /**
   * Items no event reported end skipped. A nested step says why when its parent tells: the
   * parent's own skip reason, or the parent ran without it (a condition's other branch, a loop
   * with no items); the panel uses the same words.
   */
  private skipUnfinished(): void {
    for (const item of this.enqueuedItems) {
      if (this.finals.has(item)) continue;
      const data = this.tree.dataOf(item);
      const step = data?.stepId === undefined ? undefined : this.steps.get(data.stepId);
      const parentStep = step?.parentId === undefined ? undefined : this.steps.get(step.parentId);
      const parentItem = parentStep && this.tree.stepItem(this.file.key, parentStep.id);
      const parentState = parentItem && this.finals.get(parentItem);
      const note =
        parentState === 'skipped'
          ? this.tree.runNote(parentItem!)
          : parentState === 'passed' || parentState === 'failed'
            ? skippedText(notRunReason(parentStep!.action))
            : undefined;
      this.final(item, 'skipped', undefined, undefined, note);
    }
  }

  /** A plain message, or for an unresolved variable one that says where variables come from (with links). */
  private textMessage(error: string): vscode.TestMessage {
    return new this.vscode.TestMessage(
      unresolvedVariable(error) ? unresolvedVariableMessage(this.vscode, error, null) : error,
    );
  }

  private flowMessage(error: string): vscode.TestMessage {
    const message = this.textMessage(error);
    message.location = new this.vscode.Location(
      this.file.uri,
      lineStart(this.vscode, this.flow.nameRange ?? this.flow.range),
    );
    return message;
  }

  private failureMessage(event: StepFailedEvent): vscode.TestMessage {
    const d = event.data;
    const step = this.steps.get(definitionStepId(d.step_id));
    let message: vscode.TestMessage;
    const expected = d.expected === undefined ? undefined : formatDiffValue(d.expected);
    const actual = d.actual === undefined ? undefined : formatDiffValue(d.actual);
    // A diff only helps when there are two different values (`x != 2` failing has one).
    if (d.assertion !== undefined && expected !== undefined && actual !== undefined && expected !== actual) {
      message = this.vscode.TestMessage.diff(d.error_message, expected, actual);
    } else {
      message = this.textMessage(d.error_message);
    }
    if (step) {
      const range = d.assertion !== undefined ? this.assertionRange(step, d.assertion) : undefined;
      message.location = new this.vscode.Location(
        this.file.uri,
        range ?? lineStart(this.vscode, step.actionRange ?? step.range),
      );
    }
    return message;
  }

  /** The assertion's line: from the step's `assert` list, else found in the step's text (the `assert` action's `config.assertions`). */
  private assertionRange(step: StepDef, expression: string): vscode.Range | undefined {
    const wanted = expression.trim();
    const declared = step.assert.find((a) => a.expression.trim() === wanted);
    if (declared) return toRange(this.vscode, declared.range);
    const lines = this.file.text.split(/\r?\n/);
    const first = step.range.start.line - 1;
    const last = Math.min(lines.length - 1, step.range.end.line - 1);
    for (let line = first; line <= last; line++) {
      const column = lines[line].indexOf(wanted);
      if (column >= 0) return new this.vscode.Range(line, column, line, column + wanted.length);
    }
    return undefined;
  }

  private stepItem(eventStepId: string): vscode.TestItem | undefined {
    return this.tree.stepItem(this.file.key, definitionStepId(eventStepId));
  }

  private startGroup(phase: string): void {
    if (this.options.onlyStep !== undefined || (phase !== 'setup' && phase !== 'teardown')) return;
    const group = this.tree.groupItem(this.file.key, phase);
    if (!group || this.startedGroups.has(group)) return;
    this.startedGroups.add(group);
    this.started(group);
  }

  private started(item: vscode.TestItem | undefined): void {
    if (!item || this.finals.get(item) === 'failed') return;
    this.run.started(item);
  }

  private final(
    item: vscode.TestItem | undefined,
    state: Final,
    duration?: number,
    message?: vscode.TestMessage,
    /** For a skip: why, shown on the item in the Testing tree (see TestTree.setRunNote). */
    skipNote?: string,
  ): void {
    if (!item) return;
    const previous = this.finals.get(item);
    // An item reported more than once (loop iterations): a failure stays a failure.
    if (previous === 'failed' || previous === 'errored') {
      if (state === 'failed' && message) this.run.failed(item, message, duration);
      return;
    }
    if (previous === 'passed' && state === 'skipped') return;
    this.finals.set(item, state);
    this.tree.setRunNote(item, state === 'skipped' ? skipNote : undefined);
    if (state === 'passed') this.run.passed(item, duration);
    else if (state === 'skipped') this.run.skipped(item);
    else if (state === 'failed') this.run.failed(item, message ?? new this.vscode.TestMessage('failed'), duration);
    else this.run.errored(item, message ?? new this.vscode.TestMessage('error'), duration);
  }

  /** A line of output, attached to a step's item when there is one (never to a location: see above). */
  private print(text: string, item?: vscode.TestItem): void {
    const chained = this.output.then(() => this.write(text, item));
    this.output = chained;
  }

  private write(text: string, item?: vscode.TestItem): void {
    this.run.appendOutput(`${text.replace(/\r?\n/g, '\r\n')}\r\n`, undefined, item);
  }

  /**
   * The step's request/response (read from history once recorded) in the output, under the step's
   * item. Steps with nothing to show get a plain line.
   */
  private queueDetail(eventStepId: string, headline: string, durationMs: number, error?: string): void {
    const item = this.stepItem(eventStepId);
    const fetch = this.detailLookups++ < MAX_DETAIL_LOOKUPS ? this.options.details : undefined;
    this.output = this.output.then(async () => {
      const details = fetch ? await fetch(eventStepId).catch(() => undefined) : undefined;
      const last = details?.[details.length - 1];
      const detail = last ? describeDetail(last) : '';
      const errorLine = error ? `  error: ${error}` : '';
      if (detail) this.write([detail, errorLine].filter(Boolean).join('\n'), item);
      else
        this.write(
          [`${headline} (${eventStepId}) ${formatDuration(durationMs)}`, errorLine].filter(Boolean).join('\n'),
          item,
        );
    });
  }
}
