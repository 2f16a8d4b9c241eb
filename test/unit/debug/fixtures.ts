/** A flow workspace and a real HTTP API for the debugger's protocol tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { json, readBody, startServer, tempWorkspace, type TestServer } from '../helpers';
import type { DapClient } from './dapClient';

export const MAIN_FLOW = `flow:
  name: debug demo
  env:
    BASE: "{{base_url}}"
  setup:
    - id: prepare
      name: prepare
      action: log
      config: { message: "setting up for {{user_name}}" }
  steps:
    - id: create
      name: create user
      action: http_request
      config:
        method: POST
        url: "{{BASE}}/users"
        body: { name: "{{user_name}}" }
      output:
        user_id: $.body.id
    - id: loop
      name: each item
      action: for_each
      config:
        items: [1, 2, 3]
        steps:
          - id: visit
            name: visit item
            action: http_request
            config:
              url: "{{BASE}}/items/{{item}}"
            assert:
              - status == 200
    - id: check
      name: check user
      action: http_request
      config:
        url: "{{BASE}}/users/{{user_id}}"
      assert:
        - status == 200
        - body.name == "{{user_name}}"
    - id: sub
      name: call sub-flow
      action: run_flow
      config:
        flow: sub.flow.yaml
        input: { who: "{{user_name}}" }
  teardown:
    - id: cleanup
      name: cleanup
      action: http_request
      config: { method: DELETE, url: "{{BASE}}/users/{{user_id}}" }
`;

export const SUB_FLOW = `flow:
  name: greeter
  steps:
    - id: greet
      name: greet
      action: log
      config: { message: "hello {{who}}" }
      output: { greeting: $.message }
`;

export const FAILING_FLOW = `flow:
  name: failing
  steps:
    - id: wrong
      name: wrong status
      action: http_request
      config: { url: "{{base_url}}/items/1" }
      assert:
        - status == 201
    - id: after
      name: after
      action: log
      config: { message: never }
  teardown:
    - id: cleanup
      name: cleanup
      action: http_request
      config: { method: DELETE, url: "{{base_url}}/users/1" }
`;

export const SLOW_FLOW = `flow:
  name: slow
  steps:
    - id: first
      name: first
      action: log
      config: { message: first }
    - id: hang
      name: hang
      action: http_request
      config: { url: "{{base_url}}/slow" }
  teardown:
    - id: cleanup
      name: cleanup
      action: http_request
      config: { method: DELETE, url: "{{base_url}}/users/7" }
`;

export interface DebugApi extends TestServer {
  /** What the API saw: names posted, paths deleted (teardown), /slow requests started and aborted. */
  state: { names: string[]; deleted: string[]; slowAborted: number; slowStarted: number };
}

export async function startDebugApi(): Promise<DebugApi> {
  const state = { names: [] as string[], deleted: [] as string[], slowAborted: 0, slowStarted: 0 };
  const server = await startServer((req, res) => {
    void (async () => {
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'POST' && url.pathname === '/users') {
        const body = JSON.parse((await readBody(req)) || '{}') as { name?: string };
        state.names.push(String(body.name));
        return json(res, 201, { id: 42, name: body.name });
      }
      if (req.method === 'DELETE') {
        state.deleted.push(url.pathname);
        return json(res, 200, { deleted: true });
      }
      if (url.pathname.startsWith('/users/'))
        return json(res, 200, { id: 42, name: state.names[state.names.length - 1] });
      if (url.pathname.startsWith('/items/')) return json(res, 200, { item: Number(url.pathname.split('/')[2]) });
      if (url.pathname === '/slow') {
        state.slowStarted++;
        req.socket.on('close', () => state.slowAborted++);
        return; // never answers: only a cancel ends it
      }
      json(res, 404, {});
    })();
  });
  return { ...server, close: server.close, state };
}

export function debugWorkspace(): { root: string; main: string; sub: string; failing: string; slow: string } {
  const root = tempWorkspace({
    'main.flow.yaml': MAIN_FLOW,
    'sub.flow.yaml': SUB_FLOW,
    'failing.flow.yaml': FAILING_FLOW,
    'slow.flow.yaml': SLOW_FLOW,
  });
  return {
    root,
    main: join(root, 'main.flow.yaml'),
    sub: join(root, 'sub.flow.yaml'),
    failing: join(root, 'failing.flow.yaml'),
    slow: join(root, 'slow.flow.yaml'),
  };
}

/** 1-based line of the first line of a file containing `needle`. */
export function lineOf(file: string, needle: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`no '${needle}' in ${file}`);
  return index + 1;
}

/** initialize → launch, with breakpoints and filters set before configurationDone, as VS Code does. */
export async function startSession(
  client: DapClient,
  launch: Record<string, unknown>,
  breakpoints: Array<{ file: string; breakpoints: DebugProtocol.SourceBreakpoint[] }> = [],
  filters: string[] = [],
): Promise<{ launched: Promise<DebugProtocol.Response>; verified: DebugProtocol.Breakpoint[][] }> {
  const initialized = client.waitForEvent('initialized');
  await client.request('initialize', {
    adapterID: 'testmesh',
    linesStartAt1: true,
    columnsStartAt1: true,
    pathFormat: 'path',
  });
  const launched = client.send('launch', launch);
  await initialized;
  const verified: DebugProtocol.Breakpoint[][] = [];
  for (const set of breakpoints) {
    const response = await client.request<DebugProtocol.SetBreakpointsResponse>('setBreakpoints', {
      source: { path: set.file },
      breakpoints: set.breakpoints,
    });
    verified.push(response.body.breakpoints);
  }
  await client.request('setExceptionBreakpoints', { filters });
  await client.request('configurationDone');
  return { launched, verified };
}

export async function topFrame(client: DapClient): Promise<DebugProtocol.StackFrame[]> {
  const trace = await client.request<DebugProtocol.StackTraceResponse>('stackTrace', { threadId: 1 });
  return trace.body.stackFrames;
}

export async function scopeVariables(
  client: DapClient,
  frameId: number,
): Promise<Record<string, DebugProtocol.Variable[]>> {
  const scopes = await client.request<DebugProtocol.ScopesResponse>('scopes', { frameId });
  const out: Record<string, DebugProtocol.Variable[]> = {};
  for (const scope of scopes.body.scopes) {
    const vars = await client.request<DebugProtocol.VariablesResponse>('variables', {
      variablesReference: scope.variablesReference,
    });
    out[scope.name] = vars.body.variables;
  }
  return out;
}
