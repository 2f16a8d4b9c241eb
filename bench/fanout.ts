/**
 * Event fan-out benchmark: one flow of 2,000 steps run through the ExecutionManager of a real
 * local server, watched by 0 and by 50 WebSocket clients on `/ws/executions/:id`, in interleaved
 * rounds. Prints the run's slowdown ratio (median with 50 clients / median with none) and the
 * p50/p99 delivery latency (event timestamp to client receive time, same machine clock).
 *
 * Two flows: `log` (2,000 log steps: the engine never waits, the worst case for fan-out) and
 * `http` (2,000 tiny http_request steps). Both WebSocket framings: one event per message
 * (default) and `?batch=1` (JSON arrays, what the web UI uses).
 *
 * Three processes, so nothing shares the measured event loop: this one (server + engine), one
 * for the tiny HTTP API the flow calls, one for the 50 clients. Every flow starts with a call to
 * `/gate`, held until the clients are connected; the run is timed from the gate's release to
 * the end of the execution.
 *
 *   node out/bench/fanout.js [--rounds R] [--steps N] [--clients C] [--sampled K] [--window MS] [--only log|http] [--nice-clients]
 *
 * Targets (issue 18): the engine+server CPU time of the run grows by at most 10% with 50 clients; p99
 * under 20 ms with batching. Printed, not asserted. Wall time is printed too: the clients share the
 * machine's cores, so it also measures their load.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { closeSharedDispatcher } from '../src/core/engine/dispatcher';
import { startServer } from '../src/server/server';

const CLIENT_ROLE = '--fanout-clients';
const API_ROLE = '--fanout-api';

export interface FanoutOptions {
  rounds: number;
  steps: number;
  clients: number;
  /** The hub's batch window in ms (default: the hub's own). */
  window?: number;
  only?: 'log' | 'http';
  /** Run the clients' process at the lowest CPU priority: separates the server's cost from theirs on a busy machine. */
  niceClients?: boolean;
  /** How many of the clients parse every event and time it (the others only receive). */
  sampled: number;
}

interface ClientReport {
  latencies: number[];
  complete: number;
  clients: number;
}

// ---------------------------------------------------------------- child: the tiny API

function runApi(): void {
  const held: ServerResponse[] = [];
  const answer = (res: ServerResponse, body: string) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const server = createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
    if (req.url === '/gate') {
      held.push(res);
      process.send!({ cmd: 'held' });
    } else answer(res, '{"ok":true}');
  });
  process.on('message', (message: { cmd: string }) => {
    if (message.cmd === 'release') for (const res of held.splice(0)) answer(res, '{"open":true}');
  });
  process.on('disconnect', () => process.exit(0));
  server.listen(0, '127.0.0.1', () =>
    process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
  );
}

// ---------------------------------------------------------------- child: the WebSocket clients

function runClients(): void {
  process.on('disconnect', () => process.exit(0));
  process.on(
    'message',
    (message: {
      cmd: string;
      url: string;
      token: string;
      id: string;
      clients: number;
      sampled: number;
      batch: boolean;
    }) => {
      if (message.cmd !== 'watch') return;
      const latencies: number[] = [];
      let complete = 0;
      let finished = 0;
      let opened = 0;
      const sockets: WebSocket[] = [];
      let lastStamp = '';
      let lastTime = 0;
      const url = `${message.url.replace(/^http/, 'ws')}/ws/executions/${message.id}${message.batch ? '?batch=1' : ''}`;
      const finish = () => {
        if (++finished < message.clients) return;
        for (const s of sockets) s.close();
        process.send!({
          cmd: 'done',
          report: { latencies, complete, clients: message.clients } satisfies ClientReport,
        });
      };
      for (let i = 0; i < message.clients; i++) {
        const ws = new WebSocket(url, ['testmesh.v1', `testmesh.token.${message.token}`], { perMessageDeflate: false });
        sockets.push(ws);
        // Every client receives everything the server sends; only the first few parse it and time it.
        // Parsing 50 copies of every event in this one process took longer than the run itself, so
        // the latency measured was this process's backlog, not the server's delivery.
        const timed = i < message.sampled;
        let expected = 1;
        let ordered = true;
        ws.on('open', () => {
          if (++opened === message.clients) process.send!({ cmd: 'connected' });
        });
        ws.on('message', (data: Buffer) => {
          const received = performance.timeOrigin + performance.now();
          if (!timed) {
            // The run's last event ends the stream; its type is enough to know this client got it.
            if (data.includes('"type":"execution.')) {
              const text = data.toString();
              if (/"type":"execution\.(completed|failed|cancelled)"/.test(text)) {
                complete++;
                finish();
              }
            }
            return;
          }
          const parsed = JSON.parse(data.toString());
          for (const event of Array.isArray(parsed) ? parsed : [parsed]) {
            // Events of the same millisecond share a timestamp: parse each text once.
            if (event.timestamp !== lastStamp) {
              lastStamp = event.timestamp;
              lastTime = Date.parse(lastStamp);
            }
            latencies.push(received - lastTime);
            if (event.seq !== expected) ordered = false;
            expected = event.seq + 1;
            if (
              event.type === 'execution.completed' ||
              event.type === 'execution.failed' ||
              event.type === 'execution.cancelled'
            ) {
              if (ordered) complete++;
              finish();
            }
          }
        });
        ws.on('error', (err) => process.send!({ cmd: 'error', message: err.message }));
      }
    },
  );
  process.send!({ cmd: 'ready' });
}

