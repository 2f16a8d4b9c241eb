/** Small helpers for node:http handlers: JSON replies, `{"error"}` replies, bounded body reading. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { formatBytes } from '../core/format';

export const MAX_BODY_BYTES = 1024 * 1024;

/** An error with the status code the client should see. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra fields of the JSON reply (e.g. diagnostics). */
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = status === 204 ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...(status === 204
      ? {}
      : { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) }),
    ...headers,
  });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: message, ...extra }, headers);
}

/** Refuses a WebSocket upgrade with a plain HTTP reply on the raw socket. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  const reason =
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'Not Found',
      405: 'Method Not Allowed',
      503: 'Service Unavailable',
    }[status] ?? 'Error';
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** Reads the body as text, refusing more than `maxBytes` with a 413. */
export async function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes)
    throw new HttpError(413, `request body larger than ${formatBytes(maxBytes)}`, {}, { connection: 'close' });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes)
      throw new HttpError(413, `request body larger than ${formatBytes(maxBytes)}`, {}, { connection: 'close' });
    chunks.push(chunk as Buffer);
  }
  try {
    return strictUtf8.decode(Buffer.concat(chunks));
  } catch {
    // Stored with replacement characters it would silently change the user's text.
    throw new HttpError(400, 'the request body is not valid UTF-8');
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function isJsonRequest(req: IncomingMessage): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(req.headers['content-type'] ?? '');
}

export async function readJson(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const text = await readBody(req, maxBytes);
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON');
  }
}

/** Splits `req.url` without letting `//host/...` forms be read as another host. */
export function splitUrl(rawUrl: string | undefined): { path: string; query: URLSearchParams } | undefined {
  if (typeof rawUrl !== 'string' || !rawUrl.startsWith('/')) return undefined;
  const q = rawUrl.indexOf('?');
  const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
  const hash = path.indexOf('#');
  return {
    path: hash >= 0 ? path.slice(0, hash) : path,
    query: new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : ''),
  };
}

/** decodeURIComponent that answers 400 instead of throwing URIError. */
export function decodeSegment(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpError(400, `malformed URL encoding in ${JSON.stringify(text)}`);
  }
}
