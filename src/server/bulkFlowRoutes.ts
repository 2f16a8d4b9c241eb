/**
 * `POST /api/v1/bulk/flows/{tags/add,tags/remove,move,duplicate,delete,find-replace}` in
 * TestMesh's names, each taking `"preview": true` to answer every change without applying it, and
 * `POST /api/v1/bulk/flows/undo` (`GET` says what it would take back). The work is in
 * core/bulkFlows.ts; errors of the whole request are 400, a changed file on undo is 409.
 */
import {
  BULK_FLOW_OPERATIONS,
  bulkFlows,
  lastBulkFlowChange,
  NothingToUndoError,
  parseBulkFlowRequest,
  undoBulkFlows,
  UndoConflictError,
  type BulkFlowOperation,
} from '../core/bulkFlows';
import { HttpError, readJson, sendJson } from './http';
import { isPlainObject, type Route } from './routeTypes';

export const bulkFlowRoutes: Route[] = [
  {
    pattern: /^\/api\/v1\/bulk\/flows\/undo$/,
    names: [],
    methods: {
      GET: async (ctx, _req, res) => sendJson(res, 200, { last: (await lastBulkFlowChange(ctx.workspace)) ?? null }),
      POST: async (ctx, req, res) => {
        const body = await readJson(req);
        const preview = isPlainObject(body) && body.preview === true;
        try {
          sendJson(res, 200, await undoBulkFlows(ctx.workspace, preview));
        } catch (err) {
          if (err instanceof UndoConflictError) throw new HttpError(409, err.message, { conflicts: err.conflicts });
          if (err instanceof NothingToUndoError) throw new HttpError(409, err.message);
          throw err;
        }
      },
    },
  },
  {
    pattern: new RegExp(`^/api/v1/bulk/flows/(${BULK_FLOW_OPERATIONS.map((o) => o.replace('/', '\\/')).join('|')})$`),
    names: ['operation'],
    methods: {
      POST: async (ctx, req, res, { operation }) => {
        const body = await readJson(req);
        if (!isPlainObject(body)) throw new HttpError(400, 'expected a JSON object with "flow_ids"');
        const op = operation as BulkFlowOperation;
        sendJson(res, 200, await bulkFlows(ctx.workspace, op, parseBulkFlowRequest(op, body)));
      },
    },
  },
];
