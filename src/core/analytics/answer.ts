/**
 * One analytics question (metrics, trends, flakiness, steps) with TestMesh's query parameters,
 * answered from a long history. The REST routes and the VS Code panel's host both call this, so
 * the web UI gets the same answers over either transport.
 */
import { TestMeshError } from '../errors';
import type { RunArchive } from '../history/runArchive';
import { DEFAULT_FLAKY_THRESHOLD, flakiness, flakinessHistory, type TrendGrouping } from './analytics';
import { dayRange } from './range';

export const ANALYTICS_KINDS = ['metrics', 'trends', 'flakiness', 'steps'] as const;
export type AnalyticsKind = (typeof ANALYTICS_KINDS)[number];

export function isAnalyticsKind(value: unknown): value is AnalyticsKind {
  return typeof value === 'string' && (ANALYTICS_KINDS as readonly string[]).includes(value);
}

type Query = URLSearchParams | Record<string, string | undefined>;

function text(query: Query, name: string): string | undefined {
  const value = query instanceof URLSearchParams ? query.get(name) : query[name];
  return value === null || value === undefined || value === '' ? undefined : String(value);
}

function whole(query: Query, name: string, fallback: number, min: number, max: number): number {
  const value = text(query, name);
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max)
    throw new TestMeshError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return Number(value);
}

export async function answerAnalytics(runs: RunArchive, kind: AnalyticsKind, query: Query): Promise<unknown> {
  const environment = text(query, 'environment');
  const inEnvironment = environment !== undefined ? { environment: [environment] } : {};
  switch (kind) {
    case 'metrics': {
      const range = dayRange(text(query, 'start_date'), text(query, 'end_date'), 30);
      const answer = await runs.metrics({ from: range.from, to: range.to, environment });
      return {
        metrics: answer.metrics,
        start_date: range.start_date,
        end_date: range.end_date,
        summary: answer.summary,
      };
    }
    case 'trends': {
      const range = dayRange(text(query, 'start_date'), text(query, 'end_date'), 30);
      const group = text(query, 'group_by') ?? 'day';
      if (!['day', 'week', 'month'].includes(group))
        throw new TestMeshError(`group_by must be day, week or month, got ${JSON.stringify(group)}`);
      const points = await runs.trends({ from: range.from, to: range.to, environment }, group as TrendGrouping);
      return { trends: points, start_date: range.start_date, end_date: range.end_date, group_by: group };
    }
    case 'flakiness': {
      const days = whole(query, 'window_days', 7, 1, 366);
      const limit = whole(query, 'limit', 20, 1, 1000);
      const offset = whole(query, 'offset', 0, 0, 1e9);
      const thresholdText = text(query, 'threshold');
      const threshold = thresholdText === undefined ? DEFAULT_FLAKY_THRESHOLD : Number(thresholdText);
      if (!(threshold >= 0 && threshold <= 1)) throw new TestMeshError('threshold must be a number from 0 to 1');
      const end = dayRange(undefined, text(query, 'end_date'), 1);
      const flowId = text(query, 'flow_id');
      if (flowId !== undefined) {
        // One flow: its score for each of the last `limit` days.
        const window = dayRange(undefined, end.end_date, days + limit);
        const selected = await runs.select({ flow_id: [flowId], from: window.from, to: window.to, ...inEnvironment });
        return { flow_id: flowId, history: flakinessHistory(selected, end.end_date, days, limit, threshold) };
      }
      const window = dayRange(undefined, end.end_date, days);
      const selected = await runs.select({ from: window.from, to: window.to, ...inEnvironment });
      const all = flakiness(selected, { start_date: window.start_date, end_date: window.end_date, days }, threshold);
      const flaky = text(query, 'all') === 'true' ? all : all.filter((f) => f.is_flaky);
      return { flaky_flows: flaky.slice(offset, offset + limit), total: flaky.length, limit, offset };
    }
    case 'steps': {
      const range = dayRange(text(query, 'start_date'), text(query, 'end_date'), 7);
      const flowId = text(query, 'flow_id');
      const action = text(query, 'action');
      const limit = whole(query, 'limit', 20, 1, 1000);
      const dates = { start_date: range.start_date, end_date: range.end_date };
      const scope = { from: range.from, to: range.to, environment, flow_id: flowId };
      if (flowId !== undefined) return { flow_id: flowId, step_performance: await runs.steps(scope, true), ...dates };
      if (action !== undefined)
        return {
          action,
          step_performance: await runs.steps(scope, true, action),
          ...dates,
        };
      return { slowest_steps: (await runs.steps(scope, false)).slice(0, limit), ...dates };
    }
  }
}
