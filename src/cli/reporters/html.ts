/**
 * `--reporter html`: one self-contained HTML file, made of the web UI itself (media/webview.js
 * and webview.css, inlined) and the run's executions (summaries, events, step details) embedded
 * as JSON. The page replays the events through the same views the editor panel and the browser
 * use; it needs no server and no network (its Content-Security-Policy forbids any).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { applySummaryEvent } from '../../core/history/fold';
import type { ExecutionSummary } from '../../core/history/types';
import type { FlowReport, RunReport } from '../../core/report';
import { TestMeshError } from '../../core/errors';
import { REPORT_ELEMENT_ID, type ReportData, type ReportExecution } from '../../webview/report-data';
import type { Reporter } from './types';

/** The web UI's files, found next to the CLI (dist/cli.js -> media/) or above a compiled test. */
function webUiAsset(name: string, from = __dirname): string {
  for (let dir = from, i = 0; i < 6; i++, dir = dirname(dir)) {
    const file = join(dir, 'media', name);
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  throw new TestMeshError(`the web UI bundle media/${name} was not found next to the CLI (build it: npm run build)`);
}

function execution(flow: FlowReport): ReportExecution | undefined {
  const events = flow.events ?? [];
  if (!events.length) return undefined;
  const summary: ExecutionSummary = {
    id: flow.execution_id ?? events[0].execution_id,
    flow_id: flow.file,
    flow_name: flow.name,
    status: 'pending',
    trigger: 'cli',
    created_at: events[0].timestamp,
    total_steps: 0,
    passed_steps: 0,
    failed_steps: 0,
    skipped_steps: 0,
    last_seq: 0,
  };
  for (const event of events) applySummaryEvent(summary, event);
  return { summary, events, details: flow.details ?? [] };
}

function reportData(report: RunReport, now = new Date()): ReportData {
  const data: ReportData = {
    version: 1,
    generated_at: now.toISOString(),
    summary: report.summary,
    executions: [],
    invalid: [],
  };
  if (report.suite?.shard) data.shard = report.suite.shard;
  if (report.merged_shards) data.merged_shards = report.merged_shards;
  for (const flow of report.flows) {
    if (flow.status === 'error') {
      data.invalid.push({
        file: flow.file,
        name: flow.name,
        error: flow.error ?? 'invalid flow',
        diagnostics: (flow.diagnostics ?? []).map((d) => ({
          line: d.range.start.line,
          column: d.range.start.column,
          severity: d.severity,
          message: d.message,
        })),
      });
      continue;
    }
    const run = execution(flow);
    if (run) data.executions.push(run);
  }
  return data;
}

/** Text safe inside a `<script>` or `<style>` element: it cannot close it. */
function inert(text: string, tag: 'script' | 'style'): string {
  return text.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1');
}

/** JSON safe inside `<script type="application/json">`: `<` and line separators escaped. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function htmlReport(report: RunReport, now = new Date()): string {
  const data = reportData(report, now);
  const s = report.summary;
  const title = `TestMesh report: ${s.passed}/${s.total} flows passed`;
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${inert(webUiAsset('webview.css'), 'style')}</style>`,
    '</head>',
    '<body>',
    '<div id="app" class="tm-app"><noscript>This TestMesh report needs JavaScript.</noscript></div>',
    `<script type="application/json" id="${REPORT_ELEMENT_ID}">${scriptJson(data)}</script>`,
    `<script>${inert(webUiAsset('webview.js'), 'script')}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export class HtmlReporter implements Reporter {
  finished(report: RunReport): string {
    return htmlReport(report);
  }
}
