/**
 * A HAR recording (a browser's network log) -> one flow. Static assets, analytics, preflights and
 * page loads are left out unless asked for; browser-made headers are dropped; the most used origin
 * becomes `${BASE_URL}`. Values a response returned and a later request sent (an id in a path, a
 * token in a header, a field of a body) become outputs of the first step and placeholders in the
 * later one (`{{post_users.id}}`), so the flow works against fresh data. Linear: response values
 * go into one map, and each later request looks up its own values in it.
 */
import { isObject, stringOf } from './documentText';
import { hasHeader } from './headers';
import { MAX_STEPS_PER_FLOW } from './limits';
import { ImportError, singleFlowResult, type ImportedRequest, type ImportedStep, type ImportResult } from './model';
import { stepIdFrom, UniqueNames } from './naming';
import { protectBody, protectHeader, protectUrl, VariableSink } from './secretValues';

type Json = Record<string, unknown>;

const STATIC_TYPES = new Set([
  'script',
  'stylesheet',
  'image',
  'font',
  'media',
  'manifest',
  'texttrack',
  'ping',
  'csp_violation_report',
  'websocket',
  'eventsource',
  'prefetch',
  'other',
]);
const STATIC_EXTENSIONS =
  /\.(js|mjs|css|png|jpe?g|gif|svg|ico|webp|avif|woff2?|ttf|otf|eot|map|mp4|webm|mp3|wav)(\?|$)/i;
const ANALYTICS_HOSTS =
  /(^|\.)(google-analytics\.com|googletagmanager\.com|doubleclick\.net|googlesyndication\.com|segment\.(io|com)|hotjar\.com|mixpanel\.com|sentry\.io|newrelic\.com|nr-data\.net|fullstory\.com|amplitude\.com|intercom\.io|facebook\.net|clarity\.ms|plausible\.io|datadoghq\.com)$/i;
/** Headers the browser adds by itself: they describe the browser, not the API call. */
const BROWSER_HEADERS =
  /^(:.*|host|connection|content-length|accept-encoding|accept-language|user-agent|sec-.*|origin|referer|cache-control|pragma|upgrade-insecure-requests|priority|dnt|if-none-match|if-modified-since|te|keep-alive)$/i;
/** Shortest response value worth chaining (short strings match by accident). */
const MIN_CHAIN_LENGTH = 4;
/** Most response values remembered per response. */
const MAX_VALUES_PER_RESPONSE = 500;

interface Seen {
  stepIndex: number;
  /** Output path (`$.body.token`) and a name for it. */
  path: string;
  key: string;
}

