/**
 * The analytics view (`#/analytics`): pass rate over time, duration trend (p50/p95), flaky flows
 * (score, latest transitions, links to the runs) and the slowest steps, for the last 7, 30 or 90
 * days. Answers come from the analytics API through the transport (REST in a tab, messages in
 * VS Code), so both show the same numbers.
 */
import type { FlakinessMetric, MetricsAnswer, StepPerformance, TrendPoint } from '../../core/analytics/analytics';
import { h, replaceChildren } from '../dom';
import { formatDuration } from '../format';
import { TransportError, type Transport } from '../transport';
import { legend, lineChart, type Series } from './chart';

export interface AnalyticsViewOptions {
  onOpen(executionId: string): void;
  onUnauthorized(): void;
}

const RANGES = [7, 30, 90];
const COLORS = {
  pass: 'var(--vscode-charts-green, #388a34)',
  p50: 'var(--vscode-charts-blue, #1a85ff)',
  p95: 'var(--vscode-charts-orange, #d18616)',
};

function dayText(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

export class AnalyticsView {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly rangeSelect: HTMLSelectElement;
  private days = 30;
  private loadToken = 0;
  private disposed = false;

  constructor(
    private readonly transport: Transport,
    private readonly options: AnalyticsViewOptions,
  ) {
    this.rangeSelect = h(
      'select',
      { 'aria-label': 'Time range', onchange: () => this.changeRange() },
      ...RANGES.map((d) => h('option', { value: String(d), text: `Last ${d} days`, selected: d === this.days })),
    );
    this.body = h(
      'div',
      { class: 'analytics-body', 'aria-live': 'polite' },
      h('p', { class: 'muted', text: 'Loading…' }),
    );
    this.element = h(
      'section',
      { class: 'analytics-view' },
      h('header', { class: 'list-header' }, h('h1', { text: 'Analytics' }), this.rangeSelect),
      this.body,
    );
  }

  mount(): void {
    void this.load();
  }

  dispose(): void {
    this.disposed = true;
  }

  private changeRange(): void {
    this.days = Number(this.rangeSelect.value) || 30;
    void this.load();
  }

  private async load(): Promise<void> {
    const token = ++this.loadToken;
    const end = Date.now();
    const range = { start_date: dayText(end - (this.days - 1) * 86_400_000), end_date: dayText(end) };
    try {
      const [metrics, trends, flakiness, steps] = await Promise.all([
        this.transport.analytics('metrics', range) as Promise<MetricsAnswer>,
        this.transport.analytics('trends', range) as Promise<{ trends: TrendPoint[] }>,
        this.transport.analytics('flakiness', {
          end_date: range.end_date,
          window_days: String(this.days),
        }) as Promise<{ flaky_flows: FlakinessMetric[]; total: number }>,
        this.transport.analytics('steps', { ...range, limit: '10' }) as Promise<{ slowest_steps: StepPerformance[] }>,
      ]);
      if (this.disposed || token !== this.loadToken) return;
      replaceChildren(
        this.body,
        this.summary(metrics),
        this.charts(trends.trends),
        this.flakyTable(flakiness.flaky_flows),
        this.stepsTable(steps.slowest_steps),
      );
    } catch (err) {
      if (this.disposed || token !== this.loadToken) return;
      if (err instanceof TransportError && err.status === 401) this.options.onUnauthorized();
      replaceChildren(
        this.body,
        h('p', { class: 'error', role: 'alert', text: `Analytics failed: ${String((err as Error).message)}` }),
      );
    }
  }

  private summary(answer: MetricsAnswer): HTMLElement {
    const s = answer.summary;
    const card = (label: string, value: string, name: string) =>
      h(
        'div',
        { class: 'stat-card', 'data-stat': name },
        h('div', { class: 'stat-value', text: value }),
        h('div', { class: 'stat-label', text: label }),
      );
    return h(
      'div',
      { class: 'stat-cards' },
      card('executions', String(s.total_executions), 'executions'),
      card('pass rate', `${s.pass_rate}%`, 'pass-rate'),
      card('failed', String(s.failed_executions), 'failed'),
      card('average duration', formatDuration(s.avg_duration_ms), 'duration'),
    );
  }

  private charts(points: TrendPoint[]): HTMLElement {
    if (!points.length)
      return h('p', {
        class: 'muted',
        text: 'No finished executions in this range yet: run some flows, then come back.',
      });
    const labels = points.map((p) => p.date);
    const pass: Series[] = [{ name: 'pass rate', color: COLORS.pass, values: points.map((p) => p.pass_rate) }];
    const durations: Series[] = [
      { name: 'p50', color: COLORS.p50, values: points.map((p) => p.p50_duration_ms) },
      { name: 'p95', color: COLORS.p95, values: points.map((p) => p.p95_duration_ms) },
    ];
    return h(
      'div',
      { class: 'chart-grid-2' },
      h(
        'figure',
        { class: 'chart-card', 'data-chart': 'pass-rate' },
        h('figcaption', { text: 'Pass rate' }),
        lineChart({ labels, series: pass, yMax: 100, format: (v) => `${Math.round(v)}%`, title: 'Pass rate per day' }),
      ),
      h(
        'figure',
        { class: 'chart-card', 'data-chart': 'duration' },
        h('figcaption', { text: 'Duration (p50 / p95)' }),
        lineChart({
          labels,
          series: durations,
          format: (v) => formatDuration(v),
          title: 'Duration p50 and p95 per day',
        }),
        legend(durations),
      ),
    );
  }

  private flakyTable(flows: FlakinessMetric[]): HTMLElement {
    const rows = flows.map((f) =>
      h(
        'tr',
        { 'data-flow': f.flow_id },
        h('td', {}, h('div', { text: f.flow_name }), h('div', { class: 'muted small', text: f.flow_id })),
        h('td', { class: 'num', text: f.flakiness_score.toFixed(2) }),
        h('td', { class: 'num', text: `${f.passed_executions}/${f.total_executions}` }),
        h(
          'td',
          { class: 'run-dots' },
          ...f.recent
            .slice(0, 12)
            .reverse()
            .map((r) =>
              h('button', {
                class: `run-dot status-${r.status}`,
                title: `${r.status} ${r.created_at}`,
                'aria-label': `open the ${r.status} run of ${r.created_at}`,
                onclick: () => this.options.onOpen(r.id),
              }),
            ),
        ),
        h('td', { class: 'muted small', text: f.failure_patterns[0] ?? '' }),
      ),
    );
    return tableSection(
      'Flaky flows',
      'flaky-table',
      ['Flow', 'Score', 'Passed', 'Latest runs', 'Most common failure'],
      rows,
      'No flaky flows in this range.',
    );
  }

  private stepsTable(steps: StepPerformance[]): HTMLElement {
    const change = (pct: number | undefined) => (pct === undefined ? '' : `${pct > 0 ? '+' : ''}${pct}%`);
    const rows = steps.map((s) =>
      h(
        'tr',
        { 'data-step': s.step_id },
        h('td', {}, h('div', { text: s.step_name }), h('div', { class: 'muted small', text: s.action })),
        h('td', { class: 'small', text: s.flow_name }),
        h('td', { class: 'num', text: String(s.execution_count) }),
        h('td', { class: 'num', text: formatDuration(s.p50_duration_ms) }),
        h('td', { class: 'num', text: formatDuration(s.p95_duration_ms) }),
        h('td', { class: 'num', text: formatDuration(s.p99_duration_ms) }),
        h('td', { class: `num ${(s.change_pct ?? 0) >= 20 ? 'slower' : ''}`, text: change(s.change_pct) }),
      ),
    );
    return tableSection(
      'Slowest steps',
      'steps-table',
      ['Step', 'Flow', 'Runs', 'p50', 'p95', 'p99', 'Change'],
      rows,
      'No step timings in this range.',
    );
  }
}

/** A titled section: a table of `rows` under `headings`, or the `empty` text when there are none. */
function tableSection(
  title: string,
  tableClass: string,
  headings: readonly string[],
  rows: readonly HTMLElement[],
  empty: string,
): HTMLElement {
  return h(
    'section',
    { class: 'analytics-section' },
    h('h2', { text: title }),
    rows.length
      ? h(
          'table',
          { class: `data-table ${tableClass}` },
          h('thead', {}, h('tr', {}, ...headings.map((t) => h('th', { text: t })))),
          h('tbody', {}, ...rows),
        )
      : h('p', { class: 'muted', text: empty }),
  );
}
