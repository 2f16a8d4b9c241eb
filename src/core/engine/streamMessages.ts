/** Limits and the one-line form of the messages a streaming step records (Kafka, gRPC streams). */

/** A step keeps the first this many messages in its detail; the live log shows every one. */
export const MAX_RECORDED_MESSAGES = 200;
const PREVIEW_CHARS = 200;

/** A message body on one line, cut for the live log. */
export function messagePreview(body: unknown): string {
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    try {
      text = JSON.stringify(body) ?? String(body);
    } catch {
      text = String(body);
    }
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}
