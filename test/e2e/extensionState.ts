// What the extension says about itself, read from outside: the test hook's state file (the
// extension writes it on every change when TESTMESH_STATE_FILE is set) and the local REST API
// (URL from that state, token from the token file the extension writes).
import * as fs from 'node:fs';
import { waitFor, type WaitOptions } from './codeServer';

/** The parts of `testmesh.internal.state` the tests read. */
export interface ExtensionState {
  ready: boolean;
  server: { enabled: boolean; url?: string; port?: number; tokenFile?: string; error?: string; workspace?: string };
  flows: Array<{ uri: string; file: string; name?: string; valid: boolean; errors: string[] }>;
  testItemIds: string[];
  activeRuns: string[];
  lastExecutions: Record<string, string>;
  recentExecutions: Array<{ id: string; flow_id: string; status: string; trigger: string; only_step?: string }>;
  environment: string | null;
  panel: { open: boolean; route: string | null };
}

export function readState(file: string): ExtensionState | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ExtensionState;
  } catch {
    // Not written yet, or caught mid-write: the caller polls.
    return undefined;
  }
}

/** Polls the state file until `predicate` holds; returns that state. */
export function waitForState(
  file: string,
  predicate: (state: ExtensionState) => unknown,
  options: WaitOptions = {},
): Promise<ExtensionState> {
  return waitFor(
    () => {
      const state = readState(file);
      return state && predicate(state) ? state : undefined;
    },
    { timeout: 60_000, message: 'the extension state', ...options },
  );
}

/** An execution as the REST API returns it (the fields the tests read). */
export interface ExecutionSummary {
  id: string;
  flow_id: string;
  flow_name: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
  trigger: string;
  only_step?: string;
  total_steps: number;
  passed_steps: number;
  failed_steps: number;
  skipped_steps: number;
}

export interface ApiReply<T = unknown> {
  status: number;
  body: T;
}

/** A client of the extension's local API. */
export class LocalApiClient {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  static fromState(state: ExtensionState): LocalApiClient {
    const { url, tokenFile } = state.server;
    if (!url || !tokenFile) throw new Error(`the local API is not up: ${JSON.stringify(state.server)}`);
    return new LocalApiClient(url, fs.readFileSync(tokenFile, 'utf8').trim());
  }

  /** A request with the token (or `token: null` for none, or another token). */
  async request<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; token?: string | null } = {},
  ): Promise<ApiReply<T>> {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.url + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, body: body as T };
  }

  async executions(query = ''): Promise<ExecutionSummary[]> {
    const reply = await this.request<{ executions: ExecutionSummary[] }>('GET', `/api/v1/executions${query}`);
    if (reply.status !== 200)
      throw new Error(`GET /api/v1/executions answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body.executions;
  }

  async execution(id: string): Promise<ExecutionSummary> {
    const reply = await this.request<ExecutionSummary>('GET', `/api/v1/executions/${encodeURIComponent(id)}`);
    if (reply.status !== 200)
      throw new Error(`GET /api/v1/executions/${id} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body;
  }

  async steps(id: string): Promise<Array<{ step_id: string; status: string }>> {
    const reply = await this.request<{ steps: Array<{ step_id: string; status: string }> }>(
      'GET',
      `/api/v1/executions/${encodeURIComponent(id)}/steps`,
    );
    if (reply.status !== 200)
      throw new Error(`GET /api/v1/executions/${id}/steps answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body.steps;
  }

  /** Waits until the execution has finished; returns its summary. */
  waitForEnd(id: string, options: WaitOptions = {}): Promise<ExecutionSummary> {
    return waitFor(
      async () => {
        const summary = await this.execution(id);
        return ['completed', 'failed', 'cancelled'].includes(summary.status) ? summary : undefined;
      },
      { timeout: 60_000, interval: 200, message: `execution ${id} to finish`, ...options },
    );
  }
}
