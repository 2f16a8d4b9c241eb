/**
 * How durations, byte sizes, values and states read wherever TestMesh shows them: error messages,
 * the CLI's reporters, the editor (Test Explorer, step marks, hovers, debugger) and the web UI all
 * call these, so one run reads the same on every surface.
 */
import type { ExecutionStatus } from './events';

/**
 * A duration as people read it, unit after a space: `0.39 ms`, `405 ms`, `2.10 s`, `12.5 s`,
 * `2m 05s`, `1h 02m`. Missing or non-finite input gives '' (a step still running has no duration).
 */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  const t = Math.max(0, ms);
  if (t < 1) return `${t.toFixed(2)} ms`;
  // Thresholds sit where rounding would carry into the next unit (999.6 ms is "1.00 s", not "1000 ms").
  if (t < 999.5) return `${Math.round(t)} ms`;
  if (t < 9_995) return `${(t / 1000).toFixed(2)} s`;
  if (t < 59_950) return `${(t / 1000).toFixed(1)} s`;
  const seconds = Math.round(t / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad2(seconds % 60)}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h ${pad2(minutes % 60)}m`;
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/**
 * A size in binary units with their IEC names, the one convention for bytes (limits are powers of
 * 1024, so `4 MiB` reads exactly): `347 B`, `2 KiB`, `1.5 MiB`. Missing or non-finite input gives ''.
 */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '';
  if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  // Step up while the shown (rounded) number would reach 1024.
  while (Math.abs(value) >= 1023.95 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1).replace(/\.0$/, '')} ${BYTE_UNITS[unit]}`;
}

/**
 * A value as JSON text for a message or a diff: stops writing once `limit` characters are reached,
 * so a huge response body costs no more than a small one; survives cycles, BigInt, Map and deep
 * nesting. `indent` > 0 lays objects out over lines as `JSON.stringify(value, null, indent)` does.
 */
export function formatValue(value: unknown, limit = 200, indent = 0): string {
  const out: string[] = [];
  let length = 0;
  const seen: object[] = [];
  const write = (text: string): boolean => {
    out.push(text);
    length += text.length;
    return length <= limit;
  };
  const newline = (depth: number): boolean => (indent > 0 ? write(`\n${' '.repeat(indent * depth)}`) : true);
  const visit = (v: unknown, depth: number): boolean => {
    if (v === null || v === undefined) return write('null');
    switch (typeof v) {
      case 'string':
        return write(JSON.stringify(v.length > limit ? v.slice(0, limit + 1) : v));
      case 'number':
      case 'boolean':
      case 'bigint':
        return write(String(v));
      case 'object':
        break;
      default:
        return write(typeof v);
    }
    if (v instanceof Date) return write(Number.isNaN(v.getTime()) ? '"Invalid Date"' : JSON.stringify(v.toISOString()));
    if (seen.includes(v) || seen.length >= 50) return write('…');
    seen.push(v);
    const isArray = Array.isArray(v);
    // Iterated lazily, so a huge array or map stops costing once the limit is reached.
    const items: Iterable<[unknown, unknown]> = isArray
      ? v.entries()
      : v instanceof Map
        ? v.entries()
        : Object.entries(v);
    let ok = write(isArray ? '[' : '{');
    let count = 0;
    for (const [key, item] of items) {
      ok =
        (count++ === 0 || write(',')) &&
        newline(depth + 1) &&
        (isArray || write(`${JSON.stringify(String(key))}:${indent > 0 ? ' ' : ''}`)) &&
        visit(item, depth + 1);
      if (!ok) break;
    }
    if (ok && count > 0) ok = newline(depth);
    ok = ok && write(isArray ? ']' : '}');
    seen.pop();
    return ok;
  };
  visit(value, 0);
  const text = out.join('');
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/** A value as compact JSON on one line; its `String()` where JSON has no text for it (undefined, a cycle, BigInt). */
export function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Text on one line (each run of white space one space), cut with an ellipsis to at most `max` characters. */
export function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** An execution that will change no more: completed, failed or cancelled. */
export function isFinished(execution: ExecutionStatus | { status: ExecutionStatus }): boolean {
  const status = typeof execution === 'string' ? execution : execution.status;
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
