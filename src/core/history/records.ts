/**
 * The JSON-lines records of the history store. Each line starts with a fixed `"k"` key, so a
 * reader can pick out the lines it needs by their first bytes and parse only those.
 *
 *   {"k":"x","x":<ExecutionSummary>}                 summary (index and segment; the last one wins)
 *   {"k":"e","e":<ExecutionEvent>}                   one event (segment)
 *   {"k":"d","s":<step id>,"d":<StepAttemptDetail>}  one attempt's request/response detail (segment)
 */
import type { ExecutionEvent } from '../events';
import type { ExecutionSummary, StepAttemptDetail } from './types';

const SUMMARY_PREFIX = '{"k":"x",';
const EVENT_PREFIX = '{"k":"e","e":';
const DETAIL_PREFIX = '{"k":"d","s":';

export function summaryLine(summary: ExecutionSummary): string {
  return `{"k":"x","x":${JSON.stringify(summary)}}`;
}

/** Takes the event's JSON text as already serialized for the wire, so it is stringified once. */
export function eventLine(eventJson: string): string {
  return `${EVENT_PREFIX}${eventJson}}`;
}

export function detailLine(detail: StepAttemptDetail): string {
  return `${DETAIL_PREFIX}${JSON.stringify(detail.step_id)},"d":${JSON.stringify(detail)}}`;
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined; // a torn or damaged line: skipped
  }
}

export function isSummaryLine(line: string): boolean {
  return line.startsWith(SUMMARY_PREFIX);
}

export function parseSummaryLine(line: string): ExecutionSummary | undefined {
  const record = parse(line) as { x?: ExecutionSummary } | undefined;
  const summary = record?.x;
  return summary && typeof summary.id === 'string' && typeof summary.status === 'string' ? summary : undefined;
}

export function parseEventLine(line: string): ExecutionEvent | undefined {
  if (!line.startsWith(EVENT_PREFIX)) return undefined;
  const record = parse(line) as { e?: ExecutionEvent } | undefined;
  const event = record?.e;
  return event && typeof event.seq === 'number' && typeof event.type === 'string' ? event : undefined;
}

/** Reads only the step id of a detail line (a JSON string token right after the prefix). */
export function detailLineStepId(line: string): string | undefined {
  if (!line.startsWith(DETAIL_PREFIX)) return undefined;
  const match = /^"(?:[^"\\]|\\.)*"/.exec(line.slice(DETAIL_PREFIX.length));
  if (!match) return undefined;
  const id = parse(match[0]);
  return typeof id === 'string' ? id : undefined;
}

export function parseDetailLine(line: string): StepAttemptDetail | undefined {
  const record = parse(line) as { d?: StepAttemptDetail } | undefined;
  return record?.d && typeof record.d.step_id === 'string' ? record.d : undefined;
}

/** Splits file text into lines; a last line without its newline is a torn write and is dropped. */
export function completeLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop(); // '' after the final newline, or the torn remainder
  return lines;
}
