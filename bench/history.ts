// History bench (`npm run bench` runs it after the discovery bench): the analytics and the
// execution search over 20,000 executions in the embedded long history (runs.jsonl), each timed
// next to two baselines measured in the same run on the same records:
//   - definition: the analytics of core/analytics/analytics.ts over the selected records (how the
//     history answered before it kept columns);
//   - scan: one plain loop over the 20,000 records adding up the durations in range (the least
//     any answer that looks at every execution could cost).
// Medians of interleaved rounds; the answers of the columns and the definitions are compared.
// Numbers are printed, never asserted. Options: --runs N (default 20000), --rounds R (default 7).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { flakiness, metrics, slowestSteps, stepPerformanceByDay, trends } from '../src/core/analytics/analytics';
import { answerAnalytics, type AnalyticsKind } from '../src/core/analytics/answer';
import { FileRunArchive } from '../src/core/history/fileRunArchive';
import type { RunArchive } from '../src/core/history/runArchive';
import type { RunRecord } from '../src/core/history/types';
import { seedHistory } from '../test/unit/history/generated';

const DAYS = 30;
const TARGET_MS = 100;

interface Case {
  name: string;
  /** The query as the route answers it. */
  indexed: (archive: RunArchive) => Promise<unknown>;
  /** The same answer computed by the definitions over the selected records. */
  definition: (archive: RunArchive) => Promise<unknown>;
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number >= 1`);
  return value;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  JSON.stringify(await fn()); // the route sends it as JSON: part of the answer's cost
  return performance.now() - start;
}

function cases(start: string, end: string, flowId: string): Case[] {
  const range = { start_date: start, end_date: end };
  const from = `${start}T00:00:00.000Z`;
  const to = new Date(Date.parse(`${end}T00:00:00.000Z`) + 86_400_000).toISOString();
  const ask = (kind: AnalyticsKind, query: Record<string, string>) => (archive: RunArchive) =>
    answerAnalytics(archive, kind, query);
  return [
    {
      name: 'metrics (30 days)',
      indexed: async (a) => {
        const answer = (await ask('metrics', range)(a)) as { metrics: unknown; summary: unknown };
        return { metrics: answer.metrics, summary: answer.summary };
      },
      definition: async (a) => metrics(await a.select({ from, to })),
    },
    {
      name: 'trends (per day)',
      indexed: async (a) => ((await ask('trends', range)(a)) as { trends: unknown }).trends,
      definition: async (a) => trends(await a.select({ from, to }), 'day'),
    },
    {
      name: 'steps (slowest)',
      indexed: async (a) =>
        ((await ask('steps', { ...range, limit: '20' })(a)) as { slowest_steps: unknown }).slowest_steps,
      definition: async (a) => slowestSteps(await a.select({ from, to }), 20),
    },
    {
      name: 'steps (one flow, per day)',
      indexed: async (a) =>
        ((await ask('steps', { ...range, flow_id: flowId })(a)) as { step_performance: unknown }).step_performance,
      definition: async (a) => stepPerformanceByDay(await a.select({ from, to, flow_id: [flowId] })),
    },
    {
      name: 'steps (one action, per day)',
      indexed: async (a) =>
        ((await ask('steps', { ...range, action: 'database_query' })(a)) as { step_performance: unknown })
          .step_performance,
      definition: async (a) =>
        stepPerformanceByDay(await a.select({ from, to })).filter((p) => p.action === 'database_query'),
    },
    {
      name: 'flakiness (30-day window)',
      indexed: async (a) =>
        (
          (await ask('flakiness', { end_date: end, window_days: String(DAYS), all: 'true', limit: '1000' })(a)) as {
            flaky_flows: unknown;
          }
        ).flaky_flows,
      definition: async (a) =>
        flakiness(await a.select({ from, to }), { start_date: start, end_date: end, days: DAYS }),
    },
    {
      name: 'search (q=fetch_item, failed)',
      indexed: (a) => a.query({ q: 'fetch_item', status: ['failed'], limit: 50 }),
      definition: (a) => a.query({ q: 'fetch_item', status: ['failed'], limit: 50 }),
    },
  ];
}

/** The floor: one loop over every record, adding up the durations of those in range. */
function scan(runs: readonly RunRecord[], from: string, to: string): number {
  let sum = 0;
  for (const run of runs) if (run.created_at >= from && run.created_at < to) sum += run.duration_ms ?? 0;
  return sum;
}

async function main(): Promise<void> {
  const count = option('--runs', 20_000);
  const rounds = option('--rounds', 7);
  const dir = mkdtempSync(join(tmpdir(), 'testmesh-history-bench-'));
  try {
    const records = seedHistory(count, DAYS);
    const first = await FileRunArchive.open(dir, { maxRuns: count }, { flushDelayMs: 1 });
    for (const run of records) first.record(run);
    await first.close();

    let start = performance.now();
    const archive = await FileRunArchive.open(dir, { maxRuns: count });
    const openMs = performance.now() - start;
    const startDay = records[0].created_at.slice(0, 10);
    const endDay = records[records.length - 1].created_at.slice(0, 10);
    const all = await archive.select({});
    start = performance.now();
    await archive.metrics({ from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' }); // builds the columns
    const columnsMs = performance.now() - start;

    console.log(`\nHistory: ${all.length} executions over ${DAYS} days in runs.jsonl (${rounds} rounds, medians)`);
    console.log(
      `  open runs.jsonl: ${openMs.toFixed(1)} ms; columns built on the first question: ${columnsMs.toFixed(1)} ms`,
    );
    console.log(
      `  ${'query'.padEnd(30)} ${'answer'.padStart(9)} ${'definition'.padStart(11)} ${'scan'.padStart(8)}  ${'speed-up'.padStart(8)}  ${'vs scan'.padStart(8)}  < ${TARGET_MS} ms`,
    );
    for (const c of cases(startDay, endDay, records[7].flow_id)) {
      assert.deepEqual(
        JSON.parse(JSON.stringify(await c.indexed(archive))),
        JSON.parse(JSON.stringify(await c.definition(archive))),
        `${c.name}: the columns and the definition disagree`,
      );
      const times = { indexed: [] as number[], definition: [] as number[], scan: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        times.indexed.push(await timed(() => c.indexed(archive)));
        times.definition.push(await timed(() => c.definition(archive)));
        times.scan.push(await timed(async () => scan(all, '0000', '9999')));
      }
      const [indexed, definition, floor] = [median(times.indexed), median(times.definition), median(times.scan)];
      console.log(
        `  ${c.name.padEnd(30)} ${indexed.toFixed(1).padStart(6)} ms ${definition.toFixed(1).padStart(8)} ms ${floor.toFixed(2).padStart(5)} ms  ${(definition / indexed).toFixed(1).padStart(7)}x  ${(indexed / floor).toFixed(0).padStart(7)}x  ${indexed < TARGET_MS ? 'yes' : 'NO'}`,
      );
    }
    console.log('  (speed-up = definition / answer; vs scan = answer / scan; the answers agree with the definitions)');
    await archive.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
