/** `testmesh run`: load, filter, shard and run flows, feeding reporters; returns the exit code. */
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { createFlowResolver, expandPaths, toPosix } from '../core/discovery';
import { secretValues } from '../core/secrets';
import { errorMessage, formatDiagnostic } from '../core/errors';
import { runFlow } from '../core/engine/executor';
import { fileAccessFor } from '../core/fileAccess';
import { closeSharedDispatcher } from '../core/engine/dispatcher';
import { parseFlowText } from '../core/flow/load';
import type { FlowDef } from '../core/flow/types';
import { flowReport, invalidFlowReport, summarize, type FlowReport } from '../core/report';
import type { ExecutionEvent } from '../core/events';
import type { StepAttemptDetail } from '../core/history/types';
import { capStepDetail, DEFAULT_MAX_BODY_BYTES } from '../core/history/cap';
import { locateReport } from '../core/reportLocations';
import { cannotRun, readEnvFiles } from './commandLine';
import { suiteIdentity } from './suite';
import {
  applyDefaultStepTimeout,
  PROJECT_FILE_NAME,
  projectEnvironment,
  readProjectFile,
  readProjectFileAt,
} from '../core/projectFile';
import type { RunArgs } from './args';
import { documentReporters, documentsUseStdout, needsEvents, writeDocuments } from './reporters/documents';
import { PrettyReporter, shouldColor } from './reporters/pretty';
import type { Reporter } from './reporters/types';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID = 2;

interface Loaded {
  file: string;
  display: string;
  flow?: FlowDef;
  report?: FlowReport;
}

/** Deterministic slice I of N: flows sorted by file, dealt round-robin so shards stay balanced. */
function shardOf<T extends { display: string }>(items: T[], index: number, total: number): T[] {
  return [...items]
    .sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0))
    .filter((_, i) => i % total === index - 1);
}

export async function loadFlows(files: string[], io: Io): Promise<Loaded[]> {
  return Promise.all(
    files.map(async (file): Promise<Loaded> => {
      const display = toPosix(relative(io.cwd, file)) || file;
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        const diagnostic = {
          file: display,
          range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
          severity: 'error' as const,
          message: `cannot read file: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`,
        };
        return { file, display, report: invalidFlowReport(display, display, [diagnostic]) };
      }
      const { flow, diagnostics } = parseFlowText(text, file);
      const shown = diagnostics.map((d) => ({ ...d, file: display }));
      // A flow that loads shows all it has (warnings, and errors that fail one step when it runs).
      for (const d of shown) if (d.severity === 'warning' || flow) io.stderr.write(`${formatDiagnostic(d)}\n`);
      if (!flow) return { file, display, report: invalidFlowReport(display, display, shown) };
      return { file, display, flow };
    }),
  );
}

