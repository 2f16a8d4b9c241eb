/**
 * The analytics of analytics.ts answered from the columns of the embedded long history
 * (history/runColumns.ts) in one pass over the executions in range: grouping by interned numbers,
 * durations sorted as typed arrays. Same answers as the definitions in analytics.ts (the unit
 * suite compares them on generated histories); `npm run bench` times both over 20,000 executions.
 */
import type { RunColumns } from '../history/runColumns';
import { PASSED } from '../history/runColumns';
import {
  byDateThenStep,
  flowMetricEntry,
  type DailyMetric,
  type FlowMetricEntry,
  type MetricsSummary,
  type StepPerformance,
  type TrendGrouping,
  type TrendPoint,
} from './analytics';
import { weekOf } from './range';
import { ascendingTyped, average, percentile, rate } from './stats';

const DAY_MS = 86_400_000;

/** Executions at positions [lo, hi) of the columns, optionally of one environment and one flow. */
export interface ColumnSpan {
  columns: RunColumns;
  lo: number;
  hi: number;
  environment?: string;
  flow_id?: string;
}

/** Positions of the counted executions in the span that pass its filters, in order. */
function positions(span: ColumnSpan): Int32Array {
  const c = span.columns;
  const environment = span.environment === undefined ? -2 : c.environments.find(span.environment);
  const flow = span.flow_id === undefined ? -2 : c.flows.find(span.flow_id);
  const out = new Int32Array(Math.max(0, span.hi - span.lo));
  if (environment === -1 || flow === -1) return out.subarray(0, 0); // never seen: nothing matches
  let n = 0;
  for (let i = span.lo; i < span.hi; i++) {
    if (!c.outcome[i]) continue;
    if (environment >= 0 && c.environment[i] !== environment) continue;
    if (flow >= 0 && c.flow[i] !== flow) continue;
    out[n++] = i;
  }
  return out.subarray(0, n);
}

const dayTexts = new Map<number, string>();
function dayText(day: number): string {
  let text = dayTexts.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dayTexts.size > 10_000) dayTexts.clear();
    dayTexts.set(day, text);
  }
  return text;
}

interface RunGroup {
  count: number;
  passed: number;
  durations: number[];
  totalSteps: number;
  passedSteps: number;
  failedSteps: number;
}

function newGroup(): RunGroup {
  return { count: 0, passed: 0, durations: [], totalSteps: 0, passedSteps: 0, failedSteps: 0 };
}

function addTo(group: RunGroup, c: RunColumns, i: number): void {
  group.count++;
  if (c.outcome[i] === PASSED) group.passed++;
  group.durations.push(c.duration[i]);
  group.totalSteps += c.totalSteps[i];
  group.passedSteps += c.passedSteps[i];
  group.failedSteps += c.failedSteps[i];
}

interface FlowGroup {
  count: number;
  passed: number;
  sum: number;
  name: string;
}

