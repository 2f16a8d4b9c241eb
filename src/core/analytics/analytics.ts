/**
 * TestMesh's analytics (`/api/v1/analytics/{metrics,flakiness,trends,steps}`, same field names),
 * computed from the long history of executions instead of nightly aggregate tables, so the
 * answers are always current. Pure functions over RunRecords (oldest first): the definitions.
 * The embedded history answers metrics, trends and steps from its columns (columnAnalytics.ts),
 * PostgreSQL by SQL; the unit suite checks both against these functions.
 *
 * Only executions that completed or failed count (cancelled ones say nothing about the flow).
 * Flakiness follows TestMesh's definition: over the executions of a flow in a window, the rate
 * of pass/fail transitions times how close the pass rate is to 50 %:
 *   score = transitions / (n - 1) × (1 - |pass rate - 0.5| × 2), flaky at score ≥ 0.1.
 */
import type { RunRecord } from '../history/types';
import { addDays, dayOf, weekOf } from './range';
import { ascending, average, percentile, rate, round4 } from './stats';

export const DEFAULT_FLAKY_THRESHOLD = 0.1;

/** What an analytics question covers: executions created in [from, to), optionally of one environment or flow. */
export interface AnalyticsScope {
  from: string;
  to: string;
  environment?: string;
  flow_id?: string;
}

export function counts(run: RunRecord): boolean {
  return run.status === 'completed' || run.status === 'failed';
}

function durations(runs: readonly RunRecord[]): number[] {
  return ascending(runs.map((r) => r.duration_ms ?? 0));
}

function groupBy<K>(runs: readonly RunRecord[], key: (r: RunRecord) => K): Map<K, RunRecord[]> {
  const out = new Map<K, RunRecord[]>();
  for (const run of runs) {
    const k = key(run);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(run);
  }
  return out;
}

export interface FlowMetricEntry {
  flow_id: string;
  flow_name: string;
  executions: number;
  passed: number;
  failed: number;
  pass_rate: number;
  avg_duration_ms: number;
}

/** A flow's line in a day's metrics, from its counts and the sum of its durations (one rule for every backend). */
export function flowMetricEntry(
  flowId: string,
  flowName: string,
  executions: number,
  passed: number,
  durationSum: number,
): FlowMetricEntry {
  return {
    flow_id: flowId,
    flow_name: flowName,
    executions,
    passed,
    failed: executions - passed,
    pass_rate: rate(passed, executions),
    avg_duration_ms: executions > 0 ? Math.round(durationSum / executions) : 0,
  };
}

export interface DailyMetric {
  date: string;
  environment: string;
  total_flows: number;
  total_executions: number;
  passed_executions: number;
  failed_executions: number;
  pass_rate: number;
  avg_duration_ms: number;
  p50_duration_ms: number;
  p95_duration_ms: number;
  p99_duration_ms: number;
  total_steps: number;
  passed_steps: number;
  failed_steps: number;
  by_flow_metrics: Record<string, FlowMetricEntry>;
}

export interface MetricsSummary {
  total_executions: number;
  passed_executions: number;
  failed_executions: number;
  pass_rate: number;
  avg_duration_ms: number;
  total_steps: number;
  passed_steps: number;
  failed_steps: number;
}

export interface MetricsAnswer {
  metrics: DailyMetric[];
  start_date: string;
  end_date: string;
  summary: MetricsSummary;
}

function sum(
  runs: readonly RunRecord[],
  field: 'total_steps' | 'passed_steps' | 'failed_steps' | 'duration_ms',
): number {
  let total = 0;
  for (const r of runs) total += r[field] ?? 0;
  return total;
}

