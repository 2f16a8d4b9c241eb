/** Limits and the one-line form of the messages a streaming step records (Kafka, gRPC streams). */
import { compactJson, oneLine } from '../format';

/** A step keeps the first this many messages in its detail; the live log shows every one. */
export const MAX_RECORDED_MESSAGES = 200;
const PREVIEW_CHARS = 200;

/** A message body on one line, cut for the live log. */
export function messagePreview(body: unknown): string {
  return oneLine(typeof body === 'string' ? body : compactJson(body), PREVIEW_CHARS);
}
