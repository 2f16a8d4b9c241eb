/**
 * Last values as the editor shows them (completion, hover, inlay hints): secrets masked by the
 * project's secret policy (core/secrets.ts: names that look secret show `***`; secret values are
 * redacted wherever and however encoded they appear, by redact.ts), then shortened to one line.
 */
import { compactJson, oneLine } from '../format';
import { createRedactor, type Redactor } from '../redact';
import { looksSecret, SECRET_MASK } from '../secrets';

export const MASK = SECRET_MASK;
const DEFAULT_MAX = 80;

export interface ValueMasker {
  /** The value for display under `name` (the variable or path it was read by). */
  mask(name: string, value: unknown): unknown;
}

/** A masker for the given secret values (from secrets.ts `secretValues`). */
export function createMasker(secretValues: Iterable<string> = []): ValueMasker {
  const redact: Redactor = createRedactor(secretValues);
  return {
    mask(name, value) {
      const segments = name.split('.');
      if (segments.some((s) => looksSecret(s))) return MASK;
      return redact(maskSecretKeys(value, 0));
    },
  };
}

/** Values under secret-looking keys inside objects (`{token: ...}`) are masked too. */
function maskSecretKeys(value: unknown, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskSecretKeys(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = looksSecret(k) ? MASK : maskSecretKeys(v, depth + 1);
  return out;
}

/** One line: strings quoted, objects as compact JSON, cut with an ellipsis. */
export function previewValue(value: unknown, max = DEFAULT_MAX): string {
  let text: string;
  if (value === undefined) text = 'undefined';
  else if (typeof value === 'string') text = value === MASK ? MASK : JSON.stringify(value);
  else text = compactJson(value);
  return oneLine(text, max);
}

/** Pretty JSON for a hover's code block, cut at `maxChars`. */
export function blockValue(value: unknown, maxChars = 2000): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > maxChars ? `${text.slice(0, maxChars)}\n… (${text.length - maxChars} more characters)` : text;
}
