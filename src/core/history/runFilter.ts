/**
 * The filter of the execution search (`GET /api/v1/executions`, bulk operations, analytics):
 * parsed once from query parameters or JSON, matched the same way by every history backend
 * (PostgreSQL translates it to SQL in postgresRunArchive.ts; the unit suite checks they agree).
 */
import { TestMeshError } from '../errors';
import type { ExecutionStatus } from '../events';
import type { ExecutionSummary, ExecutionTrigger } from './types';

export interface RunFilter {
  flow_id?: string[];
  /** Workspace-relative folders; a flow anywhere below one matches. */
  folder?: string[];
  tag?: string[];
  status?: ExecutionStatus[];
  environment?: string[];
  trigger?: ExecutionTrigger[];
  /** ISO timestamps: created at or after `from`, before `to`. */
  from?: string;
  to?: string;
  /** Free text, case-insensitive, over flow name and id, the error and the steps' names and errors. */
  q?: string;
}

export interface RunQuery extends RunFilter {
  /** Default 50, at most 1000. */
  limit?: number;
  offset?: number;
}

export const FILTER_NAMES = [
  'flow_id',
  'folder',
  'tag',
  'status',
  'environment',
  'trigger',
  'from',
  'to',
  'q',
] as const;
export const STATUSES: readonly ExecutionStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];
export const TRIGGERS: readonly ExecutionTrigger[] = ['api', 'editor', 'cli', 'browser', 'debug'];
export const MAX_PAGE = 1000;
const MAX_VALUES = 100;
const MAX_TEXT = 500;

type Source = URLSearchParams | Record<string, unknown>;

function raw(source: Source, name: string): unknown {
  if (source instanceof URLSearchParams) {
    const all = source.getAll(name).filter((v) => v !== '');
    return all.length ? all.join(',') : undefined;
  }
  return source[name];
}

/** Several values: `a,b` in a query string, or a string or list of strings in JSON. */
function list(source: Source, name: string): string[] | undefined {
  const value = raw(source, name);
  if (value === undefined || value === null || value === '') return undefined;
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') throw new TestMeshError(`${name} must be text (several values comma-separated)`);
    for (const part of item.split(',')) {
      const text = part.trim();
      if (!text) continue;
      if (text.length > MAX_TEXT) throw new TestMeshError(`${name} value is longer than ${MAX_TEXT} characters`);
      out.push(text);
    }
  }
  if (out.length > MAX_VALUES) throw new TestMeshError(`${name} takes at most ${MAX_VALUES} values`);
  return out.length ? out : undefined;
}

function oneOf<T extends string>(values: string[] | undefined, allowed: readonly T[], name: string): T[] | undefined {
  if (!values) return undefined;
  for (const v of values)
    if (!allowed.includes(v as T)) throw new TestMeshError(`unknown ${name} '${v}' (${allowed.join(', ')})`);
  return values as T[];
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `YYYY-MM-DD` or an ISO date-time with its zone. As the end of a range, a bare date means the
 * whole day (up to the next midnight, UTC).
 */
function parseInstant(text: string, name: string, endOfRange = false): string {
  if (!DATE_ONLY.test(text) && !DATE_TIME.test(text))
    throw new TestMeshError(`${name} must be a date (YYYY-MM-DD) or an ISO date-time, got ${JSON.stringify(text)}`);
  const time = Date.parse(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(time)) throw new TestMeshError(`${name} is not a real date: ${JSON.stringify(text)}`);
  return new Date(DATE_ONLY.test(text) && endOfRange ? time + 86_400_000 : time).toISOString();
}

function instant(source: Source, name: string, endOfRange: boolean): string | undefined {
  const value = raw(source, name);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new TestMeshError(`${name} must be a date (YYYY-MM-DD) or an ISO date-time`);
  return parseInstant(value, name, endOfRange);
}

/** Reads the filter from query parameters or a JSON object; unknown statuses, triggers and bad dates are errors. */
export function parseRunFilter(source: Source): RunFilter {
  if (!(source instanceof URLSearchParams) && (source === null || typeof source !== 'object' || Array.isArray(source)))
    throw new TestMeshError(`a filter is an object of ${FILTER_NAMES.join(', ')}`);
  if (!(source instanceof URLSearchParams)) {
    for (const key of Object.keys(source))
      if (!(FILTER_NAMES as readonly string[]).includes(key))
        throw new TestMeshError(`unknown filter '${key}' (${FILTER_NAMES.join(', ')})`);
  }
  const filter: RunFilter = {
    flow_id: list(source, 'flow_id'),
    folder: list(source, 'folder')?.map((f) => f.replace(/\\/g, '/').replace(/^\.\/|\/+$/g, '')),
    tag: list(source, 'tag'),
    status: oneOf(list(source, 'status'), STATUSES, 'status'),
    environment: list(source, 'environment'),
    trigger: oneOf(list(source, 'trigger'), TRIGGERS, 'trigger'),
    from: instant(source, 'from', false),
    to: instant(source, 'to', true),
  };
  const q = raw(source, 'q');
  if (q !== undefined && q !== null && q !== '') {
    if (typeof q !== 'string') throw new TestMeshError('q must be text');
    if (q.length > MAX_TEXT) throw new TestMeshError(`q is longer than ${MAX_TEXT} characters`);
    if (q.trim()) filter.q = q.trim();
  }
  for (const key of Object.keys(filter) as (keyof RunFilter)[]) if (filter[key] === undefined) delete filter[key];
  return filter;
}

/** Limit and offset of a page, clamped: limit 1..1000 (default 50), offset >= 0. */
export function pageOf(query: { limit?: number; offset?: number }): { limit: number; offset: number } {
  return {
    limit: Math.min(MAX_PAGE, Math.max(1, Math.floor(query.limit ?? 50))),
    offset: Math.max(0, Math.floor(query.offset ?? 0)),
  };
}

function inFolder(flowId: string, folder: string): boolean {
  return folder === '' || folder === '.' || flowId.startsWith(`${folder}/`);
}

/**
 * The lower-cased text the free-text filter searches: names and errors of the execution and its
 * steps, one per line (the PostgreSQL history stores the same in its search column).
 */
export function searchText(run: ExecutionSummary): string {
  const parts = [run.flow_name, run.flow_id, run.error ?? ''];
  for (const step of run.steps ?? []) parts.push(step.step_name, step.error_message ?? '');
  return parts.join('\n').toLowerCase();
}

/**
 * True when the execution passes every part of the filter (values of one part are alternatives).
 * `text` is its searchText when the caller keeps it (records that no longer change).
 */
export function matchesRun<T extends ExecutionSummary>(run: T, filter: RunFilter, text?: (run: T) => string): boolean {
  if (filter.flow_id && !filter.flow_id.includes(run.flow_id)) return false;
  if (filter.folder && !filter.folder.some((f) => inFolder(run.flow_id, f))) return false;
  if (filter.tag && !filter.tag.some((t) => run.tags?.includes(t))) return false;
  if (filter.status && !filter.status.includes(run.status)) return false;
  if (filter.environment && !filter.environment.includes(run.environment ?? '')) return false;
  if (filter.trigger && !filter.trigger.includes(run.trigger)) return false;
  if (filter.from && run.created_at < filter.from) return false;
  if (filter.to && run.created_at >= filter.to) return false;
  if (filter.q && !(text ?? searchText)(run).includes(filter.q.toLowerCase())) return false;
  return true;
}
