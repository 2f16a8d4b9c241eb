/** Socket-level failures as the words a person reads, shared by every action that opens a connection. */
export const SOCKET_ERROR_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENOENT: 'no such socket',
};

/**
 * `"connection refused (ECONNREFUSED)"` for a socket-level failure, else undefined. Connecting to
 * "localhost" tries ::1 and 127.0.0.1, and Node reports both in an AggregateError: the last one speaks.
 */
export function socketErrorReason(err: unknown): string | undefined {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  if (Array.isArray(e.errors) && e.errors.length && !e.message) return socketErrorReason(e.errors[e.errors.length - 1]);
  return e.code && SOCKET_ERROR_REASONS[e.code] ? `${SOCKET_ERROR_REASONS[e.code]} (${e.code})` : undefined;
}