/** Per day and environment (runs without a named environment under ""), plus a summary of the range. */
export function metrics(all: readonly RunRecord[]): { metrics: DailyMetric[]; summary: MetricsSummary } {
  const runs = all.filter(counts);
  const metricsOut: DailyMetric[] = [];
  const byDay = groupBy(runs, (r) => `${dayOf(r.created_at)}\u0000${r.environment ?? ''}`);
  for (const [key, group] of [...byDay].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [date, environment] = key.split('\u0000');
    const passed = group.filter((r) => r.status === 'completed').length;
    const sorted = durations(group);
    const byFlow: Record<string, FlowMetricEntry> = {};
    for (const [flowId, flowRuns] of groupBy(group, (r) => r.flow_id)) {
      const flowPassed = flowRuns.filter((r) => r.status === 'completed').length;
      byFlow[flowId] = flowMetricEntry(
        flowId,
        flowRuns[flowRuns.length - 1].flow_name,
        flowRuns.length,
        flowPassed,
        sum(flowRuns, 'duration_ms'),
      );
    }
    metricsOut.push({
      date,
      environment,
      total_flows: Object.keys(byFlow).length,
      total_executions: group.length,
      passed_executions: passed,
      failed_executions: group.length - passed,
      pass_rate: rate(passed, group.length),
      avg_duration_ms: average(sorted),
      p50_duration_ms: percentile(sorted, 50),
      p95_duration_ms: percentile(sorted, 95),
      p99_duration_ms: percentile(sorted, 99),
      total_steps: sum(group, 'total_steps'),
      passed_steps: sum(group, 'passed_steps'),
      failed_steps: sum(group, 'failed_steps'),
      by_flow_metrics: byFlow,
    });
  }
  const passed = runs.filter((r) => r.status === 'completed').length;
  return {
    metrics: metricsOut,
    summary: {
      total_executions: runs.length,
      passed_executions: passed,
      failed_executions: runs.length - passed,
      pass_rate: rate(passed, runs.length),
      avg_duration_ms: average(runs.map((r) => r.duration_ms ?? 0)),
      total_steps: sum(runs, 'total_steps'),
      passed_steps: sum(runs, 'passed_steps'),
      failed_steps: sum(runs, 'failed_steps'),
    },
  };
}

export type TrendGrouping = 'day' | 'week' | 'month';

export interface TrendPoint {
  date: string;
  executions: number;
  pass_rate: number;
  avg_duration_ms: number;
  p50_duration_ms: number;
  p95_duration_ms: number;
}

export function trends(all: readonly RunRecord[], group: TrendGrouping): TrendPoint[] {
  const bucket = (r: RunRecord) => {
    const day = dayOf(r.created_at);
    return group === 'week' ? weekOf(day) : group === 'month' ? day.slice(0, 7) : day;
  };
  const points: TrendPoint[] = [];
  for (const [date, group_] of groupBy(all.filter(counts), bucket)) {
    const sorted = durations(group_);
    points.push({
      date,
      executions: group_.length,
      pass_rate: rate(group_.filter((r) => r.status === 'completed').length, group_.length),
      avg_duration_ms: average(sorted),
      p50_duration_ms: percentile(sorted, 50),
      p95_duration_ms: percentile(sorted, 95),
    });
  }
  return points.sort((a, b) => (a.date < b.date ? -1 : 1));
}

export interface Transition {
  execution_id: string;
  from: 'completed' | 'failed';
  to: 'completed' | 'failed';
  at: string;
}

export interface FlakinessMetric {
  flow_id: string;
  flow_name: string;
  window_start_date: string;
  window_end_date: string;
  window_days: number;
  total_executions: number;
  passed_executions: number;
  failed_executions: number;
  transitions: number;
  flakiness_score: number;
  is_flaky: boolean;
  failure_patterns: string[];
  /** The latest status changes, newest first (at most 5). */
  last_transitions: Transition[];
  /** The latest executions, newest first (at most 20): id, status, time. */
  recent: { id: string; status: string; created_at: string }[];
}

