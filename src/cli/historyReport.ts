/**
 * `testmesh report`: past executions from the history store (by default the folder `testmesh
 * serve` uses for the workspace) rendered by any reporter, as if they had just run. Uses the
 * store's public read functions only: list, readEvents, readAllStepDetails.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { toPosix } from '../core/discovery';
import { errorMessage, TestMeshError } from '../core/errors';
import { parseFlowText } from '../core/flow/load';
import { applyEvent, emptyExecutionState } from '../core/history/fold';
import { defaultHistoryDir } from '../core/history/location';
import { HistoryStore, isFinished } from '../core/history/store';
import type { ExecutionSummary, StepState } from '../core/history/types';
import { reportedAssertion, summarize, type FlowReport, type StepReport } from '../core/report';
import { locateReport } from '../core/reportLocations';
import { flowIdFor } from '../core/workspaceFlows';
import { parseReporters, UsageError, type ReporterName } from './args';
import { colorFlag, parseFlags, wholeNumberFlag } from './flags';
import { renderReport } from './reporters/documents';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, type Io } from './run';

export interface ReportArgs {
  executions: string[];
  last?: number;
  flow?: string;
  historyDir?: string;
  workspace?: string;
  reporters: ReporterName[];
  outputs: string[];
  color?: boolean;
}

export const REPORT_USAGE =
  'testmesh report [--execution ID]... [--last N] [--flow FILE] [--history-dir DIR] [--workspace DIR] [--reporter NAME]... [--output FILE]...';

export function parseReportArgs(argv: readonly string[]): ReportArgs {
  const flags = parseFlags('report', argv, {
    values: ['--execution', '--last', '--flow', '--history-dir', '--workspace', '--reporter', '--output'],
    booleans: ['--no-color', '--color'],
  });
  if (flags.positional.length) throw new UsageError(`report takes no paths (${REPORT_USAGE})`);
  const last = wholeNumberFlag(flags, '--last');
  const executions = flags.many('--execution');
  if (executions.length && (last !== undefined || flags.has('--flow')))
    throw new UsageError('--execution names executions itself: leave out --last and --flow');
  const reporters = parseReporters(flags.many('--reporter'));
  return {
    executions,
    last,
    flow: flags.one('--flow'),
    historyDir: flags.one('--history-dir'),
    workspace: flags.one('--workspace'),
    reporters: reporters.length ? reporters : ['pretty'],
    outputs: flags.many('--output'),
    color: colorFlag(flags),
  };
}

/** The executions asked for, oldest first; throws TestMeshError for an unknown id or an empty pick. */
function pickExecutions(all: readonly ExecutionSummary[], args: ReportArgs, flowId?: string): ExecutionSummary[] {
  if (args.executions.length) {
    return args.executions.map((id) => {
      const found = all.find((s) => s.id === id);
      if (!found) throw new TestMeshError(`no execution ${id} in the history`);
      return found;
    });
  }
  const newestFirst = all.filter((s) => isFinished(s) && (flowId === undefined || s.flow_id === flowId));
  if (!newestFirst.length)
    throw new TestMeshError(
      flowId ? `no finished execution of ${flowId} in the history` : 'the history has no finished execution',
    );
  return newestFirst.slice(0, args.last ?? 1).reverse();
}

function stepReport(step: StepState): StepReport {
  const out: StepReport = {
    step_id: step.step_id,
    name: step.step_name,
    phase: step.phase,
    action: step.action,
    status: step.status === 'completed' ? 'passed' : step.status === 'failed' ? 'failed' : 'skipped',
    duration_ms: step.duration_ms ?? 0,
    attempts: step.attempt,
  };
  const error = step.error_message ?? step.skip_reason;
  if (error !== undefined) out.error = error;
  if (step.parent_id !== undefined) out.parent_id = step.parent_id;
  if (step.assertion) out.assertion = reportedAssertion(step.assertion);
  return out;
}

/** A flow report rebuilt from an execution's recorded events (the same fold every view uses). */
async function flowReportOf(
  store: HistoryStore,
  summary: ExecutionSummary,
  workspace: string,
  cwd: string,
): Promise<FlowReport> {
  const events = (await store.readEvents(summary.id)) ?? [];
  const details = (await store.readAllStepDetails(summary.id)) ?? [];
  const state = emptyExecutionState(summary.id);
  for (const event of events) applyEvent(state, event);
  const absolute = resolve(workspace, summary.flow_id);
  const report: FlowReport = {
    file: toPosix(relative(cwd, absolute)) || summary.flow_id,
    name: summary.flow_name,
    status: summary.status === 'completed' ? 'passed' : 'failed',
    duration_ms: summary.duration_ms ?? state.duration_ms ?? 0,
    steps: state.steps.map(stepReport),
    execution_id: summary.id,
    events,
    details,
  };
  const error = summary.error ?? state.error ?? (summary.status === 'cancelled' ? 'cancelled' : undefined);
  if (error !== undefined) report.error = error;
  // Lines come from the flow file as it is now; a file that moved or no longer parses has none.
  try {
    const { flow } = parseFlowText(await readFile(absolute, 'utf8'), absolute);
    if (flow) locateReport(report, flow);
  } catch {
    // gone since: the report goes without lines
  }
  return report;
}

export async function reportCommand(args: ReportArgs, io: Io): Promise<number> {
  const workspace = resolve(io.cwd, args.workspace ?? '.');
  const historyDir = args.historyDir ? resolve(io.cwd, args.historyDir) : defaultHistoryDir(workspace);
  if (!existsSync(historyDir)) {
    io.stderr.write(
      `testmesh report: no history at ${historyDir} (runs of VS Code or testmesh serve for ${workspace} are kept there; --history-dir names another folder)\n`,
    );
    return EXIT_INVALID;
  }
  let store: HistoryStore;
  try {
    // Read-only: no writer lock, so a report works while VS Code or `testmesh serve` writes the history.
    store = await HistoryStore.openReadOnly(historyDir);
  } catch (err) {
    io.stderr.write(`testmesh report: ${errorMessage(err)}\n`);
    return EXIT_INVALID;
  }
  let flows: FlowReport[];
  try {
    const flowId = args.flow === undefined ? undefined : flowIdFor(workspace, resolve(io.cwd, args.flow));
    const picked = pickExecutions(store.list(), args, flowId);
    flows = [];
    for (const summary of picked) flows.push(await flowReportOf(store, summary, workspace, io.cwd));
  } catch (err) {
    io.stderr.write(`testmesh report: ${err instanceof TestMeshError ? err.message : errorMessage(err)}\n`);
    return EXIT_INVALID;
  } finally {
    await store.close();
  }
  const report = summarize(
    flows,
    flows.reduce((n, f) => n + f.duration_ms, 0),
  );
  await renderReport(report, args.reporters, args.outputs, args.color, io);
  return report.summary.failed ? EXIT_FAILED : EXIT_OK;
}
