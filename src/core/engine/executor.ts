/**
 * Runs a flow: setup -> steps -> teardown (teardown always), with retries, timeouts, `when`,
 * `on_error`, cancellation, nested blocks and sub-flows, emitting the events of core/events.ts in order.
 */
import { randomUUID } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import type { Dispatcher } from 'undici';
import '../actions';
import { getAction } from '../actions/registry';
import type { ActionContext, ActionDefinition, BlockOutcome, SubflowOutcome } from '../actions/types';
import { linkedAbort, raceAbort, sleep } from '../cancellation';
import { readDotenv } from '../dotenv';
import { secretOutput, secretsOfVariable, secretValues } from '../secrets';
import { errorMessage, TestMeshError } from '../errors';
import type { ExecutionEvent, LogLevel } from '../events';
import { compileExpression, isTruthy } from '../expr';
import { loadReferencedFlow } from '../discovery';
import { allowed, fileAccessFor, FileAccessError, resolveFlowFile, type FileAccess } from '../fileAccess';
import { allSteps, referenceId, type FlowDef, type StepBlock, type StepDef } from '../flow/types';
import { parseOutputPath, readOutputPath, type PathSegment } from '../path';
import { createRedactor, type Redactor } from '../redact';
import { interpolate } from '../template';
import { sharedDispatcher } from './dispatcher';
import { routingFrom, withRouting, type Routing } from './routing';
import { resolveRunLimits, RunLimitError, type RunLimits } from './runLimits';
import { checkAssertions } from './assertions';
import { AssertionFailedError, CancelledError, TimeoutError } from './errors';
import { StepTimers, type StepFrame } from './hooks';
import { loadPlannedSubflows, plannedSteps, plansSubflows } from './plan';
import { Scope, type StepRecord } from './scope';
import { MAX_RECORDED_MESSAGES, messagePreview } from './streamMessages';
import type {
  AssertionFailure,
  ExecutionResult,
  FlowResolver,
  HttpRequestDetail,
  HttpResponseDetail,
  RunFlowOptions,
  StepResult,
  StreamMessageDetail,
} from './types';

const MAX_SUBFLOW_DEPTH = 16;
/**
 * A run of steps that never wait for I/O (log, assert, transform) would otherwise hold the event
 * loop until it ends: WebSocket watchers and the editor would see nothing until then.
 */
const YIELD_EVERY_MS = 4;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const MAX_RETRY_DELAY_MS = 60_000;

export function runFlow(flow: FlowDef, options: RunFlowOptions = {}): Promise<ExecutionResult> {
  return new Execution(flow, options).run();
}

/** Default `run_flow` resolution: a path relative to the calling flow's file, confined to the workspace. */
const resolveRelativeFlow: FlowResolver = async (reference, fromFile, access) => {
  const file = access
    ? await resolveFlowFile(access, fromFile, reference, 'run_flow')
    : resolvePath(dirname(fromFile), reference);
  return loadReferencedFlow(file, reference);
};

const outputPathCache = new Map<string, PathSegment[]>();
function outputPath(path: string): PathSegment[] {
  let segments = outputPathCache.get(path);
  if (!segments) {
    segments = parseOutputPath(path);
    if (outputPathCache.size > 5000) outputPathCache.clear();
    outputPathCache.set(path, segments);
  }
  return segments;
}

/** State shared by a flow and its sub-flows: one event stream, one result list, one cancel. */
class Execution {
  readonly id: string;
  private seq = 0;
  readonly results: StepResult[] = [];
  readonly cancel = new AbortController();
  readonly dispatcher: Dispatcher = sharedDispatcher();
  readonly resources = new Map<string, unknown>();
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  readonly secrets = new Set<string>();
  redact: Redactor = (v) => v;
  private readonly startedAt = Date.now();
  timedOut = false;
  /** Step time limits, held while a step hook (a debugger pause) is awaited. */
  readonly timers = new StepTimers();
  readonly fileAccess: FileAccess;
  readonly limits: RunLimits;
  private iterations = 0;
  /** Set when the run went past a limit: it then ends as failed with this message. */
  limitError: RunLimitError | undefined;

  constructor(
    readonly flow: FlowDef,
    readonly options: RunFlowOptions,
  ) {
    this.id = options.executionId ?? randomUUID();
    this.fileAccess = options.fileAccess ?? fileAccessFor({ near: dirname(flow.file) });
    this.limits = resolveRunLimits(options.limits);
    for (const secret of secretValues(options)) this.secrets.add(secret);
    this.refreshRedactor();
  }

