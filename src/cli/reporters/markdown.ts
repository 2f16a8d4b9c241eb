/**
 * A Markdown summary of a run: a verdict line, a table of flows, then each failure with its step,
 * file:line, message and expected/actual. GitHub's job summary ($GITHUB_STEP_SUMMARY) shows it,
 * and `--reporter markdown` writes it to a file (a pull-request comment, a wiki page).
 */
import { formatDuration } from '../../core/format';
import type { FlowReport, RunReport, StepReport } from '../../core/report';
import type { Reporter } from './types';

/** Text safe inside a Markdown table cell or heading: no line breaks, pipes or HTML. */
function markdownText(text: string): string {
  return text
    .replace(/\r?\n|\r/g, ' ')
    .replace(/[\\`*_[\]|<>&#]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
}

/** An inline code span that holds any text (fenced with more backticks than it contains). */
function markdownCode(text: string): string {
  const flat = text.replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A value as JSON, cut to a readable length. */
export function shortJson(value: unknown, max = 200): string {
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const ICON = { passed: '✅', failed: '❌', error: '⚠️' } as const;

function stepCounts(flow: FlowReport): string {
  if (flow.status === 'error') return 'invalid flow';
  const count = (status: StepReport['status']) => flow.steps.filter((s) => s.status === status).length;
  const parts = [`${count('passed')} passed`];
  if (count('failed')) parts.push(`${count('failed')} failed`);
  if (count('skipped')) parts.push(`${count('skipped')} skipped`);
  return parts.join(', ');
}

function location(file: string, line: number | undefined): string {
  return line === undefined ? file : `${file}:${line}`;
}

function failureSection(flow: FlowReport): string[] {
  const lines = [`### ${ICON[flow.status as 'failed' | 'error']} ${markdownText(flow.name)}`, ''];
  if (flow.status === 'error') {
    for (const d of flow.diagnostics ?? [])
      if (d.severity === 'error')
        lines.push(
          `- ${markdownCode(`${flow.file}:${d.range.start.line}:${d.range.start.column}`)} ${markdownText(d.message)}`,
        );
    if (!flow.diagnostics?.length) lines.push(`- ${markdownText(flow.error ?? 'invalid flow')}`);
    lines.push('');
    return lines;
  }
  const failed = flow.steps.filter((s) => s.status === 'failed');
  for (const step of failed) {
    const attempts = step.attempts > 1 ? ` after ${step.attempts} attempts` : '';
    lines.push(
      `- **${markdownText(step.name)}** (${markdownCode(location(flow.file, step.assertion?.line ?? step.line))}) failed${attempts}: ${markdownText(step.error ?? 'failed')}`,
    );
    if (step.assertion)
      lines.push(
        `  - expression: ${markdownCode(step.assertion.expression)}`,
        `  - expected: ${markdownCode(shortJson(step.assertion.expected))}`,
        `  - actual: ${markdownCode(shortJson(step.assertion.actual))}`,
      );
  }
  if (failed.length === 0 && flow.error) lines.push(`- ${markdownText(flow.error)}`);
  lines.push('');
  return lines;
}

/** The summary of a run as Markdown, ending with a newline. */
export function markdownSummary(report: RunReport): string {
  const s = report.summary;
  const broken = s.failed - s.errors;
  const verdict = s.failed === 0 ? ICON.passed : ICON.failed;
  const parts = [`${s.passed} passed`];
  if (broken) parts.push(`${broken} failed`);
  if (s.errors) parts.push(`${s.errors} invalid`);
  const shard = report.merged_shards
    ? ` (merged from ${report.merged_shards} shards)`
    : report.suite?.shard
      ? ` (shard ${report.suite.shard.index}/${report.suite.shard.total})`
      : '';
  const lines = [
    `## ${verdict} TestMesh${shard}: ${s.total} flow${s.total === 1 ? '' : 's'}, ${parts.join(', ')} in ${formatDuration(s.duration_ms)}`,
    '',
  ];
  if (report.flows.length) {
    lines.push('| | Flow | File | Steps | Duration |', '|---|---|---|---|---|');
    for (const flow of report.flows)
      lines.push(
        `| ${ICON[flow.status]} | ${markdownText(flow.name)} | ${markdownCode(flow.file)} | ${stepCounts(flow)} | ${flow.status === 'error' ? '–' : formatDuration(flow.duration_ms)} |`,
      );
    lines.push('');
  }
  for (const flow of report.flows) if (flow.status !== 'passed') lines.push(...failureSection(flow));
  return `${lines.join('\n').trimEnd()}\n`;
}

export class MarkdownReporter implements Reporter {
  finished(report: RunReport): string {
    return markdownSummary(report);
  }
}
