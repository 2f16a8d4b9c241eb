/**
 * The strip above a report's views: what the report is (a run, a shard, merged shards), when it
 * was made, the run's totals, and the flows that could not run with their problems at
 * file:line:column. Only the HTML report shows it.
 */
import { h } from '../dom';
import { formatDuration } from '../format';
import type { ReportData } from '../report-data';

export function reportSummary(data: ReportData): HTMLElement {
  const s = data.summary;
  const broken = s.failed - s.errors;
  const kind = data.merged_shards
    ? `merged from ${data.merged_shards} shard${data.merged_shards === 1 ? '' : 's'}`
    : data.shard
      ? `shard ${data.shard.index} of ${data.shard.total}`
      : '';
  const generated = new Date(data.generated_at);
  const steps = data.executions.reduce((n, e) => n + e.summary.total_steps, 0);
  return h(
    'section',
    { class: 'report-summary', 'aria-label': 'Run summary', 'data-status': s.failed === 0 ? 'passed' : 'failed' },
    h(
      'div',
      { class: 'title-row' },
      h('strong', { class: 'report-title', text: 'TestMesh report' }),
      kind ? h('span', { class: 'muted', text: kind }) : null,
      h('span', { class: 'spacer' }),
      h('span', {
        class: 'muted',
        text: Number.isNaN(generated.getTime()) ? '' : `Generated ${generated.toLocaleString()}`,
      }),
    ),
    h(
      'div',
      { class: 'counts report-counts' },
      h('span', { class: 'count total', text: `${s.total} flow${s.total === 1 ? '' : 's'}` }),
      h(
        'span',
        { class: 'count completed' },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('span', { text: `${s.passed} passed` }),
      ),
      h(
        'span',
        { class: 'count failed' },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('span', { text: `${broken} failed` }),
      ),
      s.errors
        ? h(
            'span',
            { class: 'count failed' },
            h('span', { class: 'dot', 'aria-hidden': 'true' }),
            h('span', { text: `${s.errors} invalid` }),
          )
        : null,
      h('span', { class: 'count total', text: `${steps} steps · ${formatDuration(s.duration_ms)}` }),
    ),
    data.invalid.length
      ? h(
          'div',
          { class: 'callout error', role: 'alert' },
          h('strong', { text: 'Flows that could not run' }),
          h(
            'ul',
            { class: 'invalid-flows' },
            ...data.invalid.map((flow) =>
              h(
                'li',
                {},
                h('code', { text: flow.file }),
                ...(flow.diagnostics.length
                  ? flow.diagnostics.map((d) =>
                      h('div', {
                        class: 'message',
                        text: `${flow.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`,
                      }),
                    )
                  : [h('div', { class: 'message', text: flow.error })]),
              ),
            ),
          ),
        )
      : null,
  );
}