  refreshRedactor(): void {
    this.redact = createRedactor(this.secrets);
  }

  addSecret(value: string): void {
    if (value === '' || this.secrets.has(value)) return;
    this.secrets.add(value);
    this.refreshRedactor();
  }

  /** The flow a `run_flow` reference names, from an allowed file only. */
  async loadSubflow(reference: string, fromFile: string): Promise<FlowDef> {
    const resolver = this.options.resolveFlow ?? resolveRelativeFlow;
    const access = this.fileAccess;
    const flow = await resolver(reference, fromFile, access);
    // A custom resolver may not confine: the flow it returns must still come from an allowed file.
    if (!allowed(access, await realpath(flow.file).catch(() => flow.file))) {
      throw new FileAccessError(
        `run_flow '${reference}' resolves to ${flow.file}, outside the workspace root ${access.root}: flows may read only files inside the workspace`,
      );
    }
    return flow;
  }

  addSecrets(values: Iterable<string>): void {
    for (const value of values) this.addSecret(value);
  }

  /** Stops the run (teardown still runs): it ends as failed with the limit's message. */
  hitLimit(error: RunLimitError): RunLimitError {
    if (!this.limitError) {
      this.limitError = error;
      this.cancel.abort(error);
    }
    return this.limitError;
  }

  /** Counts one block run; past the limit the run stops. */
  countIteration(): void {
    if (++this.iterations > this.limits.maxIterations)
      throw this.hitLimit(
        new RunLimitError(
          'maxIterations',
          this.limits.maxIterations,
          `more than ${this.limits.maxIterations} block runs (loop iterations, branches)`,
        ),
      );
  }

  emit<E extends ExecutionEvent>(type: E['type'], data: E['data']): void {
    this.seq++;
    if (this.seq > this.limits.maxEvents && !this.limitError)
      this.hitLimit(new RunLimitError('maxEvents', this.limits.maxEvents, `more than ${this.limits.maxEvents} events`));
    const listener = this.options.onEvent;
    if (!listener) return;
    const event = {
      type,
      execution_id: this.id,
      seq: this.seq,
      timestamp: new Date().toISOString(),
      data: this.redact(data),
    };
    try {
      listener(event as ExecutionEvent);
    } catch {
      // A faulty listener must not break the run; the event stream stays in order.
    }
  }

  detail(
    stepId: string,
    attempt: number,
    request?: HttpRequestDetail,
    response?: HttpResponseDetail,
    result?: unknown,
    outputs?: Record<string, unknown>,
    messages?: StreamMessageDetail[],
  ): void {
    const listener = this.options.onStepDetail;
    if (!listener) return;
    try {
      listener(
        this.redact({ execution_id: this.id, step_id: stepId, attempt, request, response, result, outputs, messages }),
      );
    } catch {
      // see emit()
    }
  }

  private lastYield = performance.now();

  /**
   * Lets I/O (event fan-out, the editor) run when the run has kept the CPU for a few ms: a promise
   * to await then, else nothing (no await, no promise, for nearly every step).
   */
  breathe(): Promise<void> | undefined {
    const now = performance.now();
    if (now - this.lastYield < YIELD_EVERY_MS) return undefined;
    return yieldToEventLoop().then(() => {
      this.lastYield = performance.now();
    });
  }

