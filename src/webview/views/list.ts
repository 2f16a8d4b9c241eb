/**
 * The executions list: flow, status, start, duration and step counts, newest first, updated live
 * from the all-executions event stream. A flow can be started from here too.
 */
import type { ExecutionEvent, ExecutionStatus } from '../../core/events';
import type { ExecutionSummary } from '../../core/history/types';
import { applySummaryEvent } from '../../core/history/fold';
import { h, replaceChildren, setText } from '../dom';
import { FrameScheduler } from '../frame';
import { formatDuration, formatRelative, formatTime, isFinished, statusLabel } from '../format';
import type { ConnectionState, FlowInfo, Subscription, Transport } from '../transport';
import { TransportError } from '../transport';

export interface ListViewOptions {
  onOpen(executionId: string): void;
  onUnauthorized(): void;
}

const PAGE_SIZE = 50;
const STATUSES: ExecutionStatus[] = ['running', 'pending', 'completed', 'failed', 'cancelled'];

interface ListRow {
  summary: ExecutionSummary;
  element: HTMLTableRowElement;
  drawn: string;
}

export class ListView {
  readonly element: HTMLElement;
  private readonly rows = new Map<string, ListRow>();
  private readonly order: string[] = [];
  private readonly dirty = new Set<ListRow>();
  /** Executions with events that a fresh list did not include (other filters or pages). */
  private readonly absent = new Set<string>();
  private readonly unknown = new Set<string>();
  private total = 0;
  private statusFilter: ExecutionStatus | '' = '';
  private flowFilter = '';
  private subscription: Subscription | undefined;
  private connection: ConnectionState = 'connecting';
  private refetchTimer: ReturnType<typeof setTimeout> | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly scheduler: FrameScheduler;
  private loadToken = 0;
  private disposed = false;

  private readonly body: HTMLTableSectionElement;
  private readonly table: HTMLTableElement;
  private readonly empty: HTMLElement;
  private readonly more: HTMLButtonElement;
  private readonly live: HTMLElement;
  private readonly countText: HTMLElement;
  private readonly flowSelect: HTMLSelectElement;
  private readonly runSelect: HTMLSelectElement;
  private readonly runButton: HTMLButtonElement;
  private readonly message: HTMLElement;

  constructor(
    private readonly transport: Transport,
    private readonly options: ListViewOptions,
  ) {
    this.scheduler = new FrameScheduler(() => this.draw());
    this.body = h('tbody', {});
    this.table = h(
      'table',
      { class: 'executions', 'aria-label': 'Executions' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', class: 'col-status', text: 'Status' }),
          h('th', { scope: 'col', class: 'col-flow', text: 'Flow' }),
          h('th', { scope: 'col', class: 'col-steps', text: 'Steps' }),
          h('th', { scope: 'col', class: 'col-started', text: 'Started' }),
          h('th', { scope: 'col', class: 'col-duration', text: 'Duration' }),
          h('th', { scope: 'col', class: 'col-trigger', text: 'Trigger' }),
        ),
      ),
      this.body,
    );
    this.body.addEventListener('click', (event) => {
      if (event.target instanceof Element && event.target.closest('a')) return;
      const row = event.target instanceof Element ? event.target.closest<HTMLElement>('tr[data-id]') : null;
      if (row?.dataset.id) this.options.onOpen(row.dataset.id);
    });
    this.empty = h(
      'div',
      { class: 'empty-state', hidden: true },
      h('h2', { text: 'No executions yet' }),
      h('p', {
        class: 'muted',
        text: 'Run a flow from VS Code, with the Run button above, or through POST /api/v1/executions.',
      }),
    );
    this.more = h('button', { type: 'button', class: 'button secondary', hidden: true, text: 'Show more' });
    this.more.addEventListener('click', () => void this.load(true));
    this.live = h('span', { class: 'live-badge', role: 'status', 'data-state': 'connecting', text: 'Connecting…' });
    this.countText = h('span', { class: 'muted count-text' });
    this.message = h('div', { class: 'callout error', role: 'alert', hidden: true });

