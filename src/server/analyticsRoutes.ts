/**
 * `GET /api/v1/analytics/{metrics,flakiness,trends,steps}` with TestMesh's parameters and answer
 * shapes, computed from the long history (core/analytics).
 */
import {
  DEFAULT_FLAKY_THRESHOLD,
  flakiness,
  flakinessHistory,
  metrics,
  slowestSteps,
  stepPerformanceByDay,
  trends,
  type TrendGrouping,
} from '../core/analytics/analytics';
import { dayRange } from '../core/analytics/range';
import type { RunFilter } from '../core/history/runFilter';
import { HttpError, sendJson } from './http';
import { nonNegativeInteger, type ApiContext, type Route } from './routeTypes';

function text(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null || value === '' ? undefined : value;
}

function positive(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const value = nonNegativeInteger(query, name) ?? fallback;
  if (value < 1 || value > max) throw new HttpError(400, `${name} must be between 1 and ${max}`);
  return value;
}

function runsIn(ctx: ApiContext, filter: RunFilter) {
  return ctx.manager.store.runs.select(filter);
}

export const analyticsRoutes: Route[] = [
  {
    pattern: /^\/api\/v1\/analytics\/metrics$/,
    names: [],
    methods: {
      GET: async (ctx, _req, res, _params, query) => {
        const range = dayRange(text(query, 'start_date'), text(query, 'end_date'), 30);
        const environment = text(query, 'environment');
        const runs = await runsIn(ctx, {
          from: range.from,
          to: range.to,
          ...(environment !== undefined ? { environment: [environment] } : {}),
        });
        sendJson(res, 200, metrics(runs, range));
      },
    },
  },
  {
    pattern: /^\/api\/v1\/analytics\/trends$/,
    names: [],
    methods: {
      GET: async (ctx, _req, res, _params, query) => {
        const range = dayRange(text(query, 'start_date'), text(query, 'end_date'), 30);
        const group = text(query, 'group_by') ?? 'day';
        if (!['day', 'week', 'month'].includes(group))
          throw new HttpError(400, `group_by must be day, week or month, got ${JSON.stringify(group)}`);
        const environment = text(query, 'environment');
        const runs = await runsIn(ctx, {
          from: range.from,
          to: range.to,
          ...(environment !== undefined ? { environment: [environment] } : {}),
        });
        sendJson(res, 200, trends(runs, range, group as TrendGrouping));
      },
    },
  },
  {
    pattern: /^\/api\/v1\/analytics\/flakiness$/,
    names: [],
    methods: {
      GET: async (ctx, _req, res, _params, query) => {
        const days = positive(query, 'window_days', 7, 366);
        const limit = positive(query, 'limit', 20, 1000);
        const offset = nonNegativeInteger(query, 'offset') ?? 0;
        const thresholdText = text(query, 'threshold');
        const threshold = thresholdText === undefined ? DEFAULT_FLAKY_THRESHOLD : Number(thresholdText);
        if (!(threshold >= 0 && threshold <= 1)) throw new HttpError(400, 'threshold must be a number from 0 to 1');
        const end = dayRange(undefined, text(query, 'end_date'), 1);
        const flowId = text(query, 'flow_id');
        if (flowId !== undefined) {
          // One flow: its score for each of the last `limit` days.
          const window = dayRange(undefined, end.end_date, days + limit);
          const runs = await runsIn(ctx, { flow_id: [flowId], from: window.from, to: window.to });
          const history = flakinessHistory(runs, end.end_date, days, limit, threshold);
          return sendJson(res, 200, { flow_id: flowId, history });
        }
        const window = dayRange(undefined, end.end_date, days);
        const runs = await runsIn(ctx, { from: window.from, to: window.to });
        const all = flakiness(runs, { start_date: window.start_date, end_date: window.end_date, days }, threshold);
        const flaky = text(query, 'all') === 'true' ? all : all.filter((f) => f.is_flaky);
        sendJson(res, 200, { flaky_flows: flaky.slice(offset, offset + limit), total: flaky.length, limit, offset });
      },
    },
  },
  {
    pattern: /^\/api\/v1\/analytics\/steps$/,
    names: [],
    methods: {
      GET: async (ctx, _req, res, _params, query) => {
        const range = dayRange(text(query, 'start_date'), text(query, 'end_date'), 7);
        const flowId = text(query, 'flow_id');
        const action = text(query, 'action');
        const dates = { start_date: range.start_date, end_date: range.end_date };
        const runs = await runsIn(ctx, {
          from: range.from,
          to: range.to,
          ...(flowId !== undefined ? { flow_id: [flowId] } : {}),
        });
        if (flowId !== undefined)
          return sendJson(res, 200, { flow_id: flowId, step_performance: stepPerformanceByDay(runs), ...dates });
        if (action !== undefined) {
          const perf = stepPerformanceByDay(runs).filter((p) => p.action === action);
          return sendJson(res, 200, { action, step_performance: perf, ...dates });
        }
        const limit = positive(query, 'limit', 20, 1000);
        sendJson(res, 200, { slowest_steps: slowestSteps(runs, limit), ...dates });
      },
    },
  },
];
