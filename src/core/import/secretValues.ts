/**
 * The import side of the secret policy: a credential found in a source (an Authorization header,
 * a cookie, an API key in a header or the query) is never written into a flow or a `.env` file in
 * clear. The flow gets a placeholder (`Bearer ${API_TOKEN}`) and the environment file an empty
 * `API_TOKEN=` to fill in. Which names look secret is core/secrets.ts's decision.
 */
import { looksSecret } from '../secrets';
import type { ImportedVariable } from './model';
import { UniqueNames, variableNameFrom } from './naming';

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'api-key', 'apikey']);

export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_HEADERS.has(lower) || looksSecret(lower) || /(^|[-_])key$/.test(lower);
}

/** Whether a text already refers to a variable instead of holding a value. */
export function isPlaceholder(text: string): boolean {
  return /\{\{[^{}]+\}\}|\$\{[^{}]+\}/.test(text);
}

/** Collects the variables an import needs; secret values are remembered only to reuse a name. */
export class VariableSink {
  private readonly byName = new Map<string, ImportedVariable>();
  private readonly names = new UniqueNames();
  /** Secret value -> the variable that stands for it, so one token is one variable. */
  private readonly secretNames = new Map<string, string>();

  /** A plain variable (BASE_URL); the first value given wins. */
  plain(name: string, value: string, comment?: string): string {
    if (!this.byName.has(name)) {
      this.names.take(name);
      this.byName.set(name, { name, value, secret: false, comment });
    }
    return name;
  }

  /** A variable for a secret value: returns its name; the value itself is never kept. */
  secret(wanted: string, value: string, comment: string): string {
    const known = this.secretNames.get(value);
    if (known) return known;
    const name = this.names.take(wanted);
    this.secretNames.set(value, name);
    this.byName.set(name, { name, value: '', secret: true, comment });
    return name;
  }

  /** A secret variable that a source declares by name (a Postman variable called `apiKey`). */
  declareSecret(name: string, comment: string): void {
    if (this.byName.has(name)) {
      const existing = this.byName.get(name)!;
      this.byName.set(name, { ...existing, value: '', secret: true });
      return;
    }
    this.names.take(name);
    this.byName.set(name, { name, value: '', secret: true, comment });
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  list(): ImportedVariable[] {
    return [...this.byName.values()];
  }
}

/** A header value with any credential in it replaced by a placeholder. */
export function protectHeader(name: string, value: string, sink: VariableSink, where: string): string {
  if (!isSecretHeader(name) || value === '' || isPlaceholder(value)) return value;
  const lower = name.toLowerCase();
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    const m = /^(\S+)\s+(\S.*)$/.exec(value);
    if (m) {
      const scheme = m[1];
      if (isPlaceholder(m[2])) return value;
      const wanted = /^basic$/i.test(scheme)
        ? 'BASIC_AUTH'
        : /^(bearer|token)$/i.test(scheme)
          ? 'API_TOKEN'
          : 'AUTHORIZATION';
      const comment =
        wanted === 'BASIC_AUTH' ? `base64 of user:password (was in ${where})` : `credential (was in ${where})`;
      return `${scheme} \${${sink.secret(wanted, m[2], comment)}}`;
    }
    return `\${${sink.secret('AUTHORIZATION', value, `credential (was in ${where})`)}}`;
  }
  if (lower === 'cookie') return `\${${sink.secret('COOKIE', value, `cookies (was in ${where})`)}}`;
  return `\${${sink.secret(variableNameFrom(name), value, `credential (was in ${where})`)}}`;
}

/** A query parameter value, replaced by a placeholder when its name looks secret (`api_key`, `token`). */
function protectQueryValue(name: string, value: string, sink: VariableSink, where: string): string {
  if (!looksSecret(name) || value === '' || isPlaceholder(value)) return value;
  return `\${${sink.secret(variableNameFrom(name), value, `credential (was in ${where})`)}}`;
}

/** A URL with secret-looking query parameter values replaced by placeholders. */
export function protectUrl(url: string, sink: VariableSink, where: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    if (eq <= 0) return part;
    let name: string;
    try {
      name = decodeURIComponent(part.slice(0, eq).replace(/\+/g, ' '));
    } catch {
      return part;
    }
    const value = part.slice(eq + 1);
    const protectedValue = protectQueryValue(name, value, sink, where);
    return protectedValue === value ? part : `${part.slice(0, eq)}=${protectedValue}`;
  });
  return `${url.slice(0, q + 1)}${parts.join('&')}${hash < 0 ? '' : url.slice(hash)}`;
}

/** A request body with the values of secret-looking fields (`password`, `client_secret`) replaced by placeholders. */
export function protectBody(body: unknown, sink: VariableSink, where: string): unknown {
  const walk = (value: unknown, depth: number): unknown => {
    if (depth > 32 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (
        (typeof v === 'string' || typeof v === 'number') &&
        looksSecret(key) &&
        String(v) !== '' &&
        !isPlaceholder(String(v))
      )
        out[key] = `\${${sink.secret(variableNameFrom(key), String(v), `credential (was in ${where})`)}}`;
      else out[key] = walk(v, depth + 1);
    }
    return out;
  };
  if (typeof body === 'string') {
    // application/x-www-form-urlencoded: name=value&...
    if (!/^[^=&\s]+=[^&]*(&[^=&\s]+=[^&]*)*$/.test(body)) return body;
    return protectUrl(`?${body}`, sink, where).slice(1);
  }
  return walk(body, 0);
}
