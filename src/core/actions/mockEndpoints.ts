/**
 * Mock server endpoints as flows write them, read into a checked form, and the request matching
 * they do. Keys follow TestMesh's runner and docs, which disagree in places; both spellings work:
 * `response.status` / `status_code`, `response.delay` / `delay_ms`, `match.query` / `query_params`,
 * `match.body` / `body_json`.
 *
 *   - method: POST                       # default GET; `*` or ANY: every method
 *     path: /api/users/:id               # exact, `:name` segments, `*` wildcards
 *     priority: 10                       # higher wins; equal priority: the first defined
 *     match: {headers, query, path_pattern, body_pattern, body_json}
 *     response: {status, headers, body | body_json | body_text, delay}
 *     state: {state_key, initial_value, update_rule: set|increment|decrement|append|toggle, update_value}
 */
import { TestMeshError } from '../errors';
import { parseDuration } from '../duration';
import { findMismatch, show } from './jsonMatch';
import { suggest } from '../flow/suggest';
import { compileRegex, type LinearRegex } from '../expr/regex';

const ENDPOINT_KEYS = ['method', 'path', 'priority', 'match', 'response', 'state', 'name', 'description'];
const MATCH_KEYS = ['headers', 'query', 'query_params', 'path_pattern', 'body_pattern', 'body_json', 'body'];
const RESPONSE_KEYS = ['status', 'status_code', 'headers', 'body', 'body_json', 'body_text', 'delay', 'delay_ms'];
const STATE_KEYS = ['state_key', 'initial_value', 'update_rule', 'update_value'];
const UPDATE_RULES = ['set', 'increment', 'decrement', 'append', 'toggle'];
/** Longest delay a mock response may have; a longer one is a typo (ms for s). */
const MAX_DELAY_MS = 10 * 60_000;

export interface MockRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Lower-case names. */
  headers: Record<string, string | string[]>;
  /** The body as text. */
  bodyText: string;
  /** The body as JSON when it is JSON, else undefined. */
  bodyJson: unknown;
}

export interface RequestMatcher {
  method?: string;
  path?: string;
  pathPattern?: LinearRegex;
  headers: Array<[string, string | LinearRegex]>;
  query: Array<[string, string]>;
  bodyPattern?: LinearRegex;
  bodyJson?: unknown;
}

export interface MockResponse {
  status: number;
  headers: Record<string, string>;
  /** What is sent: JSON (`json`), text, or nothing. Strings may hold request-time placeholders. */
  body: { kind: 'json'; value: unknown } | { kind: 'text'; value: string } | { kind: 'none' };
  delayMs: number;
}

export interface StateRule {
  key: string;
  initial: unknown;
  rule: string;
  value: unknown;
}

export interface MockEndpoint {
  matcher: RequestMatcher;
  priority: number;
  response: MockResponse;
  state?: StateRule;
  /** Identity for mock_server_configure's replace: method, path and match as given. */
  identity: string;
  /** `GET /api/users/:id`, for messages. */
  label: string;
}

type Map_ = Record<string, unknown>;

