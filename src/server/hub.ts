/**
 * The WebSocket hub: `/ws/executions/:id` (one execution: replay from `since`, then live) and
 * `/ws/executions` (every execution, live). Upgrades arrive already authorized (server.ts); the
 * hub owns the sockets from then on: fan-out (channel.ts), heartbeats and shutdown.
 *
 * Messages are events as JSON text, one per message (as TestMesh sends them); with `?batch=1` each
 * message is a JSON array of one or more events in `seq` order (fewer messages for big runs).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ExecutionManager } from '../core/executions';
import { TOKEN_PROTOCOL_PREFIX, WS_PROTOCOL } from './auth';
import { Channel, CLOSE_GOING_AWAY, CLOSE_TOO_SLOW, HubClient, type FlushWindow } from './channel';

export interface HubOptions {
  /** Ping interval; a peer that has not answered the previous ping is dropped. Default 15 s. */
  heartbeatMs?: number;
  /** Per-client cap of queued bytes before it is closed with 1013. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Shortest batch window for live events. Default 4 ms. */
  flushIntervalMs?: number;
  /** Longest batch window, which the window widens to when flushes get expensive. Default 16 ms. */
  maxFlushIntervalMs?: number;
  /** How long a closed client may take to finish the close before it is dropped. Default 10 s. */
  closeGraceMs?: number;
}

export interface UpgradeTarget {
  /** One execution; undefined for the all-executions stream. */
  executionId?: string;
  /** Replay events with a greater `seq` first (execution streams). */
  since: number;
  batch: boolean;
}

export interface HubStats {
  clients: number;
  /** Clients closed for reading too slowly, since start. */
  cutOff: number;
}

/** Picks `testmesh.v1` when offered; else echoes the token protocol, which browsers require. */
function selectProtocol(protocols: Set<string>): string | false {
  if (protocols.has(WS_PROTOCOL)) return WS_PROTOCOL;
  for (const p of protocols) if (p.startsWith(TOKEN_PROTOCOL_PREFIX)) return p;
  return false;
}

export class Hub {
  private readonly wss: WebSocketServer;
  private readonly channels = new Map<string, Channel>();
  private readonly everything: Channel;
  private readonly clients = new Set<HubClient>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly limits: { maxBufferedBytes: number; closeGraceMs: number };
  private readonly window: FlushWindow;
  private cutOffCount = 0;
  private closed = false;

  constructor(
    private readonly manager: ExecutionManager,
    options: HubOptions = {},
  ) {
    this.limits = {
      maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
      closeGraceMs: options.closeGraceMs ?? 10_000,
    };
    const minMs = options.flushIntervalMs ?? 4;
    this.window = { minMs, maxMs: Math.max(minMs, options.maxFlushIntervalMs ?? 16) };
    this.everything = new Channel(this.window);
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      clientTracking: false,
      maxPayload: 4096,
      handleProtocols: selectProtocol,
    });
    this.unsubscribe = manager.subscribe((event, json) => {
      this.channels.get(event.execution_id)?.push(event.seq, json);
      this.everything.push(event.seq, json);
    });
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  stats(): HubStats {
    return { clients: this.clients.size, cutOff: this.cutOffCount };
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: UpgradeTarget): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, socket, target));
  }

  /** Closes every client with 1001 and stops the heartbeat. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.unsubscribe();
    for (const client of [...this.clients]) {
      client.cutOff(CLOSE_GOING_AWAY, 'server shutting down');
      setTimeout(() => client.ws.terminate(), 500).unref();
    }
    this.wss.close();
  }

  private attach(ws: WebSocket, socket: Duplex, target: UpgradeTarget): void {
    const channel = target.executionId === undefined ? this.everything : this.channelFor(target.executionId);
    const client = new HubClient(
      ws,
      socket,
      target.batch,
      target.executionId !== undefined,
      target.since,
      this.limits,
      (c) => this.detach(c, channel, target.executionId),
    );
    this.clients.add(client);
    // Subscribe before reading the replay: events in between are held, then de-duplicated by seq.
    channel.clients.add(client);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', () => (client.alive = true));
    ws.on('close', () => client.gone());
    ws.on('error', () => client.gone());
    if (target.executionId === undefined) {
      void client.replay([]);
      return;
    }
    this.manager.eventsSince(target.executionId, target.since).then(
      (events) => client.replay(events ?? []),
      () => client.cutOff(1011, 'cannot read the execution history'),
    );
  }

  private detach(client: HubClient, channel: Channel, executionId: string | undefined): void {
    this.clients.delete(client);
    channel.remove(client);
    if (client.closeCode === CLOSE_TOO_SLOW) this.cutOffCount++;
    if (executionId !== undefined && channel.clients.size === 0 && this.channels.get(executionId) === channel)
      this.channels.delete(executionId);
  }

  private channelFor(executionId: string): Channel {
    let channel = this.channels.get(executionId);
    if (!channel) {
      channel = new Channel(this.window);
      this.channels.set(executionId, channel);
    }
    return channel;
  }

  private beat(): void {
    for (const client of [...this.clients]) {
      if (!client.alive) {
        client.ws.terminate();
        client.gone();
        continue;
      }
      client.alive = false;
      try {
        client.ws.ping();
      } catch {
        client.gone();
      }
    }
  }
}
