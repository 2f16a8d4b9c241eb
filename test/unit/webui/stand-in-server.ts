/**
 * A small stand-in for src/server while it is being built: serves media/ and speaks the REST +
 * WebSocket contract the web UI uses, backed by the real engine. Test-only.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { runFlow } from '../../../src/core/engine/executor';
import type { StepDetail } from '../../../src/core/engine/types';
import type { ExecutionEvent } from '../../../src/core/events';
import { loadFlowFile } from '../../../src/core/flow/load';
import { applyEvent, emptyExecutionState, type ExecutionState } from '../../../src/core/history/fold';
import type { ExecutionSummary } from '../../../src/core/history/types';

interface Run {
  summary: ExecutionSummary;
  state: ExecutionState;
  events: ExecutionEvent[];
  details: StepDetail[];
  watchers: Set<WebSocket>;
  cancel: AbortController;
}

export interface StandInServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

export async function startStandInServer(options: { workspace: string; staticDir: string; variables?: Record<string, unknown> }): Promise<StandInServer> {
  const token = randomBytes(16).toString('hex');
  const runs = new Map<string, Run>();
  const allWatchers = new Set<WebSocket>();
  let counter = 0;

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const start = async (flowId: string, variables: Record<string, unknown>): Promise<Run> => {
    const { flow } = await loadFlowFile(path.join(options.workspace, flowId));
    if (!flow) throw new Error(`cannot load ${flowId}`);
    const id = `exec-${++counter}-${randomBytes(3).toString('hex')}`;
    const run: Run = {
      summary: { id, flow_id: flowId, flow_name: flow.name, status: 'pending', trigger: 'api', created_at: new Date().toISOString(), total_steps: 0, passed_steps: 0, failed_steps: 0, skipped_steps: 0, last_seq: 0 },
      state: emptyExecutionState(id),
      events: [],
      details: [],
      watchers: new Set(),
      cancel: new AbortController(),
    };
    runs.set(id, run);
    void runFlow(flow, {
      executionId: id,
      variables: { ...options.variables, ...variables },
      signal: run.cancel.signal,
      onStepDetail: (detail) => run.details.push(detail),
      onEvent: (event) => {
        run.events.push(event);
        applyEvent(run.state, event);
        const s = run.summary;
        s.status = run.state.status;
        s.last_seq = event.seq;
        s.started_at = run.state.started_at;
        s.finished_at = run.state.finished_at;
        s.duration_ms = run.state.duration_ms;
        if (event.type === 'execution.started') s.total_steps = event.data.total_steps;
        if (event.type === 'step.completed') s.passed_steps++;
        if (event.type === 'step.failed') s.failed_steps++;
        if (event.type === 'step.skipped') s.skipped_steps++;
        const json = JSON.stringify(event);
        for (const ws of run.watchers) ws.send(json);
        for (const ws of allWatchers) ws.send(json);
      },
    });
    return run;
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/api/')) {
      const name = url.pathname === '/' ? 'index.html' : path.basename(url.pathname);
      try {
        const body = await readFile(path.join(options.staticDir, name));
        res.writeHead(200, { 'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream', 'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:" });
        res.end(body);
      } catch {
        send(res, 404, { error: 'not found' });
      }
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'missing or wrong token' });
    const parts = url.pathname.split('/').slice(3).map(decodeURIComponent); // after /api/v1
    try {
      if (parts[0] === 'flows') return send(res, 200, { flows: [{ id: 'flows/live.flow.yaml', name: 'Live demo', file: 'flows/live.flow.yaml' }] });
      if (parts[0] !== 'executions') return send(res, 404, { error: 'no such route' });
      if (parts.length === 1 && req.method === 'POST') {
        let text = '';
        for await (const chunk of req) text += chunk;
        const body = JSON.parse(text || '{}') as { flow_id: string; variables?: Record<string, unknown> };
        return send(res, 201, (await start(body.flow_id, body.variables ?? {})).summary);
      }
      if (parts.length === 1) {
        const all = [...runs.values()].map((r) => r.summary).reverse();
        return send(res, 200, { executions: all, total: all.length });
      }
      const run = runs.get(parts[1]);
      if (!run) return send(res, 404, { error: `no execution ${parts[1]}` });
      if (parts.length === 2) return send(res, 200, run.summary);
      if (parts[2] === 'steps' && parts.length === 3) return send(res, 200, { steps: run.state.steps });
      if (parts[2] === 'steps') {
        const attempts = run.details.filter((d) => d.step_id === parts.slice(3).join('/')).map(({ execution_id: _drop, ...rest }) => rest);
        return send(res, 200, { attempts });
      }
      if (parts[2] === 'logs') return send(res, 200, { logs: run.state.logs });
      if (parts[2] === 'events') {
        const since = Number(url.searchParams.get('since') ?? 0);
        return send(res, 200, { events: run.events.filter((e) => e.seq > since) });
      }
      if (parts[2] === 'cancel') {
        run.cancel.abort();
        return send(res, 202, run.summary);
      }
      return send(res, 404, { error: 'no such route' });
    } catch (err) {
      return send(res, 500, { error: err instanceof Error ? err.message : String(err) });
    }
  });

  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => [...protocols].find((p) => p === `testmesh.token.${token}`) ?? false });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const match = /^\/ws\/executions(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match || !offered.includes(`testmesh.token.${token}`)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!match[1]) {
        allWatchers.add(ws);
        ws.on('close', () => allWatchers.delete(ws));
        return;
      }
      const run = runs.get(decodeURIComponent(match[1]));
      if (!run) return ws.close(4404, 'no such execution');
      const since = Number(url.searchParams.get('since') ?? 0);
      for (const event of run.events) if (event.seq > since) ws.send(JSON.stringify(event));
      run.watchers.add(ws);
      ws.on('close', () => run.watchers.delete(ws));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: async () => {
      for (const run of runs.values()) run.cancel.abort();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
