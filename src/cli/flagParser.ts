/** A small strict parser for the flags of `import` and `export` (both `--flag value` and `--flag=value`). */
import { UsageError } from './args';

export interface ParsedFlags {
  positional: string[];
  values: Map<string, string[]>;
  booleans: Set<string>;
}

/** `aliases` maps a short or alternative spelling to its canonical flag (`-o` -> `--out`). */
export function parseFlags(
  command: string,
  argv: readonly string[],
  spec: { values: string[]; booleans: string[]; aliases?: Record<string, string> },
): ParsedFlags {
  const out: ParsedFlags = { positional: [], values: new Map(), booleans: new Set() };
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
    if (spec.booleans.includes(name)) {
      if (eq > 0) throw new UsageError(`${written} takes no value`);
      out.booleans.add(name);
      continue;
    }
    if (!spec.values.includes(name)) throw new UsageError(`unknown option ${written} for '${command}'`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${written} needs a value`);
    out.values.set(name, [...(out.values.get(name) ?? []), value]);
  }
  return out;
}
