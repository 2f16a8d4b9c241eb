/**
 * TestMesh's REST routes (`/api/v1/…`, the local API of the web UI and other tools) over the workspace's flow files and the
 * execution manager. Callers have already checked Host, Origin and token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TestMeshError } from '../core/errors';
import { recordedRequestToCurl } from '../core/export/curl';
import { parseRunFilter } from '../core/history/runFilter';
import {
  deleteWorkspaceFlow,
  FlowFileError,
  flowIdFromName,
  listWorkspaceFlows,
  readWorkspaceFlow,
  writeWorkspaceFlow,
  type WriteMode,
} from '../core/workspaceFlows';
import { DEFAULT_MAX_BYTES, parseFlowText } from '../core/flow/load';
import { analyticsRoutes } from './analyticsRoutes';
import { bulkExecutionRoutes } from './bulkExecutionRoutes';
import { bulkFlowRoutes } from './bulkFlowRoutes';
import { decodeSegment, HttpError, isJsonRequest, readBody, readJson, sendError, sendJson } from './http';
import { isPlainObject, nonNegativeInteger, type ApiContext, type Params, type Route } from './routeTypes';
import { triggerOf } from './trigger';

export type { ApiContext };

const FLOW_KIND_STATUS: Record<FlowFileError['kind'], number> = {
  invalid_id: 400,
  forbidden: 403,
  not_found: 404,
  exists: 409,
  invalid_flow: 400,
};

/**
 * A flow body: YAML text, or JSON `{"content": "<yaml>", "id"?: "<path>"}`. As large as the loader
 * accepts a flow (JSON escaping may double it); other request bodies keep the 1 MiB limit.
 */
async function flowBody(req: IncomingMessage): Promise<{ content: string; id?: unknown }> {
  if (!isJsonRequest(req)) return { content: await readBody(req, DEFAULT_MAX_BYTES) };
  const body = await readJson(req, 2 * DEFAULT_MAX_BYTES);
  if (!isPlainObject(body) || typeof body.content !== 'string')
    throw new HttpError(400, 'expected YAML text, or JSON {"content": "<flow YAML>"}');
  return { content: body.content, id: body.id ?? body.path };
}

async function writeFlow(
  ctx: ApiContext,
  res: ServerResponse,
  id: unknown,
  content: string,
  mode: WriteMode,
): Promise<void> {
  const { created, flow } = await writeWorkspaceFlow(ctx.workspace, id, content, mode);
  sendJson(res, created ? 201 : 200, flow, created ? { location: `/api/v1/flows/${encodeURIComponent(flow.id)}` } : {});
}

async function requireExecution(ctx: ApiContext, id: string) {
  const summary = await ctx.manager.find(id);
  if (!summary) throw new HttpError(404, `no execution ${JSON.stringify(id)}`);
  return summary;
}

