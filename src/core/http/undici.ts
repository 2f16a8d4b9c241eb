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
import { EventEmitter } from 'node:events';
import type * as Undici from 'undici';

const Dispatcher = require('undici/lib/dispatcher/dispatcher') as typeof Undici.Dispatcher;
const api = require('undici/lib/api') as { request: unknown };
const { parseURL } = require('undici/lib/core/util') as { parseURL(url: string | URL): URL };
// What undici's index does on load: the request API becomes a method of every dispatcher.
Object.assign(Dispatcher.prototype, api);

export const Agent = require('undici/lib/dispatcher/agent') as typeof Undici.Agent;
export type Agent = Undici.Agent;
export type Dispatcher = Undici.Dispatcher;

/** The request options this product uses; `request` passes exactly these on. */
type RequestOptions = { dispatcher: Dispatcher } & Partial<
  Pick<Undici.Dispatcher.RequestOptions, 'method' | 'headers' | 'body' | 'signal' | 'headersTimeout' | 'bodyTimeout'>
>;

/**
 * undici's `request(url, options)` as its index defines it (same URL checks and errors, same default
 * method), always on the dispatcher given: never undici's global one. An AbortSignal is handed to
 * undici through its emitter stand-in (`emitterFor`).
 */
export function request(url: string | URL, options: RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  const target = parseURL(url);
  const search = target.search;
  const signal = options.signal;
  // Built in one literal: object rest and spread (`{ dispatcher, ...rest }`) take a slow path in V8.
  return options.dispatcher.request({
    method: options.method || (options.body ? 'PUT' : 'GET'),
    origin: target.origin,
    path: search ? `${target.pathname}${search}` : target.pathname,
    headers: options.headers,
    body: options.body,
    signal: signal && isAbortSignal(signal) ? emitterFor(signal) : signal,
    headersTimeout: options.headersTimeout,
    bodyTimeout: options.bodyTimeout,
  } as Undici.Dispatcher.RequestOptions);
}

function isAbortSignal(signal: unknown): signal is AbortSignal {
  return signal instanceof AbortSignal;
}

/** What undici reads of a signal: `aborted`, `reason`, and an 'abort' event. */
interface SignalEmitter extends EventEmitter {
  readonly aborted: boolean;
  readonly reason: unknown;
}

const emitters = new WeakMap<AbortSignal, SignalEmitter>();

/**
 * An EventEmitter that mirrors an AbortSignal, one per signal (the run's, a step's). undici adds
 * and removes an 'abort' listener on the signal of every request: on Node's EventTarget that pair
 * showed as 8-37 ms of CPU profiles of 10,000-step runs, on an EventEmitter it is a few ms. undici
 * takes either (its `addAbortListener`).
 */
export function emitterFor(signal: AbortSignal): SignalEmitter {
  let emitter = emitters.get(signal);
  if (emitter) return emitter;
  const mirror = new EventEmitter();
  // Parallel branches and polling share one signal: any number of requests may listen at once.
  mirror.setMaxListeners(0);
  Object.defineProperties(mirror, {
    aborted: { get: () => signal.aborted },
    reason: { get: () => signal.reason },
  });
  emitter = mirror as SignalEmitter;
  emitters.set(signal, emitter);
  if (!signal.aborted) signal.addEventListener('abort', () => mirror.emit('abort'), { once: true });
  return emitter;
}

let webSocketClass: typeof Undici.WebSocket | undefined;

/** undici's standard WebSocket class, loaded on first use. */
export function webSocketClient(): typeof Undici.WebSocket {
  return (webSocketClass ??= (require('undici/lib/web/websocket/websocket') as { WebSocket: typeof Undici.WebSocket })
    .WebSocket);
}