function noiseReason(entry: Json, request: Json, url: URL): string | undefined {
  const type = stringOf(entry._resourceType);
  const response = isObject(entry.response) ? entry.response : {};
  const mime = isObject(response.content) ? (stringOf(response.content.mimeType) ?? '') : '';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'not HTTP';
  if (ANALYTICS_HOSTS.test(url.hostname)) return 'analytics';
  if (stringOf(request.method) === 'OPTIONS') return 'CORS preflight';
  if ((type && STATIC_TYPES.has(type)) || STATIC_EXTENSIONS.test(url.pathname)) return 'static asset';
  if (/^(image|font|audio|video)\//.test(mime) || /css|javascript/.test(mime)) return 'static asset';
  if (type === 'document' && /html/.test(mime)) return 'page load';
  return undefined;
}

/** Leaves of a JSON value with their output paths, bounded. */
function leaves(
  value: unknown,
  path: string,
  key: string,
  out: Array<{ value: string; path: string; key: string }>,
  depth = 0,
): void {
  if (out.length >= MAX_VALUES_PER_RESPONSE || depth > 16) return;
  if (typeof value === 'string' && value.length >= MIN_CHAIN_LENGTH && value.length <= 4096)
    out.push({ value, path, key });
  else if (typeof value === 'number' && Number.isInteger(value) && /id$/i.test(key))
    out.push({ value: String(value), path, key });
  else if (Array.isArray(value)) value.slice(0, 50).forEach((v, i) => leaves(v, `${path}[${i}]`, key, out, depth + 1));
  else if (isObject(value))
    for (const [k, v] of Object.entries(value))
      leaves(
        v,
        /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${path}.${k}` : `${path}["${k.replace(/"/g, '\\"')}"]`,
        k,
        out,
        depth + 1,
      );
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || !/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function importHar(doc: unknown, options: { keepNoise?: boolean } = {}): ImportResult {
  if (!isObject(doc) || !isObject(doc.log) || !Array.isArray(doc.log.entries))
    throw new ImportError('not a HAR file: it needs "log.entries"');
  const pageTitle =
    Array.isArray(doc.log.pages) && isObject(doc.log.pages[0]) ? stringOf(doc.log.pages[0].title) : undefined;
  // Browsers title a page without <title> by its URL, which makes a poor flow name.
  const title = pageTitle && !/^[a-z]+:\/\//i.test(pageTitle) ? pageTitle.trim() : 'Recorded session';
  const kept: Array<{ entry: Json; request: Json; url: URL }> = [];
  const dropped = new Map<string, number>();
  for (const entry of doc.log.entries) {
    if (!isObject(entry) || !isObject(entry.request)) continue;
    let url: URL;
    try {
      url = new URL(String(entry.request.url));
    } catch {
      continue;
    }
    const reason = options.keepNoise ? undefined : noiseReason(entry, entry.request, url);
    if (reason) dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
    else kept.push({ entry, request: entry.request, url });
  }
  if (!kept.length)
    throw new ImportError(
      'the HAR file has no API requests (static assets and analytics are left out; --keep-noise keeps them)',
    );
  if (kept.length > MAX_STEPS_PER_FLOW)
    throw new ImportError(`the HAR file has more than ${MAX_STEPS_PER_FLOW} requests`);
  const origins = new Map<string, number>();
  for (const { url } of kept) origins.set(url.origin, (origins.get(url.origin) ?? 0) + 1);
  const base = [...origins.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const sink = new VariableSink();
  sink.plain('BASE_URL', base, 'the origin most requests of the recording went to');
  const ids = new UniqueNames();
  const steps: ImportedStep[] = [];
  /** Response value -> where it was first seen. */
  const seen = new Map<string, Seen>();
  const notTranslated: string[] = [];
  for (const { entry, request, url } of kept) {
    const method = (stringOf(request.method) ?? 'GET').toUpperCase();
    const where = `${method} ${url.pathname}`;
    const chained = (text: string): string | undefined => {
      const hit = seen.get(text);
      if (!hit) return undefined;
      const step = steps[hit.stepIndex];
      let name = Object.entries(step.output).find(([, p]) => p === hit.path)?.[0];
      if (!name) {
        name = hit.key.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1') || 'value';
        for (let n = 2; name in step.output; n++) name = `${hit.key}_${n}`;
        step.output[name] = hit.path;
      }
      return `{{${step.id}.${name}}}`;
    };
    // The URL: base origin as a placeholder, chained path segments and query values.
    /** The path as a person names it: a chained segment shows as `{id}`. */
    const shownPath: string[] = [];
    const segments = url.pathname.split('/').map((segment) => {
      let decoded = segment;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        /* keep it as it is */
      }
      const placeholder = chained(decoded);
      shownPath.push(placeholder ? `{${placeholder.slice(2, -2).split('.').pop()}}` : segment);
      return placeholder ?? segment;
    });
    const queryParts: string[] = [];
    for (const [k, v] of url.searchParams)
      queryParts.push(`${encodeURIComponent(k)}=${chained(v) ?? encodeURIComponent(v)}`);
    const origin = url.origin === base ? '${BASE_URL}' : url.origin;
    let fullUrl = `${origin}${segments.join('/')}${queryParts.length ? `?${queryParts.join('&')}` : ''}`;
    fullUrl = protectUrl(fullUrl, sink, where);
    const headers: Record<string, string> = {};
    for (const h of Array.isArray(request.headers) ? request.headers : []) {
      if (!isObject(h)) continue;
      const name = stringOf(h.name);
      const value = stringOf(h.value) ?? '';
      if (!name || BROWSER_HEADERS.test(name)) continue;
      if (/^accept$/i.test(name) && value === '*/*') continue;
      const scheme = /^(\S+)\s+(\S+)$/.exec(value);
      const chain = chained(value) ?? (scheme && chained(scheme[2]) ? `${scheme[1]} ${chained(scheme[2])}` : undefined);
      headers[name] = chain ?? protectHeader(name, value, sink, where);
    }
    const post = isObject(request.postData) ? request.postData : undefined;
    let body: unknown;
    if (post && typeof post.text === 'string' && post.text !== '') {
      const json = parseJson(post.text);
      if (json !== undefined) {
        const replace = (value: unknown, depth: number): unknown => {
          if (typeof value === 'string' || typeof value === 'number') return chained(String(value)) ?? value;
          if (depth > 32 || value === null || typeof value !== 'object') return value;
          if (Array.isArray(value)) return value.map((v) => replace(v, depth + 1));
          return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v, depth + 1)]));
        };
        body = protectBody(replace(json, 0), sink, where);
      } else body = protectBody(post.text, sink, where);
      const mime = stringOf(post.mimeType);
      if (mime && !hasHeader(headers, 'content-type')) headers['Content-Type'] = mime;
    }
    const req: ImportedRequest = { method, url: fullUrl, headers };
    if (body !== undefined) req.body = body;
    const response = isObject(entry.response) ? entry.response : {};
    const status = typeof response.status === 'number' ? response.status : 0;
    const name = `${method} ${shownPath.join('/') || '/'}`;
    const notes: string[] = [];
    if (status === 0) notes.push('the recorded request got no answer (blocked or failed)');
    steps.push({
      id: ids.take(stepIdFrom(name)),
      name,
      request: req,
      assert: status > 0 ? [`status == ${status}`] : [],
      output: {},
      notes,
    });
    for (const n of notes) notTranslated.push(`${where}: ${n}`);
    // What this response returned, for later requests to chain on.
    const content = isObject(response.content) ? response.content : {};
    const text = content.encoding === 'base64' ? undefined : stringOf(content.text);
    const values: Array<{ value: string; path: string; key: string }> = [];
    leaves(parseJson(text), '$.body', 'value', values);
    for (const v of values)
      if (!seen.has(v.value)) seen.set(v.value, { stepIndex: steps.length - 1, path: v.path, key: v.key });
  }
  for (const [reason, count] of dropped)
    notTranslated.push(`left out ${count} request${count === 1 ? '' : 's'}: ${reason} (--keep-noise keeps them)`);
  return singleFlowResult('har', title, steps, sink.list(), notTranslated);
}
