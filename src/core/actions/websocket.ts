/**
 * `websocket`: `connect`, `send`, `receive` and `close` on named connections (`connection_id`,
 * default "default") that live for the whole execution, shared by later steps, sub-flows and
 * teardown, and closed when the execution ends, whatever happened.
 *
 * Results keep TestMesh's keys (`connected`, `latency_ms`, `received_message`, `message_type`
 * 1 = text / 2 = binary, `metadata`) and add `connection_id`. Unlike TestMesh, `receive` checks
 * `expected` (JSON aware, see jsonMatch.ts): messages that do not match are skipped until one
 * does or the timeout passes, so pushed notifications in between do not break a flow.
 */
import { TestMeshError } from '../errors';
import { formatDuration } from '../format';
import { TimeoutError } from '../engine/errors';
import { stringifyValue } from '../template';
import { optionalDuration, optionalMap, optionalString, requireString, type Config } from './config';
import { findMismatch, show } from './jsonMatch';
import { registerAction } from './registry';
import type { ActionContext } from './types';
import { executionRegistry } from './executionResources';
import { WebSocketConnection, type ReceivedMessage } from './websocketConnection';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;
/** How long the end of an execution waits for each server to answer a close. */
const END_CLOSE_TIMEOUT_MS = 2_000;
const DEFAULT_CONNECTION_ID = 'default';
const REGISTRY_KEY = 'websocket.connections';
const ACTIONS = ['connect', 'send', 'receive', 'close'] as const;
type WebSocketAction = (typeof ACTIONS)[number];

/** The execution's open connections by id; created with a cleanup that closes them all at the end. */
function connections(ctx: ActionContext): Map<string, WebSocketConnection> {
  return executionRegistry<WebSocketConnection>(ctx, REGISTRY_KEY, (c) => c.close(END_CLOSE_TIMEOUT_MS));
}

function openConnection(ctx: ActionContext, id: string): WebSocketConnection {
  const registry = connections(ctx);
  const connection = registry.get(id);
  if (connection) return connection;
  const known = [...registry.keys()];
  throw new TestMeshError(
    `no WebSocket connection '${id}': connect first (action: connect${id === DEFAULT_CONNECTION_ID ? '' : `, connection_id: ${id}`})` +
      (known.length ? `; open connections: ${known.map((k) => `'${k}'`).join(', ')}` : ''),
  );
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function readAction(config: Config): WebSocketAction {
  const action = requireString(config, 'action');
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new TestMeshError(`config.action must be connect, send, receive or close, got ${JSON.stringify(action)}`);
  }
  return action as WebSocketAction;
}

function readUrl(config: Config): string {
  const text = requireString(config, 'url');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TestMeshError(`config.url is not a valid URL: ${JSON.stringify(text)}`);
  }
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol))
    throw new TestMeshError(`config.url must be a ws:// or wss:// URL, got ${url.protocol}`);
  return url.toString();
}

async function connect(config: Config, ctx: ActionContext, id: string, started: number) {
  const url = readUrl(config);
  const headers: Record<string, string> = {};
  const given = optionalMap(config, 'headers');
  if (given) for (const key of Object.keys(given)) headers[key.toLowerCase()] = stringifyValue(given[key]);
  const timeoutMs = optionalDuration(config, 'timeout') ?? DEFAULT_TIMEOUT_MS;

  const registry = connections(ctx);
  const previous = registry.get(id);
  if (previous) {
    ctx.log('warn', `websocket '${id}' was still open; closing it before connecting again`);
    registry.delete(id);
    await previous.close(DEFAULT_CLOSE_TIMEOUT_MS);
  }
  const connection = await WebSocketConnection.open(id, url, headers, ctx.dispatcher, timeoutMs, ctx.signal);
  // A cancel that lands while the handshake completes must not leave an unnamed connection open.
  if (ctx.signal.aborted) {
    await connection.close(END_CLOSE_TIMEOUT_MS);
    throw ctx.signal.reason;
  }
  registry.set(id, connection);
  const metadata = {
    connection_id: id,
    status_code: connection.handshakeStatus ?? 101,
    protocol: connection.protocol,
    url,
  };
  return { connected: true, connection_id: id, latency_ms: elapsed(started), metadata };
}

