/**
 * `GET /api/v1/analytics/{metrics,flakiness,trends,steps}` with TestMesh's parameters and answer
 * shapes, computed from the long history (core/analytics/answer.ts).
 */
import { answerAnalytics, type AnalyticsKind } from '../core/analytics/answer';
import { sendJson } from './http';
import type { Route } from './routeTypes';

export const analyticsRoutes: Route[] = [
  {
    pattern: /^\/api\/v1\/analytics\/(metrics|trends|flakiness|steps)$/,
    names: ['kind'],
    methods: {
      GET: async (ctx, _req, res, { kind }, query) =>
        sendJson(res, 200, await answerAnalytics(ctx.manager.store.runs, kind as AnalyticsKind, query)),
    },
  },
];
