/** A small, strict `--flag value` parser for the commands that have their own options. */
import { UsageError } from './args';

export interface ParsedFlags {
  positional: string[];
  /** Every value of each flag, in order; booleans get `['true']`. */
  flags: Map<string, string[]>;
}

export function parseFlags(
  command: string,
  argv: readonly string[],
  options: { values: readonly string[]; booleans?: readonly string[] },
): ParsedFlags {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (options.booleans?.includes(name)) {
      flags.set(name, ['true']);
      continue;
    }
    if (!options.values.includes(name)) throw new UsageError(`unknown option ${name} for '${command}'`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { positional, flags };
}
