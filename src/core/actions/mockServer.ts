/**
 * One HTTP mock server of a run (node:http on 127.0.0.1): endpoints chosen by priority, response
 * placeholders filled from the request and the mock's state, every request recorded for
 * mock_server_verify. Requests are hostile input: bodies are capped, header and query values
 * are only compared, never evaluated.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { TestMeshError } from '../errors';
import { formatBytes } from '../format';
import { interpolate } from '../template';
import { parseMessageText } from './jsonMatch';
import { applyStateRule, matchRequest, type MockEndpoint, type MockRequest } from './mockEndpoints';

/** Largest request body read; a larger one gets 413. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Requests kept for verification; beyond this the oldest go (and are counted). */
const MAX_RECORDED = 10_000;
/** Request-time placeholder roots: `{{request.body.name}}`, `{{path.id}}`, `{{state.counter}}`, `{{.path.id}}`. */
export const REQUEST_ROOTS = ['request', 'state', 'path', 'query', 'headers', 'body'];

export interface RecordedRequest extends MockRequest {
  matched: boolean;
  endpoint?: string;
  status: number;
  at: string;
}

export type MockLog = (level: 'debug' | 'info' | 'warn', message: string) => void;

export class MockServer {
  private endpoints: MockEndpoint[] = [];
  private readonly state = new Map<string, unknown>();
  readonly requests: RecordedRequest[] = [];
  droppedRequests = 0;
  private readonly sockets = new Set<Socket>();
  private readonly delays = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  private stopped = false;

  private constructor(
    readonly id: string,
    readonly name: string,
    private readonly server: Server,
    readonly port: number,
    private readonly log: MockLog,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get endpointCount(): number {
    return this.endpoints.length;
  }

  static async start(id: string, name: string, port: number, log: MockLog): Promise<MockServer> {
    // The handler exists before the MockServer does (it needs the bound port).
    const holder: { mock?: MockServer } = {};
    const server = createServer((req, res) => {
      if (holder.mock) void holder.mock.handle(req, res);
      else res.writeHead(503).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          new TestMeshError(
            err.code === 'EADDRINUSE'
              ? `mock server '${name}': port ${port} on 127.0.0.1 is already in use (leave out config.port to get a free one)`
              : `mock server '${name}': cannot listen on 127.0.0.1:${port}: ${err.message}`,
          ),
        );
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const mock = new MockServer(id, name, server, (server.address() as AddressInfo).port, log);
    holder.mock = mock;
    const sockets = mock.sockets;
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    // A request that is never completed must not hold the run open.
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    return mock;
  }

  /** Adds endpoints; one with the same method, path and match as an existing one replaces it. */
  configure(endpoints: MockEndpoint[], resetState = false): { added: number; replaced: number } {
    let added = 0;
    let replaced = 0;
    for (const endpoint of endpoints) {
      const at = this.endpoints.findIndex((e) => e.identity === endpoint.identity);
      if (at >= 0) {
        this.endpoints[at] = endpoint;
        replaced++;
      } else {
        this.endpoints.push(endpoint);
        added++;
      }
    }
    if (resetState) this.state.clear();
    return { added, replaced };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const delay of this.delays) {
      clearTimeout(delay.timer);
      delay.done();
    }
    this.delays.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** The endpoint for a request: the highest priority among those that match, the first defined on a tie. */
  private choose(request: MockRequest): { endpoint: MockEndpoint; params: Record<string, string> } | undefined {
    let best: { endpoint: MockEndpoint; params: Record<string, string> } | undefined;
    for (const endpoint of this.endpoints) {
      if (best && endpoint.priority <= best.endpoint.priority) continue;
      const params = matchRequest(endpoint.matcher, request);
      if (params) best = { endpoint, params };
    }
    return best;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://mock.invalid');
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prior = query[k];
      query[k] = prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v];
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = v;
    const method = (req.method ?? 'GET').toUpperCase();
    const label = `${method} ${url.pathname}${url.search}`;

    let bodyText: string;
    try {
      bodyText = await readBody(req);
    } catch {
      this.log(
        'warn',
        `mock server '${this.name}': ${label}: request body over ${formatBytes(MAX_BODY_BYTES)}, answered 413`,
      );
      res
        .writeHead(413, { 'content-type': 'application/json', connection: 'close' })
        .end(JSON.stringify({ error: 'request body too large' }));
      return;
    }
    const request: MockRequest = {
      method,
      path: url.pathname,
      query,
      headers,
      bodyText,
      bodyJson: bodyText === '' ? undefined : jsonOrUndefined(bodyText),
    };
    const chosen = this.choose(request);
    const record: RecordedRequest = {
      ...request,
      matched: !!chosen,
      endpoint: chosen?.endpoint.label,
      status: 404,
      at: new Date().toISOString(),
    };
    this.remember(record);

    if (!chosen) {
      this.log(
        'warn',
        `mock server '${this.name}': no endpoint matches ${label}; answered 404 (endpoints: ${this.endpoints.map((e) => e.label).join(', ') || 'none'})`,
      );
      const body = JSON.stringify({ error: 'no mock endpoint matches this request', method, path: url.pathname });
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      return;
    }
    const { endpoint, params } = chosen;
    if (endpoint.state)
      this.state.set(
        endpoint.state.key,
        applyStateRule(
          endpoint.state,
          this.state.has(endpoint.state.key) ? this.state.get(endpoint.state.key) : endpoint.state.initial,
        ),
      );
    const response = endpoint.response;
    record.status = response.status;
    this.log('debug', `mock server '${this.name}': ${label} -> ${endpoint.label} (${response.status})`);

    const scope = this.requestScope(request, params);
    let payload: string | undefined;
    const outHeaders: Record<string, string> = {};
    if (response.body.kind === 'json') {
      payload = JSON.stringify(fill(response.body.value, scope));
      outHeaders['content-type'] = 'application/json';
    } else if (response.body.kind === 'text') {
      const filled = fill(response.body.value, scope);
      payload = typeof filled === 'string' ? filled : JSON.stringify(filled);
      outHeaders['content-type'] =
        jsonOrUndefined(payload) !== undefined ? 'application/json' : 'text/plain; charset=utf-8';
    }
    for (const [k, v] of Object.entries(response.headers)) outHeaders[k] = String(fill(v, scope));
    if (payload !== undefined) outHeaders['content-length'] = String(Buffer.byteLength(payload));

    if (response.delayMs > 0) {
      const finished = await this.wait(response.delayMs);
      if (!finished) return;
    }
    if (res.destroyed) return;
    res.writeHead(response.status, outHeaders).end(payload);
  }

  /** Names a response's placeholders may use. Header names are lower case. */
  private requestScope(request: MockRequest, params: Record<string, string>): Record<string, unknown> {
    const state = Object.fromEntries(this.state);
    const req = {
      method: request.method,
      path: params,
      params,
      path_string: request.path,
      query: request.query,
      headers: request.headers,
      body: request.bodyJson ?? request.bodyText,
    };
    return { request: req, state, path: params, query: request.query, headers: request.headers, body: req.body };
  }

  private remember(record: RecordedRequest): void {
    if (this.requests.length >= MAX_RECORDED) {
      this.requests.shift();
      this.droppedRequests++;
    }
    this.requests.push(record);
  }

  /** Resolves true after `ms`, or false at once when the server stops. */
  private wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.delays.delete(entry);
          resolve(true);
        }, ms),
        done: () => resolve(false),
      };
      this.delays.add(entry);
    });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new Error('too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function jsonOrUndefined(text: string): unknown {
  const value = parseMessageText(text);
  return typeof value === 'string' ? undefined : value;
}

