/**
 * Runs flows of a workspace as executions with ids, for the local API, the web UI and the
 * editor alike: one place that starts runs, keeps running ones cancellable, buffers their events
 * for replay, folds them into step state and records everything in the history store.
 *
 * Core code: no `vscode`, no `ws`. Transports subscribe with `subscribe` / `subscribeExecution`.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { fileAccessFor, type FileAccess } from './fileAccess';
import { resolveRunLimits, type RunLimits } from './engine/runLimits';
import { createFlowResolver } from './discovery';
import { errorMessage, TestMeshError } from './errors';
import type { ExecutionEvent, ExecutionStatus } from './events';
import { runFlow } from './engine/executor';
import type { StepHooks } from './engine/hooks';
import type { ExecutionResult, FlowResolver, StepDetail } from './engine/types';
import type { FlowDef } from './flow/types';
import { applyEvent, applySummaryEvent, emptyExecutionState, stepSummaries, type ExecutionState } from './history/fold';
import { matchesRun, pageOf, type RunQuery } from './history/runFilter';
import { HistoryStore } from './history/store';
import type {
  ExecutionSummary,
  ExecutionTrigger,
  LogEntry,
  RunRecord,
  StepAttemptDetail,
  StepState,
} from './history/types';
import type { Redactor } from './redact';
import { maskVariables, redactorFor, secretValues } from './secrets';
import { readWorkspaceEnvironment } from './workspaceEnvironments';
import { flowIdFor, loadWorkspaceFlow } from './workspaceFlows';

export interface ExecutionManagerOptions {
  /** Workspace folder: flow ids are relative to it. */
  workspace: string;
  /** Where executions are recorded. Default: in memory only. */
  store?: HistoryStore;
  /** Default environment of every run (e.g. `--env-file` values); lowest precedence. */
  environment?: Record<string, string>;
  /** Values redacted from every run's events, details, logs and history. */
  secrets?: string[];
  /** Resolves `environment: "<name>"` of a start request. Default: `.env.<name>` in the workspace. */
  resolveEnvironment?: (name: string) => Promise<Record<string, string>>;
  /** Resolves `run_flow` references. Default: relative file, else a flow of that name in the workspace. */
  resolveFlow?: FlowResolver;
  /**
   * Files or folders outside the workspace that flows may read (`--allow-outside`, the
   * `testmesh.allowOutsideWorkspace` setting); read at each start. Default: none.
   */
  allowOutside?: readonly string[] | (() => readonly string[]);
  /** Finished executions whose events stay in memory for fast replay. Default 8. */
  recentCacheSize?: number;
  /** Bytes (event JSON) of the finished executions kept in memory for replay. Default 32 MiB. */
  recentCacheBytes?: number;
  /** Bounds of every run (events, iterations); defaults in engine/runLimits.ts. */
  limits?: Partial<RunLimits>;
}

export interface StartExecutionRequest {
  /** Workspace-relative path of the flow file (`flows/login.flow.yaml`). */
  flow_id?: string;
  /** A flow already loaded (e.g. an editor's unsaved buffer); `flow_id` defaults to its file's id. */
  flow?: FlowDef;
  /** A named environment of the workspace, or the values themselves; over the manager's default. */
  environment?: string | Record<string, string>;
  variables?: Record<string, unknown>;
  /** Extra values to redact for this run. */
  secrets?: string[];
  trigger?: ExecutionTrigger;
  /** Run only this step (and its nested steps); `variables` seed what earlier steps captured. */
  only_step?: string;
  /** Cancel the run after this long (teardown still runs). */
  timeout_ms?: number;
  /** Step hooks of the run (a debug session holds the run at its breakpoints). */
  hooks?: StepHooks;
}

export interface ListExecutionsQuery {
  flow_id?: string;
  status?: ExecutionStatus;
  /** Default 50, at most 1000. */
  limit?: number;
  offset?: number;
}

export interface ExecutionPage {
  executions: ExecutionSummary[];
  total: number;
  limit: number;
  offset: number;
}

/** `json` is the event's JSON text, serialized once for every consumer (wire, disk). */
export type ExecutionEventListener = (event: ExecutionEvent, json: string) => void;

export interface ExecutionStartInfo {
  summary: ExecutionSummary;
  flow: FlowDef;
  request: StartExecutionRequest;
}