const routes: Route[] = [
  // First: `/executions/bulk/cancel` would otherwise read as the cancel of an execution "bulk".
  ...bulkExecutionRoutes,
  ...analyticsRoutes,
  ...bulkFlowRoutes,
  {
    pattern: /^\/api\/v1\/flows$/,
    names: [],
    methods: {
      GET: async (ctx, _req, res) => {
        const flows = await listWorkspaceFlows(ctx.workspace);
        sendJson(res, 200, { flows, total: flows.length });
      },
      POST: async (ctx, req, res, _params, query) => {
        const { content, id } = await flowBody(req);
        let target = id ?? query.get('id') ?? undefined;
        if (target === undefined) {
          // No id given: name the file after the flow (validation errors surface in the write).
          const name = parseFlowText(content, 'new.flow.yaml').flow?.name;
          target = flowIdFromName(name ?? 'flow');
        }
        await writeFlow(ctx, res, target, content, 'create');
      },
    },
  },
  {
    pattern: /^\/api\/v1\/flows\/(.+)$/,
    names: ['id'],
    methods: {
      GET: async (ctx, _req, res, { id }) => sendJson(res, 200, await readWorkspaceFlow(ctx.workspace, id)),
      PUT: async (ctx, req, res, { id }) => {
        const { content } = await flowBody(req);
        await writeFlow(ctx, res, id, content, 'upsert');
      },
      DELETE: async (ctx, _req, res, { id }) => {
        await deleteWorkspaceFlow(ctx.workspace, id);
        sendJson(res, 204, undefined);
      },
    },
  },
  {
    pattern: /^\/api\/v1\/executions$/,
    names: [],
    methods: {
      GET: async (ctx, _req, res, _params, query) => {
        const page = await ctx.manager.search({
          ...parseRunFilter(query),
          limit: nonNegativeInteger(query, 'limit'),
          offset: nonNegativeInteger(query, 'offset'),
        });
        sendJson(res, 200, page);
      },
      POST: async (ctx, req, res) => {
        const body = await readJson(req);
        if (!isPlainObject(body))
          throw new HttpError(400, 'expected JSON {"flow_id": "<path>", "environment"?, "variables"?}');
        if (typeof body.flow_id !== 'string' || !body.flow_id)
          throw new HttpError(400, 'flow_id is required: the workspace-relative path of a flow file');
        const summary = await ctx.manager.start({
          flow_id: body.flow_id,
          environment: body.environment as string | Record<string, string> | undefined,
          variables: body.variables as Record<string, unknown> | undefined,
          only_step: body.only_step as string | undefined,
          timeout_ms: body.timeout_ms as number | undefined,
          trigger: triggerOf(req, ctx.port),
        });
        sendJson(res, 201, summary, { location: `/api/v1/executions/${summary.id}` });
      },
    },
  },
  {
    pattern: /^\/api\/v1\/executions\/([^/]+)$/,
    names: ['id'],
    methods: { GET: async (ctx, _req, res, { id }) => sendJson(res, 200, await requireExecution(ctx, id)) },
  },
  {
    pattern: /^\/api\/v1\/executions\/([^/]+)\/cancel$/,
    names: ['id'],
    methods: {
      POST: async (ctx, _req, res, { id }) => {
        await requireExecution(ctx, id);
        if (!ctx.manager.isRunning(id)) throw new HttpError(409, `execution ${id} has already finished`);
        sendJson(res, 200, ctx.manager.cancel(id));
      },
    },
  },
  {
    pattern: /^\/api\/v1\/executions\/([^/]+)\/logs$/,
    names: ['id'],
    methods: {
      GET: async (ctx, _req, res, { id }) => {
        await requireExecution(ctx, id);
        sendJson(res, 200, { logs: (await ctx.manager.logs(id)) ?? [] });
      },
    },
  },
  {
    pattern: /^\/api\/v1\/executions\/([^/]+)\/steps$/,
    names: ['id'],
    methods: {
      GET: async (ctx, _req, res, { id }) => {
        await requireExecution(ctx, id);
        sendJson(res, 200, { steps: (await ctx.manager.steps(id)) ?? [] });
      },
    },
  },
  {
    // The request an attempt sent, as one curl command (the web UI's Copy as curl). Step ids can
    // hold `/` (sub-flow steps), so the id is the rest of the path.
    pattern: /^\/api\/v1\/executions\/([^/]+)\/curl\/(.+)$/,
    names: ['id', 'stepId'],
    methods: {
      GET: async (ctx, _req, res, { id, stepId }, query) => {
        await requireExecution(ctx, id);
        const attempts = (await ctx.manager.stepDetail(id, stepId)) ?? [];
        const wanted = nonNegativeInteger(query, 'attempt');
        const sent = attempts.filter((a) => a.request && (wanted === undefined || a.attempt === wanted)).at(-1);
        if (!sent?.request)
          throw new HttpError(
            404,
            `step ${JSON.stringify(stepId)} of execution ${id} sent no HTTP request${wanted === undefined ? '' : ` in attempt ${wanted}`}`,
          );
        // History holds the request with the run's secrets already masked; secret headers are masked here.
        sendJson(res, 200, { step_id: stepId, attempt: sent.attempt, curl: recordedRequestToCurl(sent.request) });
      },
    },
  },
  {
    pattern: /^\/api\/v1\/executions\/([^/]+)\/steps\/(.+)$/,
    names: ['id', 'stepId'],
    methods: {
      GET: async (ctx, _req, res, { id, stepId }) => {
        await requireExecution(ctx, id);
        const step = (await ctx.manager.steps(id))?.find((s) => s.step_id === stepId);
        const attempts = (await ctx.manager.stepDetail(id, stepId)) ?? [];
        if (!step && attempts.length === 0)
          throw new HttpError(404, `no step ${JSON.stringify(stepId)} in execution ${id}`);
        sendJson(res, 200, { step_id: stepId, step, attempts });
      },
    },
  },
  {
    pattern: /^\/api\/v1\/executions\/([^/]+)\/events$/,
    names: ['id'],
    methods: {
      GET: async (ctx, _req, res, { id }, query) => {
        const summary = await requireExecution(ctx, id);
        const events = (await ctx.manager.eventsSince(id, nonNegativeInteger(query, 'since') ?? 0)) ?? [];
        const current = ctx.manager.get(id) ?? summary;
        sendJson(res, 200, { events, last_seq: current.last_seq, status: current.status });
      },
    },
  },
];

/** Answers one API request; every failure becomes `{"error": "..."}` with a fitting status. */
export async function handleApi(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  headers: Record<string, string>,
): Promise<void> {
  try {
    for (const route of routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const handler = route.methods[req.method ?? 'GET'];
      if (!handler) {
        const allow = Object.keys(route.methods).join(', ');
        throw new HttpError(405, `method ${req.method} not allowed here (allowed: ${allow})`, {}, { allow });
      }
      const params: Params = {};
      route.names.forEach((name, i) => (params[name] = decodeSegment(match[i + 1])));
      await handler(ctx, req, wrapHeaders(res, headers), params, query);
      return;
    }
    throw new HttpError(404, `no route ${req.method} ${path}`);
  } catch (err) {
    replyWithError(res, err, headers);
  }
}

/** Adds the caller's extra headers (CORS) to every reply of a handler. */
function wrapHeaders(res: ServerResponse, headers: Record<string, string>): ServerResponse {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  return res;
}

function replyWithError(res: ServerResponse, err: unknown, headers: Record<string, string>): void {
  if (err instanceof HttpError)
    return sendError(res, err.status, err.message, err.extra, { ...headers, ...err.headers });
  if (err instanceof FlowFileError) {
    return sendError(
      res,
      FLOW_KIND_STATUS[err.kind],
      err.message,
      err.kind === 'invalid_flow' ? { diagnostics: err.diagnostics } : {},
      headers,
    );
  }
  if (err instanceof TestMeshError) return sendError(res, 400, err.message, {}, headers);
  // Node's errors name absolute paths (ENAMETOOLONG, EACCES): the reply says what kind it was, the path stays here.
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  sendError(
    res,
    500,
    `internal error${code ? ` (${code})` : err instanceof Error ? ` (${err.name})` : ''}`,
    {},
    headers,
  );
}
