/**
 * The parts of undici this product uses, loaded without undici's index. The index evaluates fetch,
 * the cache stores, mock and snapshot agents, proxies and SQLite support on load: 536 KB of the
 * 1.15 MB CLI bundle, and about 80 ms of CPU per process on these machines, for an HTTP client
 * whose own part (agent, client) is 300 KB. Requests go through the dispatcher API (./exchange.ts),
 * not undici's request API. The WebSocket client (with fetch under it) is loaded on the first
 * `websocket` step.
 *
 * These are undici 7's own file paths (it has no "exports" map); an undici that moves them fails
 * the build and the unit tests, not a run. Types come from undici's public declarations.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loading parts of undici is this file's purpose */
import type * as Undici from 'undici';

export const Agent = require('undici/lib/dispatcher/agent') as typeof Undici.Agent;
export type Agent = Undici.Agent;
export type Dispatcher = Undici.Dispatcher;

let webSocketClass: typeof Undici.WebSocket | undefined;

/** undici's standard WebSocket class, loaded on first use. */
export function webSocketClient(): typeof Undici.WebSocket {
  return (webSocketClass ??= (require('undici/lib/web/websocket/websocket') as { WebSocket: typeof Undici.WebSocket })
    .WebSocket);
}