export type ExecutionFinishListener = (summary: ExecutionSummary, result: ExecutionResult | undefined) => void;

/** What the manager holds of one execution: its summary, events and folded state. */
interface ExecutionRecord {
  summary: ExecutionSummary;
  events: ExecutionEvent[];
  state: ExecutionState;
  /** Size of the events as JSON: what the recent cache is bounded by. */
  bytes: number;
}

interface LiveExecution extends ExecutionRecord {
  flow: FlowDef;
  controller: AbortController;
  listeners: Set<ExecutionEventListener>;
  done: Promise<ExecutionSummary>;
  settle: (summary: ExecutionSummary) => void;
}

const STATUSES: ReadonlySet<string> = new Set(['pending', 'running', 'completed', 'failed', 'cancelled']);
const MAX_PAGE = 1000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function callSafely(listener: ExecutionEventListener, event: ExecutionEvent, json: string): void {
  try {
    listener(event, json);
  } catch {
    // A faulty subscriber must not break the run or the other subscribers.
  }
}

export class ExecutionManager {
  readonly workspace: string;
  readonly store: HistoryStore;
  private readonly live = new Map<string, LiveExecution>();
  /** Finished executions, least recently used first. */
  private readonly recent = new Map<string, ExecutionRecord>();
  private readonly listeners = new Set<ExecutionEventListener>();
  private readonly startListeners = new Set<(info: ExecutionStartInfo) => void>();
  private readonly finishListeners = new Set<ExecutionFinishListener>();
  private readonly recentCacheSize: number;
  private readonly recentCacheBytes: number;
  private recentBytes = 0;
  private closed = false;

  constructor(private readonly options: ExecutionManagerOptions) {
    if (!options || typeof options.workspace !== 'string' || !options.workspace)
      throw new TestMeshError('ExecutionManager needs a workspace folder');
    this.workspace = options.workspace;
    this.store = options.store ?? HistoryStore.memory();
    this.recentCacheSize = Math.max(0, options.recentCacheSize ?? 8);
    this.recentCacheBytes = Math.max(0, options.recentCacheBytes ?? 32 * 1024 * 1024);
    if (options.limits) resolveRunLimits(options.limits);
    this.store.onDropped = (id) => this.forgetRecent(id);
  }

  /**
   * Creates an execution (status `pending`) and starts it on the next turn of the event loop.
   * Throws TestMeshError for bad requests; a FlowFileError (kind not_found, forbidden,
   * invalid_flow, ...) when the flow cannot be loaded.
   */
  async start(request: StartExecutionRequest): Promise<ExecutionSummary> {
    if (this.closed) throw new TestMeshError('the execution manager is closed');
    if (request === null || typeof request !== 'object')
      throw new TestMeshError('a start request is an object with flow_id');
    const { variables = {}, only_step, timeout_ms, trigger = 'api' } = request;
    if (!isPlainObject(variables)) throw new TestMeshError('variables must be an object of names and values');
    if (only_step !== undefined && (typeof only_step !== 'string' || !only_step))
      throw new TestMeshError('only_step must be a step id');
    if (timeout_ms !== undefined && !(typeof timeout_ms === 'number' && timeout_ms > 0 && Number.isFinite(timeout_ms)))
      throw new TestMeshError('timeout_ms must be a positive number');
    if (
      request.secrets !== undefined &&
      !(Array.isArray(request.secrets) && request.secrets.every((s) => typeof s === 'string'))
    )
      throw new TestMeshError('secrets must be a list of strings');

    let flow: FlowDef;
    if (request.flow) flow = request.flow;
    else if (request.flow_id === undefined) throw new TestMeshError('flow_id is required');
    else flow = await loadWorkspaceFlow(this.workspace, request.flow_id);
    const flowId = request.flow
      ? (request.flow_id ?? flowIdFor(this.workspace, flow.file))
      : (request.flow_id as string);

    const environment = { ...this.options.environment, ...(await this.environmentOf(request.environment)) };
    const secrets = secretValues({
      secrets: [...(this.options.secrets ?? []), ...(request.secrets ?? [])],
      environment,
      variables,
    });
    const redact = redactorFor({ secrets });

    const id = randomUUID();
    const summary: ExecutionSummary = {
      id,
      flow_id: flowId,
      flow_name: redact(flow.name),
      status: 'pending',
      trigger,
      created_at: new Date().toISOString(),
      total_steps: 0,
      passed_steps: 0,
      failed_steps: 0,
      skipped_steps: 0,
      last_seq: 0,
    };
    if (Object.keys(variables).length) summary.variables = maskVariables(variables, redact);
    if (only_step !== undefined) summary.only_step = only_step;
    if (typeof request.environment === 'string') summary.environment = request.environment;
    if (flow.tags?.length) summary.tags = [...flow.tags];

    let settle!: (summary: ExecutionSummary) => void;
    const done = new Promise<ExecutionSummary>((resolve) => (settle = resolve));
    const execution: LiveExecution = {
      summary,
      events: [],
      state: emptyExecutionState(id),
      bytes: 0,
      flow,
      controller: new AbortController(),
      listeners: new Set(),
      done,
      settle,
    };
    this.live.set(id, execution);
    for (const dropped of this.store.create(summary)) this.forgetRecent(dropped);
    const info: ExecutionStartInfo = { summary: { ...summary }, flow, request };
    for (const listener of this.startListeners) {
      try {
        listener(info);
      } catch {
        // see callSafely
      }
    }
    setImmediate(
      () =>
        void this.run(execution, {
          environment,
          variables,
          secrets,
          redact,
          only_step,
          timeout_ms,
          hooks: request.hooks,
        }),
    );
    return { ...summary };
  }