/** Looks a dotted path (`request.body.items[0].id`, `.path.id`) up in the request scope. */
function lookup(scope: Record<string, unknown>, name: string): unknown {
  const parts = name
    .replace(/^\./, '')
    .split(/\.|\[(\d+)\]/)
    .filter((p) => p !== undefined && p !== '');
  let value: unknown = scope;
  for (const part of parts) {
    if (value === null || typeof value !== 'object') return undefined;
    const record = value as Record<string, unknown>;
    // Header names are lower case; `request.headers.Authorization` still finds them.
    const key = Object.prototype.hasOwnProperty.call(record, part) ? part : part.toLowerCase();
    if (!Object.prototype.hasOwnProperty.call(record, key)) return undefined;
    value = record[key];
  }
  return value;
}

/** Fills request-time placeholders; an unknown request value becomes empty (null when it is the whole value), like TestMesh's missingkey=zero. */
function fill(value: unknown, scope: Record<string, unknown>): unknown {
  return interpolate(value, (name) => {
    // Anything else (text from a body file) is left as written.
    if (!isRequestPlaceholder(name)) return `{{${name}}}`;
    const found = lookup(scope, name);
    return found === undefined ? null : found;
  });
}

/** True when a placeholder's name is filled per request (so the step must not fill it). */
export function isRequestPlaceholder(name: string): boolean {
  if (name.startsWith('.')) return true;
  const root = /^[A-Za-z_]\w*/.exec(name)?.[0];
  return root !== undefined && REQUEST_ROOTS.includes(root);
}
