/** Built-in placeholder values (`{{TIMESTAMP}}`, `{{UUID}}`, …) that flows use without defining them, computed when asked for. */
import { randomUUID } from 'node:crypto';

const pad = (n: number) => String(n).padStart(2, '0');

const BUILTINS: Record<string, () => unknown> = {
  UUID: () => randomUUID(),
  RANDOM_ID: () => randomUUID(),
  TIMESTAMP: () => Math.floor(Date.now() / 1000),
  TIMESTAMP_MS: () => Date.now(),
  ISO_TIMESTAMP: () => new Date().toISOString(),
  DATE: () => new Date().toISOString().slice(0, 10),
  TIME: () => new Date().toISOString().slice(11, 19),
  DATETIME: () => new Date().toISOString().slice(0, 19).replace('T', ' '),
  YEAR: () => new Date().getUTCFullYear(),
  MONTH: () => pad(new Date().getUTCMonth() + 1),
  DAY: () => pad(new Date().getUTCDate()),
  HOUR: () => pad(new Date().getUTCHours()),
  MINUTE: () => pad(new Date().getUTCMinutes()),
  SECOND: () => pad(new Date().getUTCSeconds()),
};

export const BUILTIN_NAMES: readonly string[] = Object.keys(BUILTINS);

export function isBuiltin(name: string): boolean {
  return Object.hasOwn(BUILTINS, name);
}

export function builtinValue(name: string): unknown {
  return BUILTINS[name]();
}
