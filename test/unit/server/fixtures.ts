/** Fixtures of the server tests: a tiny API for flows to call, raw HTTP requests, WebSocket clients. */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import type { ExecutionEvent } from '../../../src/core/events';
import { json, readBody, startServer, type TestServer } from '../helpers';

export interface TinyApi extends TestServer {
  /** Requests to /slow whose client went away before the answer. */
  aborted: number;
  /** Requests to /slow being answered right now. */
  inFlight: number;
  /** Bodies posted to /teardown. */
  teardowns: string[];
  /** Headers of the last /echo request. */
  lastEchoHeaders?: IncomingHttpHeaders;
}

/** GET /ok, GET /slow?ms=N, POST /teardown, GET /echo. */
export async function startTinyApi(): Promise<TinyApi> {
  const state = {
    aborted: 0,
    inFlight: 0,
    teardowns: [] as string[],
    lastEchoHeaders: undefined as IncomingHttpHeaders | undefined,
  };
  const server = await startServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/ok') return json(res, 200, { ok: true, n: Number(url.searchParams.get('n') ?? 0) });
    if (url.pathname === '/echo') {
      state.lastEchoHeaders = req.headers;
      return json(res, 200, { headers: req.headers, query: Object.fromEntries(url.searchParams) });
    }
    if (url.pathname === '/teardown') {
      state.teardowns.push(await readBody(req));
      return json(res, 200, { done: true });
    }
    if (url.pathname === '/slow') {
      state.inFlight++;
      const timer = setTimeout(() => json(res, 200, { slow: true }), Number(url.searchParams.get('ms') ?? 1000));
      res.on('close', () => {
        state.inFlight--;
        clearTimeout(timer);
        if (!res.writableFinished) state.aborted++;
      });
      return;
    }
    json(res, 404, { error: 'not found' });
  });
  const api = server as TinyApi;
  Object.defineProperty(api, 'aborted', { get: () => state.aborted });
  Object.defineProperty(api, 'inFlight', { get: () => state.inFlight });
  Object.defineProperty(api, 'teardowns', { get: () => state.teardowns });
  Object.defineProperty(api, 'lastEchoHeaders', { get: () => state.lastEchoHeaders });
  return api;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

export interface RequestOptions {
  method?: string;
  token?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
}

/** A raw HTTP request (node:http, so Host and Origin can be anything). */
export function call(baseUrl: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body))
      payload = Buffer.from(options.body as string);
    else {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['content-type'] ??= 'application/json';
    }
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export interface SocketOptions {
  /** How the token travels. Default: subprotocol. */
  tokenVia?: 'protocol' | 'query' | 'header' | 'none';
  token?: string;
  headers?: Record<string, string>;
  origin?: string;
  /** Query string without the token (e.g. `since=3&batch=1`). */
  query?: string;
}

export interface Watcher {
  ws: WebSocket;
  events: ExecutionEvent[];
  /** Messages as received (arrays when batched). */
  messages: number;
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves when an event satisfying `test` has arrived. */
  until(test: (e: ExecutionEvent) => boolean, timeoutMs?: number): Promise<void>;
}

/** Opens a WebSocket to the server; rejects with `{status}` when the upgrade is refused. */
export function watch(baseUrl: string, path: string, options: SocketOptions = {}): Promise<Watcher> {
  const via = options.tokenVia ?? 'protocol';
  const query = [options.query, via === 'query' ? `token=${encodeURIComponent(options.token ?? '')}` : '']
    .filter(Boolean)
    .join('&');
  const url = `${baseUrl.replace(/^http/, 'ws')}${path}${query ? `?${query}` : ''}`;
  const protocols = via === 'protocol' ? ['testmesh.v1', `testmesh.token.${options.token}`] : [];
  const headers = { ...options.headers, ...(via === 'header' ? { authorization: `Bearer ${options.token}` } : {}) };
  const ws = new WebSocket(url, protocols, { headers, origin: options.origin, perMessageDeflate: false });
  const events: ExecutionEvent[] = [];
  const waiters = new Set<() => void>();
  const watcher: Watcher = {
    ws,
    events,
    messages: 0,
    closed: new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
    until(test, timeoutMs = 15_000) {
      if (events.some(test)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for an event (have ${events.length})`));
        }, timeoutMs);
        const check = () => {
          if (!events.some(test)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
  };
  ws.on('message', (data) => {
    watcher.messages++;
    const parsed = JSON.parse(data.toString());
    for (const event of Array.isArray(parsed) ? parsed : [parsed]) events.push(event);
    for (const waiter of [...waiters]) waiter();
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(watcher));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        reject(
          Object.assign(new Error(`upgrade refused: ${res.statusCode}`), {
            status: res.statusCode,
            body: Buffer.concat(chunks).toString(),
          }),
        ),
      );
    });
    ws.once('error', (err) => reject(err));
  });
}

/** The refusal status of an upgrade that must fail. */
export async function refusedUpgrade(baseUrl: string, path: string, options: SocketOptions = {}): Promise<number> {
  try {
    const w = await watch(baseUrl, path, options);
    w.ws.terminate();
    return 101;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}

/** Asserts events are exactly seq 1..n of one execution, in order. */
export function seqsOf(events: ExecutionEvent[]): number[] {
  return events.map((e) => e.seq);
}

export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

/** A flow file of `count` cheap steps (each a call to the tiny API), first a short wait so watchers can join live. */
export function manyStepsFlow(name: string, count: number, waitMs = 200): string {
  let yaml = `flow:\n  name: ${name}\n  steps:\n    - id: warmup\n      action: http_request\n      config: { url: "{{API}}/slow?ms=${waitMs}" }\n`;
  for (let i = 0; i < count; i++)
    yaml += `    - id: s${i}\n      action: http_request\n      config: { url: "{{API}}/ok?n=${i}" }\n      assert: ["status == 200"]\n`;
  return yaml;
}