/** The score of a pass/fail sequence of `total` outcomes (at least two) with `passed` passes and `transitions` changes. */
export function flakinessScore(transitions: number, passed: number, total: number): number {
  return round4((transitions / (total - 1)) * (1 - Math.abs(passed / total - 0.5) * 2));
}

/** Flakiness of one flow over its executions in a window (oldest first); undefined below two executions. */
function flakinessOf(
  flowRuns: readonly RunRecord[],
  window: { start_date: string; end_date: string; days: number },
  threshold = DEFAULT_FLAKY_THRESHOLD,
): FlakinessMetric | undefined {
  const runs = flowRuns.filter(counts);
  if (runs.length < 2) return undefined;
  let passed = 0;
  const transitions: Transition[] = [];
  const patterns = new Map<string, number>();
  runs.forEach((run, i) => {
    if (run.status === 'completed') passed++;
    else if (run.error) {
      const pattern = run.error.slice(0, 100);
      patterns.set(pattern, (patterns.get(pattern) ?? 0) + 1);
    }
    const before = runs[i - 1];
    if (before && before.status !== run.status)
      transitions.push({
        execution_id: run.id,
        from: before.status as Transition['from'],
        to: run.status as Transition['to'],
        at: run.created_at,
      });
  });
  const total = runs.length;
  const score = flakinessScore(transitions.length, passed, total);
  const last = runs[runs.length - 1];
  return {
    flow_id: last.flow_id,
    flow_name: last.flow_name,
    window_start_date: window.start_date,
    window_end_date: window.end_date,
    window_days: window.days,
    total_executions: total,
    passed_executions: passed,
    failed_executions: total - passed,
    transitions: transitions.length,
    flakiness_score: score,
    is_flaky: score >= threshold,
    failure_patterns: [...patterns]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([p]) => p),
    last_transitions: transitions.slice(-5).reverse(),
    recent: runs
      .slice(-20)
      .reverse()
      .map((r) => ({ id: r.id, status: r.status, created_at: r.created_at })),
  };
}

/** Every flow's flakiness over the window (runs already limited to it), most flaky first. */
export function flakiness(
  runs: readonly RunRecord[],
  window: { start_date: string; end_date: string; days: number },
  threshold = DEFAULT_FLAKY_THRESHOLD,
): FlakinessMetric[] {
  const out: FlakinessMetric[] = [];
  for (const flowRuns of groupBy(runs, (r) => r.flow_id).values()) {
    const metric = flakinessOf(flowRuns, window, threshold);
    if (metric) out.push(metric);
  }
  return out.sort((a, b) => b.flakiness_score - a.flakiness_score || (a.flow_id < b.flow_id ? -1 : 1));
}

/** One flow's flakiness for each of the last `points` days (a window of `days` ending that day), newest first. */
export function flakinessHistory(
  flowRuns: readonly RunRecord[],
  endDate: string,
  days: number,
  points: number,
  threshold = DEFAULT_FLAKY_THRESHOLD,
): FlakinessMetric[] {
  const out: FlakinessMetric[] = [];
  for (let i = 0; i < points; i++) {
    const end = addDays(endDate, -i);
    const start = addDays(end, -(days - 1));
    const from = `${start}T00:00:00.000Z`;
    const to = `${addDays(end, 1)}T00:00:00.000Z`;
    const inWindow = flowRuns.filter((r) => r.created_at >= from && r.created_at < to);
    const metric = flakinessOf(inWindow, { start_date: start, end_date: end, days }, threshold);
    if (metric) out.push(metric);
  }
  return out;
}

export interface StepPerformance {
  flow_id: string;
  flow_name: string;
  step_id: string;
  step_name: string;
  action: string;
  /** The day (per-day answers), or absent for a whole range. */
  date?: string;
  execution_count: number;
  passed_count: number;
  failed_count: number;
  pass_rate: number;
  avg_duration_ms: number;
  min_duration_ms: number;
  max_duration_ms: number;
  p50_duration_ms: number;
  p95_duration_ms: number;
  p99_duration_ms: number;
  common_errors: string[];
  /** Range answers: how much slower (+) or faster (−) the later half of its executions is than the earlier half, in %. */
  change_pct?: number;
}

