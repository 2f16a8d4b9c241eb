/**
 * `npm run bench`: what the engine costs on top of plain HTTP calls.
 *
 *  1. Per-step cost: a flow of N sequential http_request steps (two assertions and one output
 *     each, the output feeding the next URL) against a raw undici loop doing the same requests
 *     and checks, in interleaved rounds; medians and the ratio engine/raw.
 *  2. Connections: how many TCP connections the server saw from the engine (expected: 1).
 *  3. Memory: heap after GC following runs of 1000, 5000 and 10000 steps (expected: flat).
 *  4. CLI startup: the whole `node dist/cli.js run <1-step flow>` process against a plain script
 *     doing one request (bench/raw-one.mjs).
 *  5. Editing features: every editor provider on an N-step flow file (bench/editing.ts).
 *
 * The HTTP server runs in its own process (bench/server.mjs). Numbers are printed, never asserted.
 *
 *  5. Whole processes at N = 1, 200, 2,000, 10,000 steps (bench/process.ts): `testmesh run` against
 *     bench/raw-n.mjs doing the same requests and checks, with ratios, slopes and peak memory.
 *
 * Options: --n N (steps per run, default 1000), --rounds R (default 5), --cli-runs K (default 10),
 * --process-runs K (default 5), --only engine|raw (per-step rounds only; for `node --cpu-prof`),
 * --no-memory, --no-cli, --no-process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { closeSharedDispatcher } from '../src/core/engine/dispatcher';
import { wholeProcessBench } from './process';
import { runFlow } from '../src/core/engine/executor';
import { parseFlowText } from '../src/core/flow/load';
import type { ExecutionResult } from '../src/core/engine/types';
import type { FlowDef } from '../src/core/flow/types';
import { benchEditing } from './editing';
import { flowText } from './benchFlow';

// out/bench/run.js -> repository root
const ROOT = resolve(__dirname, '..', '..');
const TARGET_RATIO = 1.25;

interface Options {
  n: number;
  rounds: number;
  cliRuns: number;
  only?: 'engine' | 'raw';
  memory: boolean;
  cli: boolean;
  process: boolean;
  processRuns: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { n: 1000, rounds: 5, cliRuns: 10, memory: true, cli: true, process: true, processRuns: 5 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const positive = (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${arg} must be a whole number >= 1, got ${v}`);
      return n;
    };
    if (arg === '--n') options.n = positive(value());
    else if (arg === '--rounds') options.rounds = positive(value());
    else if (arg === '--cli-runs') options.cliRuns = positive(value());
    else if (arg === '--only') {
      const v = value();
      if (v !== 'engine' && v !== 'raw') throw new Error('--only must be engine or raw');
      options.only = v;
    } else if (arg === '--no-memory') options.memory = false;
    else if (arg === '--no-cli') options.cli = false;
    else if (arg === '--no-process') options.process = false;
    else if (arg === '--process-runs') options.processRuns = positive(value());
    else throw new Error(`unknown option ${arg}`);
  }
  if (options.only) {
    options.memory = false;
    options.cli = false;
    options.process = false;
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc!;
  collect();
  collect();
}

// ---------------------------------------------------------------------------------------------
// The server process

interface BenchServer {
  url: string;
  child: ChildProcess;
}

function startServer(): Promise<BenchServer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench', 'server.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      lines.close();
      child.stdout!.resume();
      try {
        resolvePromise({ url: (JSON.parse(line) as { url: string }).url, child });
      } catch {
        reject(new Error(`bench/server.mjs printed ${JSON.stringify(line)} instead of its URL`));
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench/server.mjs exited with code ${code}`)));
  });
}

interface ServerStats {
  connections: number;
  requests: number;
  clients: Record<string, number>;
}

const statsAgent = new Agent({ keepAliveTimeout: 60_000 });

async function serverStats(url: string): Promise<ServerStats> {
  const res = await request(`${url}/stats`, { dispatcher: statsAgent });
  return (await res.body.json()) as ServerStats;
}

async function resetServerStats(url: string): Promise<void> {
  const res = await request(`${url}/stats/reset`, { method: 'POST', dispatcher: statsAgent });
  await res.body.dump();
}

// ---------------------------------------------------------------------------------------------
// The two sides being compared

function loadBenchFlow(n: number): { flow: FlowDef; parseMs: number } {
  const text = flowText(n);
  const started = performance.now();
  const { flow, diagnostics } = parseFlowText(text, join(ROOT, 'bench', `bench-${n}.flow.yaml`), {
    maxBytes: 256 * 1024 * 1024,
  });
  const parseMs = performance.now() - started;
  if (!flow) throw new Error(`the generated bench flow does not load: ${JSON.stringify(diagnostics.slice(0, 3))}`);
  return { flow, parseMs };
}

/** Wall-clock time, and CPU time of this process (the server has its own): CPU is steadier on a busy machine. */
interface Timing {
  wallMs: number;
  cpuMs: number;
}

