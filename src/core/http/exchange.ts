/**
 * One HTTP exchange read whole into memory: what an `http_request` step needs, on undici's
 * dispatcher API instead of its `request` API. `request` hands the body over as a Readable stream
 * inside an AsyncResource and parses the headers into an object of strings and lists; a step reads
 * the whole body anyway and wants flat headers. Here the chunks go straight into a list and the
 * headers into the step's flat form, in one pass: per request, one promise and one handler object
 * instead of a stream, its buffers and events, two promises and two header objects.
 *
 * Same behaviour as `request` + reading the body: the same URL checks (undici's `parseURL`), the
 * same errors (undici's, with their codes), the same header and body timeouts, abort through a
 * signal before or during the exchange, and a size cap that aborts a body growing past it. Both
 * HTTP actions read through it (`http_request`, `wait_for`'s probes).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- undici's own helpers, as in ./undici.ts */
import type * as Undici from 'undici';
import { TestMeshError } from '../errors';
import { formatBytes } from '../format';
import { EventEmitter } from 'node:events';
import type { Dispatcher } from './undici';

const util = require('undici/lib/core/util') as {
  parseURL(url: string | URL): URL;
  headerNameToString(name: Buffer | string): string;
};
const { RequestAbortedError, InvalidArgumentError } = require('undici/lib/core/errors') as {
  RequestAbortedError: new () => Error;
  InvalidArgumentError: new (message: string) => Error;
};

/** How long a silent server may keep an exchange waiting for headers, or between body chunks. */
export const DEFAULT_EXCHANGE_TIMEOUT_MS = 30_000;
/** The largest response body read into memory. */
export const MAX_RESPONSE_BYTES = 50 * 1024 * 1024;

export interface ExchangeOptions {
  dispatcher: Dispatcher;
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Default DEFAULT_EXCHANGE_TIMEOUT_MS. */
  headersTimeout?: number;
  bodyTimeout?: number;
  /** A body larger than this (default MAX_RESPONSE_BYTES) aborts the exchange with `tooLarge()`. */
  maxBodyBytes?: number;
  tooLarge?: () => Error;
}

export interface ExchangeResult {
  status: number;
  /** Lower-case names; a repeated header's values joined with ', '. */
  headers: Record<string, string>;
  body: Buffer;
}

/** An AbortSignal's `aborted`, `reason` and 'abort' event, on an EventEmitter. */
interface SignalEmitter extends EventEmitter {
  readonly aborted: boolean;
  readonly reason: unknown;
}

const emitters = new WeakMap<AbortSignal, SignalEmitter>();

/**
 * An EventEmitter that mirrors an AbortSignal, one per signal (the run's, a step's). Every exchange
 * adds and removes an 'abort' listener: on Node's EventTarget that pair showed as 8-37 ms of CPU
 * profiles of 10,000-step runs, on an EventEmitter it is a few ms.
 */
function emitterFor(signal: AbortSignal): SignalEmitter {
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

type AbortFn = (reason?: unknown) => void;

/** The dispatcher's handler for one exchange (undici's handler interface: onConnect ... onComplete). */
class BufferingHandler {
  private abort: AbortFn | null = null;
  private reason: unknown = null;
  private status = 0;
  private headers: Record<string, string> | undefined;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private done = false;
  private readonly stopListening: (() => void) | undefined;

  constructor(
    private readonly options: ExchangeOptions,
    private readonly resolve: (result: ExchangeResult) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    const signal = options.signal;
    if (signal?.aborted) this.reason = signal.reason ?? new RequestAbortedError();
    else if (signal) {
      const emitter = emitterFor(signal);
      const onAbort = () => {
        this.reason = signal.reason ?? new RequestAbortedError();
        this.abort?.(this.reason);
      };
      emitter.once('abort', onAbort);
      this.stopListening = () => emitter.removeListener('abort', onAbort);
    }
  }

  onConnect(abort: AbortFn): void {
    if (this.reason) abort(this.reason);
    else this.abort = abort;
  }

  onHeaders(status: number, rawHeaders: Array<Buffer | string>): boolean {
    // 1xx answers (100 Continue, 103 Early Hints) come before the real one.
    if (status < 200) return true;
    this.status = status;
    this.headers = flatHeaders(rawHeaders);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.size += chunk.length;
    const limit = this.options.maxBodyBytes ?? MAX_RESPONSE_BYTES;
    if (this.size > limit) {
      this.abort?.(this.options.tooLarge?.() ?? new TestMeshError(`response body larger than ${formatBytes(limit)}`));
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.done) return;
    this.done = true;
    this.stopListening?.();
    const chunks = this.chunks;
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.size);
    this.resolve({ status: this.status, headers: this.headers ?? {}, body });
  }

  onError(err: unknown): void {
    if (this.done) return;
    this.done = true;
    this.stopListening?.();
    this.reject(err);
  }
}

/** Response headers in one pass: names lower-cased as undici does, values read as latin1. */
function flatHeaders(raw: Array<Buffer | string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = util.headerNameToString(raw[i]);
    const rawValue = raw[i + 1];
    const value = typeof rawValue === 'string' ? rawValue : rawValue.toString('latin1');
    const earlier = Object.hasOwn(out, name) ? out[name] : undefined;
    const joined = earlier === undefined ? value : `${earlier}, ${value}`;
    // A header named __proto__ is data like any other, not the object's prototype.
    if (name === '__proto__')
      Object.defineProperty(out, name, { value: joined, enumerable: true, configurable: true, writable: true });
    else out[name] = joined;
  }
  return out;
}

/** Sends one request on the dispatcher given and reads the whole response. */
export function exchange(url: string, options: ExchangeOptions): Promise<ExchangeResult> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = util.parseURL(url);
      // undici's request API refuses CONNECT: it is a tunnel, not an exchange.
      if (options.method === 'CONNECT') throw new InvalidArgumentError('invalid method');
    } catch (err) {
      reject(err);
      return;
    }
    const search = target.search;
    const handler = new BufferingHandler(options, resolve, reject);
    options.dispatcher.dispatch(
      {
        method: options.method as Undici.Dispatcher.HttpMethod,
        origin: target.origin,
        path: search ? `${target.pathname}${search}` : target.pathname,
        headers: options.headers,
        body: options.body,
        headersTimeout: options.headersTimeout ?? DEFAULT_EXCHANGE_TIMEOUT_MS,
        bodyTimeout: options.bodyTimeout ?? DEFAULT_EXCHANGE_TIMEOUT_MS,
      },
      handler as unknown as Undici.Dispatcher.DispatchHandler,
    );
  });
}

/** How many exchanges are listening for `signal` to abort (for tests: none once they ended). */
export function listenersOn(signal: AbortSignal): number {
  return emitters.get(signal)?.listenerCount('abort') ?? 0;
}
