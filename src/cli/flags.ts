/**
 * The one `--flag value` parser of every `testmesh` command (run, validate, serve, init, watch,
 * report, merge-reports, import, export), so each says the same thing about the same mistake.
 * Accepts `--flag value` and `--flag=value`; `--` ends the options; `-` alone is a
 * positional (standard input); any other word starting with `-` must be a known option.
 */

/** A mistake on the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export interface FlagSpec {
  /** Options that take a value (repeatable: every value is kept, in order). */
  values: readonly string[];
  /** Options that take none. */
  booleans?: readonly string[];
  /** Short or alternative spellings of an option: `{ '-o': '--out' }`. */
  aliases?: Readonly<Record<string, string>>;
}

export class ParsedFlags {
  readonly positional: string[] = [];
  /** Every value of each value option, in order, under its canonical name. */
  readonly values = new Map<string, string[]>();
  /** The boolean options given, under their canonical names. */
  readonly booleans = new Set<string>();

  /** The last value of `name` (a later `--flag` overrides an earlier one). */
  one(name: string): string | undefined {
    return this.values.get(name)?.at(-1);
  }

  /** Every value of `name`, in order. */
  many(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  /** Whether `name` was given, as a boolean or with a value. */
  has(name: string): boolean {
    return this.booleans.has(name) || this.values.has(name);
  }
}

export function parseFlags(command: string, argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const out = new ParsedFlags();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      out.positional.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const written = eq > 0 ? arg.slice(0, eq) : arg;
    const name = spec.aliases?.[written] ?? written;
    if (spec.booleans?.includes(name)) {
      if (eq > 0) throw new UsageError(`${written} takes no value`);
      out.booleans.add(name);
      continue;
    }
    if (!spec.values.includes(name)) throw new UsageError(`unknown option ${written} for '${command}'`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${written} needs a value`);
    out.values.set(name, [...out.many(name), value]);
  }
  return out;
}

/** `--no-color` / `--color`: false, true, or undefined to decide from the terminal. */
export function colorFlag(flags: ParsedFlags): boolean | undefined {
  return flags.has('--no-color') ? false : flags.has('--color') ? true : undefined;
}

/** A repeatable `KEY=VALUE` option (`--var`, `--secret`) as a record; a later KEY wins. */
export function keyValueFlags(flags: ParsedFlags, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of flags.many(name)) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`${name} expects KEY=VALUE, got ${JSON.stringify(text)}`);
    out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}

/** A whole-number option (`--jobs 4`, `--last 10`) within `min`..`max`, or undefined when not given. */
export function wholeNumberFlag(
  flags: ParsedFlags,
  name: string,
  range: { min?: number; max?: number } = {},
): number | undefined {
  const text = flags.one(name);
  if (text === undefined) return undefined;
  const { min = 1, max = 999_999_999 } = range;
  const n = Number(text);
  if (!/^\d{1,9}$/.test(text) || n < min || n > max)
    throw new UsageError(
      `${name} must be a whole number ${max === 999_999_999 ? `>= ${min}` : `from ${min} to ${max}`}, got ${JSON.stringify(text)}`,
    );
  return n;
}
