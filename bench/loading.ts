/**
 * Loading benchmark (`npm run bench` runs it last): how long reading a long flow takes, every
 * source range the editor needs included, against baselines measured in the same run on the same
 * data: JSON.parse of the flow written as JSON (the least any loader could cost) and the yaml
 * package's parseDocument (a full YAML parser, tree only, no flow built).
 *
 *  1. Warm, in this process: medians of interleaved rounds, wall and CPU time.
 *  2. Cold, one load in a fresh process (bench/loadOnce.ts): what the CLI pays.
 *  3. The whole `node dist/cli.js validate <file>` process against a process that only
 *     JSON.parses the same data: wall, CPU and peak memory (bench/usage.cjs).
 *
 * CPU time is printed next to wall time because the machine may be busy with other work; the
 * load average at the start is printed too. Numbers are printed, never asserted.
 *
 * Options: --sizes 2000,10000  --rounds 7 (warm)  --runs 5 (fresh processes per side).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYamlValue, parseDocument } from 'yaml';
import { parseFlowText } from '../src/core/flow/load';
import { flowText } from './benchFlow';

// out/bench/loading.js -> repository root
const ROOT = resolve(__dirname, '..', '..');
const TARGET_MS = 200;

interface Timing {
  wallMs: number;
  cpuMs: number;
}

interface Options {
  sizes: number[];
  rounds: number;
  runs: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { sizes: [2000, 10000], rounds: 7, runs: 5 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    const numbers = value.split(',').map(Number);
    if (numbers.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${arg} takes whole numbers >= 1`);
    if (arg === '--sizes') options.sizes = numbers;
    else if (arg === '--rounds') options.rounds = numbers[0];
    else if (arg === '--runs') options.runs = numbers[0];
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianTiming(timings: Timing[]): Timing {
  return { wallMs: median(timings.map((t) => t.wallMs)), cpuMs: median(timings.map((t) => t.cpuMs)) };
}

const ms = (n: number) => n.toFixed(n < 10 ? 1 : 0);
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`;
const both = (t: Timing) => `${ms(t.wallMs)} / ${ms(t.cpuMs)}`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function timed(work: () => void): Timing {
  const cpu = process.cpuUsage();
  const started = performance.now();
  work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

interface ProcessRun extends Timing {
  maxRssKb: number;
  stdout: string;
}

function runProcess(args: string[]): Promise<ProcessRun> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-r', join(ROOT, 'bench', 'usage.cjs'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`node ${args.join(' ')} exited with ${code}\n${stderr.slice(-2000)}`));
      const usage = /USAGE (\{.*\})/.exec(stderr);
      const { cpuMs, maxRssKb } = usage ? (JSON.parse(usage[1]) as { cpuMs: number; maxRssKb: number }) : NaN_USAGE;
      resolvePromise({ wallMs, cpuMs, maxRssKb, stdout });
    });
  });
}

const NaN_USAGE = { cpuMs: NaN, maxRssKb: NaN };

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'testmesh-bench-loading-'));
  const [one, five, fifteen] = loadavg().map((l) => l.toFixed(2));
  console.log(`\n== Loading a long flow (load average ${one} ${five} ${fifteen}; wall / CPU in ms) ==`);
  const warmRows = [
    ['N steps', 'size', 'ours', 'JSON.parse', 'ours/JSON (CPU)', 'yaml parseDocument', 'ours/yaml (CPU)'],
  ];
  const coldRows = [['N steps', 'ours, fresh process', 'JSON.parse, fresh', 'ours/JSON (CPU)', 'target']];
  const cliRows = [
    ['N steps', 'validate (process)', 'JSON.parse (process)', 'ours/JSON (CPU)', 'peak RSS ours / JSON'],
  ];
  try {
    for (const n of options.sizes) {
      const text = flowText(n);
      const json = JSON.stringify(parseYamlValue(text));
      const yamlFile = join(dir, `bench-${n}.flow.yaml`);
      const jsonFile = join(dir, `bench-${n}.json`);
      writeFileSync(yamlFile, text);
      writeFileSync(jsonFile, json);

      // 1. Warm: one round of each first (compiles the code), then interleaved rounds.
      const ours: Timing[] = [];
      const jsonParse: Timing[] = [];
      const yaml: Timing[] = [];
      for (let round = -1; round < options.rounds; round++) {
        const o = timed(() => {
          const { flow } = parseFlowText(text, yamlFile, { maxBytes: 64 * 1024 * 1024 });
          if (!flow) throw new Error('the bench flow does not load');
        });
        const j = timed(() => JSON.parse(json));
        const y = timed(() => parseDocument(text, { uniqueKeys: false }));
        if (round < 0) continue;
        ours.push(o);
        jsonParse.push(j);
        yaml.push(y);
      }
      const [o, j, y] = [medianTiming(ours), medianTiming(jsonParse), medianTiming(yaml)];
      warmRows.push([
        String(n),
        `${(Buffer.byteLength(text) / 1024 / 1024).toFixed(2)} MB`,
        both(o),
        both(j),
        ratio(o.cpuMs, j.cpuMs),
        both(y),
        ratio(o.cpuMs, y.cpuMs),
      ]);

      // 2. and 3. Fresh processes, interleaved.
      const coldOurs: Timing[] = [];
      const coldJson: Timing[] = [];
      const cliOurs: ProcessRun[] = [];
      const cliJson: ProcessRun[] = [];
      const loadOnce = join(ROOT, 'out', 'bench', 'loadOnce.js');
      for (let run = 0; run < options.runs; run++) {
        coldOurs.push(JSON.parse((await runProcess([loadOnce, 'ours', yamlFile])).stdout) as Timing);
        coldJson.push(JSON.parse((await runProcess([loadOnce, 'json', jsonFile])).stdout) as Timing);
        cliOurs.push(await runProcess([join(ROOT, 'dist', 'cli.js'), 'validate', yamlFile]));
        cliJson.push(
          await runProcess(['-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(jsonFile)}, 'utf8'))`]),
        );
      }
      const [co, cj] = [medianTiming(coldOurs), medianTiming(coldJson)];
      coldRows.push([String(n), both(co), both(cj), ratio(co.cpuMs, cj.cpuMs), `< ${TARGET_MS} ms`]);
      const [po, pj] = [medianTiming(cliOurs), medianTiming(cliJson)];
      const rss = (runs: ProcessRun[]) => `${(median(runs.map((r) => r.maxRssKb)) / 1024).toFixed(0)} MB`;
      cliRows.push([String(n), both(po), both(pj), ratio(po.cpuMs, pj.cpuMs), `${rss(cliOurs)} / ${rss(cliJson)}`]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nWarm, in one process (medians of ${options.rounds} interleaved rounds):`);
  console.log(table(warmRows));
  console.log(`\nCold: one load in a fresh process (medians of ${options.runs}):`);
  console.log(table(coldRows));
  console.log(
    `\nWhole process: node dist/cli.js validate <file> against node -e JSON.parse(<same data>) (medians of ${options.runs}):`,
  );
  console.log(table(cliRows));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
