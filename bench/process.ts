/**
 * Whole processes, startup included: `node dist/cli.js run <N-step flow>` against
 * `node bench/raw-n.mjs` doing the same N requests and checks, interleaved, at N = 1, 200, 2,000
 * and 10,000. Prints medians, the ratio to raw, the per-step slope between the two largest N
 * (ours / raw), and the peak resident memory of each side (maxRSS). Each side's CPU time (user +
 * system, reported with maxRSS by bench/usage.cjs) is printed beside its wall time: on a machine
 * that other work shares, CPU time moves less than wall time, and says which side did more work.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProcessRun {
  ms: number;
  cpuMs: number;
  maxRssKb: number;
}

function run(root: string, args: string[]): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-r', join(root, 'bench', 'usage.cjs'), ...args], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`node ${args.join(' ')} exited with ${code}\n${stderr.slice(-2000)}`));
      const usage = /USAGE (\{.*\})/.exec(stderr);
      const { cpuMs, maxRssKb } = usage
        ? (JSON.parse(usage[1]) as { cpuMs: number; maxRssKb: number })
        : { cpuMs: NaN, maxRssKb: NaN };
      resolve({ ms, cpuMs, maxRssKb });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function wholeProcessBench(
  root: string,
  serverUrl: string,
  flowText: (n: number) => string,
  sizes: number[],
  runs: number,
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'testmesh-bench-process-'));
  const base = `${serverUrl}/engine`;
  const rawBase = `${serverUrl}/raw`;
  const rows: string[][] = [
    [
      'N steps',
      'raw (ms)',
      'ours (ms)',
      'ours/raw',
      'CPU raw',
      'CPU ours',
      'CPU ours/raw',
      'raw peak RSS',
      'ours peak RSS',
      'RSS diff',
      'runs ours (ms)',
    ],
  ];
  const medians = new Map<number, { raw: number; ours: number; rawCpu: number; oursCpu: number }>();
  try {
    for (const n of sizes) {
      const file = join(dir, `bench-${n}.flow.yaml`);
      writeFileSync(file, flowText(n));
      const ours = [
        'dist/cli.js',
        'run',
        file,
        '--var',
        `BASE=${base}`,
        '--var',
        'next_id=0',
        '--reporter',
        'json',
        '--no-color',
      ];
      const raw = ['bench/raw-n.mjs', rawBase, String(n)];
      // One of each first: warm file cache.
      await run(root, ours);
      await run(root, raw);
      const o: ProcessRun[] = [];
      const r: ProcessRun[] = [];
      for (let i = 0; i < runs; i++) {
        if (i % 2 === 0) {
          o.push(await run(root, ours));
          r.push(await run(root, raw));
        } else {
          r.push(await run(root, raw));
          o.push(await run(root, ours));
        }
      }
      const rawMs = median(r.map((x) => x.ms));
      const oursMs = median(o.map((x) => x.ms));
      const rawCpu = median(r.map((x) => x.cpuMs));
      const oursCpu = median(o.map((x) => x.cpuMs));
      const rawRss = median(r.map((x) => x.maxRssKb)) / 1024;
      const oursRss = median(o.map((x) => x.maxRssKb)) / 1024;
      medians.set(n, { raw: rawMs, ours: oursMs, rawCpu, oursCpu });
      rows.push([
        String(n),
        rawMs.toFixed(0),
        oursMs.toFixed(0),
        `${(oursMs / rawMs).toFixed(2)}x`,
        rawCpu.toFixed(0),
        oursCpu.toFixed(0),
        `${(oursCpu / rawCpu).toFixed(2)}x`,
        `${rawRss.toFixed(1)} MB`,
        `${oursRss.toFixed(1)} MB`,
        `${oursRss - rawRss >= 0 ? '+' : ''}${(oursRss - rawRss).toFixed(1)} MB`,
        o.map((x) => x.ms.toFixed(0)).join(' '),
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  const sorted = [...medians.keys()].sort((a, b) => a - b);
  if (sorted.length >= 2) {
    const [a, b] = sorted.slice(-2);
    const rawSlope = ((medians.get(b)!.raw - medians.get(a)!.raw) * 1000) / (b - a);
    const oursSlope = ((medians.get(b)!.ours - medians.get(a)!.ours) * 1000) / (b - a);
    const rawCpuSlope = ((medians.get(b)!.rawCpu - medians.get(a)!.rawCpu) * 1000) / (b - a);
    const oursCpuSlope = ((medians.get(b)!.oursCpu - medians.get(a)!.oursCpu) * 1000) / (b - a);
    out.push(
      `per-step slope ${a} -> ${b}: raw ${rawSlope.toFixed(1)} us/step, ours ${oursSlope.toFixed(1)} us/step, ratio ${(oursSlope / rawSlope).toFixed(2)}x (target <= 1.25x)`,
      `per-step CPU slope ${a} -> ${b}: raw ${rawCpuSlope.toFixed(1)} us/step, ours ${oursCpuSlope.toFixed(1)} us/step, ratio ${(oursCpuSlope / rawCpuSlope).toFixed(2)}x`,
    );
  }
  out.push(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${availableParallelism()} CPUs (the medians are meaningful on a quiet machine only)`,
    'targets (wall time): ours/raw <= 1.3x at 2,000 and 10,000; 1 step no slower than 0.3 s; peak RSS at 10,000 within 50 MB of raw',
  );
  return out.join('\n');
}
