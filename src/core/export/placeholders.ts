/**
 * Placeholders of a flow value as an export sees them: each `${NAME}` / `{{NAME}}` is either
 * resolved (from the last execution's values, `--var`, an env file) or kept as a variable of the
 * target format. Resolved values of secret-looking names are remembered so the caller can mask them.
 */
import { builtinValue, isBuiltin } from '../builtins';
import { looksSecret } from '../secrets';
import { stringifyValue } from '../template';

const PLACEHOLDER = /\$\{([^{}]*)\}|\{\{([^{}]*)\}\}/g;
/** Marks a placeholder kept as a variable inside exported text (private-use characters JSON leaves alone). */
const OPEN = '\uE000';
const CLOSE = '\uE001';

export type Lookup = (name: string) => { found: true; value: unknown } | { found: false };

/** A lookup over plain values: `name`, then `a.b.c` walked through objects. */
export function lookupIn(values: Record<string, unknown>, useBuiltins = false): Lookup {
  return (name) => {
    if (Object.hasOwn(values, name)) return { found: true, value: values[name] };
    const parts = name.split('.');
    let current: unknown = values;
    for (const part of parts) {
      if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) {
        if (useBuiltins && isBuiltin(name)) return { found: true, value: builtinValue(name) };
        return { found: false };
      }
      current = (current as Record<string, unknown>)[part];
    }
    return { found: true, value: current };
  };
}

export const NOTHING: Lookup = () => ({ found: false });

export class PlaceholderFiller {
  /** Values that came from secret-looking names: to mask. */
  readonly secretValues = new Set<string>();
  /** Names kept as variables. */
  readonly kept = new Set<string>();

  constructor(private readonly lookup: Lookup) {}

  private resolve(name: string): { found: true; value: unknown } | { found: false } {
    const hit = this.lookup(name);
    if (hit.found && looksSecret(name.split('.').pop() ?? name)) {
      const text = stringifyValue(hit.value);
      if (text) this.secretValues.add(text);
    }
    return hit;
  }

  /** A string with resolved placeholders filled in and the others marked (see split()). */
  text(value: string): string {
    return value.replace(PLACEHOLDER, (whole, a: string | undefined, b: string | undefined) => {
      const name = (a ?? b ?? '').trim();
      const hit = this.resolve(name);
      if (hit.found) return stringifyValue(hit.value);
      this.kept.add(name);
      return `${OPEN}${name}${CLOSE}`;
    });
  }

  /** A value (body, header map) with placeholders filled in; a whole-string placeholder keeps its value's type. */
  value(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') {
      const single = /^(?:\$\{([^{}]*)\}|\{\{([^{}]*)\}\})$/.exec(value);
      if (single) {
        const hit = this.resolve((single[1] ?? single[2]).trim());
        if (hit.found) return hit.value;
      }
      return this.text(value);
    }
    if (depth > 64 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.value(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.value(v, depth + 1);
    return out;
  }
}

export type Segment = { literal: string } | { variable: string };

/** Splits filled-in text into literal parts and kept variables. */
export function split(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (let i = text.indexOf(OPEN); i >= 0; i = text.indexOf(OPEN, last)) {
    const end = text.indexOf(CLOSE, i);
    if (end < 0) break;
    if (i > last) out.push({ literal: text.slice(last, i) });
    out.push({ variable: text.slice(i + 1, end) });
    last = end + 1;
  }
  if (last < text.length) out.push({ literal: text.slice(last) });
  return out;
}

/** Filled-in text with kept variables written the way a target format writes them. */
export function render(text: string, variable: (name: string) => string): string {
  return split(text)
    .map((s) => ('literal' in s ? s.literal : variable(s.variable)))
    .join('');
}
