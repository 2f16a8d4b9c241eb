/**
 * Replaces secret values with `***` in text and in JSON-like values, in every form a secret
 * travels in: as is, URL-encoded (`%20` and `+` for spaces, upper- and lower-case hex, form
 * encoding), JSON-escaped, and base64 (a base64 token whose decoded text holds a secret, as in
 * `Authorization: Basic dXNlcjpwYXNz`, is replaced whole). Which values are secret is decided by
 * secrets.ts.
 */
export type Redactor = <T>(value: T) => T;

const MASK = '***';
const MIN_SECRET_LENGTH = 3;
/** Runs of base64 / base64url characters long enough to hide a secret of MIN_SECRET_LENGTH. */
const BASE64_TOKEN = /[A-Za-z0-9+/_-]{4,}={0,2}/g;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms a secret takes on the wire and in documents. */
export function encodedForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  const component = encodeURIComponent(secret);
  forms.add(component);
  forms.add(component.replace(/%20/g, '+'));
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  forms.add(encodeURI(secret));
  for (const form of [...forms]) if (form.includes('%')) forms.add(form.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()));
  const json = JSON.stringify(secret).slice(1, -1);
  forms.add(json);
  forms.add(json.replace(/\//g, '\\/'));
  // JSON that escapes every non-ASCII and HTML-sensitive character (`\u0026` for `&`, as Go does).
  forms.add(json.replace(/[^\x20-\x7e]|[<>&'=]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  forms.add(base64);
  forms.add(base64.replace(/=+$/, ''));
  forms.add(Buffer.from(secret, 'utf8').toString('base64url'));
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

export function createRedactor(secrets: Iterable<string>): Redactor {
  const list = [...new Set([...secrets].filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH))];
  if (list.length === 0) return (value) => value;
  const forms = [...new Set(list.flatMap(encodedForms))].sort((a, b) => b.length - a.length);
  const literal = new RegExp(forms.map(escapeRegex).join('|'), 'g');
  const shortest = Math.min(...list.map((s) => Buffer.byteLength(s)));
  const holdsSecret = (decoded: string) => list.some((s) => decoded.includes(s));
  const redactBase64 = (text: string) =>
    text.replace(BASE64_TOKEN, (token) => {
      // Only tokens that decode to at least the shortest secret can hold one.
      if (Math.floor((token.replace(/=+$/, '').length * 3) / 4) < shortest) return token;
      const decoded = Buffer.from(token, 'base64').toString('latin1');
      if (holdsSecret(decoded) || holdsSecret(Buffer.from(token, 'base64').toString('utf8'))) return MASK;
      return token;
    });
  const redactText = (text: string) => {
    literal.lastIndex = 0;
    const out = literal.test(text) ? text.replace(literal, MASK) : text;
    return out.length >= 4 ? redactBase64(out) : out;
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return redactText(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v);
      return out;
    }
    return value;
  };
  return walk as Redactor;
}