interface StepSample {
  run: RunRecord;
  status: string;
  duration: number;
  error?: string;
  name: string;
  action: string;
}

function stepSamples(runs: readonly RunRecord[]): Map<string, StepSample[]> {
  const out = new Map<string, StepSample[]>();
  for (const run of runs) {
    if (!counts(run)) continue;
    for (const step of run.steps ?? []) {
      if (step.status !== 'completed' && step.status !== 'failed') continue;
      const key = `${run.flow_id}\u0000${step.step_id}`;
      let list = out.get(key);
      if (!list) out.set(key, (list = []));
      list.push({
        run,
        status: step.status,
        duration: step.duration_ms ?? 0,
        error: step.error_message,
        name: step.step_name,
        action: step.action,
      });
    }
  }
  return out;
}

function performanceOf(samples: StepSample[], stepId: string, date?: string): StepPerformance {
  const last = samples[samples.length - 1];
  const sorted = ascending(samples.map((s) => s.duration));
  const passed = samples.filter((s) => s.status === 'completed').length;
  const errors = [...new Set(samples.map((s) => s.error).filter((e): e is string => !!e))].slice(0, 5);
  const out: StepPerformance = {
    flow_id: last.run.flow_id,
    flow_name: last.run.flow_name,
    step_id: stepId,
    step_name: last.name,
    action: last.action,
    execution_count: samples.length,
    passed_count: passed,
    failed_count: samples.length - passed,
    pass_rate: rate(passed, samples.length),
    avg_duration_ms: average(sorted),
    min_duration_ms: sorted[0],
    max_duration_ms: sorted[sorted.length - 1],
    p50_duration_ms: percentile(sorted, 50),
    p95_duration_ms: percentile(sorted, 95),
    p99_duration_ms: percentile(sorted, 99),
    common_errors: errors,
  };
  if (date !== undefined) out.date = date;
  return out;
}

/** Per step and day (flow or action given) — TestMesh's step_performance rows. */
export function stepPerformanceByDay(runs: readonly RunRecord[]): StepPerformance[] {
  const out: StepPerformance[] = [];
  for (const [key, samples] of stepSamples(runs)) {
    const stepId = key.split('\u0000')[1];
    for (const [date, daySamples] of groupBy(
      samples.map((s) => s.run),
      (r) => dayOf(r.created_at),
    )) {
      const ids = new Set(daySamples.map((r) => r.id));
      out.push(
        performanceOf(
          samples.filter((s) => ids.has(s.run.id)),
          stepId,
          date,
        ),
      );
    }
  }
  return out.sort(byDateThenStep);
}

/** Order of per-day step rows: day, then step id, then flow. */
export function byDateThenStep(a: StepPerformance, b: StepPerformance): number {
  return (
    compareText(a.date ?? '', b.date ?? '') || compareText(a.step_id, b.step_id) || compareText(a.flow_id, b.flow_id)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The slowest steps over the range (by average duration), with how much they slowed down. */
export function slowestSteps(runs: readonly RunRecord[], limit = 20): StepPerformance[] {
  const out: StepPerformance[] = [];
  for (const [key, samples] of stepSamples(runs)) {
    const perf = performanceOf(samples, key.split('\u0000')[1]);
    if (samples.length >= 2) {
      const half = Math.floor(samples.length / 2);
      const early = average(samples.slice(0, half).map((s) => s.duration));
      const late = average(samples.slice(samples.length - half).map((s) => s.duration));
      perf.change_pct = early > 0 ? Math.round(((late - early) / early) * 1000) / 10 : 0;
    }
    out.push(perf);
  }
  return out.sort((a, b) => b.avg_duration_ms - a.avg_duration_ms).slice(0, limit);
}
