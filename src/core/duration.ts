import { TestMeshError } from './errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses `"500ms"`, `"2s"`, `"1m30s"`, `"1.5s"` or a bare number of milliseconds.
 * Go's duration syntax, which TestMesh flows use.
 */
export function parseDuration(value: unknown, what = 'duration'): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== 'string')
    throw new TestMeshError(`${what} must be a duration like "500ms" or "2s", got ${JSON.stringify(value)}`);
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * UNITS[m[2]];
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== text.length) {
    throw new TestMeshError(`${what} must be a duration like "500ms", "2s" or "1m", got ${JSON.stringify(value)}`);
  }
  return total;
}
