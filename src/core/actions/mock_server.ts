/**
 * `mock_server_start`, `mock_server_configure`, `mock_server_verify`, `mock_server_stop`: HTTP
 * mock servers that live inside a run. Every mock a run started is stopped when the run ends,
 * whatever happened (like the WebSocket connections and database pools).
 *
 * Outputs as TestMesh names them: `server_id` (a UUID unless given) and `base_url`
 * (`http://127.0.0.1:<port>`). Later steps name a server by its id or by its `name`.
 *
 * Endpoint strings are filled in two rounds: flow placeholders (`{{API_TOKEN}}`) when the step
 * runs, request placeholders (`{{request.body.name}}`, `{{path.id}}`, `{{state.counter}}`)
 * per request, so `endpoints` is read raw and filled here.
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { TestMeshError } from '../errors';
import { formatBytes } from '../format';
import { stringifyValue } from '../template';
import { optionalBoolean, optionalList, optionalMap, optionalNumber, optionalString, type Config } from './config';
import { show } from './jsonMatch';
import { matchRequest, readEndpoint, readMatcher, type MockEndpoint } from './mockEndpoints';
import { isRequestPlaceholder, MockServer, type RecordedRequest } from './mockServer';
import { registerAction } from './registry';
import type { ActionContext } from './types';
import { executionRegistry } from './executionResources';

const REGISTRY_KEY = 'mock_server.servers';
const VERIFY_KEYS = ['method', 'path', 'match', 'count', 'count_min', 'count_max'];
/** Largest response body file a mock serves. */
const MAX_BODY_FILE_BYTES = 10 * 1024 * 1024;
/** Matching requests listed in a verify result. */
const REQUESTS_SHOWN = 50;

function servers(ctx: ActionContext): Map<string, MockServer> {
  return executionRegistry<MockServer>(ctx, REGISTRY_KEY, (s) => s.stop());
}

/** The server a step names by `server_id` (or `server`), as an id or a name. */
function findServer(config: Config, ctx: ActionContext, action: string): MockServer {
  const registry = servers(ctx);
  const wanted =
    optionalString(config, 'server_id') || optionalString(config, 'server') || optionalString(config, 'name');
  if (!wanted) {
    if (registry.size === 1) return [...registry.values()][0];
    throw new TestMeshError(
      `${action} needs config.server_id (the server_id mock_server_start gave)${registry.size ? `; running: ${describeRunning(registry)}` : ''}`,
    );
  }
  const found = registry.get(wanted) ?? [...registry.values()].find((s) => s.name === wanted);
  if (found) return found;
  throw new TestMeshError(
    `no mock server '${wanted}' is running in this run${registry.size ? `; running: ${describeRunning(registry)}` : ' (start one with mock_server_start)'}`,
  );
}

function describeRunning(registry: Map<string, MockServer>): string {
  return [...registry.values()].map((s) => `'${s.name}' (${s.id})`).join(', ');
}

// ---- endpoints: flow placeholders now, request placeholders later ---------------------------

const PLACEHOLDER = /\$\{([^{}]*)\}|\{\{([^{}]*)\}\}/g;

/** Fills the flow's placeholders in a string and leaves the request-time ones for each request. */
function fillFlowPlaceholders(text: string, ctx: ActionContext): unknown {
  const parts: Array<{ literal: string } | { flow: string }> = [];
  let last = 0;
  let deferred = false;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const inner = (m[1] ?? m[2]).trim();
    if (m.index! > last) parts.push({ literal: text.slice(last, m.index) });
    if (isRequestPlaceholder(inner)) {
      deferred = true;
      parts.push({ literal: `{{${inner}}}` });
    } else parts.push({ flow: m[0] });
    last = m.index! + m[0].length;
  }
  if (!deferred) return ctx.interpolate(text);
  if (last < text.length) parts.push({ literal: text.slice(last) });
  return parts.map((p) => ('literal' in p ? p.literal : stringifyValue(ctx.interpolate(p.flow)))).join('');
}

function fillEndpoints(value: unknown, ctx: ActionContext): unknown {
  if (typeof value === 'string') return fillFlowPlaceholders(value, ctx);
  if (Array.isArray(value)) return value.map((v) => fillEndpoints(v, ctx));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fillEndpoints(v, ctx);
    return out;
  }
  return value;
}