  onEnd(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  async run(): Promise<ExecutionResult> {
    const { signal, timeoutMs } = this.options;
    const onAbort = () => this.cancel.abort(new CancelledError());
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs && timeoutMs > 0) {
      timer = setTimeout(() => {
        this.timedOut = true;
        this.cancel.abort(new TimeoutError('execution', timeoutMs));
      }, timeoutMs);
    }
    const started = new Date(this.startedAt).toISOString();
    // Sub-flows are read first (only when there are any) so their steps are listed from the start too.
    const subflows = plansSubflows(this.flow)
      ? await loadPlannedSubflows(this.flow, (reference, fromFile) => this.loadSubflow(reference, fromFile))
      : undefined;
    this.emit('execution.started', {
      flow_name: this.flow.name,
      flow_file: this.flow.file,
      total_steps: allSteps(this.flow).length,
      planned_steps: plannedSteps(this.flow, { onlyStepId: this.options.onlyStep?.stepId, subflows }),
    });

    let error: string | undefined;
    try {
      const run = new FlowRun(this, this.flow, [this.flow.file], '', undefined);
      await run.prepare(this.options.environment ?? {}, this.options.variables ?? {});
      // A single step's variables stand for what the steps before it captured: like step outputs,
      // they win over the flow's env (which would otherwise re-roll values like RANDOM_ID).
      if (this.options.onlyStep)
        for (const [k, v] of Object.entries(this.options.variables ?? {})) run.scope.vars.set(k, v);
      error = await run.runPhases(this.options.onlyStep?.stepId);
    } catch (err) {
      error = errorMessage(err);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      for (const cleanup of this.cleanups.reverse()) {
        try {
          await cleanup();
        } catch {
          // Cleanup is best effort: a closed connection that fails to close is already gone.
        }
      }
    }

    const duration_ms = Date.now() - this.startedAt;
    const counts = { passed_steps: 0, failed_steps: 0, skipped_steps: 0, total_steps: this.results.length };
    for (const r of this.results) {
      if (r.status === 'completed') counts.passed_steps++;
      else if (r.status === 'failed') counts.failed_steps++;
      else counts.skipped_steps++;
    }
    let status: ExecutionResult['status'];
    if (this.limitError) error = this.limitError.message;
    if (this.cancel.signal.aborted && !this.timedOut && !this.limitError) {
      status = 'cancelled';
      this.emit('execution.cancelled', { duration_ms });
    } else if (error !== undefined) {
      status = 'failed';
      error = this.redact(error);
      this.emit('execution.failed', { error, ...counts, duration_ms });
    } else {
      status = 'completed';
      this.emit('execution.completed', { ...counts, duration_ms });
    }
    return {
      execution_id: this.id,
      flow_name: this.flow.name,
      flow_file: this.flow.file,
      status,
      started_at: started,
      finished_at: new Date().toISOString(),
      duration_ms,
      steps: this.results,
      error: status === 'cancelled' ? (error ?? 'cancelled') : error,
    };
  }
}

/** One flow's run (the main flow or a sub-flow): its scope, step records and phases. */
class FlowRun {
  readonly records = new Map<string, StepRecord>();
  readonly scope = new Scope(this.records);
  /** Outputs captured by this flow's steps: what a sub-flow gives back to its caller. */
  readonly captured: Record<string, unknown> = {};
  /** TestMesh's environment routing defaults (`__rtov__…`, `__rthr__…` run variables), if any. */
  routing?: Routing;
  /** Warnings of the attempt that just ended, by event step id, for its StepResult. */
  private readonly warnings = new Map<string, string[]>();

  constructor(
    readonly execution: Execution,
    readonly flow: FlowDef,
    /** Files of the flows on the run_flow stack, for cycle detection. */
    readonly stack: string[],
    /** Prefix for step ids of a sub-flow (`callerStep/`), empty for the main flow. */
    readonly idPrefix: string,
    readonly parentId: string | undefined,
  ) {}

  /** Layers the variables in the order scope.ts describes (later sources win). */
  async prepare(environment: Record<string, unknown>, variables: Record<string, unknown>): Promise<void> {
    const vars = this.scope.vars;
    for (const [k, v] of Object.entries(environment)) vars.set(k, v);
    for (const [k, v] of Object.entries(variables)) vars.set(k, v);
    this.routing = routingFrom(vars);
    if (this.flow.envFile) {
      const values = await readDotenv(
        await resolveFlowFile(this.execution.fileAccess, this.flow.file, this.flow.envFile, 'env_file'),
      );
      for (const [k, v] of Object.entries(values)) {
        vars.set(k, v);
        this.execution.addSecrets(secretsOfVariable(k, v));
      }
    }
    for (const [k, v] of Object.entries(this.flow.env)) {
      try {
        vars.set(k, interpolate(v, this.scope.resolve));
      } catch (err) {
        throw new TestMeshError(`flow env '${k}': ${errorMessage(err)}`, this.flow.file, this.flow.range.start);
      }
    }
    // Inherited values, sub-flow inputs and the flow's env follow the same policy (names, DSN passwords).
    for (const [k, v] of vars) this.execution.addSecrets(secretsOfVariable(k, v));
  }