async function timed(work: () => Promise<void>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/** Runs the flow. `listener` adds an onEvent consumer, as the CLI and the editor always have. */
async function engineRun(flow: FlowDef, base: string, listener: boolean): Promise<Timing> {
  let events = 0;
  let result: ExecutionResult | undefined;
  const timing = await timed(async () => {
    result = await runFlow(flow, {
      variables: { BASE: base, next_id: 0 },
      onEvent: listener ? () => void events++ : undefined,
    });
  });
  if (!result) throw new Error('the engine run did not finish');
  if (result.status !== 'completed') {
    const failed = result.steps.find((s) => s.status === 'failed');
    throw new Error(`the engine run failed: ${failed ? `${failed.step_id}: ${failed.error}` : result.error}`);
  }
  if (result.steps.length !== flow.steps.length)
    throw new Error(`the engine ran ${result.steps.length} of ${flow.steps.length} steps`);
  return timing;
}

const rawAgent = new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 128 });

/** The same requests and checks written by hand with undici. */
function rawRun(n: number, base: string): Promise<Timing> {
  return timed(async () => {
    let next = 0;
    for (let i = 0; i < n; i++) {
      const res = await request(`${base}/items/${next}`, { dispatcher: rawAgent });
      const body = (await res.body.json()) as { id: number; next: number };
      if (res.statusCode !== 200) throw new Error(`raw: status ${res.statusCode} at ${i}`);
      if (body.id !== i) throw new Error(`raw: id ${body.id} at ${i}`);
      next = body.next;
    }
  });
}

/** One run of `size` steps; heap after GC measured while the flow and its result are still held. */
async function memoryRun(size: number, base: string): Promise<{ ms: number; withResult: number }> {
  const { flow } = loadBenchFlow(size);
  const started = performance.now();
  const result = await runFlow(flow, { variables: { BASE: base, next_id: 0 } });
  const ms = performance.now() - started;
  gc();
  const withResult = process.memoryUsage().heapUsed;
  // Read after measuring, so both stay reachable until then.
  if (result.status !== 'completed' || result.steps.length !== flow.steps.length)
    throw new Error(`memory run of ${size} steps failed: ${result.error}`);
  return { ms, withResult };
}

// ---------------------------------------------------------------------------------------------
// CLI startup

