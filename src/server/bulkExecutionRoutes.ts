/**
 * `POST /api/v1/executions/bulk/{rerun,cancel,delete}`: with `{"ids": [...]}` or `{"filter":
 * {...}}` (the filter names of `GET /api/v1/executions`), answering per id what happened
 * (core/bulkExecutions.ts).
 */
import { bulkExecutions, type BulkExecutionAction } from '../core/bulkExecutions';
import { readJson, sendJson } from './http';
import type { Route } from './routeTypes';
import { triggerOf } from './trigger';

export const bulkExecutionRoutes: Route[] = [
  {
    pattern: /^\/api\/v1\/executions\/bulk\/(rerun|cancel|delete)$/,
    names: ['action'],
    methods: {
      POST: async (ctx, req, res, { action }) => {
        const body = await readJson(req);
        const trigger = triggerOf(req, ctx.port);
        sendJson(res, 200, await bulkExecutions(ctx.manager, action as BulkExecutionAction, body, trigger));
      },
    },
  },
];