function isMap(value: unknown): value is Map_ {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkKeys(value: Map_, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      throw new TestMeshError(`${where}: unknown key '${key}'${suggest(key, known)} (known: ${known.join(', ')})`);
  }
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** RE2 (linear time, Go's syntax as in TestMesh): these run on request bodies from the network. */
export function regex(value: unknown, where: string): LinearRegex {
  try {
    return compileRegex(text(value), 0);
  } catch (err) {
    throw new TestMeshError(
      `${where} is not a valid regular expression: ${(err as Error).message.replace(/ at column \d+$/, '')}`,
    );
  }
}

function stringMap(value: unknown, where: string): Array<[string, string]> {
  if (value === undefined || value === null) return [];
  if (!isMap(value)) throw new TestMeshError(`${where} must be a map, got ${show(value)}`);
  return Object.entries(value).map(([k, v]) => [k, text(v)]);
}

function whole(value: unknown, where: string, min: number, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    throw new TestMeshError(`${where} must be a whole number from ${min} to ${max}, got ${show(value)}`);
  return n;
}

export function readMatcher(
  match: unknown,
  where: string,
  base: { method?: unknown; path?: unknown } = {},
): RequestMatcher {
  const m = match === undefined || match === null ? {} : match;
  if (!isMap(m)) throw new TestMeshError(`${where}.match must be a map, got ${show(match)}`);
  checkKeys(m, MATCH_KEYS, `${where}.match`);
  const method = base.method === undefined || base.method === null ? undefined : text(base.method).toUpperCase();
  const path = base.path === undefined || base.path === null ? undefined : text(base.path);
  if (path !== undefined && path !== '*' && !path.startsWith('/'))
    throw new TestMeshError(`${where}.path must start with /, got ${JSON.stringify(path)}`);
  const headers: Array<[string, string | LinearRegex]> = stringMap(m.headers, `${where}.match.headers`).map(
    ([k, v]) => [
      k.toLowerCase(),
      v.startsWith('regex:') ? regex(v.slice('regex:'.length), `${where}.match.headers.${k}`) : v,
    ],
  );
  const query = [
    ...stringMap(m.query, `${where}.match.query`),
    ...stringMap(m.query_params, `${where}.match.query_params`),
  ];
  const bodyJson = m.body_json ?? m.body;
  return {
    method: method === '*' || method === 'ANY' ? undefined : method,
    path,
    pathPattern:
      m.path_pattern === undefined || m.path_pattern === null
        ? undefined
        : regex(m.path_pattern, `${where}.match.path_pattern`),
    headers,
    query,
    bodyPattern:
      m.body_pattern === undefined || m.body_pattern === null
        ? undefined
        : regex(m.body_pattern, `${where}.match.body_pattern`),
    bodyJson: bodyJson === null ? undefined : bodyJson,
  };
}

function readResponse(value: unknown, where: string): MockResponse {
  const r = value === undefined || value === null ? {} : value;
  if (!isMap(r)) throw new TestMeshError(`${where}.response must be a map, got ${show(value)}`);
  checkKeys(r, RESPONSE_KEYS, `${where}.response`);
  const statusRaw = r.status ?? r.status_code;
  const status =
    statusRaw === undefined || statusRaw === null ? 200 : whole(statusRaw, `${where}.response.status`, 100, 599);
  const headers: Record<string, string> = {};
  for (const [k, v] of stringMap(r.headers, `${where}.response.headers`)) headers[k.toLowerCase()] = v;
  let body: MockResponse['body'] = { kind: 'none' };
  if (r.body_json !== undefined && r.body_json !== null) body = { kind: 'json', value: r.body_json };
  else if (r.body_text !== undefined && r.body_text !== null) body = { kind: 'text', value: text(r.body_text) };
  else if (r.body !== undefined && r.body !== null)
    body = typeof r.body === 'string' ? { kind: 'text', value: r.body } : { kind: 'json', value: r.body };
  let delayMs = 0;
  const delay = r.delay ?? r.delay_ms;
  if (delay !== undefined && delay !== null) {
    delayMs =
      r.delay !== undefined && r.delay !== null
        ? parseDuration(delay, `${where}.response.delay`)
        : whole(delay, `${where}.response.delay_ms`, 0, MAX_DELAY_MS);
    if (delayMs > MAX_DELAY_MS)
      throw new TestMeshError(`${where}.response.delay must be at most 10m, got ${show(delay)}`);
  }
  return { status, headers, body, delayMs };
}

function readState(value: unknown, where: string): StateRule | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isMap(value)) throw new TestMeshError(`${where}.state must be a map, got ${show(value)}`);
  checkKeys(value, STATE_KEYS, `${where}.state`);
  const key = text(value.state_key);
  if (!key) throw new TestMeshError(`${where}.state needs a 'state_key'`);
  const rule = value.update_rule === undefined || value.update_rule === null ? '' : text(value.update_rule);
  if (rule && !UPDATE_RULES.includes(rule))
    throw new TestMeshError(
      `${where}.state.update_rule must be one of ${UPDATE_RULES.join(', ')}, got ${JSON.stringify(rule)}${suggest(rule, UPDATE_RULES)}`,
    );
  return { key, initial: value.initial_value ?? null, rule, value: value.update_value };
}

