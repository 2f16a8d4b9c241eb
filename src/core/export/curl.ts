/**
 * A flow step as one curl command a colleague can paste into a shell. Placeholders are resolved
 * when a value is known (the last execution, `--var`) or kept as shell variables (`$BASE_URL`;
 * `{{login.token}}` becomes `$login_token`). Credentials are masked (`***`) unless the caller
 * asks to show them: secret headers, values of secret-looking variables, given secret values.
 */
import type { HttpRequestDetail } from '../engine/types';
import type { StepDef } from '../flow/types';
import { isSecretHeader } from '../import/secretValues';
import { createRedactor } from '../redact';
import { SECRET_MASK } from '../secrets';
import { NOTHING, PlaceholderFiller, split, type Lookup } from './placeholders';

export interface CurlOptions {
  /** Values for placeholders; unknown ones are kept as shell variables. */
  lookup?: Lookup;
  /** Show credentials in clear. */
  showSecrets?: boolean;
  /** Further values to mask (the run's secrets). */
  secrets?: Iterable<string>;
}

export class NotHttpError extends Error {}

/** A shell variable name for a placeholder name: `login.token` -> `login_token`. */
function shellName(name: string): string {
  const out = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(out) ? out : `_${out}`;
}

/** One shell word: single-quoted when it has no variables, double-quoted with `${NAME}` when it has. */
function shellWord(text: string): string {
  const segments = split(text);
  if (segments.every((s) => 'literal' in s)) {
    if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
    return `'${text.replace(/'/g, `'\\''`)}'`;
  }
  const inner = segments
    .map((s) => ('literal' in s ? s.literal.replace(/[\\"$`]/g, (c) => `\\${c}`) : `\${${shellName(s.variable)}}`))
    .join('');
  return `"${inner}"`;
}

function appendQuery(url: string, query: Record<string, unknown>, filler: PlaceholderFiller): string {
  const parts: string[] = [];
  for (const [name, raw] of Object.entries(query)) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const v of values) {
      const text = filler.text(typeof v === 'string' ? v : JSON.stringify(v));
      // Literal parts are encoded; kept variables stay as they are, for the shell to fill in.
      const encoded = split(text)
        .map((s) => ('literal' in s ? encodeURIComponent(s.literal) : `\uE000${s.variable}\uE001`))
        .join('');
      parts.push(`${encodeURIComponent(name)}=${encoded}`);
    }
  }
  if (!parts.length) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${parts.join('&')}`;
}

/** A secret header's value with the credential masked: `Bearer ***`. */
function maskHeaderValue(value: string): string {
  // Kept variables are not secrets in clear; literal parts are.
  const segments = split(value);
  if (segments.some((s) => 'variable' in s)) return value;
  const m = /^(Bearer|Basic|Token|Digest|Bot)\s+\S/i.exec(value);
  return m ? `${m[1]} ${SECRET_MASK}` : SECRET_MASK;
}

/** The curl command of an `http_request` step. Throws NotHttpError for other actions. */
export function stepToCurl(step: StepDef, options: CurlOptions = {}): string {
  if (step.action !== 'http_request')
    throw new NotHttpError(`step '${step.id}' is a ${step.action} step; only http_request steps have a curl form`);
  const filler = new PlaceholderFiller(options.lookup ?? NOTHING);
  const config = step.config;
  const method = (typeof config.method === 'string' ? filler.text(config.method) : 'GET').toUpperCase();
  let url = filler.text(typeof config.url === 'string' ? config.url : '');
  if (config.query && typeof config.query === 'object' && !Array.isArray(config.query))
    url = appendQuery(url, config.query as Record<string, unknown>, filler);
  const headers: Array<[string, string]> = [];
  if (config.headers && typeof config.headers === 'object' && !Array.isArray(config.headers))
    for (const [name, value] of Object.entries(config.headers as Record<string, unknown>)) {
      const filled = filler.value(value);
      headers.push([name, typeof filled === 'string' ? filled : JSON.stringify(filled)]);
    }
  let body: string | undefined;
  if (config.body !== undefined && config.body !== null) {
    const filled = filler.value(config.body);
    if (typeof filled === 'string') body = filled;
    else {
      body = JSON.stringify(filled);
      if (!headers.some(([n]) => n.toLowerCase() === 'content-type'))
        headers.push(['Content-Type', 'application/json']);
    }
  }
  return renderCommand({ method, url, headers, body, timeout: config.timeout }, options, filler.secretValues);
}

/** A request's parts as the command writes them; text may hold kept variables (see placeholders.ts). */
interface CommandParts {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body?: string;
  timeout?: unknown;
}

/** The command text, credentials masked unless `showSecrets` (the one secret policy of every curl export). */
function renderCommand(parts: CommandParts, options: CurlOptions, resolvedSecrets: Iterable<string> = []): string {
  const redact = options.showSecrets
    ? (text: string) => text
    : createRedactor([...resolvedSecrets, ...(options.secrets ?? [])]);
  const { method, url, headers, body, timeout } = parts;
  const lines: string[] = [];
  lines.push(`curl${method === 'GET' ? '' : ` -X ${shellWord(method)}`} ${shellWord(redact(url))}`);
  for (const [name, value] of headers) {
    const shown = !options.showSecrets && isSecretHeader(name) ? maskHeaderValue(value) : redact(value);
    lines.push(`-H ${shellWord(`${name}: ${shown}`)}`);
  }
  if (body !== undefined) lines.push(`--data-raw ${shellWord(redact(body))}`);
  if (typeof timeout === 'string' && /^\d+s$/.test(timeout)) lines.push(`--max-time ${timeout.slice(0, -1)}`);
  return lines.join(' \\\n  ');
}

/** Private-use characters that mark kept variables: recorded text is literal, so they go. */
const literal = (text: string) => text.replace(/[\uE000\uE001]/g, '');

/**
 * The curl command of a request as an execution sent it (placeholders already filled, the run's
 * secrets already `***` in history). Header names come back lower-case, as recorded.
 */
export function recordedRequestToCurl(
  request: HttpRequestDetail,
  options: Omit<CurlOptions, 'lookup'> & { timeout?: unknown } = {},
): string {
  return renderCommand(
    {
      method: literal(request.method).toUpperCase() || 'GET',
      url: literal(request.url),
      headers: Object.entries(request.headers).map(([name, value]) => [literal(name), literal(String(value))]),
      body: request.body === undefined || request.body === '' ? undefined : literal(request.body),
      timeout: options.timeout,
    },
    options,
  );
}
