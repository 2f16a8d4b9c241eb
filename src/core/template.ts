/**
 * Interpolation of `${NAME}` and `{{NAME}}` placeholders in flow values.
 * Templates are compiled once per distinct string and cached: a flow's config strings are
 * interpolated on every run of every step, so this is on the hot path.
 */
import { TestMeshError } from './errors';

/** Returned by a resolver for a name it does not know. */
export const UNRESOLVED: unique symbol = Symbol('unresolved');

/** Looks up a placeholder's trimmed inner text (`user_id`, `login.body.token`, `TIMESTAMP`). */
export type PlaceholderResolver = (text: string) => unknown;

type Part = string | { placeholder: string };

interface CompiledTemplate {
  /** The text has no placeholder: use it as is. */
  literal: boolean;
  /** The whole text is one placeholder: the value keeps its type. */
  single?: string;
  parts: Part[];
}

const PLACEHOLDER = /\$\{([^{}]*)\}|\{\{([^{}]*)\}\}/g;
const cache = new Map<string, CompiledTemplate>();
const CACHE_LIMIT = 10_000;

export function hasPlaceholder(text: string): boolean {
  PLACEHOLDER.lastIndex = 0;
  return PLACEHOLDER.test(text);
}

function compile(text: string): CompiledTemplate {
  let compiled = cache.get(text);
  if (compiled) return compiled;
  const parts: Part[] = [];
  let last = 0;
  PLACEHOLDER.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PLACEHOLDER.exec(text))) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    const inner = (m[1] ?? m[2]).trim();
    if (!inner) throw new TestMeshError(`empty placeholder '${m[0]}' in ${JSON.stringify(text)}`);
    parts.push({ placeholder: inner });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  compiled = {
    literal: parts.every((p) => typeof p === 'string'),
    single: parts.length === 1 && typeof parts[0] !== 'string' ? parts[0].placeholder : undefined,
    parts,
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, compiled);
  return compiled;
}

/** Formats a value placed inside a longer string: objects as JSON, nil as empty. */
export function stringifyValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function lookup(name: string, resolve: PlaceholderResolver): unknown {
  const value = resolve(name);
  if (value === UNRESOLVED) throw new TestMeshError(`unresolved variable '${name}'`);
  return value;
}

/** Interpolates one string. A string that is exactly one placeholder keeps the value's type. */
export function interpolateString(text: string, resolve: PlaceholderResolver): unknown {
  if (text.indexOf('$') < 0 && text.indexOf('{{') < 0) return text;
  const t = compile(text);
  if (t.literal) return text;
  if (t.single !== undefined) return lookup(t.single, resolve);
  let out = '';
  for (const part of t.parts)
    out += typeof part === 'string' ? part : stringifyValue(lookup(part.placeholder, resolve));
  return out;
}

/**
 * Interpolates every string inside a value (maps and lists too). Returns the same object when
 * nothing in it has a placeholder, so constant configs cost no copies.
 */
export function interpolate(value: unknown, resolve: PlaceholderResolver): unknown {
  if (typeof value === 'string') return interpolateString(value, resolve);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = interpolate(value[i], resolve);
      if (next !== value[i]) {
        copy ??= value.slice();
        copy[i] = next;
      }
    }
    return copy ?? value;
  }
  if (value !== null && typeof value === 'object') {
    let copy: Record<string, unknown> | undefined;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const next = interpolate(record[key], resolve);
      if (next !== record[key]) {
        copy ??= { ...record };
        copy[key] = next;
      }
    }
    return copy ?? value;
  }
  return value;
}

/** Names of all placeholders in a value, for validation and dependency tracking. */
export function placeholdersIn(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value.indexOf('$') < 0 && value.indexOf('{{') < 0) return into;
    for (const part of compile(value).parts) if (typeof part !== 'string') into.push(part.placeholder);
  } else if (Array.isArray(value)) {
    for (const item of value) placeholdersIn(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) placeholdersIn(item, into);
  }
  return into;
}
