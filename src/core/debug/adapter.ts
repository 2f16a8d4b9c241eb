/**
 * The Debug Adapter Protocol face of the debugger, on Microsoft's `@vscode/debugadapter`
 * (framing, request dispatch, line bases; the same class runs inline in VS Code's extension host
 * and over stdio in `testmesh debug-adapter`). Protocol only: where to stop is the controller's,
 * how a run starts is the launcher's.
 *
 * One thread (the flow). Frames: the paused step, the steps around it, and a frame per flow (a
 * sub-flow's frame sits between its first steps and the `run_flow` step that called it).
 */
import { basename } from 'node:path';
import {
  DebugSession,
  ExitedEvent,
  InitializedEvent,
  OutputEvent,
  Source,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { StepFrame } from '../engine/hooks';
import type { Scope as VariableScope } from '../engine/scope';
import { errorMessage } from '../errors';
import { formatDuration } from '../format';
import type { ExecutionEvent } from '../events';
import type { FlowDef } from '../flow/types';
import { interpolate } from '../template';
import { DebugController, type Stop } from './controller';
import { evaluateText } from './evaluate';
import type { DebugLauncher, DebugRun } from './launcher';
import { parseLaunchArgs, type LaunchArgs } from './launchArgs';
import { VariableTable } from './variables';

const THREAD_ID = 1;
/** How long a launch waits for `configurationDone` from clients that are slow to send it. */
const CONFIGURATION_WAIT_MS = 5000;

export const FAILED_ASSERTION_FILTER = 'failedAssertion';
export const FAILED_STEP_FILTER = 'failedStep';

type FrameEntry =
  { kind: 'step'; frame: StepFrame; top: boolean } | { kind: 'flow'; flow: FlowDef; scope: VariableScope };

export class FlowDebugSession extends DebugSession {
  private readonly controller: DebugController;
  private readonly table: VariableTable;
  private args: LaunchArgs | undefined;
  private flow: FlowDef | undefined;
  private run: DebugRun | undefined;
  private restarting = false;
  private ended = false;
  private configured!: () => void;
  private readonly configurationDone = new Promise<void>((resolve) => (this.configured = resolve));
  private frameIds = new Map<number, FrameEntry>();
  private nextFrameId = 1;
  /** The call stack of the current stop, built once: VS Code asks for the top frame, then the rest. */
  private stack: { stop: unknown; frames: DebugProtocol.StackFrame[] } | undefined;
  private redact: <T>(value: T) => T = (value) => value;
  private closedSignal!: () => void;
  /** Settles when the client disconnected or its stream closed, after the run's teardown. */
  readonly closed = new Promise<void>((resolve) => (this.closedSignal = resolve));
  private variableNames = new Set<string>();
  private environmentNames = new Set<string>();

  constructor(private readonly launcher: DebugLauncher) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.table = new VariableTable(() => this.redact);
    this.controller = new DebugController({
      stopped: (stop) => this.onStopped(stop),
      output: (text, category, at) => this.output(text, category, at),
    });
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsSetVariable: true,
      supportsEvaluateForHovers: false,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsExceptionInfoRequest: true,
      exceptionBreakpointFilters: [
        {
          filter: FAILED_ASSERTION_FILTER,
          label: 'Failed assertions',
          description: 'Pause after a step whose assertion failed',
          default: false,
        },
        {
          filter: FAILED_STEP_FILTER,
          label: 'Any failed step',
          description: 'Pause after any step that failed',
          default: false,
        },
      ],
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configured();
    this.sendResponse(response);
  }

  protected override async launchRequest(
    response: DebugProtocol.LaunchResponse,
    raw: DebugProtocol.LaunchRequestArguments,
  ): Promise<void> {
    try {
      this.args = parseLaunchArgs(raw);
      this.flow = await this.launcher.loadFlow(this.args);
    } catch (err) {
      this.fail(response, errorMessage(err));
      this.finish();
      return;
    }
    await Promise.race([
      this.configurationDone,
      new Promise((resolve) => setTimeout(resolve, CONFIGURATION_WAIT_MS).unref?.()),
    ]);
    try {
      await this.startRun();
    } catch (err) {
      this.fail(response, errorMessage(err));
      this.finish();
      return;
    }
    this.sendResponse(response);
  }

  private async startRun(): Promise<void> {
    const args = this.args!;
    const flow = this.flow!;
    this.controller.stopOnEntry = args.stopOnEntry;
    this.controller.stopAtStep = args.stopAtStep;
    this.controller.begin();
    this.variableNames = new Set(Object.keys(args.variables));
    const run = await this.launcher.start({
      flow,
      args,
      hooks: args.noDebug ? undefined : this.controller.hooks(),
      onEvent: (event) => this.onRunEvent(event),
    });
    this.run = run;
    this.environmentNames = new Set(run.environmentNames);
    void run.done.then(
      (outcome) => {
        if (this.restarting || this.run !== run) return;
        this.output(
          `Flow '${flow.name}' ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}\n`,
          outcome.status === 'completed' ? 'console' : 'important',
        );
        this.sendEvent(new ExitedEvent(outcome.status === 'completed' ? 0 : 1));
        this.finish();
      },
      (err) => {
        this.output(`internal error: ${errorMessage(err)}\n`, 'stderr');
        this.finish();
      },
    );
  }

  /** Ends the session once (terminated event). */
  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.controller.end();
    this.sendEvent(new TerminatedEvent());
  }

  private fail(response: DebugProtocol.Response, message: string): void {
    this.sendErrorResponse(response, {
      id: 1001,
      format: message.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')')),
      showUser: true,
    });
  }

  protected override async setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): Promise<void> {
    const path = args.source.path;
    const requests: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
    if (!path) {
      response.body = {
        breakpoints: requests.map(() => ({ verified: false, message: 'only flow files on disk take breakpoints' })),
      };
      this.sendResponse(response);
      return;
    }
    const file = this.convertClientPathToDebugger(path);
    const { flow, problem } = await this.launcher
      .loadForBreakpoints(file)
      .catch((err) => ({ flow: undefined, problem: errorMessage(err) }));
    const set = this.controller.breakpoints.set(
      file,
      flow,
      problem,
      requests.map((b) => ({
        line: this.convertClientLineToDebugger(b.line),
        condition: b.condition,
        hitCondition: b.hitCondition,
        logMessage: b.logMessage,
      })),
    );
    response.body = {
      breakpoints: set.map((bp) => ({
        id: bp.id,
        verified: bp.verified,
        line: this.convertDebuggerLineToClient(bp.line),
        message: bp.message,
        source: args.source,
      })),
    };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    const filters = new Set([...(args.filters ?? []), ...(args.filterOptions ?? []).map((o) => o.filterId)]);
    this.controller.filters = {
      failedAssertion: filters.has(FAILED_ASSERTION_FILTER),
      failedStep: filters.has(FAILED_STEP_FILTER),
    };
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD_ID, this.flow ? `flow: ${this.flow.name}` : 'flow')] };
    this.sendResponse(response);
  }

  private onStopped(stop: Stop): void {
    this.table.reset();
    this.frameIds.clear();
    this.stack = undefined;
    this.redact = stop.frame.redact;
    const where = `${stop.frame.step.name} (${basename(stop.frame.flow.file)}:${stop.frame.step.range.start.line})`;
    const event = new StoppedEvent(stop.reason, THREAD_ID, stop.text) as DebugProtocol.StoppedEvent;
    event.body.allThreadsStopped = true;
    event.body.description = stop.reason === 'exception' ? `Paused on failed step: ${where}` : `Paused before ${where}`;
    if (stop.hitBreakpointIds.length) event.body.hitBreakpointIds = stop.hitBreakpointIds;
    if (stop.failure)
      this.output(`✗ ${stop.frame.step.name}: ${stop.text}\n`, 'stderr', {
        file: stop.frame.flow.file,
        line: stop.frame.step.range.start.line,
      });
    this.sendEvent(event);
  }

  protected override stackTraceRequest(
    response: DebugProtocol.StackTraceResponse,
    args: DebugProtocol.StackTraceArguments,
  ): void {
    const stop = this.controller.paused;
    // Frame ids stay valid for the whole stop: a second request (startFrame 1, as VS Code sends
    // after the top frame) must not invalidate the top frame whose scopes the editor shows.
    if (!this.stack || this.stack.stop !== stop) {
      const built: DebugProtocol.StackFrame[] = [];
      if (stop) {
        const chain = stop.chain;
        chain.forEach((frame, index) => {
          built.push(this.stepFrame(frame, index === 0));
          const outer = chain[index + 1];
          if (!outer || outer.flow !== frame.flow) built.push(this.flowFrame(frame.flow, frame.scope.root()));
        });
      }
      this.stack = { stop, frames: built };
    }
    const frames = this.stack.frames;
    const start = args.startFrame ?? 0;
    const shown = args.levels ? frames.slice(start, start + args.levels) : frames.slice(start);
    response.body = { stackFrames: shown, totalFrames: frames.length };
    this.sendResponse(response);
  }

  private stepFrame(frame: StepFrame, top: boolean): DebugProtocol.StackFrame {
    const id = this.nextFrameId++;
    this.frameIds.set(id, { kind: 'step', frame, top });
    const at = frame.stepId.lastIndexOf(frame.step.id);
    const instance = at >= 0 ? frame.stepId.slice(at + frame.step.id.length) : '';
    const phase = frame.step.phase === 'steps' ? '' : ` · ${frame.step.phase}`;
    return {
      id,
      name: `${frame.step.name}${instance ? ` ${instance}` : ''} (${frame.step.action}${phase})`,
      source: this.source(frame.flow.file),
      line: this.convertDebuggerLineToClient(frame.step.range.start.line),
      column: this.convertDebuggerColumnToClient(frame.step.range.start.column),
    };
  }

  private flowFrame(flow: FlowDef, scope: VariableScope): DebugProtocol.StackFrame {
    const id = this.nextFrameId++;
    this.frameIds.set(id, { kind: 'flow', flow, scope });
    const position = flow.nameRange?.start ?? flow.range.start;
    return {
      id,
      name: `flow: ${flow.name}`,
      source: this.source(flow.file),
      line: this.convertDebuggerLineToClient(position.line),
      column: this.convertDebuggerColumnToClient(position.column),
      presentationHint: 'label',
    };
  }

  private source(file: string): Source {
    return new Source(basename(file), this.convertDebuggerPathToClient(file));
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const entry = this.frameIds.get(args.frameId);
    const scopes: DebugProtocol.Scope[] = [];
    const scope = (name: string, ref: number, hint?: string): DebugProtocol.Scope => ({
      name,
      variablesReference: ref,
      expensive: false,
      ...(hint ? { presentationHint: hint } : {}),
    });
    if (entry?.kind === 'flow') {
      scopes.push(scope('Variables', this.table.add(this.runVariables(entry.scope, entry.flow)), 'locals'));
      scopes.push(scope('Outputs', this.table.add(this.outputs(entry.scope))));
    } else if (entry?.kind === 'step') {
      const { frame, top } = entry;
      const stop = this.controller.paused;
      if (top && stop?.failure)
        scopes.push(scope('Failure', this.table.add(this.table.fixedContainer(failureEntries(stop)))));
      scopes.push(scope(`Step: ${frame.step.name}`, this.table.add(this.stepConfig(frame)), 'arguments'));
      const loop = loopScopes(frame.scope);
      if (loop.length) scopes.push(scope('Loop', this.table.add(this.loopVariables(loop)), 'locals'));
      scopes.push(scope('Variables', this.table.add(this.runVariables(frame.scope.root(), frame.flow)), 'locals'));
      scopes.push(scope('Outputs', this.table.add(this.outputs(frame.scope.root()))));
      if (top && this.controller.lastResponse !== undefined)
        scopes.push(scope('Last response', this.table.add(this.lastResponse())));
    }
    response.body = { scopes };
    this.sendResponse(response);
  }

  /**
   * Run variables of a flow's root scope, outputs excluded, each labelled with the source that set
   * it last: flow env over the flow's env_file (.env) over variables over the environment. A
   * sub-flow's are its inputs and what it inherited, and its own env.
   */
  private runVariables(root: VariableScope, flow: FlowDef) {
    const outputs = outputNames(root);
    const main = flow === this.flow;
    const flowEnv = new Set(Object.keys(flow.env));
    const label = (name: string) => {
      if (flowEnv.has(name)) return 'flow env';
      if (!main) return 'input';
      if (this.variableNames.has(name)) return 'variable';
      if (this.environmentNames.has(name)) return 'environment';
      return '.env';
    };
    return this.table.mapContainer(root.vars, (name) => !outputs.has(name), label);
  }

  private outputs(root: VariableScope) {
    const outputs = outputNames(root);
    return this.table.mapContainer(
      root.vars,
      (name) => outputs.has(name),
      () => 'output',
    );
  }

  private loopVariables(scopes: VariableScope[]) {
    const table = this.table;
    return {
      children: () => {
        const seen = new Set<string>();
        const out: DebugProtocol.Variable[] = [];
        for (const s of scopes) {
          for (const [name, value] of s.vars) {
            if (seen.has(name)) continue;
            seen.add(name);
            out.push(table.variable(name, value, { evaluateName: name }));
          }
        }
        return out;
      },
      set: (name: string, value: unknown) => {
        const owner = scopes.find((s) => s.vars.has(name));
        if (!owner) throw new Error(`no loop variable '${name}'`);
        owner.vars.set(name, value);
        return value;
      },
    };
  }

  /** The step as it will run: its config with placeholders resolved (errors in place), and its settings. */
  private stepConfig(frame: StepFrame) {
    const step = frame.step;
    const config: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(step.config)) {
      try {
        config[key] = interpolate(value, frame.scope.resolve);
      } catch (err) {
        config[key] = `<${errorMessage(err)}>`;
      }
    }
    const entries: Array<[string, unknown]> = [
      ['id', frame.stepId],
      ['action', step.action],
      ['config', config],
    ];
    if (step.when !== undefined) entries.push(['when', step.when]);
    if (step.assert.length) entries.push(['assert', step.assert.map((a) => a.expression)]);
    if (Object.keys(step.output).length) entries.push(['output', step.output]);
    return this.table.fixedContainer(entries);
  }

  private lastResponse() {
    const response = this.controller.lastResponse as Record<string, unknown>;
    return this.table.fixedContainer(
      ['status', 'headers', 'body', 'duration_ms']
        .filter((k) => k in response)
        .map((k) => [k, response[k]] as [string, unknown]),
    );
  }

  protected override variablesRequest(
    response: DebugProtocol.VariablesResponse,
    args: DebugProtocol.VariablesArguments,
  ): void {
    response.body = { variables: this.table.children(args.variablesReference) };
    this.sendResponse(response);
  }

  protected override setVariableRequest(
    response: DebugProtocol.SetVariableResponse,
    args: DebugProtocol.SetVariableArguments,
  ): void {
    try {
      const variable = this.table.set(args.variablesReference, args.name, args.value);
      response.body = { value: variable.value, variablesReference: variable.variablesReference };
      this.sendResponse(response);
    } catch (err) {
      this.fail(response, errorMessage(err));
    }
  }

  protected override evaluateRequest(
    response: DebugProtocol.EvaluateResponse,
    args: DebugProtocol.EvaluateArguments,
  ): void {
    const stop = this.controller.paused;
    const entry = args.frameId !== undefined ? this.frameIds.get(args.frameId) : undefined;
    const frame = entry?.kind === 'step' ? entry.frame : stop?.frame;
    if (!frame) {
      this.fail(response, 'the flow is not paused: evaluation needs a paused step');
      return;
    }
    try {
      const context =
        entry?.kind === 'flow'
          ? { scope: entry.scope, lastResponse: this.controller.lastResponse }
          : this.controller.evaluationContext(frame);
      const value = evaluateText(args.expression, context);
      const presented = this.table.present(value);
      response.body = { result: presented.value, variablesReference: presented.variablesReference };
      this.sendResponse(response);
    } catch (err) {
      this.fail(response, frame.redact(errorMessage(err)));
    }
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const stop = this.controller.paused;
    const failure = stop?.failure;
    response.body = {
      exceptionId: failure?.assertion ? 'failed assertion' : 'failed step',
      description: stop?.text ?? 'step failed',
      breakMode: 'always',
      details: failure?.assertion
        ? { message: failure.assertion.message, typeName: failure.assertion.expression }
        : undefined,
    };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.resume(() => this.controller.continue());
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.resume(() => this.controller.stepOver());
    this.sendResponse(response);
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.resume(() => this.controller.stepIn());
    this.sendResponse(response);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.resume(() => this.controller.stepOut());
    this.sendResponse(response);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.controller.pause();
    this.sendResponse(response);
  }

  private resume(action: () => void): void {
    this.table.reset();
    this.frameIds.clear();
    this.stack = undefined;
    action();
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    this.stopRun();
    this.sendResponse(response);
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse): Promise<void> {
    this.stopRun();
    // Teardown runs before the session goes away (bounded, so a stuck teardown cannot hold the client).
    await this.whenRunEnded();
    this.sendResponse(response);
    this.shutdown();
  }

  /** The library would exit the process here; the CLI and the extension host decide that themselves. */
  override shutdown(): void {
    this.stopRun();
    void this.whenRunEnded().then(() => this.closedSignal());
  }

  private async whenRunEnded(): Promise<void> {
    if (this.run)
      await Promise.race([
        this.run.done.catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 30_000).unref?.()),
      ]);
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse): Promise<void> {
    const previous = this.run;
    this.restarting = true;
    try {
      this.controller.end();
      previous?.cancel();
      await previous?.done.catch(() => undefined);
      this.output('Restarting…\n', 'console');
      this.flow = await this.launcher.loadFlow(this.args!);
      await this.startRun();
      this.sendResponse(response);
    } catch (err) {
      this.fail(response, errorMessage(err));
      this.finish();
    } finally {
      this.restarting = false;
    }
  }

  /** Cancels the run: the request in flight is aborted; teardown runs, without stops, and shows in the console. */
  private stopRun(): void {
    this.controller.end();
    if (this.ended) return;
    if (this.run) {
      this.output('Stopping: cancelling the step in flight; teardown still runs.\n', 'console');
      this.run.cancel();
    } else {
      this.finish();
    }
  }

  private onRunEvent(event: ExecutionEvent): void {
    const at = (stepId: string | undefined) => {
      const frame = stepId === undefined ? undefined : this.controller.frame(stepId);
      return frame && { file: frame.flow.file, line: frame.step.range.start.line };
    };
    const redact = this.redact;
    switch (event.type) {
      case 'execution.started':
        this.output(`Debugging '${event.data.flow_name}' (${event.data.total_steps} steps)\n`, 'console');
        break;
      case 'step.started': {
        const phase = event.data.phase === 'steps' ? '' : `[${event.data.phase}] `;
        const attempt = (event.data.attempt ?? 1) > 1 ? ` (attempt ${event.data.attempt})` : '';
        this.output(`▶ ${phase}${event.data.step_name}${attempt}\n`, 'stdout', at(event.data.step_id));
        break;
      }
      case 'step.completed':
        this.output(
          `✓ ${event.data.step_name} (${formatDuration(event.data.duration_ms)})\n`,
          'stdout',
          at(event.data.step_id),
        );
        break;
      case 'step.failed':
        this.output(`✗ ${event.data.step_name}: ${event.data.error_message}\n`, 'stderr', at(event.data.step_id));
        break;
      case 'step.skipped':
        this.output(`○ ${event.data.step_name}: skipped (${event.data.reason})\n`, 'stdout');
        break;
      case 'step.retrying':
        this.output(
          `↻ retrying in ${formatDuration(event.data.delay_ms)}: ${event.data.error_message}\n`,
          'stdout',
          at(event.data.step_id),
        );
        break;
      case 'log':
        this.output(`  ${redact(event.data.message)}\n`, 'stdout', at(event.data.step_id));
        break;
      default:
        break;
    }
  }

  private output(text: string, category: string, at?: { file: string; line: number }): void {
    const event = new OutputEvent(text, category) as DebugProtocol.OutputEvent;
    if (at) {
      event.body.source = this.source(at.file);
      event.body.line = this.convertDebuggerLineToClient(at.line);
    }
    this.sendEvent(event);
  }
}

/** Names of the outputs steps of this flow run have captured so far. */
function outputNames(root: VariableScope): Set<string> {
  const names = new Set<string>();
  for (const record of root.records.values()) for (const name of Object.keys(record.outputs)) names.add(name);
  return names;
}

/** The scopes between a step's scope and its flow's root (loop items and indexes), innermost first. */
function loopScopes(scope: VariableScope): VariableScope[] {
  const out: VariableScope[] = [];
  for (let s: VariableScope | undefined = scope; s?.parent; s = s.parent) out.push(s);
  return out;
}

function failureEntries(stop: Stop): Array<[string, unknown]> {
  const failure = stop.failure!;
  const entries: Array<[string, unknown]> = [['error', failure.error ?? 'failed']];
  if (failure.assertion) {
    entries.push(['assertion', failure.assertion.expression]);
    if ('expected' in failure.assertion) entries.push(['expected', failure.assertion.expected]);
    if ('actual' in failure.assertion) entries.push(['actual', failure.assertion.actual]);
  }
  entries.push(['attempts', failure.attempts]);
  return entries;
}
