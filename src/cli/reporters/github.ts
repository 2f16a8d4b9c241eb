/**
 * GitHub Actions: a workflow command per failed step or assertion, at its line in the flow file
 * (`::error file=…,line=…,col=…,title=…::…`, which GitHub shows on the pull request's diff), and
 * the Markdown summary appended to $GITHUB_STEP_SUMMARY when the job sets it.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { toPosix } from '../../core/discovery';
import type { FlowReport, RunReport } from '../../core/report';
import { markdownSummary, shortJson } from './markdown';
import type { Reporter } from './types';

/** Workflow command data: `%`, CR and LF are encoded (GitHub's escaping rules). */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow command properties: additionally `:` and `,`. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

interface Annotation {
  level: 'error' | 'warning';
  file: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  title: string;
  message: string;
}

function workflowCommand(a: Annotation): string {
  const props: Array<[string, string | number | undefined]> = [
    ['file', a.file],
    ['line', a.line],
    ['col', a.column],
    ['endLine', a.endLine],
    ['endColumn', a.endColumn],
    ['title', a.title],
  ];
  const text = props
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${a.level} ${text}::${escapeData(a.message)}`;
}

/** The repository root GitHub's annotations are relative to: $GITHUB_WORKSPACE, else the nearest folder with `.git`. */
function repositoryRoot(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_WORKSPACE && isAbsolute(env.GITHUB_WORKSPACE)) return env.GITHUB_WORKSPACE;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return resolve(cwd);
  }
}

function annotations(flow: FlowReport, file: string): Annotation[] {
  if (flow.status === 'error')
    return (
      flow.diagnostics ?? [{ severity: 'error' as const, message: flow.error ?? 'invalid flow', range: undefined }]
    )
      .filter((d) => d.severity === 'error')
      .map((d) => ({
        level: 'error',
        file,
        line: d.range?.start.line,
        column: d.range?.start.column,
        endLine: d.range?.end.line,
        endColumn: d.range?.end.column,
        title: `${flow.name}: invalid flow`,
        message: d.message,
      }));
  const out: Annotation[] = [];
  for (const step of flow.steps) {
    if (step.status !== 'failed') continue;
    const lines = [step.error ?? 'failed'];
    if (step.assertion)
      lines.push(`expected: ${shortJson(step.assertion.expected)}`, `actual: ${shortJson(step.assertion.actual)}`);
    if (step.attempts > 1) lines.push(`after ${step.attempts} attempts`);
    out.push({
      // A step allowed to fail (on_error: continue) did not fail its flow: a warning.
      level: flow.status === 'passed' ? 'warning' : 'error',
      file,
      line: step.assertion?.line ?? step.line,
      column: step.assertion?.column ?? step.column,
      title: `${flow.name} › ${step.name}`,
      message: lines.join('\n'),
    });
  }
  if (flow.status === 'failed' && !flow.steps.some((s) => s.status === 'failed'))
    out.push({ level: 'error', file, line: flow.line, title: flow.name, message: flow.error ?? 'flow failed' });
  return out;
}

export class GithubReporter implements Reporter {
  constructor(
    /** The folder the report's file paths are relative to. */
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  finished(report: RunReport): string {
    const root = repositoryRoot(this.cwd, this.env);
    const lines: string[] = [];
    for (const flow of report.flows) {
      const file = toPosix(relative(root, resolve(this.cwd, flow.file))) || flow.file;
      for (const a of annotations(flow, file)) lines.push(workflowCommand(a));
    }
    const summaryFile = this.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) {
      try {
        appendFileSync(summaryFile, `${markdownSummary(report)}\n`);
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ?? String(err);
        lines.push(
          `::warning::${escapeData(`cannot append the summary to GITHUB_STEP_SUMMARY (${summaryFile}): ${reason}`)}`,
        );
      }
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  }
}
