/**
 * Live terminal output: each step as it finishes, with its duration; a failure's expression and
 * values; a summary. Colour only on a TTY (NO_COLOR / FORCE_COLOR respected).
 */
import { formatDiagnostic } from '../../core/errors';
import { formatDuration } from '../../core/format';
import type { ExecutionEvent } from '../../core/events';
import { skippedText } from '../../core/stepStateText';
import type { FlowDef } from '../../core/flow/types';
import type { FlowReport, RunReport } from '../../core/report';
import type { Reporter } from './types';

export interface Palette {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function palette(color: boolean): Palette {
  const wrap = (open: number, close: number) => (s: string) => (color ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

export function shouldColor(stream: { isTTY?: boolean }, override?: boolean): boolean {
  if (override !== undefined) return override;
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/** A loop iteration's steps share a name; their ids end in `[i]`, which tells them apart. */
function label(name: string, stepId: string): string {
  const m = /\[(\d+)\]$/.exec(stepId);
  return m ? `${name} [${m[1]}]` : name;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

export class PrettyReporter implements Reporter {
  private readonly c: Palette;
  /** Nesting depth of each running step id, per execution, for indentation. */
  private readonly depth = new Map<string, number>();

  constructor(
    private readonly write: (text: string) => void,
    color: boolean,
    /** With several flows at once, lines carry the flow's name. */
    private readonly prefixLines = false,
  ) {
    this.c = palette(color);
  }

  private line(flow: FlowDef, text: string): void {
    this.write(`${this.prefixLines ? this.c.dim(`[${flow.name}] `) : ''}${text}\n`);
  }

  flowStarted(flow: FlowDef, displayFile: string): void {
    this.line(flow, `${this.c.bold(`▶ ${flow.name}`)} ${this.c.dim(displayFile)}`);
  }

  event(flow: FlowDef, event: ExecutionEvent): void {
    const c = this.c;
    const indent = (stepId: string | undefined, parentId?: string) => {
      const key = `${event.execution_id}:${stepId}`;
      let depth = this.depth.get(key);
      if (depth === undefined) {
        depth = parentId ? (this.depth.get(`${event.execution_id}:${parentId}`) ?? 0) + 1 : 0;
        this.depth.set(key, depth);
      }
      return '  '.repeat(depth + 1);
    };
    switch (event.type) {
      case 'step.started':
        indent(event.data.step_id, event.data.parent_id);
        break;
      case 'step.completed': {
        const d = event.data;
        const tries = d.attempt > 1 ? c.dim(` (attempt ${d.attempt})`) : '';
        this.line(
          flow,
          `${indent(d.step_id, d.parent_id)}${c.green('✓')} ${label(d.step_name, d.step_id)} ${c.dim(formatDuration(d.duration_ms))}${tries}`,
        );
        break;
      }
      case 'step.failed': {
        const d = event.data;
        const pad = indent(d.step_id, d.parent_id);
        const tries = d.attempt > 1 ? c.dim(` (after ${d.attempt} attempts)`) : '';
        this.line(
          flow,
          `${pad}${c.red('✗')} ${label(d.step_name, d.step_id)} ${c.dim(formatDuration(d.duration_ms))}${tries}`,
        );
        this.line(flow, `${pad}    ${c.red(d.error_message)}`);
        if (d.assertion !== undefined) {
          this.line(flow, `${pad}    ${c.dim('expression:')} ${d.assertion}`);
          this.line(flow, `${pad}    ${c.dim('expected:  ')} ${c.green(show(d.expected))}`);
          this.line(flow, `${pad}    ${c.dim('actual:    ')} ${c.red(show(d.actual))}`);
        }
        break;
      }
      case 'step.skipped': {
        const d = event.data;
        this.line(
          flow,
          `${indent(d.step_id, d.parent_id)}${c.dim(`- ${label(d.step_name, d.step_id)} (${skippedText(d.reason)})`)}`,
        );
        break;
      }
      case 'step.retrying': {
        const d = event.data;
        this.line(
          flow,
          `${indent(d.step_id)}${c.yellow('↻')} ${c.dim(`retry ${d.attempt} in ${formatDuration(d.delay_ms)}: ${d.error_message}`)}`,
        );
        break;
      }
      case 'log': {
        const d = event.data;
        const mark = d.level === 'error' ? c.red('!') : d.level === 'warn' ? c.yellow('!') : c.dim('›');
        this.line(flow, `${indent(d.step_id)}  ${mark} ${d.message}`);
        break;
      }
      default:
        break;
    }
  }

  flowFinished(report: FlowReport): void {
    const c = this.c;
    const name = { name: report.name } as FlowDef;
    if (report.status === 'error') {
      this.line(name, `${c.red('✗')} ${c.bold(report.file)} ${c.red('is not a valid flow')}`);
      for (const d of report.diagnostics ?? [])
        if (d.severity === 'error') this.line(name, `    ${formatDiagnostic(d)}`);
      return;
    }
    const steps = report.steps.length;
    const verdict = report.status === 'passed' ? c.green(`✓ ${report.name} passed`) : c.red(`✗ ${report.name} failed`);
    this.line(
      name,
      `${verdict} ${c.dim(`in ${formatDuration(report.duration_ms)} (${steps} step${steps === 1 ? '' : 's'})`)}`,
    );
    if (report.status === 'failed' && report.error && !report.steps.some((s) => s.status === 'failed'))
      this.line(name, `    ${c.red(report.error)}`);
    for (const [key] of this.depth)
      if (report.execution_id && key.startsWith(`${report.execution_id}:`)) this.depth.delete(key);
  }

  finished(report: RunReport): undefined {
    const c = this.c;
    const s = report.summary;
    const steps = report.flows.reduce((n, f) => n + f.steps.length, 0);
    const parts = [
      c.green(`${s.passed} passed`),
      s.failed - s.errors ? c.red(`${s.failed - s.errors} failed`) : `${s.failed - s.errors} failed`,
    ];
    if (s.errors) parts.push(c.red(`${s.errors} invalid`));
    this.write(
      `\n${s.total} flow${s.total === 1 ? '' : 's'}: ${parts.join(', ')} ${c.dim(`· ${steps} steps · ${formatDuration(s.duration_ms)}`)}\n`,
    );
    return undefined;
  }
}