function timeProcess(args: string[]): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.once('error', reject);
    child.once('exit', (code) => {
      const elapsed = performance.now() - started;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited with ${code}\n${stderr}`));
      else resolvePromise(elapsed);
    });
  });
}

async function cliStartup(base: string, runs: number): Promise<{ cli: number[]; raw: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'testmesh-bench-'));
  try {
    const file = join(dir, 'one.flow.yaml');
    writeFileSync(
      file,
      [
        'flow:',
        '  name: bench one request',
        '  steps:',
        '    - id: one',
        '      action: http_request',
        '      config:',
        '        url: ${BASE}/items/0',
        '      assert: ["status == 200", "body.id == 0"]',
        '',
      ].join('\n'),
    );
    const cliArgs = [
      join(ROOT, 'dist', 'cli.js'),
      'run',
      file,
      '--var',
      `BASE=${base}`,
      '--reporter',
      'pretty',
      '--no-color',
    ];
    const rawArgs = [join(ROOT, 'bench', 'raw-one.mjs'), `${base}/items/0`];
    // One of each first, so both start with a warm file cache.
    await timeProcess(cliArgs);
    await timeProcess(rawArgs);
    const cli: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        cli.push(await timeProcess(cliArgs));
        raw.push(await timeProcess(rawArgs));
      } else {
        raw.push(await timeProcess(rawArgs));
        cli.push(await timeProcess(cliArgs));
      }
    }
    return { cli, raw };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

async function main(options: Options): Promise<void> {
  const server = await startServer();
  const engineBase = `${server.url}/engine`;
  const rawBase = `${server.url}/raw`;
  const n = options.n;
  console.log(
    `TestMesh engine benchmark · node ${process.version} · ${n} steps per run · ${options.rounds} rounds · server ${server.url}\n`,
  );

  try {
    const { flow, parseMs } = loadBenchFlow(n);

    // Warm-up: JIT, the keep-alive connections, the expression and template caches.
    for (let i = 0; i < 3; i++) {
      if (options.only !== 'raw') await engineRun(flow, engineBase, false);
      if (options.only !== 'engine') await rawRun(n, rawBase);
    }
    await resetServerStats(server.url);

    const engine: Timing[] = [];
    const engineWithEvents: Timing[] = [];
    const raw: Timing[] = [];
    for (let round = 0; round < options.rounds; round++) {
      // Alternate who goes first, so neither side always runs on a warmer (or busier) machine.
      const order = round % 2 === 0 ? ['engine', 'events', 'raw'] : ['raw', 'events', 'engine'];
      for (const side of order) {
        if (side === 'raw' && options.only !== 'engine') raw.push(await rawRun(n, rawBase));
        if (side === 'engine' && options.only !== 'raw') engine.push(await engineRun(flow, engineBase, false));
        if (side === 'events' && !options.only) engineWithEvents.push(await engineRun(flow, engineBase, true));
      }
    }
    const stats = await serverStats(server.url);

    const perStep = (runs: Timing[], key: keyof Timing = 'wallMs') => (median(runs.map((r) => r[key])) * 1000) / n;
    const rawUs = raw.length ? perStep(raw) : NaN;
    const rawCpuUs = raw.length ? perStep(raw, 'cpuMs') : NaN;
    const versus = (value: number, base: number) => (Number.isNaN(base) ? '-' : `${fmt(value / base, 2)}x`);
    const rows = [
      ['per-step cost (median of rounds)', 'us/step', 'vs raw', 'CPU us/step', 'vs raw', 'rounds (wall ms)'],
    ];
    const rowFor = (label: string, runs: Timing[]) => {
      if (!runs.length) return;
      const us = perStep(runs);
      const cpuUs = perStep(runs, 'cpuMs');
      rows.push([
        label,
        fmt(us),
        versus(us, rawUs),
        fmt(cpuUs),
        versus(cpuUs, rawCpuUs),
        runs.map((r) => fmt(r.wallMs, 0)).join(' '),
      ]);
    };
    rowFor('raw undici loop', raw);
    rowFor('engine', engine);
    rowFor('engine + event listener', engineWithEvents);
    console.log(table(rows));
    console.log(
      `\nflow parse (parseFlowText): ${fmt(parseMs, 1)} ms for ${n} steps = ${fmt((parseMs * 1000) / n)} us/step (not in the per-step cost)`,
    );
    if (engine.length && raw.length) {
      const ratio = perStep(engine) / rawUs;
      const cpuRatio = perStep(engine, 'cpuMs') / rawCpuUs;
      console.log(
        `engine/raw ratio ${fmt(ratio, 2)}x wall, ${fmt(cpuRatio, 2)}x CPU (target <= ${TARGET_RATIO}x): ${ratio <= TARGET_RATIO ? 'ok' : 'ABOVE TARGET'}`,
      );
    }
    const engineConnections = stats.clients.engine ?? 0;
    if (options.only !== 'raw') {
      console.log(
        `TCP connections used by the engine during the ${engine.length + engineWithEvents.length} measured runs: ${engineConnections} (expected 1)` +
          `; raw loop: ${stats.clients.raw ?? 0}; new connections the server saw in total: ${stats.connections}`,
      );
      if (engineConnections > 1 && engineConnections === stats.clients.raw) {
        console.log(
          "(the raw undici loop uses as many: undici's pool opens a second socket when the next request is sent before the first socket reports itself free)",
        );
      }
    }

    if (options.memory) {
      console.log('');
      gc();
      const before = process.memoryUsage().heapUsed;
      const memRows = [['steps per run', 'heapUsed after GC', 'vs before', 'result retained', 'run (ms)']];
      memRows.push(['(before)', mb(before), '', '', '']);
      for (const size of [1000, 5000, 10000]) {
        const { ms, withResult } = await memoryRun(size, engineBase);
        gc();
        const after = process.memoryUsage().heapUsed;
        memRows.push([
          String(size),
          mb(after),
          `${after >= before ? '+' : ''}${mb(after - before)}`,
          `${mb(withResult - after)} (${fmt((withResult - after) / size, 0)} B/step)`,
          fmt(ms, 0),
        ]);
      }
      console.log(table(memRows));
      console.log(
        '("result retained" is the flow and its ExecutionResult, held by the caller until it lets go: it grows with N by design.)',
      );
    }

    if (options.cli) {
      console.log('');
      const { cli, raw: rawOne } = await cliStartup(server.url, options.cliRuns);
      const cliMedian = median(cli);
      const rawMedian = median(rawOne);
      console.log(
        table([
          ['whole process, 1 request', 'median (ms)', 'runs (ms)'],
          ['node bench/raw-one.mjs', fmt(rawMedian, 0), rawOne.map((m) => fmt(m, 0)).join(' ')],
          ['node dist/cli.js run <1-step flow>', fmt(cliMedian, 0), cli.map((m) => fmt(m, 0)).join(' ')],
        ]),
      );
      console.log(
        `CLI/raw ratio ${fmt(cliMedian / rawMedian, 2)}x (target <= 1.00x): ${cliMedian <= rawMedian ? 'ok' : 'ABOVE TARGET'}`,
      );
    }

    // 5. Editing features (bench/editing.ts) on a file of N steps.
    if (!options.only) {
      console.log('');
      await benchEditing(n);
    }
    if (options.process) {
      console.log(
        '\nwhole process (startup, load, run, exit), median of ' + options.processRuns + ' interleaved runs:',
      );
      console.log(await wholeProcessBench(ROOT, server.url, flowText, [1, 200, 2000, 10000], options.processRuns));
    }
  } finally {
    await closeSharedDispatcher();
    await rawAgent.close();
    await statsAgent.close();
    server.child.removeAllListeners('exit');
    server.child.kill('SIGTERM');
  }
}

function respawnWithGc(): void {
  // heapUsed after GC needs global.gc: run again with --expose-gc, same arguments.
  const child = spawn(process.execPath, ['--expose-gc', ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (require.main === module) {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    process.exit(2);
  }
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') respawnWithGc();
  else {
    main(options).then(
      () => process.exit(0),
      (err) => {
        console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        process.exit(1);
      },
    );
  }
}