function send(config: Config, ctx: ActionContext, id: string, started: number) {
  const raw = config.message;
  if (raw === undefined || raw === null) throw new TestMeshError('config.message is required for action: send');
  // Text as is; anything else (a map, a list, a number) as JSON.
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  const type = optionalString(config, 'message_type') ?? 'text';
  if (type !== 'text' && type !== 'binary')
    throw new TestMeshError(`config.message_type must be text or binary, got ${JSON.stringify(type)}`);
  const connection = openConnection(ctx, id);
  const bytes = connection.send(text, type === 'binary');
  return {
    connected: true,
    connection_id: id,
    latency_ms: elapsed(started),
    metadata: { connection_id: id, bytes_sent: bytes },
  };
}

async function receive(config: Config, ctx: ActionContext, id: string, started: number) {
  const timeoutMs = optionalDuration(config, 'timeout') ?? DEFAULT_TIMEOUT_MS;
  const hasExpected = config.expected !== undefined && config.expected !== null;
  const connection = openConnection(ctx, id);
  let skipped = 0;
  let lastMismatch: { message: ReceivedMessage; why: string } | undefined;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let message: ReceivedMessage | undefined;
    try {
      message = await connection.next(Math.max(0, deadline - Date.now()), ctx.signal);
    } catch (err) {
      if (err instanceof TestMeshError && lastMismatch)
        throw new TestMeshError(`${err.message}; ${describeSkipped(skipped, lastMismatch)}`);
      throw err;
    }
    if (!message) {
      const what = hasExpected ? `no message matching ${show(config.expected)}` : 'no message';
      const error = new TimeoutError(`websocket '${id}': waiting for a message`, timeoutMs);
      error.message = `websocket '${id}': ${what} within ${formatDuration(timeoutMs)}${lastMismatch ? `; ${describeSkipped(skipped, lastMismatch)}` : ''}`;
      throw error;
    }
    const why = hasExpected ? findMismatch(config.expected, message.data) : undefined;
    if (why === undefined) {
      if (connection.dropped > 0)
        ctx.log('warn', `websocket '${id}': ${connection.dropped} older message(s) were dropped (queue full)`);
      return {
        connected: connection.isOpen,
        connection_id: id,
        received_message: message.data,
        message_type: message.binary ? 2 : 1,
        latency_ms: elapsed(started),
        metadata: { connection_id: id, bytes_received: message.bytes, skipped_messages: skipped },
      };
    }
    skipped++;
    lastMismatch = { message, why };
    ctx.log('debug', `websocket '${id}': skipped a message that does not match (${why})`);
  }
}

function describeSkipped(skipped: number, last: { message: ReceivedMessage; why: string }): string {
  return `${skipped} other message(s) did not match, the last ${show(last.message.data)} (${last.why})`;
}

async function close(config: Config, ctx: ActionContext, id: string, started: number) {
  const timeoutMs = optionalDuration(config, 'timeout') ?? DEFAULT_CLOSE_TIMEOUT_MS;
  const registry = connections(ctx);
  const connection = registry.get(id);
  if (!connection) {
    // As in TestMesh, closing what is not open is not an error (teardown may close defensively).
    ctx.log('info', `websocket '${id}' is not open; nothing to close`);
    return {
      connected: false,
      connection_id: id,
      latency_ms: elapsed(started),
      metadata: { connection_id: id, closed: false },
    };
  }
  registry.delete(id);
  const info = await connection.close(timeoutMs);
  return {
    connected: false,
    connection_id: id,
    latency_ms: elapsed(started),
    metadata: { connection_id: id, closed: true, code: info.code, reason: info.reason },
  };
}

registerAction({
  name: 'websocket',
  async run(config, ctx) {
    const started = performance.now();
    const action = readAction(config);
    const id = optionalString(config, 'connection_id') || DEFAULT_CONNECTION_ID;
    switch (action) {
      case 'connect':
        return connect(config, ctx, id, started);
      case 'send':
        return send(config, ctx, id, started);
      case 'receive':
        return receive(config, ctx, id, started);
      case 'close':
        return close(config, ctx, id, started);
    }
  },
});