async function readEndpoints(config: Config, ctx: ActionContext): Promise<MockEndpoint[]> {
  const raw = config.endpoints;
  const filled = typeof raw === 'string' ? ctx.interpolate(raw) : fillEndpoints(raw, ctx);
  if (filled === undefined || filled === null)
    throw new TestMeshError('config.endpoints is required: a list of {method, path, response}');
  if (!Array.isArray(filled)) throw new TestMeshError(`config.endpoints must be a list, got ${show(filled)}`);
  const endpoints: MockEndpoint[] = [];
  for (let i = 0; i < filled.length; i++)
    endpoints.push(
      readEndpoint(await withBodyFile(filled[i], `config.endpoints[${i}]`, ctx), `config.endpoints[${i}]`),
    );
  return endpoints;
}

/**
 * `response.body_file` (TestMesh's docs: `body_from_file`): a file next to the flow, confined to
 * the workspace, read once when the step runs and served as `body_text` (JSON when it holds JSON).
 */
async function withBodyFile(endpoint: unknown, where: string, ctx: ActionContext): Promise<unknown> {
  if (endpoint === null || typeof endpoint !== 'object' || Array.isArray(endpoint)) return endpoint;
  const response = (endpoint as Record<string, unknown>).response;
  if (response === null || typeof response !== 'object' || Array.isArray(response)) return endpoint;
  const { body_file: file, body_from_file: fromFile, ...rest } = response as Record<string, unknown>;
  const reference = file ?? fromFile;
  if (reference === undefined || reference === null) return endpoint;
  const key = file !== undefined ? 'body_file' : 'body_from_file';
  if (rest.body !== undefined || rest.body_json !== undefined || rest.body_text !== undefined)
    throw new TestMeshError(`${where}.response: give ${key} or a body, not both`);
  const path = await ctx.resolveFile(String(reference), `${where}.response.${key}`);
  const info = await stat(path);
  if (info.size > MAX_BODY_FILE_BYTES)
    throw new TestMeshError(
      `${where}.response.${key} '${String(reference)}' is ${formatBytes(info.size)}; at most ${formatBytes(MAX_BODY_FILE_BYTES)} are served`,
    );
  return { ...(endpoint as Record<string, unknown>), response: { ...rest, body_text: await readFile(path, 'utf8') } };
}

// ---- actions -------------------------------------------------------------------------------

async function start(config: Config, ctx: ActionContext) {
  const endpoints = await readEndpoints(config, ctx);
  const id = optionalString(config, 'server_id') || randomUUID();
  const name = optionalString(config, 'name') || id;
  const port = optionalNumber(config, 'port') ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TestMeshError(`config.port must be a TCP port number (0 = any free port), got ${port}`);
  const registry = servers(ctx);
  if (registry.has(id) || [...registry.values()].some((s) => s.name === name))
    throw new TestMeshError(
      `a mock server named '${name}' is already running in this run (stop it first, or give another name)`,
    );
  const log = (level: 'debug' | 'info' | 'warn', message: string) => ctx.log(level, message);
  const server = await MockServer.start(id, name, port, log);
  if (ctx.signal.aborted) {
    await server.stop();
    throw ctx.signal.reason;
  }
  registry.set(id, server);
  server.configure(endpoints);
  ctx.log('info', `mock server '${name}' listening on ${server.baseUrl} with ${endpoints.length} endpoint(s)`);
  return {
    server_id: id,
    name,
    base_url: server.baseUrl,
    port: server.port,
    status: 'running',
    endpoints: endpoints.length,
  };
}

async function configure(config: Config, ctx: ActionContext) {
  const server = findServer(config, ctx, 'mock_server_configure');
  const endpoints = await readEndpoints(config, ctx);
  const { added, replaced } = server.configure(endpoints, optionalBoolean(config, 'reset_state') ?? false);
  return {
    server_id: server.id,
    endpoints_added: added,
    endpoints_replaced: replaced,
    endpoints: server.endpointCount,
    status: 'configured',
  };
}

async function stop(config: Config, ctx: ActionContext) {
  const registry = servers(ctx);
  const named =
    optionalString(config, 'server_id') || optionalString(config, 'server') || optionalString(config, 'name');
  if (!named && registry.size !== 1) {
    // TestMesh's docs stop "the" mock without naming it: stop every mock of the run.
    const all = [...registry.values()];
    registry.clear();
    await Promise.all(all.map((s) => s.stop()));
    return {
      server_id: null,
      status: 'stopped',
      stopped: all.map((s) => s.id),
      requests_received: all.reduce((n, s) => n + s.requests.length, 0),
    };
  }
  const server = findServer(config, ctx, 'mock_server_stop');
  registry.delete(server.id);
  await server.stop();
  return {
    server_id: server.id,
    status: 'stopped',
    requests_received: server.requests.length + server.droppedRequests,
  };
}