    const statusSelect = h(
      'select',
      { class: 'select', 'aria-label': 'Filter by status' },
      h('option', { value: '', text: 'All statuses' }),
      ...STATUSES.map((s) => h('option', { value: s, text: statusLabel(s) })),
    );
    statusSelect.addEventListener('change', () => {
      this.statusFilter = statusSelect.value as ExecutionStatus | '';
      void this.load(false);
    });
    this.flowSelect = h(
      'select',
      { class: 'select', 'aria-label': 'Filter by flow' },
      h('option', { value: '', text: 'All flows' }),
    );
    this.flowSelect.addEventListener('change', () => {
      this.flowFilter = this.flowSelect.value;
      void this.load(false);
    });
    this.runSelect = h('select', { class: 'select', 'aria-label': 'Flow to run' });
    this.runButton = h('button', { type: 'button', class: 'button primary', disabled: true, text: 'Run' });
    this.runButton.addEventListener('click', () => void this.run());

    this.element = h(
      'div',
      { class: 'list-view' },
      h(
        'header',
        { class: 'list-header' },
        h(
          'div',
          { class: 'title-row' },
          h('h1', { class: 'exec-title', text: 'Executions' }),
          this.live,
          this.countText,
          h('span', { class: 'spacer' }),
          h('div', { class: 'run-box' }, this.runSelect, this.runButton),
        ),
        h('div', { class: 'filters' }, statusSelect, this.flowSelect),
      ),
      this.message,
      h('div', { class: 'table-wrap' }, this.table, this.empty),
      h('div', { class: 'list-footer' }, this.more),
    );
  }

  mount(): void {
    this.subscription = this.transport.subscribe(undefined, 0, this.onEvent, this.onConnection);
    void this.load(false);
    void this.loadFlows();
    this.ticker = setInterval(() => {
      for (const row of this.rows.values())
        if (!isFinished(row.summary.status) || row.summary.started_at) this.dirty.add(row);
      this.scheduler.request();
    }, 1000);
  }

  dispose(): void {
    this.disposed = true;
    this.subscription?.close();
    this.scheduler.dispose();
    clearInterval(this.ticker);
    clearTimeout(this.refetchTimer);
  }

  private async load(append: boolean): Promise<void> {
    const token = ++this.loadToken;
    try {
      const page = await this.transport.listExecutions({
        limit: PAGE_SIZE,
        offset: append ? this.order.length : 0,
        status: this.statusFilter || undefined,
        flow_id: this.flowFilter || undefined,
      });
      if (token !== this.loadToken || this.disposed) return;
      this.message.hidden = true;
      if (!append) {
        this.rows.clear();
        this.order.length = 0;
        this.dirty.clear();
        replaceChildren(this.body);
      }
      this.total = page.total;
      for (const summary of page.executions) this.upsert(summary, 'end');
      for (const id of this.unknown) if (!this.rows.has(id)) this.absent.add(id);
      this.unknown.clear();
      this.scheduler.request();
    } catch (err) {
      if (token !== this.loadToken) return;
      if (err instanceof TransportError && err.status === 401) return this.options.onUnauthorized();
      this.message.hidden = false;
      this.message.textContent = `Cannot load executions: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  private async loadFlows(): Promise<void> {
    let flows: FlowInfo[];
    try {
      flows = await this.transport.listFlows();
    } catch {
      return;
    }
    if (this.disposed) return;
    const label = (flow: FlowInfo) => (flow.name && flow.name !== flow.id ? `${flow.name} — ${flow.id}` : flow.id);
    flows.sort((a, b) => label(a).localeCompare(label(b)));
    for (const select of [this.flowSelect, this.runSelect]) {
      for (const flow of flows) select.appendChild(h('option', { value: flow.id, text: label(flow) }));
    }
    this.runButton.disabled = flows.length === 0;
  }

  private async run(): Promise<void> {
    const flowId = this.runSelect.value;
    if (!flowId) return;
    this.runButton.disabled = true;
    try {
      const execution = await this.transport.trigger(flowId);
      this.options.onOpen(execution.id);
    } catch (err) {
      this.message.hidden = false;
      this.message.textContent = `Cannot run ${flowId}: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      this.runButton.disabled = false;
    }
  }

  private upsert(summary: ExecutionSummary, where: 'start' | 'end'): void {
    let row = this.rows.get(summary.id);
    if (row) {
      row.summary = summary;
    } else {
      const element = h('tr', { 'data-id': summary.id, class: 'execution-row' });
      row = { summary, element, drawn: '' };
      this.rows.set(summary.id, row);
      if (where === 'start') {
        this.order.unshift(summary.id);
        this.body.insertBefore(element, this.body.firstChild);
      } else {
        this.order.push(summary.id);
        this.body.appendChild(element);
      }
    }
    this.dirty.add(row);
  }

  private matchesFilters(summary: ExecutionSummary): boolean {
    return (
      (!this.statusFilter || summary.status === this.statusFilter) &&
      (!this.flowFilter || summary.flow_id === this.flowFilter)
    );
  }

  private readonly onEvent = (event: ExecutionEvent): void => {
    const row = this.rows.get(event.execution_id);
    if (!row) {
      // A new execution, or one that may now match the filters: read the list again, once per
      // burst, and not for every event of an execution the list does not show.
      const changesListing =
        event.type === 'execution.started' ||
        event.type === 'execution.completed' ||
        event.type === 'execution.failed' ||
        event.type === 'execution.cancelled';
      if (this.absent.has(event.execution_id) && !changesListing) return;
      this.unknown.add(event.execution_id);
      if (changesListing || !this.refetchTimer) this.scheduleRefetch();
      return;
    }
    const s = { ...row.summary };
    if (!applySummaryEvent(s, event)) return;
    row.summary = s;
    this.dirty.add(row);
    this.scheduler.request();
  };

  private readonly onConnection = (state: ConnectionState): void => {
    const wasDown = this.connection === 'reconnecting';
    this.connection = state;
    if (state === 'unauthorized') this.options.onUnauthorized();
    this.live.dataset.state = state;
    this.live.hidden = state === 'ended';
    setText(this.live, state === 'live' ? 'Live' : state === 'reconnecting' ? 'Reconnecting…' : 'Connecting…');
    // Events of all executions are not replayed: after a gap, read the list again.
    if (state === 'live' && wasDown) this.scheduleRefetch();
  };

  private scheduleRefetch(): void {
    clearTimeout(this.refetchTimer);
    this.refetchTimer = setTimeout(() => {
      this.refetchTimer = undefined;
      void this.load(false);
    }, 150);
  }

  private draw(): boolean {
    for (const row of this.dirty) this.drawRow(row);
    this.dirty.clear();
    const shown = this.order.length;
    this.empty.hidden = shown > 0;
    this.table.hidden = shown === 0;
    this.more.hidden = shown >= this.total;
    setText(this.countText, this.total ? `${this.total} execution${this.total === 1 ? '' : 's'}` : '');
    return false;
  }

  private drawRow(row: ListRow): void {
    const s = row.summary;
    const finished = isFinished(s.status);
    const duration = finished
      ? s.duration_ms
      : s.started_at
        ? Date.now() - new Date(s.started_at).getTime()
        : undefined;
    const started = s.started_at ?? s.created_at;
    const key = `${s.status}|${s.passed_steps}|${s.failed_steps}|${s.skipped_steps}|${s.total_steps}|${formatDuration(duration)}|${formatRelative(started)}|${this.matchesFilters(s)}`;
    if (key === row.drawn) return;
    row.drawn = key;
    const href = `#/executions/${encodeURIComponent(s.id)}`;
    row.element.dataset.status = s.status;
    replaceChildren(
      row.element,
      h(
        'td',
        { class: 'col-status' },
        h('span', { class: 'status-pill', 'data-status': s.status, text: statusLabel(s.status) }),
      ),
      h(
        'td',
        { class: 'col-flow' },
        h('a', { href, class: 'flow-link', text: s.flow_name }),
        h('div', { class: 'muted small mono', text: s.flow_id }),
      ),
      h(
        'td',
        { class: 'col-steps' },
        h(
          'span',
          { class: 'count completed', title: 'passed' },
          h('span', { class: 'dot', 'aria-hidden': 'true' }),
          String(s.passed_steps),
        ),
        h(
          'span',
          { class: 'count failed', title: 'failed' },
          h('span', { class: 'dot', 'aria-hidden': 'true' }),
          String(s.failed_steps),
        ),
        s.skipped_steps
          ? h(
              'span',
              { class: 'count skipped', title: 'skipped' },
              h('span', { class: 'dot', 'aria-hidden': 'true' }),
              String(s.skipped_steps),
            )
          : null,
        // total_steps counts step definitions; loops run some more than once.
        h('span', {
          class: 'muted small',
          text: `of ${Math.max(s.total_steps, s.passed_steps + s.failed_steps + s.skipped_steps)}`,
        }),
      ),
      h(
        'td',
        { class: 'col-started' },
        h('time', { datetime: started, title: formatTime(started), text: formatRelative(started) }),
      ),
      h('td', { class: 'col-duration mono', text: formatDuration(duration) }),
      h('td', { class: 'col-trigger muted', text: s.trigger }),
    );
    row.element.classList.toggle('filtered-out', !this.matchesFilters(s));
  }
}
