/**
 * Event fan-out to WebSocket clients without slowing the run.
 *
 * A Channel collects the events of one execution (or of all) for a few milliseconds and then
 * sends the batch to every client, encoded once and shared: the run pays one buffer per batch and
 * one socket write per client, not one frame per event per client. A run that never yields to the
 * event loop (cheap steps in a row) is flushed from inside `push` once the window has passed.
 *
 * Frames are built here (RFC 6455 5.2: server frames are unmasked, so the same bytes serve every
 * client) and written to the upgraded socket directly; `ws` still owns the handshake, reading,
 * ping/pong and close. Its Sender writes each of its frames synchronously (no compression is
 * negotiated), so whole frames from both never interleave.
 *
 * A HubClient joins in `replaying` state: live batches are held while the missed events are sent
 * with flow control, then the held ones follow, de-duplicated by `seq` (core/follow.ts's gate): no
 * gaps, no duplicates.
 * A client whose queue (socket buffer, or held events while replaying) passes the cap is closed
 * with 1013 (try again later: reconnect with `?since=`), so it never slows the run or grows memory.
 */
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { ExecutionEvent } from '../core/events';
import { FollowGate } from '../core/follow';

/** Close code for a client that reads too slowly: "try again later" (reconnect with since). */
export const CLOSE_TOO_SLOW = 1013;
export const CLOSE_GOING_AWAY = 1001;

export interface QueuedEvent {
  seq: number;
  json: string;
}

export interface DeliveryLimits {
  /** Bytes a client may have waiting (ws.bufferedAmount, or held events while replaying). */
  maxBufferedBytes: number;
  /** Time after a close before a client that does not answer it is dropped. */
  closeGraceMs: number;
}

const REPLAY_CHUNK_CHARS = 64 * 1024;

/** Header of a final, unmasked text frame carrying `length` payload bytes. */
function frameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x81, length]);
  if (length < 65536) {
    const header = Buffer.alloc(4);
    header[0] = 0x81;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.alloc(10);
  header[0] = 0x81;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}

/** Text frames, one per payload, in one buffer. */
function textFrames(payloads: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const payload of payloads) {
    const body = Buffer.from(payload, 'utf8');
    parts.push(frameHeader(body.length), body);
  }
  return Buffer.concat(parts);
}

/** One flush's events, framed lazily and at most once for all clients. */
export class Batch {
  private array: Buffer | undefined;
  private messages: Buffer | undefined;

  constructor(readonly events: QueuedEvent[]) {}

  /** One message: a JSON array of the events. */
  asArray(): Buffer {
    return (this.array ??= textFrames([`[${this.events.map((e) => e.json).join(',')}]`]));
  }

  /** One message per event. */
  asMessages(): Buffer {
    return (this.messages ??= textFrames(this.events.map((e) => e.json)));
  }
}

export class HubClient {
  state: 'replaying' | 'live' | 'closed' = 'replaying';
  /** Heartbeat: set by pongs, cleared by each ping. */
  alive = true;
  /** The code this side closed with, if it did. */
  closeCode: number | undefined;
  /** Replay first, live after, each event once (execution streams; the all-executions stream passes as is). */
  private readonly gate: FollowGate<QueuedEvent>;
  private heldChars = 0;

  constructor(
    readonly ws: WebSocket,
    /** The upgraded connection under `ws`, written to directly (see the top of this file). */
    private readonly socket: Duplex,
    /** Send JSON arrays of events instead of one event per message. */
    readonly batch: boolean,
    /** True for one execution's stream, where `seq` orders everything; false for the all-executions stream. */
    dedupe: boolean,
    since: number,
    private readonly limits: DeliveryLimits,
    private readonly onClosed: (client: HubClient) => void,
  ) {
    this.gate = new FollowGate<QueuedEvent>(since, dedupe);
  }

  /** A live batch: kept aside while the replay is still being sent, else sent (what this client lacks of it). */
  receive(batch: Batch): void {
    if (this.state === 'closed') return;
    const fresh = this.gate.live(batch.events);
    if (this.state === 'replaying') {
      for (const event of batch.events) this.heldChars += event.json.length;
      if (this.heldChars > this.limits.maxBufferedBytes)
        this.cutOff(CLOSE_TOO_SLOW, 'too slow: event queue full, reconnect with ?since=');
      return;
    }
    this.deliver(fresh === batch.events ? batch : new Batch(fresh));
  }

