/**
 * The executions list: flow, status, start, duration and step counts, newest first, updated live
 * from the all-executions event stream. Filtered server-side (status, flow, folder, tag, environment, trigger,
 * date range, text; the filter lives in the URL fragment and the matched text is highlighted),
 * with multi-select (selectableRows.ts) and bulk re-run, cancel and delete. A flow can be started
 * from here too.
 */
import type { ExecutionEvent, ExecutionStatus } from '../../core/events';
import type { ExecutionSummary } from '../../core/history/types';
import { applySummaryEvent } from '../../core/history/fold';
import type { BulkExecutionAction } from '../../core/bulkExecutions';
import { h, replaceChildren, setText } from '../dom';
import { highlightParts } from '../highlight';
import { LIST_FILTER_NAMES, type ListFilter } from '../route';
import { SelectableRows, selectCell } from '../selectableRows';
import { FrameScheduler } from '../frame';
import { formatDuration, formatRelative, formatTime, isFinished, statusLabel } from '../format';
import type { ConnectionState, FlowInfo, Subscription, Transport } from '../transport';
import { TransportError } from '../transport';

export interface ListViewOptions {
  /** The filter the URL named. */
  filter?: ListFilter;
  onOpen(executionId: string): void;
  onUnauthorized(): void;
  /** The user changed the filter (the app keeps it in the URL). */
  onFilterChange?(filter: ListFilter): void;
}

const PAGE_SIZE = 50;
const STATUSES: ExecutionStatus[] = ['running', 'pending', 'completed', 'failed', 'cancelled'];
const TRIGGERS = ['api', 'editor', 'cli', 'browser', 'debug'];
/** Typing in the search box reloads after this pause. */
const SEARCH_DELAY_MS = 250;

