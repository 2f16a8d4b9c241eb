/**
 * `POST /api/v1/executions/bulk/{rerun,cancel,delete}`: with `{"ids": [...]}` or `{"filter":
 * {...}}` (the filter names of `GET /api/v1/executions`), answering per id what happened.
 */
import type { IncomingMessage } from 'node:http';
import { errorMessage } from '../core/errors';
import { MAX_PAGE, parseRunFilter } from '../core/history/runFilter';
import { HttpError, readJson, sendJson } from './http';
import { isPlainObject, type ApiContext, type Route } from './routeTypes';
import { triggerOf } from './trigger';

export interface BulkItem {
  id: string;
  status: string;
  /** The new execution of a re-run. */
  execution_id?: string;
  error?: string;
}

const OK_STATUSES = new Set(['started', 'cancelled', 'deleted']);

/** The ids a bulk request names: given, or every execution its filter finds (at most 1000). */
async function targetIds(ctx: ApiContext, req: IncomingMessage): Promise<string[]> {
  const body = await readJson(req);
  if (!isPlainObject(body) || (body.ids === undefined) === (body.filter === undefined))
    throw new HttpError(400, 'expected JSON {"ids": ["<execution id>", ...]} or {"filter": {...}}');
  if (body.ids !== undefined) {
    if (!Array.isArray(body.ids) || !body.ids.every((id) => typeof id === 'string' && id.length > 0))
      throw new HttpError(400, 'ids must be a list of execution ids');
    if (body.ids.length > MAX_PAGE) throw new HttpError(400, `at most ${MAX_PAGE} ids at once`);
    return [...new Set(body.ids as string[])];
  }
  const filter = parseRunFilter(body.filter as Record<string, unknown>);
  const page = await ctx.manager.search({ ...filter, limit: MAX_PAGE });
  return page.executions.map((e) => e.id);
}

function answer(items: BulkItem[]) {
  const succeeded = items.filter((i) => OK_STATUSES.has(i.status)).length;
  return { results: items, total: items.length, succeeded, failed: items.length - succeeded };
}

export const bulkExecutionRoutes: Route[] = [
  {
    pattern: /^\/api\/v1\/executions\/bulk\/rerun$/,
    names: [],
    methods: {
      POST: async (ctx, req, res) => {
        const items: BulkItem[] = [];
        for (const id of await targetIds(ctx, req)) {
          try {
            const started = await ctx.manager.rerun(id, triggerOf(req, ctx.port));
            items.push(started ? { id, status: 'started', execution_id: started.id } : { id, status: 'not_found' });
          } catch (err) {
            items.push({ id, status: 'error', error: errorMessage(err) });
          }
        }
        sendJson(res, 200, answer(items));
      },
    },
  },
  {
    pattern: /^\/api\/v1\/executions\/bulk\/cancel$/,
    names: [],
    methods: {
      POST: async (ctx, req, res) => {
        const items: BulkItem[] = [];
        for (const id of await targetIds(ctx, req)) {
          if (ctx.manager.isRunning(id)) {
            ctx.manager.cancel(id);
            items.push({ id, status: 'cancelled' });
          } else items.push({ id, status: (await ctx.manager.find(id)) ? 'not_running' : 'not_found' });
        }
        sendJson(res, 200, answer(items));
      },
    },
  },
  {
    pattern: /^\/api\/v1\/executions\/bulk\/delete$/,
    names: [],
    methods: {
      POST: async (ctx, req, res) => {
        sendJson(res, 200, answer(await ctx.manager.delete(await targetIds(ctx, req))));
      },
    },
  },
];