  /** Runs setup, steps and teardown; returns the flow's failure message, if it failed. */
  async runPhases(
    onlyStepId?: string,
    cancel: AbortSignal = this.execution.cancel.signal,
  ): Promise<string | undefined> {
    if (onlyStepId !== undefined) {
      const step = allSteps(this.flow).find((s) => s.id === onlyStepId);
      if (!step) throw new TestMeshError(`no step with id '${onlyStepId}' in flow '${this.flow.name}'`, this.flow.file);
      const result = await this.runStep(step, this.scope, cancel, '', step.parentId);
      return result.status === 'failed' && step.onError !== 'continue' ? stepFailure(result) : undefined;
    }
    let failure: string | undefined;
    for (const phase of ['setup', 'steps'] as const) {
      failure = await this.runList(this.flow[phase], this.scope, cancel, '', this.parentId, failure);
    }
    // Teardown runs after failures and cancels alike, with a signal of its own.
    const teardownFailure = await this.runList(
      this.flow.teardown,
      this.scope,
      new AbortController().signal,
      '',
      this.parentId,
      undefined,
      true,
    );
    return failure ?? teardownFailure;
  }

  /**
   * Runs steps in order. After a failure (or cancel) the rest are reported skipped, except in
   * teardown, where every step runs. Returns the first failure message.
   */
  async runList(
    steps: StepDef[],
    scope: Scope,
    signal: AbortSignal,
    instance: string,
    parentId: string | undefined,
    failure: string | undefined,
    runAll = false,
  ): Promise<string | undefined> {
    for (const step of steps) {
      if (!runAll && (failure !== undefined || signal.aborted)) {
        this.skip(step, instance, parentId, signal.aborted ? 'cancelled' : 'an earlier step failed');
        continue;
      }
      const result = await this.runStep(step, scope, signal, instance, parentId);
      if (result.status === 'failed' && step.onError !== 'continue') failure ??= stepFailure(result);
    }
    return failure;
  }

  private eventId(step: StepDef, instance: string): string {
    return this.idPrefix + step.id + instance;
  }

  skip(step: StepDef, instance: string, parentId: string | undefined, reason: string): StepResult {
    const stepId = this.eventId(step, instance);
    this.execution.emit('step.skipped', { step_id: stepId, step_name: step.name, reason, parent_id: parentId });
    const result: StepResult = {
      step_id: stepId,
      name: step.name,
      phase: step.phase,
      action: step.action,
      parent_id: parentId,
      status: 'skipped',
      duration_ms: 0,
      attempts: 0,
      skip_reason: reason,
    };
    this.execution.results.push(result);
    return result;
  }

  /** Runs a step between the run's step hooks (RunFlowOptions.hooks), if it has any. */
  runStep(
    step: StepDef,
    scope: Scope,
    signal: AbortSignal,
    instance: string,
    parentId: string | undefined,
  ): Promise<StepResult> {
    // Without hooks, the step's own promise: no async frame around it.
    const hooks = this.execution.options.hooks;
    if (!hooks) return this.runStepOnce(step, scope, signal, instance, parentId);
    return this.runStepWithHooks(hooks, step, scope, signal, instance, parentId);
  }

  private async runStepWithHooks(
    hooks: NonNullable<RunFlowOptions['hooks']>,
    step: StepDef,
    scope: Scope,
    signal: AbortSignal,
    instance: string,
    parentId: string | undefined,
  ): Promise<StepResult> {
    const execution = this.execution;
    const frame: StepFrame = {
      executionId: execution.id,
      step,
      flow: this.flow,
      stepId: this.eventId(step, instance),
      parentId,
      scope,
      redact: (value) => execution.redact(value),
      cancelled: execution.cancel.signal,
    };
    if (hooks.beforeStep && !signal.aborted) await execution.timers.hold(hooks.beforeStep(frame));
    const result = await this.runStepOnce(step, scope, signal, instance, parentId);
    if (hooks.afterStep) await execution.timers.hold(hooks.afterStep(frame, result));
    return result;
  }

