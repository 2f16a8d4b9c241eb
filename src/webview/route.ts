/**
 * The URL fragment names the view: `#/executions`, `#/executions/<id>`,
 * `#/executions/<id>/steps/<stepId>`. The server's printed link carries the token in the fragment
 * too (`#token=...`), which never reaches a server log or a Referer header.
 */
export type Route =
  { view: 'list' } | { view: 'execution'; executionId: string; stepId?: string } | { view: 'analytics' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0];
  const parts = path.split('/').filter((p) => p !== '');
  if (parts[0] === 'analytics') return { view: 'analytics' };
  if (parts[0] === 'executions' && parts[1]) {
    const executionId = safeDecode(parts[1]);
    if (parts[2] === 'steps' && parts[3])
      return { view: 'execution', executionId, stepId: safeDecode(parts.slice(3).join('/')) };
    return { view: 'execution', executionId };
  }
  return { view: 'list' };
}

export function formatRoute(route: Route): string {
  if (route.view === 'list') return '#/executions';
  if (route.view === 'analytics') return '#/analytics';
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
