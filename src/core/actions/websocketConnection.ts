/**
 * One WebSocket client connection for the `websocket` action, on undici's standard WebSocket
 * (src/core stays free of `ws`). Messages are queued from the moment the connection opens, so a
 * message the server pushes between two steps waits for the next `receive`.
 *
 * The standard API reports a failed handshake as a bare `error` event. To say *why* (refused,
 * unknown host, a 403 instead of a switch to WebSocket) the upgrade request goes through a
 * dispatcher that watches the handshake's outcome; it also keeps the upgraded socket, so a
 * server that never answers a close can still be cut off.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket, Dispatcher } from 'undici';
import { webSocketClient } from '../http/undici';
import { TestMeshError } from '../errors';
import { TimeoutError } from '../engine/errors';
import { formatDuration } from '../format';
import { describeNetworkError } from './http_request';
import { abortReason } from '../cancellation';
import { parseMessageText } from './jsonMatch';

/** Messages kept for later `receive` steps; beyond this the oldest are dropped (and counted). */
const MAX_QUEUED_MESSAGES = 10_000;

export interface ReceivedMessage {
  /** Text messages: parsed JSON, else the text. Binary messages: base64 text. */
  data: unknown;
  binary: boolean;
  bytes: number;
}

export interface CloseInfo {
  code: number;
  reason: string;
  /** True when this side asked to close. */
  byUs: boolean;
}

/** What the upgrade request told us, for error messages and forced closes. */
interface HandshakeObservation {
  status?: number;
  statusText?: string;
  error?: unknown;
  socket?: Duplex;
}

export class WebSocketConnection {
  private readonly queue: ReceivedMessage[] = [];
  /** Waiters woken by the next message or close (parallel branches may wait on one connection). */
  private readonly waiters = new Set<() => void>();
  private closeInfo: CloseInfo | undefined;
  private closing = false;
  dropped = 0;

  private constructor(
    readonly id: string,
    readonly url: string,
    private readonly ws: WebSocket,
    private readonly handshake: HandshakeObservation,
  ) {
    ws.addEventListener('message', (event) => {
      const data = event.data as unknown;
      let message: ReceivedMessage;
      if (typeof data === 'string')
        message = { data: parseMessageText(data), binary: false, bytes: Buffer.byteLength(data) };
      else {
        const bytes = Buffer.from(data as ArrayBuffer);
        message = { data: bytes.toString('base64'), binary: true, bytes: bytes.length };
      }
      if (this.queue.length >= MAX_QUEUED_MESSAGES) {
        this.queue.shift();
        this.dropped++;
      }
      this.queue.push(message);
      this.notify();
    });
    ws.addEventListener('close', (event) => {
      this.closeInfo = { code: event.code, reason: event.reason, byUs: this.closing };
      this.notify();
    });
  }

