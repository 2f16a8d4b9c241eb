/**
 * The URL fragment names the view: `#/executions` (with the list's filter as a query:
 * `#/executions?status=failed&q=timeout`), `#/executions/<id>`, `#/executions/<id>/steps/<stepId>`,
 * `#/flows`, `#/analytics`. The server's printed link carries the token in the fragment too
 * (`#token=...`), which never reaches a server log or a Referer header.
 */
import { FILTER_NAMES } from '../core/history/runFilter';

export type Route =
  | { view: 'list'; filter?: ListFilter }
  | { view: 'execution'; executionId: string; stepId?: string }
  | { view: 'analytics' }
  | { view: 'flows' };

type FilterName = (typeof FILTER_NAMES)[number];

/** The executions list's filter, in the names of `GET /api/v1/executions`. */
export type ListFilter = Partial<Record<FilterName, string>>;
/** The search's own filter names (runFilter.ts), status first in a link. */
export const LIST_FILTER_NAMES: readonly FilterName[] = ['status', ...FILTER_NAMES.filter((n) => n !== 'status')];

function filterOf(query: string): ListFilter | undefined {
  const params = new URLSearchParams(query);
  const filter: ListFilter = {};
  for (const name of LIST_FILTER_NAMES) {
    const value = params.get(name);
    if (value) filter[name] = value;
  }
  return Object.keys(filter).length ? filter : undefined;
}

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?', 2);
  const parts = path.split('/').filter((p) => p !== '');
  if (parts[0] === 'analytics') return { view: 'analytics' };
  if (parts[0] === 'flows') return { view: 'flows' };
  if (parts[0] === 'executions' && parts[1]) {
    const executionId = safeDecode(parts[1]);
    if (parts[2] === 'steps' && parts[3])
      return { view: 'execution', executionId, stepId: safeDecode(parts.slice(3).join('/')) };
    return { view: 'execution', executionId };
  }
  const filter = filterOf(query);
  return filter ? { view: 'list', filter } : { view: 'list' };
}

export function formatRoute(route: Route): string {
  if (route.view === 'list') {
    const params = new URLSearchParams();
    for (const name of LIST_FILTER_NAMES) if (route.filter?.[name]) params.set(name, route.filter[name]!);
    const query = params.toString();
    return `#/executions${query ? `?${query}` : ''}`;
  }
  if (route.view === 'analytics') return '#/analytics';
  if (route.view === 'flows') return '#/flows';
  const base = `#/executions/${encodeURIComponent(route.executionId)}`;
  return route.stepId === undefined ? base : `${base}/steps/${encodeURIComponent(route.stepId)}`;
}

/**
 * Takes `token=...` out of a fragment (`#token=T`, `#token=T&route=/executions/x`,
 * `#/executions/x?token=T`) and returns the fragment without it.
 */
export function takeToken(hash: string): { token?: string; hash: string } {
  const raw = hash.replace(/^#/, '');
  const question = raw.indexOf('?');
  const [path, query] = raw.startsWith('/')
    ? [question < 0 ? raw : raw.slice(0, question), question < 0 ? '' : raw.slice(question + 1)]
    : ['', raw];
  const params = new URLSearchParams(query);
  const token = params.get('token') ?? undefined;
  if (token === undefined) return { hash };
  params.delete('token');
  const routeParam = params.get('route');
  params.delete('route');
  const rest = params.toString();
  const route = path || routeParam || '';
  const fragment = route + (rest ? `?${rest}` : '');
  return { token, hash: fragment ? `#${fragment.startsWith('/') ? '' : '/'}${fragment}` : '' };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