/** Text with the search's matches wrapped in `<mark>`. */
function marked(text: string, query: string | undefined): (Node | string)[] {
  return highlightParts(text, query).map((part) => (part.match ? h('mark', { text: part.text }) : part.text));
}

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
  private filter: ListFilter;
  private readonly filterInputs = new Map<keyof ListFilter, HTMLInputElement | HTMLSelectElement>();
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly selectable: SelectableRows;
  private readonly bulkBar: HTMLElement;
  private readonly bulkCount: HTMLElement;
  private readonly bulkStatus: HTMLElement;
  private readonly confirmDelete: HTMLElement;
  private readonly selectAllBox: HTMLInputElement;
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
    this.filter = { ...(options.filter ?? {}) };
    this.body = h('tbody', {});
    this.selectAllBox = h('input', {
      type: 'checkbox',
      class: 'select-all',
      'aria-label': 'Select all shown executions',
    });
    this.selectAllBox.addEventListener('change', () => {
      if (this.selectAllBox.checked) this.selectable.selection.selectAll();
      else this.selectable.selection.clear();
      this.selectable.setOrder(this.order);
      this.drawBulkBar();
    });
    this.table = h(
      'table',
      { class: 'executions', 'aria-label': 'Executions' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', class: 'col-select' }, this.selectAllBox),
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
    this.selectable = new SelectableRows(this.table, this.body, {
      onChange: () => this.drawBulkBar(),
      onActivate: (id) => this.options.onOpen(id),
      clickOpens: transport.readOnly === true,
    });
    this.empty = h(
      'div',
      { class: 'empty-state', hidden: true },
      h('h2', { class: 'empty-title', text: 'No executions yet' }),
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
    this.flowSelect = h(
      'select',
      { class: 'select', 'aria-label': 'Filter by flow' },
      h('option', { value: '', text: 'All flows' }),
    );
    const triggerSelect = h(
      'select',
      { class: 'select', 'aria-label': 'Filter by trigger' },
      h('option', { value: '', text: 'All triggers' }),
      ...TRIGGERS.map((t) => h('option', { value: t, text: t })),
    );
    const textFilter = (placeholder: string, label: string, size: number) =>
      h('input', { type: 'text', class: 'input', placeholder, 'aria-label': label, size });
    const environmentInput = textFilter('Environment', 'Filter by environment', 12);
    const folderInput = textFilter('Folder', 'Filter by folder (a workspace-relative path)', 10);
    const tagInput = textFilter('Tag', 'Filter by flow tag', 8);
    const fromInput = h('input', { type: 'date', class: 'input', 'aria-label': 'Started from (date)' });
    const toInput = h('input', { type: 'date', class: 'input', 'aria-label': 'Started until (date, inclusive)' });
    const searchInput = h('input', {
      type: 'search',
      class: 'input search',
      placeholder: 'Search names and errors',
      'aria-label': 'Search flow names, step names and error messages',
    });
    const inputs: [keyof ListFilter, HTMLInputElement | HTMLSelectElement][] = [
      ['status', statusSelect],
      ['flow_id', this.flowSelect],
      ['folder', folderInput],
      ['tag', tagInput],
      ['trigger', triggerSelect],
      ['environment', environmentInput],
      ['from', fromInput],
      ['to', toInput],
      ['q', searchInput],
    ];
    for (const [name, input] of inputs) {
      this.filterInputs.set(name, input);
      if (
        input instanceof HTMLSelectElement &&
        this.filter[name] &&
        !Array.from(input.options).some((o) => o.value === this.filter[name])
      )
        input.appendChild(h('option', { value: this.filter[name], text: this.filter[name] }));
      input.value = this.filter[name] ?? '';
      const typed = input instanceof HTMLInputElement && input.type !== 'date';
      input.addEventListener(typed ? 'input' : 'change', () => {
        clearTimeout(this.searchTimer);
        if (typed) this.searchTimer = setTimeout(() => this.setFilter(name, input.value), SEARCH_DELAY_MS);
        else this.setFilter(name, input.value);
      });
    }
    const clearFilters = h('button', { type: 'button', class: 'button secondary', text: 'Clear filters' });
    clearFilters.addEventListener('click', () => {
      for (const input of this.filterInputs.values()) input.value = '';
      this.filter = {};
      this.filterChanged();
    });
    const rerunFailed = h('button', {
      type: 'button',
      class: 'button secondary rerun-failed',
      text: 'Re-run failed',
      title: 'Re-run every failed execution this filter finds',
    });
    rerunFailed.addEventListener(
      'click',
      () => void this.bulk('rerun', { filter: { ...this.filterBody(), status: 'failed' } }),
    );

    this.bulkCount = h('span', { class: 'bulk-count' });
    this.bulkStatus = h('span', { class: 'bulk-status muted', role: 'status', 'aria-live': 'polite' });
    const bulkButton = (text: string, action: () => void) => {
      const button = h('button', { type: 'button', class: 'button secondary', text });
      button.addEventListener('click', action);
      return button;
    };
    const yes = bulkButton('Delete', () => {
      this.confirmDelete.hidden = true;
      void this.bulk('delete', { ids: this.selectable.ids() });
    });
    yes.className = 'button danger';
    this.confirmDelete = h(
      'span',
      { class: 'confirm', hidden: true },
      h('span', { class: 'confirm-text', text: 'Delete the selected executions from history?' }),
      yes,
      bulkButton('Keep', () => (this.confirmDelete.hidden = true)),
    );
    this.bulkBar = h(
      'div',
      { class: 'bulk-bar', role: 'toolbar', 'aria-label': 'Selected executions', hidden: true },
      this.bulkCount,
      bulkButton('Re-run', () => void this.bulk('rerun', { ids: this.selectable.ids() })),
      bulkButton('Cancel', () => void this.bulk('cancel', { ids: this.selectable.ids() })),
      bulkButton('Delete…', () => {
        this.confirmDelete.hidden = false;
        yes.focus();
      }),
      bulkButton('Clear selection', () => this.selectable.clear()),
      this.confirmDelete,
    );
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
        h(
          'div',
          { class: 'filters', role: 'search', 'aria-label': 'Filter executions' },
          searchInput,
          statusSelect,
          this.flowSelect,
          folderInput,
          tagInput,
          environmentInput,
          triggerSelect,
          h('label', { class: 'date-field' }, h('span', { class: 'muted small', text: 'From' }), fromInput),
          h('label', { class: 'date-field' }, h('span', { class: 'muted small', text: 'To' }), toInput),
          clearFilters,
          rerunFailed,
        ),
        h('div', { class: 'bulk-row' }, this.bulkBar, this.bulkStatus),
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
    clearTimeout(this.searchTimer);
  }

  private setFilter(name: keyof ListFilter, value: string): void {
    if ((this.filter[name] ?? '') === value.trim()) return;
    if (value.trim()) this.filter[name] = value.trim();
    else delete this.filter[name];
    this.filterChanged();
  }

  private filterChanged(): void {
    this.options.onFilterChange?.({ ...this.filter });
    void this.load(false);
  }

  /** The filter in the names of the API (only set ones). */
  private filterBody(): Record<string, string> {
    const body: Record<string, string> = {};
    for (const name of LIST_FILTER_NAMES) if (this.filter[name]) body[name] = this.filter[name]!;
    return body;
  }

  private async bulk(action: BulkExecutionAction, body: Record<string, unknown>): Promise<void> {
    const verb = { rerun: 'Re-ran', cancel: 'Cancelled', delete: 'Deleted' }[action];
    setText(this.bulkStatus, 'Working…');
    try {
      const answer = await this.transport.bulkExecutions(action, body);
      const notes = answer.results
        .filter((r) => !['started', 'cancelled', 'deleted'].includes(r.status))
        .map((r) => r.status.replace('_', ' '));
      const counts = [...new Set(notes)].map((n) => `${notes.filter((x) => x === n).length} ${n}`);
      setText(
        this.bulkStatus,
        `${verb} ${answer.succeeded} of ${answer.total} execution${answer.total === 1 ? '' : 's'}${counts.length ? ` (${counts.join(', ')})` : ''}`,
      );
      if (action === 'delete') this.selectable.clear();
      void this.load(false);
    } catch (err) {
      if (err instanceof TransportError && err.status === 401) return this.options.onUnauthorized();
      setText(
        this.bulkStatus,
        `Cannot ${action === 'rerun' ? 're-run' : action}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private drawBulkBar(): void {
    const count = this.selectable.ids().length;
    this.bulkBar.hidden = count === 0;
    if (count === 0) this.confirmDelete.hidden = true;
    setText(this.bulkCount, `${count} selected`);
    this.selectAllBox.checked = count > 0 && count === this.order.length;
    this.selectAllBox.indeterminate = count > 0 && count < this.order.length;
  }

  private async load(append: boolean): Promise<void> {
    const token = ++this.loadToken;
    try {
      const page = await this.transport.listExecutions({
        limit: PAGE_SIZE,
        offset: append ? this.order.length : 0,
        ...this.filterBody(),
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
      this.selectable.setOrder(this.order);
      this.drawBulkBar();
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
      for (const flow of flows)
        if (!Array.from(select.options).some((o) => o.value === flow.id))
          select.appendChild(h('option', { value: flow.id, text: label(flow) }));
    }
    this.flowSelect.value = this.filter.flow_id ?? '';
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
        this.selectable.setOrder(this.order);
      } else {
        this.order.push(summary.id);
        this.body.appendChild(element);
      }
    }
    this.dirty.add(row);
  }

  /** What the list can check itself as a run goes on (its status changes); the rest the server filtered. */
  private matchesFilters(summary: ExecutionSummary): boolean {
    const status = this.filter.status?.split(',');
    return !status || status.includes(summary.status);
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
    const filtered = Object.keys(this.filter).length > 0;
    setText(
      this.empty.querySelector('.empty-title')!,
      filtered ? 'No executions match this filter' : 'No executions yet',
    );
    (this.empty.querySelector('p') as HTMLElement).hidden = filtered;
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
    const key = `${s.status}|${s.passed_steps}|${s.failed_steps}|${s.skipped_steps}|${s.total_steps}|${formatDuration(duration)}|${formatRelative(started)}|${this.matchesFilters(s)}|${s.error ?? ''}`;
    if (key === row.drawn) return;
    row.drawn = key;
    const href = `#/executions/${encodeURIComponent(s.id)}`;
    const q = this.filter.q;
    row.element.dataset.status = s.status;
    replaceChildren(
      row.element,
      selectCell(`Select ${s.flow_name} ${s.id}`),
      h(
        'td',
        { class: 'col-status' },
        h('span', { class: 'status-pill', 'data-status': s.status, text: statusLabel(s.status) }),
      ),
      h(
        'td',
        { class: 'col-flow' },
        h('a', { href, class: 'flow-link', tabindex: -1 }, ...marked(s.flow_name, q)),
        h('div', { class: 'muted small mono' }, ...marked(s.flow_id, q)),
        s.error ? h('div', { class: 'row-error small', title: s.error }, ...marked(s.error, q)) : null,
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
    for (const cell of Array.from(row.element.cells)) cell.setAttribute('role', 'gridcell');
    row.element.classList.toggle('filtered-out', !this.matchesFilters(s));
    this.selectable.drawRow(row.element);
  }
}
