/** Shared test helpers: real HTTP servers on 127.0.0.1:0, flows from YAML text, event capture. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatDiagnostic } from '../../src/core/errors';
import type { ExecutionEvent } from '../../src/core/events';
import { parseFlowText } from '../../src/core/flow/load';
import type { FlowDef } from '../../src/core/flow/types';
import { runFlow } from '../../src/core/engine/executor';
import type { ExecutionResult, RunFlowOptions, StepDetail, StepResult } from '../../src/core/engine/types';

export interface TestServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

/** Parses a flow from YAML text; fails the test with the diagnostics when it is invalid. */
export function flowFrom(yaml: string, file = join(tmpdir(), 'test.flow.yaml')): FlowDef {
  const { flow, diagnostics } = parseFlowText(yaml, file);
  if (!flow) throw new Error(`invalid test flow:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  return flow;
}

export function tempDir(prefix = 'testmesh-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes files (relative path -> content) under a new temp folder and returns it. */
export function tempWorkspace(files: Record<string, string>): string {
  const root = tempDir();
  for (const [rel, content] of Object.entries(files)) {
    const full = join(root, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return root;
}

export function recorder(): { events: ExecutionEvent[]; onEvent: (e: ExecutionEvent) => void; types(): string[] } {
  const events: ExecutionEvent[] = [];
  return {
    events,
    onEvent: (e) => events.push(e),
    types: () => events.map((e) => `${e.type}${'step_id' in e.data && e.data.step_id ? `:${e.data.step_id}` : ''}`),
  };
}

/** Polls a condition until it holds (no fixed sleeps). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A flow run with everything it reported: events, request/response details, each step's result. */
export interface RecordedRun {
  result: ExecutionResult;
  events: ExecutionEvent[];
  details: StepDetail[];
  results: Map<string, Record<string, unknown>>;
}

export async function runRecorded(
  yaml: string,
  variables: Record<string, unknown>,
  options: RunFlowOptions = {},
  file?: string,
): Promise<RecordedRun> {
  const events: ExecutionEvent[] = [];
  const details: StepDetail[] = [];
  const results = new Map<string, Record<string, unknown>>();
  const result = await runFlow(flowFrom(yaml, file), {
    variables,
    ...options,
    onEvent: (e) => events.push(e),
    onStepDetail: (d) => {
      details.push(d);
      if (d.result !== undefined) results.set(d.step_id, d.result as Record<string, unknown>);
    },
  });
  return { result, events, details, results };
}

/** The result of one step of a recorded run; fails the test when the step is missing. */
export function stepOf(run: RecordedRun, id: string): StepResult {
  const found = run.result.steps.find((s) => s.step_id === id);
  if (!found) throw new Error(`no step ${id} in ${JSON.stringify(run.result.steps)}`);
  return found;
}