export async function runCommand(args: RunArgs, io: Io, signal?: AbortSignal): Promise<number> {
  const started = Date.now();
  let files: string[];
  try {
    files = await expandPaths(args.paths, io.cwd);
  } catch (err) {
    return cannotRun(io, err);
  }

  const environment: Record<string, string> = {};
  // Lowest first: the .testmesh.yaml environment, then --env-file files, then --var (see the README).
  let defaultStepTimeoutMs: number | undefined;
  try {
    const project =
      args.config !== undefined ? await readProjectFileAt(resolve(io.cwd, args.config)) : await readProjectFile(io.cwd);
    // TestMesh's own CLI takes --env (default "development") and its local runner ignores it: so
    // does this one when there is no project file to take an environment from, saying so.
    if (args.env !== undefined && !project)
      io.stderr.write(
        `testmesh: --env ${args.env}: there is no ${PROJECT_FILE_NAME} in ${io.cwd} to take an environment from (run from the project folder or pass --config FILE); running without one\n`,
      );
    for (const notice of args.notices ?? []) io.stderr.write(`testmesh: ${notice}\n`);
    const name = args.env ?? project?.defaultEnvironment;
    if (project && name !== undefined) {
      for (const [k, v] of Object.entries(projectEnvironment(project, name).variables)) environment[k] = v;
    }
    defaultStepTimeoutMs = project?.defaultStepTimeoutMs;
    Object.assign(environment, await readEnvFiles(args.envFiles, io));
  } catch (err) {
    return cannotRun(io, err);
  }
  const variables = { ...args.vars, ...args.secrets };
  const secrets = secretValues({ secrets: Object.values(args.secrets), environment, variables });

  let loaded = await loadFlows(files, io);
  for (const item of loaded) if (item.flow) item.flow = applyDefaultStepTimeout(item.flow, defaultStepTimeoutMs);
  const grep = args.grep?.toLowerCase();
  loaded = loaded.filter((l) => {
    if (grep && !(l.flow?.name ?? '').toLowerCase().includes(grep) && !l.display.toLowerCase().includes(grep))
      return false;
    if (args.tags.length && !(l.flow && l.flow.tags.some((t) => args.tags.includes(t)))) return false;
    return true;
  });
  const suite = suiteIdentity(
    loaded.map((l) => l.display),
    args.shard,
  );
  if (args.shard) loaded = shardOf(loaded, args.shard.index, args.shard.total);

  // Machine reports take stdout; pretty then moves to stderr so the two never mix.
  const documents = documentReporters(args.reporters, args.outputs ?? (args.output ? [args.output] : []), io.cwd);
  const collectEvents = needsEvents(args.reporters, args.shard !== undefined);
  const prettyStream = documentsUseStdout(documents) ? io.stderr : io.stdout;
  const reporters: Reporter[] = [];
  if (args.reporters.includes('pretty'))
    reporters.push(
      new PrettyReporter((t) => prettyStream.write(t), shouldColor(prettyStream, args.color), args.jobs > 1),
    );
  reporters.push(...documents.map((d) => d.reporter));

  const eventReporters = reporters.filter((r) => r.event);
  const listensToEvents = collectEvents || eventReporters.length > 0;
  const reports: FlowReport[] = new Array(loaded.length);
  const bail = new AbortController();
  const onOuterAbort = () => bail.abort();
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  const resolveFlow = createFlowResolver(io.cwd);
  let next = 0;
  const worker = async () => {
    while (next < loaded.length && !bail.signal.aborted) {
      const index = next++;
      const item = loaded[index];
      if (!item.flow) {
        reports[index] = item.report!;
        for (const r of reporters) r.flowFinished?.(item.report!);
        if (args.bail) bail.abort();
        continue;
      }
      const flow = item.flow;
      for (const r of reporters) r.flowStarted?.(flow, item.display);
      const fileAccess = fileAccessFor({
        root: args.root && resolve(io.cwd, args.root),
        near: dirname(item.file),
        allowOutside: args.allowOutside.map((p) => resolve(io.cwd, p)),
      });
      const events: ExecutionEvent[] = [];
      const details: StepAttemptDetail[] = [];
      const result = await runFlow(flow, {
        fileAccess,
        limits: args.limits,
        environment,
        variables,
        secrets,
        signal: bail.signal,
        timeoutMs: args.timeoutMs,
        resolveFlow,
        // No listener when nothing reads the events: the engine then builds none (two per step).
        onEvent: listensToEvents
          ? (event) => {
              if (collectEvents) events.push(event);
              for (const r of eventReporters) r.event!(flow, event);
            }
          : undefined,
        onStepDetail: collectEvents
          ? (detail) => details.push(capStepDetail(detail, DEFAULT_MAX_BODY_BYTES))
          : undefined,
      });
      const report = locateReport(flowReport(item.display, result), flow);
      if (collectEvents) Object.assign(report, { events, details });
      reports[index] = report;
      for (const r of reporters) r.flowFinished?.(report);
      if (report.status !== 'passed' && args.bail) bail.abort();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(args.jobs, Math.max(1, loaded.length)) }, worker));
  } finally {
    signal?.removeEventListener('abort', onOuterAbort);
    await closeSharedDispatcher();
  }

  const ran = reports.filter(Boolean);
  if (ran.length < loaded.length)
    io.stderr.write(
      `testmesh: ${loaded.length - ran.length} flow(s) not run (${signal?.aborted ? 'interrupted' : '--bail'})\n`,
    );
  const report = { suite, ...summarize(ran, Date.now() - started) };
  for (const r of reporters) if (!documents.some((d) => d.reporter === r)) r.finished(report);
  await writeDocuments(report, documents, io);
  if (loaded.length === 0) io.stderr.write('testmesh: no flows to run\n');
  if (ran.some((r) => r.status === 'error')) return EXIT_INVALID;
  if (ran.some((r) => r.status !== 'passed') || ran.length < loaded.length) return EXIT_FAILED;
  return EXIT_OK;
}
