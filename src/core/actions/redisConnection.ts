/**
 * Redis connections for the `redis.*` actions: one client per server (address, user, password,
 * database) per execution, shared by every step, sub-flow and teardown of that execution and
 * closed when it ends, like the database pools.
 *
 * The client is node-redis' core (`@redis/client`), loaded on first use. It never reconnects
 * behind a step's back: a dropped connection fails the step that needed it with the reason,
 * and the next step connects again.
 *
 * A server is named as in TestMesh's plugin, `host` (default localhost) and `port` (default
 * 6379), or by `url` (`redis://[user][:password]@host:port/db`, `rediss://` for TLS), with
 * `password`, `username` and `db` next to them. Passwords become secrets of the execution and
 * messages show the server as `redis://***@host:port/db`.
 */
import type { createClient as CreateClient } from '@redis/client';
import { TestMeshError } from '../errors';
import { socketErrorReason } from '../networkErrors';
import { TimeoutError } from '../engine/errors';
import { abortReason, linkedAbort, raceAbort } from '../cancellation';
import { optionalNumber, optionalString, type Config } from './config';
import type { ActionContext } from './types';
import { executionRegistry } from './executionResources';
import { redisClient as redis } from '../libraries';

type RedisClient = ReturnType<typeof CreateClient>;

const REGISTRY_KEY = 'redis.clients';
const CONNECT_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 2_000;

export interface RedisTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
  /** For messages: never holds the password. */
  shown: string;
}

/** Reads the server of a step from `url` or `host`/`port`, with `password`, `username` and `db`. */
export function redisTargetOf(config: Config, ctx: Pick<ActionContext, 'addSecret'>): RedisTarget {
  const url = optionalString(config, 'url');
  let host = 'localhost';
  let port = 6379;
  let username: string | undefined;
  let password: string | undefined;
  let db = 0;
  let tls = false;
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      const guess = /^[a-z]+:\/\/[^:/@]*:([^@/]*)@/i.exec(url)?.[1];
      if (guess) ctx.addSecret(guess);
      throw new TestMeshError(
        'config.url is not a valid redis:// URL (special characters in the password must be percent-encoded)',
      );
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
      throw new TestMeshError(`config.url must start with redis:// or rediss://, got ${parsed.protocol}//`);
    if (parsed.password) {
      ctx.addSecret(parsed.password);
      password = decode(parsed.password);
    }
    if (parsed.username) username = decode(parsed.username);
    host = parsed.hostname.replace(/^\[|\]$/g, '') || host;
    if (parsed.port) port = Number(parsed.port);
    const path = parsed.pathname.replace(/^\//, '');
    if (path) db = Number(path);
    tls = parsed.protocol === 'rediss:';
  }
  host = optionalString(config, 'host') || host;
  port = optionalNumber(config, 'port') ?? port;
  username = optionalString(config, 'username') || username;
  password = optionalString(config, 'password') || password;
  db = optionalNumber(config, 'db') ?? db;
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new TestMeshError(`config.port must be a TCP port number, got ${port}`);
  if (!Number.isInteger(db) || db < 0)
    throw new TestMeshError(`config.db must be a database number (0, 1, ...), got ${db}`);
  if (password) ctx.addSecret(password);
  const auth = username || password ? `${username ?? ''}${password ? ':***' : ''}@` : '';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port,
    username,
    password,
    db,
    tls,
    shown: `${tls ? 'rediss' : 'redis'}://${auth}${hostPart}:${port}/${db}`,
  };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function keyOf(t: RedisTarget): string {
  return JSON.stringify([t.host, t.port, t.username ?? '', t.password ?? '', t.db, t.tls]);
}

function clients(ctx: ActionContext): Map<string, Promise<RedisClient>> {
  return executionRegistry<Promise<RedisClient>>(ctx, REGISTRY_KEY, (pending) =>
    pending.then(
      (c) => closeClient(c),
      () => undefined,
    ),
  );
}

async function closeClient(client: RedisClient): Promise<void> {
  if (!client.isOpen) return;
  let timer: NodeJS.Timeout | undefined;
  const graceful = client.close().catch(() => undefined);
  const limit = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_TIMEOUT_MS)));
  const outcome = await Promise.race([graceful, limit]);
  clearTimeout(timer);
  if (outcome === 'late' && client.isOpen) client.destroy();
}

/** A Redis error or a network failure as one readable line. */
function describeRedisError(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  if (Array.isArray(e.errors) && e.errors.length && !e.message)
    return describeRedisError(e.errors[e.errors.length - 1]);
  const network = socketErrorReason(err);
  if (network) return network;
  const message = e.message || String(err);
  if (/^WRONGPASS|invalid password|invalid username-password/i.test(message))
    return `wrong password or user name (${message})`;
  if (/^NOAUTH/.test(message))
    return `the server needs a password: set config.password or put it in config.url (${message})`;
  return message;
}

async function connect(target: RedisTarget, signal: AbortSignal): Promise<RedisClient> {
  const client = redis().createClient({
    socket: {
      host: target.host,
      port: target.port,
      tls: target.tls || undefined,
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: false,
    } as never,
    username: target.username,
    password: target.password,
    database: target.db,
    // Commands fail at once while disconnected instead of waiting in a queue for a reconnect.
    disableOfflineQueue: true,
  });
  // Without a listener a socket error would crash the process; the failing command reports it.
  client.on('error', () => undefined);
  try {
    await raceAbort(client.connect(), signal);
  } catch (err) {
    if (client.isOpen) client.destroy();
    if (signal.aborted) throw abortReason(signal);
    throw new TestMeshError(`redis: cannot connect to ${target.shown}: ${redactOf(target)(describeRedisError(err))}`);
  }
  return client as RedisClient;
}

function redactOf(target: RedisTarget): (message: string) => string {
  return (message) =>
    target.password && message.includes(target.password) ? message.split(target.password).join('***') : message;
}

/**
 * Runs one command on the execution's client for the step's server (connecting on first use).
 * A timeout or cancel drops the connection, so no late reply can reach a later command.
 */
export async function withRedis<T>(
  ctx: ActionContext,
  target: RedisTarget,
  what: string,
  timeoutMs: number,
  command: (client: RedisClient) => Promise<T>,
): Promise<T> {
  const registry = clients(ctx);
  const key = keyOf(target);
  const limited = linkedAbort(ctx.signal, { ms: timeoutMs, error: () => new TimeoutError(`redis ${what}`, timeoutMs) });
  const signal = limited.signal;
  try {
    let pending = registry.get(key);
    let client: RedisClient | undefined;
    if (pending) client = await raceAbort(pending, signal).catch(() => undefined);
    if (!client || !client.isReady) {
      if (client?.isOpen) client.destroy();
      pending = connect(target, signal);
      registry.set(key, pending);
      pending.catch(() => registry.get(key) === pending && registry.delete(key));
      client = await pending;
    }
    const ready = client;
    try {
      return await raceAbort(command(ready), signal);
    } catch (err) {
      if (signal.aborted) {
        if (ready.isOpen) ready.destroy();
        registry.delete(key);
        throw abortReason(signal);
      }
      throw new TestMeshError(`redis ${what} on ${target.shown} failed: ${redactOf(target)(describeRedisError(err))}`);
    }
  } finally {
    limited.dispose();
  }
}