interface VerifyCheck {
  where: string;
  filter: ReturnType<typeof readMatcher>;
  count?: number;
  min?: number;
  max?: number;
  label: string;
}

function readCheck(raw: Record<string, unknown>, where: string): VerifyCheck {
  for (const key of Object.keys(raw)) {
    if (key === 'body_matches')
      throw new TestMeshError(
        `${where}.body_matches is not supported: use match.body_json (the fields the body must hold) or match.body_pattern (a regular expression)`,
      );
  }
  const filter = readMatcher(raw.match, where, { method: raw.method, path: raw.path });
  const bound = (key: string) => {
    const v = optionalNumber(raw, key);
    if (v !== undefined && (!Number.isInteger(v) || v < 0))
      throw new TestMeshError(`${where}.${key} must be a whole number >= 0, got ${v}`);
    return v;
  };
  const count = bound('count');
  const min = bound('count_min');
  const max = bound('count_max');
  const label = `${filter.method ?? 'any method'} ${filter.path ?? 'any path'}${raw.match ? ` matching ${show(raw.match, 200)}` : ''}`;
  return {
    where,
    filter,
    count,
    min: count === undefined && min === undefined && max === undefined ? 1 : min,
    max,
    label,
  };
}

function describeRequest(r: RecordedRequest): string {
  const query = Object.keys(r.query).length
    ? `?${new URLSearchParams(Object.entries(r.query).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))).toString()}`
    : '';
  return `${r.method} ${r.path}${query}${r.bodyText ? ` ${show(r.bodyJson ?? r.bodyText, 80)}` : ''}`;
}

async function verify(config: Config, ctx: ActionContext) {
  const server = findServer(config, ctx, 'mock_server_verify');
  const list = optionalList(config, 'assertions');
  const checks: VerifyCheck[] = [];
  if (list) {
    list.forEach((entry, i) => {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
        throw new TestMeshError(`config.assertions[${i}] must be a map {method, path, count, ...}, got ${show(entry)}`);
      checks.push(readCheck(entry as Record<string, unknown>, `config.assertions[${i}]`));
    });
  } else {
    const own: Record<string, unknown> = {};
    for (const key of VERIFY_KEYS) if (config[key] !== undefined) own[key] = config[key];
    optionalMap(config, 'match');
    checks.push(readCheck(own, 'config'));
  }
  const failures: string[] = [];
  let lastMatching: RecordedRequest[] = [];
  for (const check of checks) {
    const matching = server.requests.filter((r) => matchRequest(check.filter, r) !== undefined);
    lastMatching = matching;
    const n = matching.length;
    const wanted =
      check.count !== undefined
        ? n === check.count
          ? undefined
          : `exactly ${check.count}`
        : (check.min !== undefined && n < check.min) || (check.max !== undefined && n > check.max)
          ? [
              check.min !== undefined ? `at least ${check.min}` : '',
              check.max !== undefined ? `at most ${check.max}` : '',
            ]
              .filter(Boolean)
              .join(' and ')
          : undefined;
    if (wanted) {
      const seen = server.requests.slice(-5).map(describeRequest);
      failures.push(
        `expected ${wanted} request(s) ${check.label}, got ${n}; the mock received ${server.requests.length} request(s)${seen.length ? `, the last: ${seen.join('; ')}` : ''}`,
      );
    }
  }
  if (failures.length) throw new TestMeshError(`mock server '${server.name}': ${failures.join('; ')}`);
  const unmatched = server.requests.filter((r) => !r.matched).length;
  return {
    server_id: server.id,
    verified: true,
    count: lastMatching.length,
    total_requests: server.requests.length,
    unmatched_requests: unmatched,
    requests: lastMatching.slice(-REQUESTS_SHOWN).map((r) => ({
      method: r.method,
      path: r.path,
      query: r.query,
      headers: r.headers,
      body: r.bodyJson ?? r.bodyText,
      status: r.status,
      matched: r.matched,
    })),
  };
}

registerAction({ name: 'mock_server_start', run: start, rawConfigKeys: ['endpoints'] });
registerAction({ name: 'mock_server_configure', run: configure, rawConfigKeys: ['endpoints'] });
registerAction({ name: 'mock_server_verify', run: verify });
registerAction({ name: 'mock_server_stop', run: stop });