  /** Opens a connection; rejects with a sentence that says why the handshake failed. */
  static open(
    id: string,
    url: string,
    headers: Record<string, string>,
    dispatcher: Dispatcher,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<WebSocketConnection> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const handshake: HandshakeObservation = {};
    let ws: WebSocket;
    try {
      ws = new (webSocketClient())(url, { headers, dispatcher: observingDispatcher(dispatcher, handshake) });
    } catch (err) {
      return Promise.reject(
        new TestMeshError(`websocket connect ${url}: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
    ws.binaryType = 'arraybuffer';
    // Created before the open event, so no message sent right after the handshake is lost.
    const connection = new WebSocketConnection(id, url, ws, handshake);

    return new Promise((resolve, reject) => {
      const finish = (err?: unknown) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        ws.removeEventListener('open', onOpen);
        ws.removeEventListener('close', onClose);
        if (err === undefined) return resolve(connection);
        connection.destroy();
        reject(err);
      };
      const onOpen = () => finish();
      const onClose = () => finish(describeHandshakeFailure(url, handshake, connection.closeInfo));
      const onAbort = () => finish(abortReason(signal));
      const timer = setTimeout(() => finish(new TimeoutError(`websocket connect ${url}`, timeoutMs)), timeoutMs);
      ws.addEventListener('open', onOpen);
      ws.addEventListener('close', onClose);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  get handshakeStatus(): number | undefined {
    return this.handshake.status;
  }

  /** Sends a text frame, or the text's UTF-8 bytes as a binary frame; returns the size in bytes. */
  send(text: string, binary = false): number {
    if (!this.isOpen) throw this.notOpenError('cannot send:');
    if (binary) {
      const bytes = Buffer.from(text, 'utf8');
      this.ws.send(bytes);
      return bytes.length;
    }
    this.ws.send(text);
    return Buffer.byteLength(text);
  }

  /**
   * The next queued message, waiting up to `timeoutMs` for one. Undefined when the time is up;
   * throws when the connection is closed and nothing is left in the queue.
   */
  async next(timeoutMs: number, signal: AbortSignal): Promise<ReceivedMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.queue.shift();
      if (message) return message;
      if (this.closeInfo || this.closing) throw this.notOpenError('no message arrived before');
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      await this.waitForActivity(remaining, signal);
    }
  }

  /** Closes with a normal closure and waits (up to `timeoutMs`) for the server's answer; then cuts the socket. */
  async close(timeoutMs: number): Promise<CloseInfo> {
    if (this.closeInfo) return this.closeInfo;
    this.closing = true;
    try {
      this.ws.close(1000);
    } catch {
      // Already closing: wait for the close event below.
    }
    const deadline = Date.now() + timeoutMs;
    while (!this.closeInfo && Date.now() < deadline) await this.waitForActivity(deadline - Date.now());
    if (!this.closeInfo) {
      this.destroy();
      this.closeInfo = { code: 1006, reason: `no close answer within ${formatDuration(timeoutMs)}`, byUs: true };
    }
    return this.closeInfo;
  }

  /** Drops the connection at once (after a failed handshake, or a close nobody answered). */
  private destroy(): void {
    this.closing = true;
    try {
      this.ws.close();
    } catch {
      // Closing a socket that is already closed.
    }
    this.handshake.socket?.destroy();
  }

  private notOpenError(what: string): TestMeshError {
    const info = this.closeInfo;
    if (!info) return new TestMeshError(`websocket '${this.id}': ${what} the connection is closing`);
    const who = info.byUs ? 'was closed' : 'was closed by the server';
    const detail = `code ${info.code}${info.reason ? ` ${JSON.stringify(info.reason)}` : ''}`;
    return new TestMeshError(`websocket '${this.id}': ${what} the connection ${who} (${detail})`);
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves on the next message or close, or after `ms`; rejects when the signal aborts. */
  private waitForActivity(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(done);
        resolve();
      };
      const onAbort = () => {
        done();
        reject(abortReason(signal!));
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function describeHandshakeFailure(url: string, handshake: HandshakeObservation, close: CloseInfo | undefined): Error {
  if (handshake.error !== undefined) return describeNetworkError(handshake.error, 'websocket connect', url);
  if (handshake.status !== undefined && handshake.status !== 101) {
    const text = handshake.statusText ? ` ${handshake.statusText}` : '';
    return new TestMeshError(
      `websocket connect ${url}: the server answered ${handshake.status}${text} instead of switching to WebSocket (101)`,
    );
  }
  return new TestMeshError(
    `websocket connect ${url}: the WebSocket handshake failed${close ? ` (code ${close.code})` : ''}`,
  );
}

type Handler = Dispatcher.DispatchHandler;

/**
 * A dispatcher that forwards to `dispatcher` and writes down what the upgrade request saw. Both
 * handler styles of undici are watched (`onResponseStart`/`onRequestUpgrade`/`onResponseError`
 * and the older `onHeaders`/`onUpgrade`/`onError`); every call is passed on unchanged.
 */
function observingDispatcher(dispatcher: Dispatcher, seen: HandshakeObservation): Dispatcher {
  return dispatcher.compose((dispatch) => (options, handler) => {
    const watched = new Proxy(handler, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== 'function') return value;
        const forward = (...args: unknown[]) => {
          observe(String(property), args, seen);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
        return forward;
      },
    }) as Handler;
    return dispatch(options, watched);
  });
}

function observe(method: string, args: unknown[], seen: HandshakeObservation): void {
  switch (method) {
    case 'onResponseStart': // (controller, statusCode, headers, statusMessage)
      seen.status = args[1] as number;
      seen.statusText = typeof args[3] === 'string' ? args[3] : undefined;
      break;
    case 'onHeaders': // (statusCode, rawHeaders, resume, statusText)
      seen.status = args[0] as number;
      seen.statusText = typeof args[3] === 'string' ? args[3] : undefined;
      break;
    case 'onRequestUpgrade': // (controller, statusCode, headers, socket)
      seen.status = args[1] as number;
      seen.socket = args[3] as Duplex;
      break;
    case 'onUpgrade': // (statusCode, rawHeaders, socket)
      seen.status = args[0] as number;
      seen.socket = args[2] as Duplex;
      break;
    case 'onResponseError': // (controller, error)
      seen.error = args[1];
      break;
    case 'onError': // (error)
      seen.error = args[0];
      break;
  }
}