  private async runStepOnce(
    step: StepDef,
    scope: Scope,
    signal: AbortSignal,
    instance: string,
    parentId: string | undefined,
  ): Promise<StepResult> {
    const execution = this.execution;
    const stepId = this.eventId(step, instance);
    const pause = execution.breathe();
    if (pause) await pause;
    if (signal.aborted) return this.skip(step, instance, parentId, 'cancelled');
    if (step.when !== undefined) {
      let run: boolean;
      try {
        run = isTruthy(compileExpression(step.when).evaluate(scope.expressionScope()));
      } catch (err) {
        return this.finish(step, stepId, parentId, performance.now(), 1, err);
      }
      if (!run) return this.skip(step, instance, parentId, `when: ${step.when} is false`);
    }
    if (step.problem !== undefined) return this.failAsWritten(step, stepId, parentId);

    const startedAt = performance.now();
    const maxAttempts = step.retry?.maxAttempts ?? 1;
    let attempt = 1;
    execution.emit('step.started', {
      step_id: stepId,
      step_name: step.name,
      action: step.action,
      phase: step.phase,
      parent_id: parentId,
      attempt,
    });
    for (;;) {
      try {
        const outputs = await this.attempt(step, stepId, scope, signal, instance, attempt);
        return this.finish(step, stepId, parentId, startedAt, attempt, undefined, outputs);
      } catch (err) {
        if (attempt >= maxAttempts || signal.aborted)
          return this.finish(step, stepId, parentId, startedAt, attempt, err);
        const delay = retryDelay(step, attempt);
        execution.emit('step.retrying', {
          step_id: stepId,
          attempt: attempt + 1,
          delay_ms: delay,
          error_message: errorMessage(err),
        });
        try {
          await sleep(delay, signal);
        } catch (cancelled) {
          return this.finish(step, stepId, parentId, startedAt, attempt, cancelled);
        }
        attempt++;
        execution.emit('step.started', {
          step_id: stepId,
          step_name: step.name,
          action: step.action,
          phase: step.phase,
          parent_id: parentId,
          attempt,
        });
      }
    }
  }

  /** A step the loader found wrong (StepDef.problem): it starts and fails at once, no retries. */
  private failAsWritten(step: StepDef, stepId: string, parentId: string | undefined): StepResult {
    const startedAt = performance.now();
    this.execution.emit('step.started', {
      step_id: stepId,
      step_name: step.name,
      action: step.action,
      phase: step.phase,
      parent_id: parentId,
      attempt: 1,
    });
    const where = `${this.flow.file}:${step.range.start.line}:${step.range.start.column}`;
    return this.finish(step, stepId, parentId, startedAt, 1, new TestMeshError(`${step.problem} (${where})`));
  }

  private finish(
    step: StepDef,
    stepId: string,
    parentId: string | undefined,
    startedAt: number,
    attempt: number,
    err?: unknown,
    outputs?: Record<string, unknown>,
  ): StepResult {
    const duration_ms = Math.round((performance.now() - startedAt) * 1000) / 1000;
    const result: StepResult = {
      step_id: stepId,
      name: step.name,
      phase: step.phase,
      action: step.action,
      parent_id: parentId,
      status: err === undefined ? 'completed' : 'failed',
      duration_ms,
      attempts: attempt,
    };
    // Unredacted, in memory only (a later single-step run chains on it); events, details and reports are redacted.
    if (outputs) result.outputs = outputs;
    const warnings = this.warnings.get(stepId);
    if (warnings) {
      result.warnings = warnings;
      this.warnings.delete(stepId);
    }
    if (err === undefined) {
      this.execution.emit('step.completed', {
        step_id: stepId,
        step_name: step.name,
        status: 'completed',
        duration_ms,
        attempt,
        parent_id: parentId,
      });
    } else {
      const message = this.execution.redact(errorMessage(err));
      result.error = message;
      const failure: AssertionFailure | undefined =
        err instanceof AssertionFailedError ? this.execution.redact(err.failure) : undefined;
      if (failure) result.assertion = failure;
      this.execution.emit('step.failed', {
        step_id: stepId,
        step_name: step.name,
        error_message: message,
        duration_ms,
        attempt,
        parent_id: parentId,
        ...(failure ? { assertion: failure.expression, expected: failure.expected, actual: failure.actual } : {}),
      });
    }
    this.execution.results.push(result);
    return result;
  }

