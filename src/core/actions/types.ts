import type { Dispatcher } from 'undici';
import type { LogLevel } from '../events';
import type { ExpressionScope } from '../expr';
import type { StepBlock, StepDef } from '../flow/types';
import type { HttpRequestDetail, HttpResponseDetail, StreamMessageDetail } from '../engine/types';

/** What a nested block run reports back to the action that ran it. */
export interface BlockOutcome {
  failed: boolean;
  /** First failure's message, when failed. */
  error?: string;
}

export interface SubflowOutcome {
  status: 'completed' | 'failed' | 'cancelled';
  error?: string;
  /** Variables the sub-flow captured (its step outputs), visible to the caller as the step result. */
  outputs: Record<string, unknown>;
}

/** Everything an action may use while it runs. Handed in by the executor, one per attempt. */
export interface ActionContext {
  readonly step: StepDef;
  readonly executionId: string;
  /** Aborted on cancel or on the step's timeout: pass it to every wait and request. */
  readonly signal: AbortSignal;
  readonly attempt: number;
  /** The run's keep-alive HTTP pool. */
  readonly dispatcher: Dispatcher;
  /** Absolute path of the flow file, to resolve relative references. */
  readonly flowFile: string;
  log(level: LogLevel, message: string): void;
  /** Records request/response detail for history and panels (cheap no-op when nobody listens). */
  recordHttp(request: HttpRequestDetail, response?: HttpResponseDetail): void;
  /**
   * Records a message a streaming step sent or received: a live `log` event at once, and the
   * message in the step's detail (history, panels). `at` is filled in when absent.
   */
  recordMessage(message: Omit<StreamMessageDetail, 'at'> & { at?: string }): void;
  readonly wantsDetail: boolean;
  /** Evaluates an expression in the step's scope, with extra names visible. */
  evaluate(expression: string, extra?: Record<string, unknown>): unknown;
  /** The scope assertions see: `result`'s keys first (and `response`), then `extra`, variables, step ids. */
  expressionScope(result?: unknown, extra?: Record<string, unknown>): ExpressionScope;
  /** Interpolates placeholders in a value (strings, maps, lists) in the step's scope. */
  interpolate(value: unknown, extra?: Record<string, unknown>): unknown;
  /** Runs a nested block; `extra` adds loop variables; `instance` distinguishes loop iterations. */
  runBlock(
    block: StepBlock,
    options?: { extra?: Record<string, unknown>; instance?: string; signal?: AbortSignal },
  ): Promise<BlockOutcome>;
  /** Runs another flow as part of this one. */
  runSubflow(reference: string, input: Record<string, unknown>, inheritEnv: boolean): Promise<SubflowOutcome>;
  /** Registers cleanup that runs when the whole execution ends (connections, pools). */
  onExecutionEnd(cleanup: () => Promise<void> | void): void;
  /** Per-execution shared state for actions that keep things between steps (named connections). */
  readonly resources: Map<string, unknown>;
  /**
   * Marks a value (a DSN's password) as secret for the rest of the execution: it shows as `***`
   * in events, step details, history and reports, like the environment's secrets.
   */
  addSecret(value: string): void;
  /**
   * Resolves a path the step names (`proto_file`, `body_file`, ...) relative to the flow file and
   * confined to the workspace (see core/fileAccess.ts): the real path of a regular file, or a
   * FileAccessError naming the path and the rule. Call it before reading any file a flow names.
   */
  resolveFile(reference: string, what: string): Promise<string>;
}

export interface ActionDefinition {
  readonly name: string;
  /** Receives the interpolated config. The returned value is the step result seen by assertions and outputs. */
  run(config: Record<string, unknown>, ctx: ActionContext): Promise<unknown>;
  /**
   * The action stops at once when `ctx.signal` aborts (or finishes synchronously), so the executor
   * need not race it against the signal: one promise less per step on the hot path.
   */
  readonly honoursSignal?: boolean;
  /** Config keys the executor must not interpolate up front (expressions the action evaluates itself). */
  readonly rawConfigKeys?: readonly string[];
}