// ---------------------------------------------------------------- parent

function nextMessage<T>(child: ChildProcess, want: (m: Record<string, unknown>) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (m.cmd === 'error') {
        child.off('message', onMessage);
        reject(new Error(`client: ${String(m.message)}`));
      } else if (want(m)) {
        child.off('message', onMessage);
        resolve(m as T);
      }
    };
    child.on('message', onMessage);
  });
}

function flowYaml(kind: 'log' | 'http', steps: number): string {
  let yaml = `flow:\n  name: Fan-out ${kind}\n  steps:\n    - id: gate\n      action: http_request\n      config: { url: "{{API}}/gate", timeout: 60s }\n`;
  for (let i = 0; i < steps; i++) {
    yaml +=
      kind === 'log'
        ? `    - id: s${i}\n      action: log\n      config: { message: "step ${i}" }\n`
        : `    - id: s${i}\n      action: http_request\n      config: { url: "{{API}}/ok" }\n      assert: ["status == 200"]\n`;
  }
  return yaml;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

function parseOptions(argv: string[]): FanoutOptions {
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    const n = i >= 0 ? Number(argv[i + 1]) : fallback;
    return Number.isInteger(n) && n > 0 ? n : fallback;
  };
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  return {
    rounds: value('--rounds', 5),
    steps: value('--steps', 2000),
    clients: value('--clients', 50),
    window: argv.includes('--window') ? value('--window', 4) : undefined,
    only: only === 'log' || only === 'http' ? only : undefined,
    niceClients: argv.includes('--nice-clients'),
    sampled: value('--sampled', 5),
  };
}

interface Variant {
  label: string;
  clients: number;
  batch: boolean;
}