  /** One attempt: interpolate, run the action under the step's time limit, capture outputs, check assertions. */
  private async attempt(
    step: StepDef,
    stepId: string,
    scope: Scope,
    runSignal: AbortSignal,
    instance: string,
    attempt: number,
  ): Promise<Record<string, unknown> | undefined> {
    const action = getAction(step.action);
    if (!action) throw new TestMeshError(`unknown action '${step.action}'`);

    const timeoutMs = step.timeoutMs;
    const limited =
      timeoutMs === undefined
        ? undefined
        : linkedAbort(runSignal, {
            ms: timeoutMs,
            error: () => new TimeoutError(`step '${step.name}'`, timeoutMs),
            start: this.execution.timers.start.bind(this.execution.timers),
          });
    const signal = limited?.signal ?? runSignal;

    const execution = this.execution;
    const wantsDetail = execution.options.onStepDetail !== undefined;
    let detailSent = false;
    const ctx = new AttemptContext(this, step, stepId, scope, signal, instance, attempt, wantsDetail);

    try {
      const config = withRouting(step.action, interpolateConfig(step, action, scope), this.routing, (name) =>
        scope.variable(name),
      );
      // Actions that honour the signal themselves settle on abort; the rest are raced against it.
      const result = action.honoursSignal
        ? await action.run(config, ctx)
        : await raceAbort(action.run(config, ctx), signal);
      const { request, response } = ctx;

      let outputs: Record<string, unknown> | undefined;
      const outputNames = Object.keys(step.output);
      if (outputNames.length) {
        outputs = {};
        const root = this.scope;
        const warnings: string[] = [];
        for (const name of outputNames) {
          const value = readOutputPath(result, outputPath(step.output[name]), referenceId(step));
          if (value === undefined) {
            // TestMesh passes the step and stores nil (text "<nil>"); here the variable stays unset,
            // so a later {{name}} fails naming this step instead of sending "<nil>" or "".
            const why = `output '${name}' of step '${referenceId(step)}' matched nothing: ${step.output[name]} is in neither the response body nor the step result`;
            warnings.push(why);
            ctx.log('warn', why);
            root.forgetOutput(name, why);
            delete this.captured[name];
            continue;
          }
          const secret = secretOutput(name, value);
          if (secret !== undefined) execution.addSecret(secret);
          outputs[name] = value;
          root.vars.set(name, value);
          root.missingOutputs.delete(name);
          this.captured[name] = value;
        }
        if (warnings.length) this.warnings.set(stepId, warnings);
        else this.warnings.delete(stepId);
      }
      // Keyed by the id as written: a repeated id reads the latest step's result (TestMesh's rule).
      this.records.set(referenceId(step), { result, outputs: outputs ?? {} });
      if (wantsDetail)
        execution.detail(stepId, attempt, request, response, request ? undefined : result, outputs, ctx.messages);

      detailSent = true;
      if (step.assert.length) checkAssertions(step.assert, scope.expressionScope(result));
      return outputs;
    } catch (err) {
      if (wantsDetail && (ctx.request || ctx.messages) && !detailSent)
        execution.detail(stepId, attempt, ctx.request, ctx.response, undefined, undefined, ctx.messages);
      // An abort surfaces as whatever the action threw; report the reason instead.
      if (signal.aborted && !(err instanceof AssertionFailedError))
        throw signal.reason instanceof Error ? signal.reason : err;
      throw err;
    } finally {
      limited?.dispose();
    }
  }

  async runBlock(
    block: StepBlock,
    scope: Scope,
    parentStepId: string,
    instance: string,
    options: { extra?: Record<string, unknown>; instance?: string; signal?: AbortSignal } = {},
  ): Promise<BlockOutcome> {
    this.execution.countIteration();
    const child = options.extra ? scope.child(options.extra) : scope;
    const signal = options.signal ?? this.execution.cancel.signal;
    const error = await this.runList(
      block.steps,
      child,
      signal,
      instance + (options.instance ?? ''),
      parentStepId,
      undefined,
    );
    return error === undefined ? { failed: false } : { failed: true, error };
  }

  async runSubflow(
    reference: string,
    input: Record<string, unknown>,
    inheritEnv: boolean,
    callerStepId: string,
    scope: Scope,
    signal: AbortSignal,
  ): Promise<SubflowOutcome> {
    const flow = await this.execution.loadSubflow(reference, this.flow.file);
    if (this.stack.includes(flow.file)) {
      throw new TestMeshError(
        `run_flow cycle: ${[...this.stack, flow.file].map((f) => f.split(/[\\/]/).pop()).join(' -> ')}`,
      );
    }
    if (this.stack.length >= MAX_SUBFLOW_DEPTH)
      throw new TestMeshError(`run_flow nested deeper than ${MAX_SUBFLOW_DEPTH} flows`);
    const sub = new FlowRun(this.execution, flow, [...this.stack, flow.file], `${callerStepId}/`, callerStepId);
    const inherited = inheritEnv ? scope.snapshot() : {};
    await sub.prepare(inherited, input);
    const failure = await sub.runPhases(undefined, signal);
    return {
      status: signal.aborted ? 'cancelled' : failure === undefined ? 'completed' : 'failed',
      error: failure,
      outputs: sub.captured,
    };
  }
}

