/**
 * The local server: REST API, WebSocket hub and the web UI on one node:http server, bound to
 * the loopback interface only. Every /api and /ws request needs the token; every request needs
 * a loopback Host header.
 */
import { chmod, mkdir, open, readFile, realpath, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import { TestMeshError } from '../core/errors';
import type { RunLimits } from '../core/engine/runLimits';
import { ExecutionManager } from '../core/executions';
import { HistoryStore, type HistoryStoreOptions } from '../core/history/store';
import {
  bearerToken,
  checkHost,
  checkOrigin,
  checkToken,
  corsHeaders,
  generateToken,
  webSocketToken,
  type AccessPolicy,
} from './auth';
import { decodeSegment, HttpError, refuseUpgrade, sendError, sendJson, splitUrl } from './http';
import { Hub, type HubOptions } from './hub';
import { handleApi } from './routes';
import { defaultStaticDir, serveStatic } from './static';

export interface ServerOptions {
  /** Workspace folder: flows are its files, ids are relative to it. */
  workspace: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only: '127.0.0.1' (default) or '::1'. */
  host?: string;
  /** Default: 32 random bytes, base64url. */
  token?: string;
  /** Write the token to this file (mode 0600); removed again by close(). */
  tokenFile?: string;
  /** History folder (ignored when `manager` is given). Default: in memory only. */
  historyDir?: string;
  history?: HistoryStoreOptions;
  /** Use this manager (e.g. the extension's); close() then leaves it running. */
  manager?: ExecutionManager;
  /** Default environment and secrets of runs (ignored when `manager` is given). */
  environment?: Record<string, string>;
  secrets?: string[];
  /** Files or folders outside the workspace that flows may read (ignored when `manager` is given). */
  allowOutside?: string[];
  /** Bounds of every run (ignored when `manager` is given). */
  limits?: Partial<RunLimits>;
  /** Origins allowed to call the API from a browser (CORS). Default: none. */
  corsOrigins?: string[];
  /** Folder of the web UI. Default: `media/` of this package. */
  staticDir?: string;
  hub?: HubOptions;
}

export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  token: string;
  tokenFile?: string;
  manager: ExecutionManager;
  hub: Hub;
  /** Stops listening, closes WebSockets; an own manager cancels its runs and flushes history. */
  close(): Promise<void>;
}

const ALLOWED_HOSTS = new Set(['127.0.0.1', '::1']);

async function writeTokenFile(file: string, token: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Open with 0600, and chmod too: an existing file keeps its old mode on open.
  const handle = await open(file, 'w', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(`${token}\n`, 'utf8');
  } finally {
    await handle.close();
  }
  await chmod(file, 0o600);
}

/** Another server may have written its own token there since: that one stays. */
async function removeTokenFileIfOurs(file: string, token: string): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current !== undefined && current.trim() === token) await unlink(file).catch(() => undefined);
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!ALLOWED_HOSTS.has(host))
    throw new TestMeshError(`the server listens on the loopback interface only (127.0.0.1 or ::1), not ${host}`);
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length < 16))
    throw new TestMeshError('a server token must be at least 16 characters');
  let workspace: string;
  try {
    workspace = await realpath(options.workspace);
  } catch {
    throw new TestMeshError(`the workspace folder ${options.workspace} does not exist`);
  }

  const ownsManager = options.manager === undefined;
  const manager =
    options.manager ??
    new ExecutionManager({
      workspace,
      store: options.historyDir
        ? await HistoryStore.open(options.historyDir, {
            holder: 'testmesh serve',
            staleFiles: options.tokenFile ? [options.tokenFile] : [],
            ...options.history,
          })
        : HistoryStore.memory(options.history),
      environment: options.environment,
      secrets: options.secrets,
      allowOutside: options.allowOutside,
      limits: options.limits,
    });
  const token = options.token ?? generateToken();
  const policy: AccessPolicy = { token, port: 0, corsOrigins: new Set(options.corsOrigins ?? []) };
  const staticDir = options.staticDir ?? defaultStaticDir();
  const hub = new Hub(manager, options.hub);

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = splitUrl(req.url);
    if (!url) return sendError(res, 400, 'bad request target');
    const refusedHost = checkHost(req, policy);
    if (refusedHost) return sendError(res, refusedHost.status, refusedHost.error);
    const { path, query } = url;
    if (path === '/health') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'use GET', {}, { allow: 'GET' });
      return sendJson(res, 200, { status: 'ok' });
    }
    if (path === '/api' || path.startsWith('/api/')) {
      const refusedOrigin = checkOrigin(req, policy, 'api');
      if (refusedOrigin) return sendError(res, refusedOrigin.status, refusedOrigin.error);
      const cors = corsHeaders(req, policy);
      // A CORS preflight carries no credentials; it only learns what the real request may do.
      if (req.method === 'OPTIONS' && Object.keys(cors).length) return sendJson(res, 204, undefined, cors);
      const refusedToken = checkToken(bearerToken(req), policy);
      if (refusedToken)
        return sendError(res, refusedToken.status, refusedToken.error, {}, { ...cors, 'www-authenticate': 'Bearer' });
      return void handleApi({ workspace, manager, port: policy.port }, req, res, path, query, cors);
    }
    if (path === '/ws' || path.startsWith('/ws/'))
      return sendError(res, 426, 'this endpoint speaks WebSocket', {}, { upgrade: 'websocket' });
    return void serveStatic(staticDir, req, res, path, policy.port);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const url = splitUrl(req.url);
      if (!url) throw new HttpError(400, 'bad request target');
      const refused =
        checkHost(req, policy) ?? checkOrigin(req, policy, 'ws') ?? checkToken(webSocketToken(req, url.query), policy);
      if (refused) throw new HttpError(refused.status, refused.error);
      const match = /^\/ws\/executions(?:\/([^/]+))?$/.exec(url.path);
      if (!match) throw new HttpError(404, `no WebSocket endpoint ${url.path}`);
      const executionId = match[1] === undefined ? undefined : decodeSegment(match[1]);
      if (executionId !== undefined && !manager.get(executionId))
        throw new HttpError(404, `no execution ${JSON.stringify(executionId)}`);
      const sinceText = url.query.get('since');
      if (sinceText !== null && sinceText !== '' && !/^\d{1,9}$/.test(sinceText))
        throw new HttpError(400, `since must be a whole number >= 0, got ${JSON.stringify(sinceText)}`);
      const batch = ['1', 'true'].includes(url.query.get('batch') ?? '');
      hub.handleUpgrade(req, socket, head, { executionId, since: Number(sinceText || 0), batch });
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      refuseUpgrade(socket, status, err instanceof Error ? err.message : 'internal error');
    }
  };

  const server = createServer({ requestTimeout: 60_000, headersTimeout: 30_000 }, onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new TestMeshError(`port ${options.port} is already in use`) : err),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  }).catch(async (err) => {
    hub.close();
    if (ownsManager) await manager.close();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  policy.port = port;

  if (options.tokenFile) await writeTokenFile(options.tokenFile, token);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      hub.close();
      server.closeIdleConnections();
      if (ownsManager) {
        await manager.close();
        await manager.store.close();
      }
      server.closeAllConnections();
      await stopped;
      if (options.tokenFile) await removeTokenFileIfOurs(options.tokenFile, token);
    })());

  const urlHost = host === '::1' ? '[::1]' : host;
  return { url: `http://${urlHost}:${port}`, port, token, tokenFile: options.tokenFile, manager, hub, close };
}
