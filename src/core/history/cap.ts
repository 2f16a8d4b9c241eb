/**
 * Keeps stored step details bounded: request and response bodies (and non-HTTP results) larger
 * than the cap are cut, and the detail says so with `truncated: true`.
 */
import type { StepDetail } from '../engine/types';
import type { StepAttemptDetail } from './types';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
function cutUtf8(text: string, maxBytes: number): string {
  if (text.length <= maxBytes / 3) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over UTF-8 continuation bytes (10xxxxxx) to a character boundary.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

interface Capped {
  value: unknown;
  truncated: boolean;
}

/** A value whose JSON form fits the cap stays as it is; a larger one becomes its cut JSON text. */
function capValue(value: unknown, maxBytes: number): Capped {
  if (value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean')
    return { value, truncated: false };
  if (typeof value === 'string') {
    const cut = cutUtf8(value, maxBytes);
    return { value: cut, truncated: cut.length !== value.length };
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? '';
  } catch {
    return { value: '[unserializable value]', truncated: true };
  }
  const cut = cutUtf8(text, maxBytes);
  return cut.length === text.length ? { value, truncated: false } : { value: cut, truncated: true };
}

export function capStepDetail(detail: StepDetail, maxBodyBytes: number): StepAttemptDetail {
  const out: StepAttemptDetail = { step_id: detail.step_id, attempt: detail.attempt };
  let truncated = false;
  if (detail.request) {
    const body = capValue(detail.request.body, maxBodyBytes);
    truncated ||= body.truncated;
    out.request = { ...detail.request, body: body.value as string | undefined };
  }
  if (detail.response) {
    const body = capValue(detail.response.body, maxBodyBytes);
    truncated ||= body.truncated;
    out.response = { ...detail.response, body: body.value };
  }
  if (detail.result !== undefined) {
    const result = capValue(detail.result, maxBodyBytes);
    truncated ||= result.truncated;
    out.result = result.value;
  }
  if (detail.messages !== undefined) {
    out.messages = detail.messages.map((message) => {
      const body = capValue(message.body, maxBodyBytes);
      truncated ||= body.truncated;
      return { ...message, body: body.value };
    });
  }
  if (detail.outputs !== undefined) {
    // Outputs seed single-step re-runs, so they are kept whole or not at all, never cut to text.
    if (capValue(detail.outputs, maxBodyBytes).truncated) truncated = true;
    else out.outputs = detail.outputs;
  }
  if (truncated) out.truncated = true;
  return out;
}