function stepFailure(result: StepResult): string {
  return `step '${result.name}' failed: ${result.error ?? 'unknown error'}`;
}

function retryDelay(step: StepDef, attempt: number): number {
  const retry = step.retry;
  if (!retry) return 0;
  const delay = retry.backoff === 'exponential' ? retry.delayMs * 2 ** (attempt - 1) : retry.delayMs;
  return Math.min(delay, MAX_RETRY_DELAY_MS);
}

function interpolateConfig(step: StepDef, action: ActionDefinition, scope: Scope): Record<string, unknown> {
  const raw = action.rawConfigKeys;
  if (!raw || raw.length === 0) return interpolate(step.config, scope.resolve) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(step.config))
    out[key] = raw.includes(key) ? step.config[key] : interpolate(step.config[key], scope.resolve);
  return out;
}

/** What an action sees during one attempt: one object per attempt, its methods shared by all. */
class AttemptContext implements ActionContext {
  request?: HttpRequestDetail;
  response?: HttpResponseDetail;
  messages?: StreamMessageDetail[];

  constructor(
    private readonly run: FlowRun,
    readonly step: StepDef,
    private readonly stepId: string,
    private readonly scope: Scope,
    readonly signal: AbortSignal,
    private readonly instance: string,
    readonly attempt: number,
    readonly wantsDetail: boolean,
  ) {}

  get executionId(): string {
    return this.run.execution.id;
  }
  get dispatcher(): Dispatcher {
    return this.run.execution.dispatcher;
  }
  get flowFile(): string {
    return this.run.flow.file;
  }
  get resources(): Map<string, unknown> {
    return this.run.execution.resources;
  }

  log(level: LogLevel, message: string): void {
    this.run.execution.emit('log', { step_id: this.stepId, level, message });
  }
  recordHttp(request: HttpRequestDetail, response?: HttpResponseDetail): void {
    this.request = request;
    this.response = response;
  }
  recordMessage(message: Omit<StreamMessageDetail, 'at'> & { at?: string }): void {
    const full: StreamMessageDetail = { ...message, at: message.at ?? new Date().toISOString() };
    // Live: one log line per message, for the panel, the Test Explorer output and the CLI.
    const arrow = full.direction === 'sent' ? '→ sent' : '← received';
    this.log(
      'info',
      `${arrow} ${full.channel}${full.key !== undefined ? ` key=${full.key}` : ''} ${messagePreview(full.body)}`,
    );
    if (!this.wantsDetail) return;
    this.messages ??= [];
    if (this.messages.length < MAX_RECORDED_MESSAGES) this.messages.push(full);
  }
  private within(extra?: Record<string, unknown>): Scope {
    return extra ? this.scope.child(extra) : this.scope;
  }
  evaluate(expression: string, extra?: Record<string, unknown>): unknown {
    return compileExpression(expression).evaluate(this.within(extra).expressionScope());
  }
  expressionScope(result?: unknown, extra?: Record<string, unknown>) {
    return this.within(extra).expressionScope(result);
  }
  interpolate(value: unknown, extra?: Record<string, unknown>): unknown {
    return interpolate(value, this.within(extra).resolve);
  }
  runBlock(
    block: StepBlock,
    options?: { extra?: Record<string, unknown>; instance?: string; signal?: AbortSignal },
  ): Promise<BlockOutcome> {
    return this.run.runBlock(block, this.scope, this.stepId, this.instance, options);
  }
  runSubflow(reference: string, input: Record<string, unknown>, inheritEnv: boolean): Promise<SubflowOutcome> {
    return this.run.runSubflow(reference, input, inheritEnv, this.stepId, this.scope, this.signal);
  }
  onExecutionEnd(cleanup: () => Promise<void> | void): void {
    this.run.execution.onEnd(cleanup);
  }
  addSecret(value: string): void {
    this.run.execution.addSecret(value);
  }
  resolveFile(reference: string, what: string): Promise<string> {
    return resolveFlowFile(this.run.execution.fileAccess, this.run.flow.file, reference, what);
  }
}
