/** Short text forms of step details and values, for the test run output and test messages. */
import type { StepAttemptDetail } from '../core/history/types';

const MAX_BODY_CHARS = 2000;

/** Expected/actual values as text: JSON (strings quoted, so `"35"` and `35` differ), objects indented. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `→ POST url` / `← 201 · 12 ms · 234 B` and the bodies, cut to a readable size; or the action's result. */
export function describeDetail(detail: StepAttemptDetail): string {
  const lines: string[] = [];
  if (detail.request) {
    lines.push(`    → ${detail.request.method} ${detail.request.url}`);
    if (detail.request.body) lines.push(`      ${clip(detail.request.body)}`);
  }
  if (detail.response) {
    const r = detail.response;
    lines.push(`    ← ${r.status} · ${Math.round(r.duration_ms)} ms · ${r.size_bytes} B${detail.truncated ? ' (body cut in history)' : ''}`);
    const body = typeof r.body === 'string' ? r.body : compactJson(r.body);
    if (body) lines.push(`      ${clip(body)}`);
  } else if (detail.request) {
    lines.push('    ← no response');
  } else if (detail.result !== undefined) {
    lines.push(`    = ${clip(compactJson(detail.result))}`);
  }
  if (detail.outputs && Object.keys(detail.outputs).length) lines.push(`    outputs: ${clip(compactJson(detail.outputs))}`);
  return lines.join('\n');
}

function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

function clip(text: string): string {
  const oneLine = text.replace(/\s*\r?\n\s*/g, ' ');
  return oneLine.length > MAX_BODY_CHARS ? `${oneLine.slice(0, MAX_BODY_CHARS)}… (${oneLine.length} chars)` : oneLine;
}
