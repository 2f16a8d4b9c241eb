/**
 * The analytics of core/analytics/analytics.ts answered by SQL aggregates in the PostgreSQL long
 * history: PostgreSQL groups, counts, sums and picks the percentiles (the same nearest rank as
 * stats.ts: the value at position min(n - 1, floor(n·p/100)) of the sorted durations); only one
 * row per group comes back. Rounding and rates are made here with the helpers of stats.ts, so the
 * answers are the same as the embedded history's (the history suite compares them with the
 * definitions on both).
 */
import type {
  DailyMetric,
  FlowMetricEntry,
  MetricsSummary,
  StepPerformance,
  TrendGrouping,
  TrendPoint,
} from '../analytics/analytics';
import { byDateThenStep, flowMetricEntry } from '../analytics/analytics';
import { rate } from '../analytics/stats';
import { RUNS_TABLE } from './postgresMigrations';

/** Runs one statement, answering its rows. */
export type Query = <R>(sql: string, params: unknown[]) => Promise<R[]>;
/** The WHERE clause of an analytics scope (postgresRunArchive.ts whereOf) and its parameters. */
export interface Where {
  sql: string;
  params: unknown[];
}

const COUNTED = `status IN ('completed', 'failed')`;
const DAY = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
const DURATION = `coalesce(duration_ms, 0)::float8`;

/** The scope's clause narrowed to counted executions. */
function counted(where: Where): Where {
  return { sql: `${where.sql ? `${where.sql} AND` : 'WHERE'} ${COUNTED}`, params: where.params };
}

/** The p-th percentile of the sorted array `d` of `n` values (nearest rank, as stats.percentile). */
const percentileOf = (p: number) => `d[LEAST(n - 1, (n * ${p}) / 100) + 1]`;

interface GroupRow {
  n: number;
  passed: number;
  dsum: number;
  ts: number;
  ps: number;
  fs: number;
}

const GROUP_COLUMNS = `count(*)::int AS n, (count(*) FILTER (WHERE status = 'completed'))::int AS passed,
  sum(${DURATION})::float8 AS dsum,
  sum(coalesce((record->>'total_steps')::int, 0))::int AS ts,
  sum(coalesce((record->>'passed_steps')::int, 0))::int AS ps,
  sum(coalesce((record->>'failed_steps')::int, 0))::int AS fs`;