  /** Requests a cancel: the request in flight is aborted, teardown runs. Undefined for unknown ids. */
  cancel(id: string): ExecutionSummary | undefined {
    const execution = this.live.get(id);
    if (execution) {
      execution.controller.abort();
      return { ...execution.summary };
    }
    return this.get(id);
  }

  isRunning(id: string): boolean {
    return this.live.has(id);
  }

  /** The final summary once the execution has finished (at once for finished ones). */
  async whenFinished(id: string): Promise<ExecutionSummary | undefined> {
    const execution = this.live.get(id);
    return execution ? { ...(await execution.done) } : this.get(id);
  }

  get(id: string): ExecutionSummary | undefined {
    const summary = this.live.get(id)?.summary ?? this.store.get(id);
    return summary && { ...summary };
  }

  /** Newest first, filtered by flow and status, paged. */
  list(query: ListExecutionsQuery = {}): ExecutionPage {
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(query.limit ?? 50)));
    const offset = Math.max(0, Math.floor(query.offset ?? 0));
    if (query.status !== undefined && !STATUSES.has(query.status))
      throw new TestMeshError(`unknown status '${query.status}' (pending, running, completed, failed or cancelled)`);
    const matching = this.store
      .list()
      .map((s) => this.live.get(s.id)?.summary ?? s)
      .filter(
        (s) =>
          (query.flow_id === undefined || s.flow_id === query.flow_id) &&
          (query.status === undefined || s.status === query.status),
      );
    return {
      executions: matching.slice(offset, offset + limit).map((s) => ({ ...s })),
      total: matching.length,
      limit,
      offset,
    };
  }

  /**
   * The execution search: running ones first, then the long history of finished ones, newest
   * first, filtered (see runFilter.ts) and paged.
   */
  async search(query: RunQuery = {}): Promise<ExecutionPage> {
    const { limit, offset } = pageOf(query);
    const live = [...this.live.values()]
      .map((e) => e.summary)
      .filter((s) => matchesRun(s, query))
      .reverse();
    const fromArchive = await this.store.runs.query({
      ...query,
      offset: Math.max(0, offset - live.length),
      limit: Math.max(1, limit - Math.max(0, live.length - offset)),
    });
    const liveIds = new Set(live.map((s) => s.id));
    const archived = fromArchive.runs.filter((r) => !liveIds.has(r.id));
    const page = [...live.slice(offset, offset + limit), ...(offset + limit > live.length ? archived : [])];
    return {
      // The list stays light: step outcomes are read per execution.
      executions: page.slice(0, limit).map(({ steps: _steps, ...s }) => s),
      total: live.length + fromArchive.total,
      limit,
      offset,
    };
  }

  /** Like get, and also finds executions only the long history still knows. */
  async find(id: string): Promise<ExecutionSummary | undefined> {
    return this.get(id) ?? (await this.store.runs.get(id));
  }

  /** Removes finished executions from history; answers what happened to each id. */
  async delete(ids: readonly string[]): Promise<{ id: string; status: 'deleted' | 'running' | 'not_found' }[]> {
    const running = ids.filter((id) => this.live.has(id));
    const gone = new Set(await this.store.delete(ids.filter((id) => !this.live.has(id))));
    for (const id of gone) this.forgetRecent(id);
    return ids.map((id) => ({
      id,
      status: running.includes(id) ? 'running' : gone.has(id) ? 'deleted' : 'not_found',
    }));
  }

  /** Starts a finished (or running) execution again: same flow, environment and step; a new execution. */
  async rerun(id: string, trigger: ExecutionTrigger = 'api'): Promise<ExecutionSummary | undefined> {
    const summary = await this.find(id);
    if (!summary) return undefined;
    return this.start({
      flow_id: summary.flow_id,
      environment: summary.environment,
      only_step: summary.only_step,
      trigger,
    });
  }

  /** Events with `seq` greater than `since`, in order; undefined for an unknown execution. */
  async eventsSince(id: string, since = 0): Promise<ExecutionEvent[] | undefined> {
    const record = await this.record(id);
    if (!record) return undefined;
    // `seq` counts from 1 without gaps, so event n sits at index n - 1.
    return record.events.slice(Math.max(0, Math.floor(since)));
  }

  async steps(id: string): Promise<StepState[] | undefined> {
    const record = await this.record(id);
    if (record) return record.state.steps.map((s) => ({ ...s }));
    // Only the long history knows it: its compact step outcomes.
    const run = await this.store.runs.get(id);
    return run?.steps.map((s) => ({ ...s, phase: 'steps' as const }));
  }

  async logs(id: string): Promise<LogEntry[] | undefined> {
    const record = await this.record(id);
    return record && [...record.state.logs];
  }

  /** Request/response detail of every attempt of a step (empty when it recorded none); undefined for an unknown execution. */
  async stepDetail(id: string, stepId: string): Promise<StepAttemptDetail[] | undefined> {
    if (!this.live.has(id) && !this.store.has(id)) return undefined;
    return this.store.readStepDetails(id, stepId);
  }

  /** Detail of every attempt of every step, in record order; undefined for an unknown execution. */
  async allStepDetails(id: string): Promise<StepAttemptDetail[] | undefined> {
    if (!this.live.has(id) && !this.store.has(id)) return undefined;
    return this.store.readAllStepDetails(id);
  }

  /** Every event of every execution, live. Returns the unsubscribe function. */
  subscribe(listener: ExecutionEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Live events of one execution (subscribe first, then replay with eventsSince, de-duplicating by seq). */
  subscribeExecution(id: string, listener: ExecutionEventListener): () => void {
    const execution = this.live.get(id);
    if (!execution) return () => undefined;
    execution.listeners.add(listener);
    return () => execution.listeners.delete(listener);
  }

  /** Called when any execution is created (API, editor, CLI), before it starts running. */
  onDidStart(listener: (info: ExecutionStartInfo) => void): () => void {
    this.startListeners.add(listener);
    return () => this.startListeners.delete(listener);
  }

  onDidFinish(listener: ExecutionFinishListener): () => void {
    this.finishListeners.add(listener);
    return () => this.finishListeners.delete(listener);
  }

  /** Cancels running executions, waits for their teardown, and flushes the store. */
  async close(): Promise<void> {
    this.closed = true;
    const running = [...this.live.values()];
    for (const execution of running) execution.controller.abort();
    await Promise.all(running.map((e) => e.done));
    await this.store.flush();
  }

  private fileAccess(): FileAccess {
    const outside = this.options.allowOutside;
    const allowOutside = typeof outside === 'function' ? outside() : (outside ?? []);
    return fileAccessFor({ root: this.workspace, allowOutside: allowOutside.map((p) => resolve(this.workspace, p)) });
  }

  private async environmentOf(environment: StartExecutionRequest['environment']): Promise<Record<string, string>> {
    if (environment === undefined || environment === null) return {};
    if (typeof environment === 'string') {
      return this.options.resolveEnvironment
        ? this.options.resolveEnvironment(environment)
        : readWorkspaceEnvironment(this.workspace, environment);
    }
    if (!isPlainObject(environment))
      throw new TestMeshError('environment must be a name or an object of string values');
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(environment)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
        throw new TestMeshError(`environment value ${name} must be text`);
      out[name] = String(value);
    }
    return out;
  }

  private async run(
    execution: LiveExecution,
    settings: {
      environment: Record<string, string>;
      variables: Record<string, unknown>;
      secrets: string[];
      redact: Redactor;
      only_step?: string;
      timeout_ms?: number;
      hooks?: StepHooks;
    },
  ): Promise<void> {
    const { summary } = execution;
    const id = summary.id;
    let result: ExecutionResult | undefined;
    try {
      result = await runFlow(execution.flow, {
        executionId: id,
        environment: settings.environment,
        variables: settings.variables,
        secrets: settings.secrets,
        signal: execution.controller.signal,
        timeoutMs: settings.timeout_ms,
        resolveFlow: this.options.resolveFlow ?? createFlowResolver(this.workspace),
        fileAccess: this.fileAccess(),
        limits: this.options.limits,
        onlyStep: settings.only_step === undefined ? undefined : { stepId: settings.only_step },
        hooks: settings.hooks,
        onEvent: (event) => this.recordEvent(execution, event),
        onStepDetail: (detail: StepDetail) => this.store.appendDetail(id, detail),
      });
      summary.status = result.status;
      summary.finished_at = result.finished_at;
      summary.duration_ms = result.duration_ms;
      if (result.error !== undefined && result.status !== 'completed') summary.error = settings.redact(result.error);
    } catch (err) {
      // runFlow reports failures as events; reaching this is a bug, still recorded as a failure.
      summary.status = 'failed';
      summary.finished_at = new Date().toISOString();
      summary.error = settings.redact(`internal error: ${errorMessage(err)}`);
    }
    this.live.delete(id);
    this.store.update(summary);
    const run: RunRecord = { ...summary, steps: stepSummaries(execution.state.steps) };
    this.store.runs.record(run);
    this.remember(id, {
      summary: execution.summary,
      events: execution.events,
      state: execution.state,
      bytes: execution.bytes,
    });
    execution.listeners.clear();
    execution.settle({ ...summary });
    for (const listener of this.finishListeners) {
      try {
        listener({ ...summary }, result);
      } catch {
        // see callSafely
      }
    }
  }

  /** The hot path: every event of every run passes here once. */
  private recordEvent(execution: LiveExecution, event: ExecutionEvent): void {
    const json = JSON.stringify(event);
    execution.events.push(event);
    execution.bytes += json.length;
    applyEvent(execution.state, event);
    const summary = execution.summary;
    applySummaryEvent(summary, event);
    summary.last_seq = event.seq;
    this.store.appendEvent(summary.id, json);
    for (const listener of execution.listeners) callSafely(listener, event, json);
    for (const listener of this.listeners) callSafely(listener, event, json);
  }

  /** Keeps a finished execution for fast replay, within the cache's count and bytes (least recently used go first). */
  private remember(id: string, record: ExecutionRecord): void {
    if (this.recentCacheSize === 0 || record.bytes > this.recentCacheBytes) return;
    this.forgetRecent(id);
    this.recent.set(id, record);
    this.recentBytes += record.bytes;
    while (this.recent.size > this.recentCacheSize || this.recentBytes > this.recentCacheBytes)
      this.forgetRecent(this.recent.keys().next().value as string);
  }

  private forgetRecent(id: string): void {
    const record = this.recent.get(id);
    if (!record) return;
    this.recent.delete(id);
    this.recentBytes -= record.bytes;
  }

  /** Live, cached, or read back from the store and folded. */
  private async record(id: string): Promise<ExecutionRecord | undefined> {
    const live = this.live.get(id);
    if (live) return live;
    const cached = this.recent.get(id);
    if (cached) {
      this.remember(id, cached);
      return cached;
    }
    const summary = this.store.get(id);
    if (!summary) return undefined;
    const events = (await this.store.readEvents(id)) ?? [];
    const state = emptyExecutionState(id);
    for (const event of events) applyEvent(state, event);
    let bytes = 0;
    for (const event of events) bytes += JSON.stringify(event).length;
    const record = { summary, events, state, bytes };
    if (this.store.has(id)) this.remember(id, record);
    return record;
  }
}