export function columnMetrics(span: ColumnSpan): { metrics: DailyMetric[]; summary: MetricsSummary } {
  const c = span.columns;
  const metrics: DailyMetric[] = [];
  const all = newGroup();
  let day = Number.NaN;
  let byEnvironment = new Map<number, { runs: RunGroup; flows: Map<number, FlowGroup> }>();
  const closeDay = () => {
    const date = dayText(day);
    const environments = [...byEnvironment].sort(([a], [b]) => {
      const [x, y] = [c.environments.values[a], c.environments.values[b]];
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (const [environment, { runs, flows }] of environments) {
      const sorted = ascendingTyped(runs.durations);
      const byFlow: Record<string, FlowMetricEntry> = {};
      for (const [flow, f] of flows) {
        const flowId = c.flows.values[flow];
        byFlow[flowId] = flowMetricEntry(flowId, f.name, f.count, f.passed, f.sum);
      }
      metrics.push({
        date,
        environment: c.environments.values[environment],
        total_flows: flows.size,
        total_executions: runs.count,
        passed_executions: runs.passed,
        failed_executions: runs.count - runs.passed,
        pass_rate: rate(runs.passed, runs.count),
        avg_duration_ms: average(sorted),
        p50_duration_ms: percentile(sorted, 50),
        p95_duration_ms: percentile(sorted, 95),
        p99_duration_ms: percentile(sorted, 99),
        total_steps: runs.totalSteps,
        passed_steps: runs.passedSteps,
        failed_steps: runs.failedSteps,
        by_flow_metrics: byFlow,
      });
    }
  };
  for (const i of positions(span)) {
    if (c.day[i] !== day) {
      if (byEnvironment.size) closeDay();
      day = c.day[i];
      byEnvironment = new Map();
    }
    let group = byEnvironment.get(c.environment[i]);
    if (!group) byEnvironment.set(c.environment[i], (group = { runs: newGroup(), flows: new Map() }));
    addTo(group.runs, c, i);
    addTo(all, c, i);
    let flow = group.flows.get(c.flow[i]);
    if (!flow) group.flows.set(c.flow[i], (flow = { count: 0, passed: 0, sum: 0, name: '' }));
    flow.count++;
    if (c.outcome[i] === PASSED) flow.passed++;
    flow.sum += c.duration[i];
    flow.name = c.flowName[i];
  }
  if (byEnvironment.size) closeDay();
  return {
    metrics,
    summary: {
      total_executions: all.count,
      passed_executions: all.passed,
      failed_executions: all.count - all.passed,
      pass_rate: rate(all.passed, all.count),
      avg_duration_ms: average(all.durations),
      total_steps: all.totalSteps,
      passed_steps: all.passedSteps,
      failed_steps: all.failedSteps,
    },
  };
}

export function columnTrends(span: ColumnSpan, grouping: TrendGrouping): TrendPoint[] {
  const c = span.columns;
  const buckets = new Map<string, RunGroup>();
  let day = Number.NaN;
  let bucket = newGroup();
  for (const i of positions(span)) {
    if (c.day[i] !== day) {
      day = c.day[i];
      const text = dayText(day);
      const key = grouping === 'week' ? weekOf(text) : grouping === 'month' ? text.slice(0, 7) : text;
      let found = buckets.get(key);
      if (!found) buckets.set(key, (found = newGroup()));
      bucket = found;
    }
    addTo(bucket, c, i);
  }
  const points: TrendPoint[] = [];
  for (const [date, group] of buckets) {
    const sorted = ascendingTyped(group.durations);
    points.push({
      date,
      executions: group.count,
      pass_rate: rate(group.passed, group.count),
      avg_duration_ms: average(sorted),
      p50_duration_ms: percentile(sorted, 50),
      p95_duration_ms: percentile(sorted, 95),
    });
  }
  return points.sort((a, b) => (a.date < b.date ? -1 : 1));
}

/** The samples of one step (of one flow), in execution order. */
interface StepGroup {
  key: number;
  day: number;
  durations: number[];
  passed: number;
  errors: string[];
  name: string;
  action: string;
  flowName: string;
}

/** Step samples grouped by step (per day: by step and day), groups in order of first appearance. */
function stepGroups(span: ColumnSpan, perDay: boolean): StepGroup[] {
  const c = span.columns;
  const all: StepGroup[] = [];
  // Indexed by step number; per day, reset whenever the day changes (days come in order).
  let byKey: (StepGroup | undefined)[] = new Array(c.keyFlow.length);
  let day = Number.NaN;
  for (const i of positions(span)) {
    if (perDay && c.day[i] !== day) {
      day = c.day[i];
      byKey = new Array(c.keyFlow.length);
    }
    const start = c.stepStart[i] - c.stepBase;
    const end = start + c.stepCount[i];
    for (let s = start; s < end; s++) {
      const key = c.stepKey[s];
      let group = byKey[key];
      if (!group) {
        group = { key, day: c.day[i], durations: [], passed: 0, errors: [], name: '', action: '', flowName: '' };
        byKey[key] = group;
        all.push(group);
      }
      group.durations.push(c.stepDuration[s]);
      if (c.stepOutcome[s] === PASSED) group.passed++;
      const error = c.stepError[s];
      if (error && group.errors.length < 5 && !group.errors.includes(error)) group.errors.push(error);
      group.name = c.stepName[s];
      group.action = c.stepAction[s];
      group.flowName = c.flowName[i];
    }
  }
  return all;
}

function performanceOf(c: RunColumns, group: StepGroup, date?: string): StepPerformance {
  const n = group.durations.length;
  const sorted = ascendingTyped(group.durations);
  const out: StepPerformance = {
    flow_id: c.flows.values[c.keyFlow[group.key]],
    flow_name: group.flowName,
    step_id: c.keyStep[group.key],
    step_name: group.name,
    action: group.action,
    execution_count: n,
    passed_count: group.passed,
    failed_count: n - group.passed,
    pass_rate: rate(group.passed, n),
    avg_duration_ms: average(sorted),
    min_duration_ms: sorted[0],
    max_duration_ms: sorted[n - 1],
    p50_duration_ms: percentile(sorted, 50),
    p95_duration_ms: percentile(sorted, 95),
    p99_duration_ms: percentile(sorted, 99),
    common_errors: group.errors,
  };
  if (date !== undefined) out.date = date;
  return out;
}

/** Per step and day, ordered by day, then step; with `action`, only the steps (last) of that action. */
export function columnStepsByDay(span: ColumnSpan, action?: string): StepPerformance[] {
  const out: StepPerformance[] = [];
  for (const group of stepGroups(span, true))
    if (action === undefined || group.action === action)
      out.push(performanceOf(span.columns, group, dayText(group.day)));
  return out.sort(byDateThenStep);
}

/** Per step over the whole span, slowest (by average) first, with how much the later half slowed down. */
export function columnSlowestSteps(span: ColumnSpan): StepPerformance[] {
  const out: StepPerformance[] = [];
  for (const group of stepGroups(span, false)) {
    const perf = performanceOf(span.columns, group);
    const n = group.durations.length;
    if (n >= 2) {
      const half = Math.floor(n / 2);
      const early = average(group.durations.slice(0, half));
      const late = average(group.durations.slice(n - half));
      perf.change_pct = early > 0 ? Math.round(((late - early) / early) * 1000) / 10 : 0;
    }
    out.push(perf);
  }
  return out.sort((a, b) => b.avg_duration_ms - a.avg_duration_ms);
}