export async function sqlMetrics(
  query: Query,
  scope: Where,
): Promise<{ metrics: DailyMetric[]; summary: MetricsSummary }> {
  const where = counted(scope);
  const [days, flows, [all]] = await Promise.all([
    query<GroupRow & { day: string; environment: string; p50: number; p95: number; p99: number }>(
      `SELECT day, environment, n, passed, dsum, ts, ps, fs,
         ${percentileOf(50)} AS p50, ${percentileOf(95)} AS p95, ${percentileOf(99)} AS p99
       FROM (SELECT ${DAY} AS day, environment, ${GROUP_COLUMNS}, array_agg(${DURATION} ORDER BY ${DURATION}) AS d
             FROM ${RUNS_TABLE} ${where.sql} GROUP BY 1, 2) g
       ORDER BY day, environment COLLATE "C"`,
      where.params,
    ),
    query<GroupRow & { day: string; environment: string; flow_id: string; name: string }>(
      `SELECT ${DAY} AS day, environment, flow_id, ${GROUP_COLUMNS},
         (array_agg(flow_name ORDER BY created_at DESC, id DESC))[1] AS name
       FROM ${RUNS_TABLE} ${where.sql} GROUP BY 1, 2, 3 ORDER BY min(created_at), min(id)`,
      where.params,
    ),
    query<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM ${RUNS_TABLE} ${where.sql}`, where.params),
  ]);
  const byGroup = new Map<string, Record<string, FlowMetricEntry>>();
  for (const f of flows) {
    const key = `${f.day}\u0000${f.environment}`;
    let entries = byGroup.get(key);
    if (!entries) byGroup.set(key, (entries = {}));
    entries[f.flow_id] = flowMetricEntry(f.flow_id, f.name, f.n, f.passed, f.dsum);
  }
  const metrics = days.map((g): DailyMetric => {
    const byFlow = byGroup.get(`${g.day}\u0000${g.environment}`) ?? {};
    return {
      date: g.day,
      environment: g.environment,
      total_flows: Object.keys(byFlow).length,
      total_executions: g.n,
      passed_executions: g.passed,
      failed_executions: g.n - g.passed,
      pass_rate: rate(g.passed, g.n),
      avg_duration_ms: Math.round(g.dsum / g.n),
      p50_duration_ms: g.p50,
      p95_duration_ms: g.p95,
      p99_duration_ms: g.p99,
      total_steps: g.ts,
      passed_steps: g.ps,
      failed_steps: g.fs,
      by_flow_metrics: byFlow,
    };
  });
  const n = all?.n ?? 0;
  return {
    metrics,
    summary: {
      total_executions: n,
      passed_executions: all?.passed ?? 0,
      failed_executions: n - (all?.passed ?? 0),
      pass_rate: rate(all?.passed ?? 0, n),
      avg_duration_ms: n ? Math.round(all.dsum / n) : 0,
      total_steps: all?.ts ?? 0,
      passed_steps: all?.ps ?? 0,
      failed_steps: all?.fs ?? 0,
    },
  };
}

export async function sqlTrends(query: Query, scope: Where, grouping: TrendGrouping): Promise<TrendPoint[]> {
  const where = counted(scope);
  const bucket =
    grouping === 'week'
      ? `to_char(date_trunc('week', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`
      : grouping === 'month'
        ? `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')`
        : DAY;
  const rows = await query<{ bucket: string; n: number; passed: number; dsum: number; p50: number; p95: number }>(
    `SELECT bucket, n, passed, dsum, ${percentileOf(50)} AS p50, ${percentileOf(95)} AS p95
     FROM (SELECT ${bucket} AS bucket, count(*)::int AS n, (count(*) FILTER (WHERE status = 'completed'))::int AS passed,
             sum(${DURATION})::float8 AS dsum, array_agg(${DURATION} ORDER BY ${DURATION}) AS d
           FROM ${RUNS_TABLE} ${where.sql} GROUP BY 1) g
     ORDER BY bucket COLLATE "C"`,
    where.params,
  );
  return rows.map((r) => ({
    date: r.bucket,
    executions: r.n,
    pass_rate: rate(r.passed, r.n),
    avg_duration_ms: Math.round(r.dsum / r.n),
    p50_duration_ms: r.p50,
    p95_duration_ms: r.p95,
  }));
}

interface StepRow {
  flow_id: string;
  step_id: string;
  day: string;
  n: number;
  passed: number;
  dsum: number;
  dmin: number;
  dmax: number;
  p50: number;
  p95: number;
  p99: number;
  step_name: string;
  action: string;
  flow_name: string;
  early: number | null;
  late: number | null;
  errors: string[] | null;
}

/**
 * Per step (of a flow), or per step and day: each step of each counted execution is a sample
 * (completed or failed steps only), numbered in execution order and by duration within its group.
 */
export async function sqlSteps(
  query: Query,
  scope: Where,
  perDay: boolean,
  action?: string,
): Promise<StepPerformance[]> {
  const where = counted(scope);
  const day = perDay ? DAY : `''`;
  const group = 'flow_id, step_id, day';
  const rows = await query<StepRow>(
    `WITH samples AS (
       SELECT flow_id, flow_name, created_at, id, s.ord, ${day} AS day,
         s.step->>'step_id' AS step_id, s.step->>'step_name' AS step_name, s.step->>'action' AS action,
         s.step->>'status' AS status, coalesce((s.step->>'duration_ms')::float8, 0) AS dur,
         nullif(s.step->>'error_message', '') AS error
       FROM ${RUNS_TABLE} CROSS JOIN LATERAL jsonb_array_elements(record->'steps') WITH ORDINALITY AS s(step, ord)
       ${where.sql} AND s.step->>'status' IN ('completed', 'failed')
     ), ranked AS (
       SELECT *,
         row_number() OVER (PARTITION BY ${group} ORDER BY created_at, id, ord) AS seq,
         row_number() OVER (PARTITION BY ${group} ORDER BY dur) AS rank,
         count(*) OVER (PARTITION BY ${group}) AS n,
         row_number() OVER (ORDER BY created_at, id, ord) AS overall
       FROM samples
     ), firsts AS (
       SELECT ${group}, error, min(seq) AS first FROM ranked WHERE error IS NOT NULL GROUP BY ${group}, error
     ), errors AS (
       SELECT ${group}, (array_agg(error ORDER BY first))[1:5] AS errors FROM firsts GROUP BY ${group}
     ), stats AS (
       SELECT ${group}, n::int AS n, (count(*) FILTER (WHERE status = 'completed'))::int AS passed,
         sum(dur)::float8 AS dsum, min(dur) AS dmin, max(dur) AS dmax,
         max(dur) FILTER (WHERE rank = LEAST(n - 1, (n * 50) / 100) + 1) AS p50,
         max(dur) FILTER (WHERE rank = LEAST(n - 1, (n * 95) / 100) + 1) AS p95,
         max(dur) FILTER (WHERE rank = LEAST(n - 1, (n * 99) / 100) + 1) AS p99,
         (array_agg(step_name ORDER BY seq DESC))[1] AS step_name,
         (array_agg(action ORDER BY seq DESC))[1] AS action,
         (array_agg(flow_name ORDER BY seq DESC))[1] AS flow_name,
         sum(dur) FILTER (WHERE seq <= n / 2)::float8 AS early,
         sum(dur) FILTER (WHERE seq > n - n / 2)::float8 AS late,
         min(overall) AS first_seen
       FROM ranked GROUP BY ${group}, n
     )
     SELECT stats.*, errors.errors FROM stats LEFT JOIN errors USING (flow_id, step_id, day)
     ORDER BY first_seen`,
    where.params,
  );
  const out: StepPerformance[] = [];
  for (const r of rows) {
    if (perDay && action !== undefined && r.action !== action) continue;
    const perf: StepPerformance = {
      flow_id: r.flow_id,
      flow_name: r.flow_name,
      step_id: r.step_id,
      step_name: r.step_name,
      action: r.action,
      execution_count: r.n,
      passed_count: r.passed,
      failed_count: r.n - r.passed,
      pass_rate: rate(r.passed, r.n),
      avg_duration_ms: Math.round(r.dsum / r.n),
      min_duration_ms: r.dmin,
      max_duration_ms: r.dmax,
      p50_duration_ms: r.p50,
      p95_duration_ms: r.p95,
      p99_duration_ms: r.p99,
      common_errors: r.errors ?? [],
    };
    if (perDay) perf.date = r.day;
    else if (r.n >= 2) {
      const half = Math.floor(r.n / 2);
      const early = Math.round((r.early ?? 0) / half);
      const late = Math.round((r.late ?? 0) / half);
      perf.change_pct = early > 0 ? Math.round(((late - early) / early) * 1000) / 10 : 0;
    }
    out.push(perf);
  }
  return perDay ? out.sort(byDateThenStep) : out.sort((a, b) => b.avg_duration_ms - a.avg_duration_ms);
}
