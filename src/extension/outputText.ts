/** Short text forms of step details and values, for the test run output and test messages. */
import { formatBytes, formatDuration, formatValue } from '../core/format';
import type { StepAttemptDetail } from '../core/history/types';

const MAX_BODY_CHARS = 2000;

/** Expected/actual values for VS Code's diff: JSON (strings quoted, so `"35"` and `35` differ), objects indented, whole. */
export function formatDiffValue(value: unknown): string {
  return value === undefined ? 'undefined' : formatValue(value, Infinity, 2);
}

/**
 * A step's request/response as text. The first line is what VS Code shows inline at the step
 * (`POST http://x/users → 201 · 12 ms · 234 B`); bodies and outputs follow, cut to a readable size.
 */
export function describeDetail(detail: StepAttemptDetail): string {
  const lines: string[] = [];
  const request = detail.request;
  const response = detail.response;
  if (request) {
    const answer = response
      ? `${response.status} · ${formatDuration(response.duration_ms)} · ${formatBytes(response.size_bytes)}`
      : 'no response';
    lines.push(`${request.method} ${request.url} → ${answer}`);
    if (request.body) lines.push(`  request body: ${clip(request.body)}`);
    if (response) {
      const body = typeof response.body === 'string' ? response.body : compactJson(response.body);
      if (body) lines.push(`  response body: ${clip(body)}${detail.truncated ? ' (cut in history)' : ''}`);
    }
  } else if (detail.result !== undefined) {
    lines.push(`= ${clip(compactJson(detail.result))}`);
  }
  if (detail.outputs && Object.keys(detail.outputs).length)
    lines.push(`  outputs: ${clip(compactJson(detail.outputs))}`);
  return lines.join('\n');
}

/** Longest request summary next to a step (the editor line has the step's own text before it). */
const MAX_SUMMARY_CHARS = 60;

/**
 * A step's request in a few words for its line in the editor: `POST /orders → 201 · 31 B`
 * (the path only: the host is the same for every step); undefined for steps without a request.
 */
export function requestSummary(detail: StepAttemptDetail): string | undefined {
  const request = detail.request;
  if (!request) return undefined;
  let target = request.url;
  try {
    const url = new URL(request.url);
    target = `${url.pathname}${url.search}`;
  } catch {
    // Not an absolute URL: shown as it is.
  }
  const answer = detail.response
    ? `${detail.response.status} · ${formatBytes(detail.response.size_bytes)}`
    : 'no response';
  const head = `${request.method} `;
  const tail = ` → ${answer}`;
  const room = MAX_SUMMARY_CHARS - head.length - tail.length;
  if (target.length > room) target = `${target.slice(0, Math.max(8, room - 1))}…`;
  return `${head}${target}${tail}`;
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
