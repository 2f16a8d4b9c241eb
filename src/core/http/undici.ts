/**
 * The parts of undici this product uses, loaded without undici's index. The index evaluates fetch,
 * the cache stores, mock and snapshot agents, proxies and SQLite support on load: 536 KB of the
 * 1.15 MB CLI bundle, and about 80 ms of CPU per process on these machines, for an HTTP client
 * whose own part (agent, client, request API) is 300 KB. The WebSocket client (with fetch under it)
 * is loaded on the first `websocket` step.
 *
 * These are undici 7's own file paths (it has no "exports" map); an undici that moves them fails
 * the build and the unit tests, not a run. Types come from undici's public declarations.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loading parts of undici is this file's purpose */
import type * as Undici from 'undici';

const Dispatcher = require('undici/lib/dispatcher/dispatcher') as typeof Undici.Dispatcher;
const api = require('undici/lib/api') as { request: unknown };
const { parseURL } = require('undici/lib/core/util') as { parseURL(url: string | URL): URL };
// What undici's index does on load: the request API becomes a method of every dispatcher.
Object.assign(Dispatcher.prototype, api);

export const Agent = require('undici/lib/dispatcher/agent') as typeof Undici.Agent;
export type Agent = Undici.Agent;
export type Dispatcher = Undici.Dispatcher;

type RequestOptions = { dispatcher: Dispatcher } & Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path'> &
  Partial<Pick<Undici.Dispatcher.RequestOptions, 'method'>>;

/**
 * undici's `request(url, options)` as its index defines it (same URL checks and errors, same default
 * method), always on the dispatcher given: never undici's global one.
 */
export function request(url: string | URL, options: RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  const target = parseURL(url);
  return dispatcher.request({
    ...rest,
    origin: target.origin,
    path: target.search ? `${target.pathname}${target.search}` : target.pathname,
    method: rest.method || (rest.body ? 'PUT' : 'GET'),
  } as Undici.Dispatcher.RequestOptions);
}

let webSocketClass: typeof Undici.WebSocket | undefined;

/** undici's standard WebSocket class, loaded on first use. */
export function webSocketClient(): typeof Undici.WebSocket {
  return (webSocketClass ??= (require('undici/lib/web/websocket/websocket') as { WebSocket: typeof Undici.WebSocket })
    .WebSocket);
}