export function readEndpoint(raw: unknown, where: string): MockEndpoint {
  if (!isMap(raw)) throw new TestMeshError(`${where} must be a map {method, path, response, ...}, got ${show(raw)}`);
  checkKeys(raw, ENDPOINT_KEYS, where);
  if (raw.path === undefined || raw.path === null || raw.path === '')
    throw new TestMeshError(`${where} needs a 'path' (like /api/users, /api/users/:id or *)`);
  const matcher = readMatcher(raw.match, where, { method: raw.method ?? 'GET', path: raw.path });
  const priority = raw.priority === undefined || raw.priority === null ? 0 : Number(raw.priority);
  if (!Number.isFinite(priority))
    throw new TestMeshError(`${where}.priority must be a number, got ${show(raw.priority)}`);
  const method = matcher.method ?? '*';
  return {
    matcher,
    priority,
    response: readResponse(raw.response, where),
    state: readState(raw.state, where),
    identity: JSON.stringify([method, matcher.path, raw.match ?? null]),
    label: `${method} ${matcher.path}`,
  };
}

// ---- matching ------------------------------------------------------------------------------

/** Values of `:name` segments when `pattern` matches `path`, else undefined. `*` matches anything (also `/`). */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  if (pattern === '*' || pattern === path) return {};
  if (pattern.includes(':')) {
    const want = pattern.replace(/^\/+|\/+$/g, '').split('/');
    const got = path.replace(/^\/+|\/+$/g, '').split('/');
    if (want.length !== got.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < want.length; i++) {
      if (want[i].startsWith(':')) params[want[i].slice(1)] = safeDecode(got[i]);
      else if (want[i] !== '*' && want[i] !== got[i]) return undefined;
    }
    return params;
  }
  if (pattern.includes('*')) return globMatches(pattern.split('*'), path) ? {} : undefined;
  return undefined;
}

/** `a*b*c` against a path without a regular expression: the pieces in order, first and last anchored. */
function globMatches(pieces: string[], path: string): boolean {
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (!path.startsWith(first) || path.length < first.length + last.length) return false;
  let at = first.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = path.indexOf(piece, at);
    if (found < 0) return false;
    at = found + piece.length;
  }
  return path.length - last.length >= at && path.endsWith(last);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function values(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Path parameters when the request matches, else undefined. */
export function matchRequest(m: RequestMatcher, request: MockRequest): Record<string, string> | undefined {
  if (m.method && m.method !== request.method) return undefined;
  let params: Record<string, string> | undefined = {};
  if (m.pathPattern) {
    if (!m.pathPattern.test(request.path)) return undefined;
    // The endpoint's `:name` segments still name values when the pattern decides.
    if (m.path) params = matchPath(m.path, request.path) ?? {};
  } else if (m.path !== undefined) {
    params = matchPath(m.path, request.path);
    if (!params) return undefined;
  }
  for (const [name, want] of m.headers) {
    const got = values(request.headers[name]);
    if (!got.some((v) => (typeof want === 'string' ? v === want : want.test(v)))) return undefined;
  }
  for (const [name, want] of m.query) if (!values(request.query[name]).includes(want)) return undefined;
  if (m.bodyPattern && !m.bodyPattern.test(request.bodyText)) return undefined;
  if (m.bodyJson !== undefined) {
    if (request.bodyJson === undefined || findMismatch(m.bodyJson, request.bodyJson) !== undefined) return undefined;
  }
  return params;
}

/** Applies a stateful endpoint's rule to the current value (TestMesh's rules). */
export function applyStateRule(rule: StateRule, current: unknown): unknown {
  const number = (v: unknown) =>
    typeof v === 'number'
      ? v
      : Number.isFinite(Number(v)) && v !== null && v !== '' && typeof v !== 'boolean'
        ? Number(v)
        : 0;
  switch (rule.rule) {
    case 'set':
      return rule.value;
    case 'increment':
      return number(current) + (rule.value === undefined || rule.value === null ? 1 : number(rule.value));
    case 'decrement':
      return number(current) - (rule.value === undefined || rule.value === null ? 1 : number(rule.value));
    case 'append':
      return [...(Array.isArray(current) ? current : []), rule.value];
    case 'toggle':
      return typeof current === 'boolean' ? !current : true;
    default:
      return current;
  }
}
