/**
 * Who may talk to the local server: a per-start random token on every API call and WebSocket,
 * a Host header naming the loopback address (DNS rebinding), no foreign Origin on WebSockets
 * (or on API calls, unless configured for CORS).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** WebSocket subprotocol carrying the token, for browsers (which cannot set headers on a WebSocket). */
export const TOKEN_PROTOCOL_PREFIX = 'testmesh.token.';
/** The subprotocol the server selects when a client offers it next to the token. */
export const WS_PROTOCOL = 'testmesh.v1';

/** 32 random bytes, base64url: 43 characters, safe in headers, URLs and subprotocol names. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares in constant time; hashing first makes differing lengths take the same time too. */
export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** A WebSocket's token: Authorization header, `testmesh.token.<token>` subprotocol, or `?token=`. */
export function webSocketToken(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const bearer = bearerToken(req);
  if (bearer) return bearer;
  const protocol = offeredProtocols(req).find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  if (protocol) return protocol.slice(TOKEN_PROTOCOL_PREFIX.length);
  return query.get('token') ?? undefined;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** The Host header must be the loopback address with our port: anything else may be DNS rebinding. */
function isAllowedHost(host: string | undefined, port: number): boolean {
  if (typeof host !== 'string') return false;
  const lower = host.toLowerCase();
  return LOOPBACK_NAMES.some((name) => lower === `${name}:${port}`);
}

/** The origins of pages this server itself serves. */
export function sameOrigins(port: number): string[] {
  return LOOPBACK_NAMES.map((name) => `http://${name}:${port}`);
}

export interface AccessPolicy {
  token: string;
  port: number;
  /** Extra origins allowed to call the API from a browser (CORS). Empty by default. */
  corsOrigins: ReadonlySet<string>;
}

export type Refusal = { status: 401 | 403; error: string };

export function checkHost(req: IncomingMessage, policy: AccessPolicy): Refusal | undefined {
  if (!isAllowedHost(req.headers.host, policy.port))
    return { status: 403, error: `host not allowed: use http://127.0.0.1:${policy.port}` };
  return undefined;
}

/** Same-origin pages may always call; others only when configured for CORS (API) — never for WebSockets. */
export function checkOrigin(req: IncomingMessage, policy: AccessPolicy, kind: 'api' | 'ws'): Refusal | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const lower = origin.toLowerCase();
  if (sameOrigins(policy.port).includes(lower)) return undefined;
  if (kind === 'api' && policy.corsOrigins.has(origin)) return undefined;
  return { status: 403, error: `origin not allowed: ${origin}` };
}

export function checkToken(given: string | undefined, policy: AccessPolicy): Refusal | undefined {
  if (given === undefined) return { status: 401, error: 'missing token: send Authorization: Bearer <token>' };
  if (!tokensEqual(given, policy.token)) return { status: 401, error: 'invalid token' };
  return undefined;
}

/** CORS response headers for a configured origin; none otherwise. */
export function corsHeaders(req: IncomingMessage, policy: AccessPolicy): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined || !policy.corsOrigins.has(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}
