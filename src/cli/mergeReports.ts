/**
 * `testmesh merge-reports <dir>`: the JSON reports of the jobs of a sharded run (`--shard i/n`,
 * one per CI matrix job) merged into one report of the whole suite, rendered by any reporter.
 * Reports of another suite (other flows selected), another shard count, a shard twice or a
 * missing shard are refused with a message naming the files (exit 2).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { toPosix } from '../core/discovery';
import { errorMessage } from '../core/errors';
import { summarize, type FlowReport, type RunReport } from '../core/report';
import { parseReporters, UsageError, type ReporterName } from './args';
import { colorFlag, parseFlags } from './flags';
import { renderReport } from './reporters/documents';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, type Io } from './run';

export interface MergeArgs {
  dir: string;
  reporters: ReporterName[];
  outputs: string[];
  color?: boolean;
}

export const MERGE_USAGE = 'testmesh merge-reports <dir> [--reporter NAME]... [--output FILE]... [--no-color]';

export function parseMergeArgs(argv: readonly string[]): MergeArgs {
  const flags = parseFlags('merge-reports', argv, {
    values: ['--reporter', '--output'],
    booleans: ['--no-color', '--color'],
  });
  if (flags.positional.length !== 1)
    throw new UsageError(`merge-reports takes one folder of JSON reports: ${MERGE_USAGE}`);
  const reporters = parseReporters(flags.many('--reporter'));
  return {
    dir: flags.positional[0],
    reporters: reporters.length ? reporters : ['pretty'],
    outputs: flags.many('--output'),
    color: colorFlag(flags),
  };
}

class MergeError extends Error {}

async function jsonFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && entry.name.endsWith('.json')) out.push(path);
    }
  };
  await walk(dir);
  return out.sort();
}

interface Shard {
  file: string;
  report: RunReport;
}

function isRunReport(value: unknown): value is RunReport {
  const r = value as RunReport;
  return (
    typeof r === 'object' &&
    r !== null &&
    Array.isArray(r.flows) &&
    typeof r.summary === 'object' &&
    r.summary !== null &&
    typeof r.suite?.id === 'string' &&
    typeof r.suite.flows === 'number'
  );
}

/** Checks that the shards make one whole suite; throws MergeError saying what is wrong. */
function checkShards(shards: readonly Shard[]): void {
  if (shards.length === 0) throw new MergeError('no JSON reports found');
  const [first, ...rest] = shards;
  const describe = (s: Shard) => {
    const shard = s.report.suite!.shard;
    return `${s.file} (suite ${s.report.suite!.id} of ${s.report.suite!.flows} flows, ${shard ? `shard ${shard.index}/${shard.total}` : 'not sharded'})`;
  };
  for (const s of rest) {
    if (s.report.suite!.id !== first.report.suite!.id || s.report.suite!.flows !== first.report.suite!.flows)
      throw new MergeError(
        `reports of different suites (other flows were selected): ${describe(first)} and ${describe(s)}`,
      );
    if (s.report.suite!.shard?.total !== first.report.suite!.shard?.total)
      throw new MergeError(`reports of different shard counts: ${describe(first)} and ${describe(s)}`);
  }
  const total = first.report.suite!.shard?.total ?? 1;
  const seen = new Map<number, Shard>();
  for (const s of shards) {
    const index = s.report.suite!.shard?.index ?? 1;
    const twin = seen.get(index);
    if (twin) throw new MergeError(`shard ${index}/${total} is there twice: ${twin.file} and ${s.file}`);
    seen.set(index, s);
  }
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length)
    throw new MergeError(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${total}`).join(', ')} missing (found ${shards.length} of ${total})`,
    );
}

/** One report of the whole suite: flows in path order, totals recounted, the longest shard's time. */
function mergeShardReports(reports: readonly RunReport[]): RunReport {
  const flows: FlowReport[] = reports
    .flatMap((r) => r.flows)
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const duration = Math.max(0, ...reports.map((r) => r.summary.duration_ms));
  const suite = reports[0].suite!;
  return { suite: { id: suite.id, flows: suite.flows }, merged_shards: reports.length, ...summarize(flows, duration) };
}

export async function mergeReportsCommand(args: MergeArgs, io: Io): Promise<number> {
  const dir = resolve(io.cwd, args.dir);
  const shards: Shard[] = [];
  try {
    let files: string[];
    try {
      files = await jsonFiles(dir);
    } catch (err) {
      throw new MergeError(
        `cannot read the folder ${args.dir}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`,
      );
    }
    for (const file of files) {
      const shown = toPosix(relative(io.cwd, file)) || file;
      let value: unknown;
      try {
        value = JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        throw new MergeError(`${shown} is not JSON: ${errorMessage(err)}`);
      }
      if (!isRunReport(value))
        throw new MergeError(
          `${shown} is not a TestMesh JSON report with a suite (write it with: testmesh run --reporter json --shard I/N)`,
        );
      shards.push({ file: shown, report: value });
    }
    checkShards(shards);
  } catch (err) {
    if (!(err instanceof MergeError)) throw err;
    io.stderr.write(`testmesh merge-reports: ${err.message}\n`);
    return EXIT_INVALID;
  }
  const merged = mergeShardReports(shards.map((s) => s.report));
  await renderReport(merged, args.reporters, args.outputs, args.color, io);
  if (merged.flows.some((f) => f.status === 'error')) return EXIT_INVALID;
  return merged.summary.failed ? EXIT_FAILED : EXIT_OK;
}
