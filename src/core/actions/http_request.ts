/** `http_request`: one HTTP call on the run's keep-alive pool, with a per-request timeout and abort. */
import { DEFAULT_EXCHANGE_TIMEOUT_MS, exchange } from '../http/exchange';
import { linkedAbort } from '../cancellation';
import { TestMeshError } from '../errors';
import { SOCKET_ERROR_REASONS } from '../networkErrors';
import { TimeoutError } from '../engine/errors';
import { optionalDuration, optionalMap, optionalString, requireString, type Config } from './config';
import { registerAction } from './registry';
import { stringifyValue } from '../template';
import type { ActionContext } from './types';

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  duration_ms: number;
  content_type: string;
  size_bytes: number;
}

export function buildUrl(base: string, query: Record<string, unknown> | undefined): string {
  // Without a query there is nothing to add: undici validates the URL itself.
  if (!query && (base.startsWith('http://') || base.startsWith('https://'))) return base;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new TestMeshError(`config.url is not a valid URL: ${JSON.stringify(base)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TestMeshError(`config.url must be http or https, got ${url.protocol}`);
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, stringifyValue(v));
      else if (value !== undefined && value !== null) url.searchParams.append(key, stringifyValue(value));
    }
  }
  return url.toString();
}

export function parseBody(text: string, contentType: string): unknown {
  if (text.length === 0) return '';
  const first = text.charCodeAt(0);
  if (contentType.includes('json') || first === 0x7b /* { */ || first === 0x5b /* [ */) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** Turns undici's and Node's network errors into a sentence that says what happened. */
export function describeNetworkError(err: unknown, method: string, url: string): Error {
  if (err instanceof TestMeshError) return err;
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const reasons: Record<string, string> = {
    ...SOCKET_ERROR_REASONS,
    ECONNRESET: 'the connection was reset by the server',
    UND_ERR_SOCKET: 'the server closed the connection before the response was complete',
    UND_ERR_CLOSED: 'the connection was closed',
    UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
    UND_ERR_BODY_TIMEOUT: 'the response body stalled',
    UND_ERR_INVALID_ARG: e.message ?? 'invalid request',
  };
  const reason = (code && reasons[code]) ?? e.message ?? String(err);
  return new TestMeshError(`${method} ${url}: ${reason}${code && reasons[code] ? ` (${code})` : ''}`);
}

async function run(config: Config, ctx: ActionContext): Promise<HttpResult> {
  const method = (optionalString(config, 'method') ?? 'GET').toUpperCase();
  const url = buildUrl(requireString(config, 'url'), optionalMap(config, 'query'));
  const headers: Record<string, string> = {};
  const given = optionalMap(config, 'headers');
  if (given) for (const key of Object.keys(given)) headers[key.toLowerCase()] = stringifyValue(given[key]);

  let body: string | undefined;
  const rawBody = config.body;
  if (rawBody !== undefined && rawBody !== null) {
    if (typeof rawBody === 'string') body = rawBody;
    else {
      body = JSON.stringify(rawBody);
      headers['content-type'] ??= 'application/json';
    }
  }

  // An explicit timeout bounds the whole exchange with a timer of its own. The default one only
  // guards against a silent server, through undici's own header/body timers: no extra controller,
  // timer and listener per request on the hot path.
  const explicitTimeout = optionalDuration(config, 'timeout');
  const limited =
    explicitTimeout === undefined
      ? undefined
      : linkedAbort(ctx.signal, {
          ms: explicitTimeout,
          error: () => new TimeoutError(`${method} ${url}`, explicitTimeout),
        });
  const signal = limited?.signal ?? ctx.signal;
  const limit = explicitTimeout ?? DEFAULT_EXCHANGE_TIMEOUT_MS;
  const started = performance.now();
  const fail = (err: unknown): Error => {
    if (signal.aborted)
      return signal.reason instanceof Error ? signal.reason : new TestMeshError(String(signal.reason));
    const code = (err as { code?: string }).code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
      return new TimeoutError(`${method} ${url}`, limit);
    return describeNetworkError(err, method, url);
  };
  try {
    let response;
    try {
      response = await exchange(url, {
        method,
        headers,
        body,
        signal,
        dispatcher: ctx.dispatcher,
        headersTimeout: limit,
        bodyTimeout: limit,
      });
    } catch (err) {
      throw fail(err);
    }
    const size = response.body.length;
    const text = response.body.toString('utf8');
    const duration_ms = Math.round((performance.now() - started) * 1000) / 1000;
    const responseHeaders = response.headers;
    const contentType = responseHeaders['content-type'] ?? '';
    const result: HttpResult = {
      status: response.status,
      headers: responseHeaders,
      body: parseBody(text, contentType),
      duration_ms,
      content_type: contentType,
      size_bytes: size,
    };
    if (ctx.wantsDetail) {
      ctx.recordHttp(
        { method, url, headers, body },
        { status: result.status, headers: responseHeaders, body: result.body, size_bytes: size, duration_ms },
      );
    }
    return result;
  } catch (err) {
    if (ctx.wantsDetail) ctx.recordHttp({ method, url, headers, body });
    throw err;
  } finally {
    limited?.dispose();
  }
}

registerAction({ name: 'http_request', run, honoursSignal: true });