  private deliver(batch: Batch): void {
    if (batch.events.length === 0 || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.cutOff(CLOSE_TOO_SLOW, 'too slow: send buffer full, reconnect with ?since=');
      return;
    }
    this.send(batch);
  }

  /** Sends missed events in chunks, each after the previous one reached the socket, then goes live. */
  async replay(events: ExecutionEvent[]): Promise<void> {
    let chunk: QueuedEvent[] = [];
    let chars = 0;
    const sendChunk = async () => {
      if (chunk.length === 0 || this.state === 'closed') return;
      const batch = new Batch(chunk);
      chunk = [];
      chars = 0;
      await this.sendAndWait(batch);
    };
    for (const event of events) {
      if (this.state === 'closed') return;
      if (this.gate.replayed([event]).length === 0) continue;
      const json = JSON.stringify(event);
      chunk.push({ seq: event.seq, json });
      chars += json.length;
      if (chars >= REPLAY_CHUNK_CHARS) await sendChunk();
    }
    await sendChunk();
    if (this.state === 'closed') return;
    this.state = 'live';
    this.heldChars = 0;
    this.deliver(new Batch(this.gate.goLive()));
  }

  /** Closes with a code and reason; drops the peer if it does not complete the close in time. */
  cutOff(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeCode = code;
    this.gate.goLive();
    this.onClosed(this);
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
      return;
    }
    setTimeout(() => this.ws.terminate(), this.limits.closeGraceMs).unref();
  }

  /** The socket went away (closed by the peer, terminated, errored). */
  gone(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.gate.goLive();
    this.onClosed(this);
  }

  private frames(batch: Batch): Buffer {
    return this.batch ? batch.asArray() : batch.asMessages();
  }

  private send(batch: Batch): void {
    this.socket.write(this.frames(batch));
  }

  private sendAndWait(batch: Batch): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState !== WebSocket.OPEN) return resolve();
      this.socket.write(this.frames(batch), () => resolve());
    });
  }
}

export interface FlushWindow {
  /** Shortest batch window (ms). */
  minMs: number;
  /** Longest batch window (ms): bounds the delivery latency. */
  maxMs: number;
}

/** Share of the event loop the fan-out may take; the window widens when flushes get expensive. */
const MAX_FANOUT_SHARE = 0.1;

/**
 * Events of one execution (or of all) waiting for the next flush, and the clients they go to.
 * The window adapts: a flush that took 1 ms (many clients, slow machine) is followed by a window
 * of at least 10 ms, so fan-out stays near a tenth of the loop whatever the client count.
 */
export class Channel {
  readonly clients = new Set<HubClient>();
  private pending: QueuedEvent[] = [];
  private pendingSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private intervalMs: number;
  private flushCostMs = 0;
  private readonly flushSoon = () => this.flush();

  constructor(private readonly window: FlushWindow) {
    this.intervalMs = window.minMs;
  }

  push(seq: number, json: string): void {
    if (this.clients.size === 0) return;
    this.pending.push({ seq, json });
    if (this.pending.length === 1) {
      this.pendingSince = performance.now();
      this.timer = setTimeout(this.flushSoon, this.intervalMs);
    } else if (performance.now() - this.pendingSince >= this.intervalMs) {
      // The run has not yielded since the window opened: deliver from here.
      this.flush();
    }
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.pending;
    if (events.length === 0) return;
    this.pending = [];
    const started = performance.now();
    const batch = new Batch(events);
    for (const client of this.clients) client.receive(batch);
    // Smoothed cost of a flush -> the next window (one socket write per client per flush).
    this.flushCostMs = this.flushCostMs * 0.7 + (performance.now() - started) * 0.3;
    this.intervalMs = Math.min(this.window.maxMs, Math.max(this.window.minMs, this.flushCostMs / MAX_FANOUT_SHARE));
  }

  remove(client: HubClient): void {
    this.clients.delete(client);
    if (this.clients.size === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.pending = [];
    }
  }
}