export async function fanoutBench(options: Partial<FanoutOptions> = {}): Promise<void> {
  const { rounds, steps, clients, window, only, niceClients, sampled } = { ...parseOptions([]), ...options };
  const workspace = mkdtempSync(join(tmpdir(), 'testmesh-fanout-'));
  mkdirSync(join(workspace, 'flows'));
  writeFileSync(join(workspace, 'flows', 'log.flow.yaml'), flowYaml('log', steps));
  writeFileSync(join(workspace, 'flows', 'http.flow.yaml'), flowYaml('http', steps));

  const api = fork(__filename, [API_ROLE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const watchers = fork(__filename, [CLIENT_ROLE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (niceClients && watchers.pid) setPriority(watchers.pid, 19);
  const { url: apiUrl } = await nextMessage<{ url: string }>(api, (m) => typeof m.url === 'string');
  await nextMessage(watchers, (m) => m.cmd === 'ready');
  const server = await startServer({
    workspace,
    historyDir: join(workspace, '.history'),
    environment: { API: apiUrl },
    hub: window ? { flushIntervalMs: window } : undefined,
  });

  const variants: Variant[] = [
    { label: 'none', clients: 0, batch: false },
    { label: 'one event/message', clients, batch: false },
    { label: 'batch=1 arrays', clients, batch: true },
  ];
  const lines: string[] = [];
  try {
    for (const kind of only ? [only] : (['log', 'http'] as const)) {
      const kindRounds = kind === 'http' ? Math.max(1, Math.ceil(rounds / 2)) : rounds;
      const times = new Map<Variant, number[]>(variants.map((v) => [v, []]));
      const cpus = new Map<Variant, number[]>(variants.map((v) => [v, []]));
      const latencies = new Map<Variant, number[]>(variants.map((v) => [v, []]));
      const complete = new Map<Variant, [number, number]>(variants.map((v) => [v, [0, 0]]));
      // One warm-up run, then rounds in rotating order so drift hits every variant alike.
      const order = [...variants];
      for (let round = -1; round < kindRounds; round++) {
        for (const variant of order) {
          const gateReached = nextMessage(api, (m) => m.cmd === 'held');
          const summary = await server.manager.start({ flow_id: `flows/${kind}.flow.yaml` });
          await gateReached;
          let report: Promise<{ report: ClientReport }> | undefined;
          if (variant.clients > 0) {
            const connected = nextMessage(watchers, (m) => m.cmd === 'connected');
            report = nextMessage(watchers, (m) => m.cmd === 'done');
            watchers.send({
              cmd: 'watch',
              url: server.url,
              token: server.token,
              id: summary.id,
              clients: variant.clients,
              sampled: Math.min(sampled, variant.clients),
              batch: variant.batch,
            });
            await connected;
          }
          const started = performance.now();
          const cpuBefore = process.cpuUsage();
          api.send({ cmd: 'release' });
          const final = await server.manager.whenFinished(summary.id);
          const elapsed = performance.now() - started;
          const cpu = process.cpuUsage(cpuBefore);
          if (final?.status !== 'completed')
            throw new Error(`fan-out run ended ${final?.status}: ${final?.error ?? ''}`);
          const result = report ? (await report).report : undefined;
          if (round < 0) continue;
          times.get(variant)!.push(elapsed);
          cpus.get(variant)!.push((cpu.user + cpu.system) / 1000);
          if (result) {
            const all = latencies.get(variant)!;
            for (const latency of result.latencies) all.push(latency);
            const c = complete.get(variant)!;
            c[0] += result.complete;
            c[1] += result.clients;
          }
        }
        order.push(order.shift()!);
        await server.manager.store.flush();
      }
      const base = median(times.get(variants[0])!);
      const baseCpu = median(cpus.get(variants[0])!);
      for (const variant of variants) {
        const t = median(times.get(variant)!);
        const cpu = median(cpus.get(variant)!);
        const sorted = latencies.get(variant)!.sort((a, b) => a - b);
        const [done, total] = complete.get(variant)!;
        lines.push(
          [
            kind.padEnd(5),
            String(variant.clients).padStart(7),
            variant.label.padEnd(18),
            cpu.toFixed(0).padStart(7),
            (cpu / baseCpu).toFixed(3).padStart(9),
            t.toFixed(0).padStart(7),
            (t / base).toFixed(3).padStart(6),
            variant.clients ? percentile(sorted, 50).toFixed(1).padStart(7) : '      -',
            variant.clients ? percentile(sorted, 99).toFixed(1).padStart(7) : '      -',
            variant.clients ? sorted[sorted.length - 1].toFixed(1).padStart(7) : '      -',
            variant.clients ? `${done}/${total}`.padStart(9) : '        -',
          ].join('  '),
        );
      }
    }
  } finally {
    await server.close();
    await closeSharedDispatcher();
    api.disconnect();
    watchers.disconnect();
    rmSync(workspace, { recursive: true, force: true });
  }

  console.log(
    `\nEvent fan-out: ${steps} steps, 0 vs ${clients} WebSocket clients on /ws/executions/:id (${rounds} rounds log, ${Math.max(1, Math.ceil(rounds / 2))} rounds http, interleaved; medians${niceClients ? '; clients at nice 19' : ''})`,
  );
  console.log(
    `(latency and order from ${Math.min(sampled, clients)} of the ${clients} clients, which parse every event; the others only receive)`,
  );
  console.log(
    'flow   clients  framing              cpu ms  cpu ratio  run ms  ratio   p50 ms  p99 ms  max ms   complete',
  );
  for (const line of lines) console.log(line);
  console.log(
    'targets (issue 18): cpu ratio <= 1.10 with 50 clients; p99 < 20 ms with batching. cpu = this process (engine + server) during the run.',
  );
  console.log(
    "Latency = client receive time - event timestamp (ms resolution); the clients share this machine's cores.",
  );
}

if (require.main === module) {
  if (process.argv.includes(CLIENT_ROLE)) runClients();
  else if (process.argv.includes(API_ROLE)) runApi();
  else {
    fanoutBench(parseOptions(process.argv.slice(2))).then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  }
}
