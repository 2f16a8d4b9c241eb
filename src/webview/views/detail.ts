/**
 * One execution, live: a header (status, Live badge, progress, counts), the step tree and the
 * selected step's detail (or, with none selected, the execution's overview and logs). Every step
 * the run will take is listed from its start (queued ones greyed), so "2 / 5 steps" has five rows,
 * and an empty section says what would appear in it.
 *
 * The plan (engine/plan.ts) lists nested steps and sub-flows' steps too. A loop body's planned
 * rows give way to its iterations' rows when the first starts. A planned row that no event reaches
 * is settled as skipped, with why, when its parent ends (its parent was skipped, a condition took
 * the other branch, a loop had no items) or when the run ends: the header counts every row it
 * shows, skipped ones as skipped.
 *
 * The state is the same pure fold the server uses (core/history/fold.ts) over the execution's
 * events from seq 1, so the page draws exactly what the server and the history store hold.
 * Events only mark what changed; drawing happens once per animation frame within a budget.
 */
import type { ExecutionEvent, PlannedStep } from '../../core/events';
import { applyEvent, emptyExecutionState, type ExecutionState } from '../../core/history/fold';
import type { ExecutionSummary, StepState } from '../../core/history/types';
import { h, replaceChildren, setAttr, setText } from '../dom';
import { FrameScheduler } from '../frame';
import { formatDuration, formatTime, isFinished, statusLabel } from '../format';
import { jsonView } from '../jsonView';
import type { ConnectionState, Subscription, Transport } from '../transport';
import { TransportError } from '../transport';
import { notRunReason } from '../../core/stepStateText';
import { logLine } from './logs';
import { StepPanel } from './stepPanel';
import { StepTree } from './stepTree';

export interface DetailViewOptions {
  stepId?: string;
  /** The selected step changed: the app records it in the URL. */
  onSelectStep(stepId: string | undefined): void;
  onUnauthorized(): void;
}

const BADGE_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  ended: '',
  unauthorized: 'Not authorized',
};

const EMPTY_LOGS_RUNNING = 'No log lines yet: log steps and actions that log write here while the run goes.';
const EMPTY_LOGS_FINISHED = 'No log lines in this run.';

/** Rows drawn between two looks at the clock. */
const ROWS_PER_CHECK = 64;

export class DetailView {
  readonly element: HTMLElement;
  private readonly state: ExecutionState;
  private summary: ExecutionSummary | undefined;
  private readonly dirtySteps = new Set<StepState>();
  private headerDirty = true;
  private drawnLogs = 0;
  private connection: ConnectionState = 'connecting';
  private subscription: Subscription | undefined;
  private readonly scheduler: FrameScheduler;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private selectedId: string | undefined;
  /** The first failed step of a failed run is shown once, when nothing else was selected. */
  private autoSelected = false;
  private drawnOverview = '';
  /** New rows were added while the pane showed its end: scroll to the end next frame. */
  private followPending = false;
  private disposed = false;
  /** Rows listed from the plan that no event has reached yet, by step id. */
  private readonly plannedOnly = new Map<string, StepState>();
  /** Planned-only rows by parent id, to settle a parent's rows when it ends. */
  private readonly plannedChildren = new Map<string, Set<string>>();

  private readonly tree: StepTree;
  private readonly panel: StepPanel;
  private readonly stepsPane: HTMLElement;
  private readonly sidePane: HTMLElement;
  private readonly overview: HTMLElement;
  private readonly overviewInfo: HTMLElement;
  private readonly logsList: HTMLOListElement;
  private readonly logsTitle: HTMLElement;
  private readonly logsEmpty: HTMLElement;
  private readonly emptySteps: HTMLElement;
  private readonly header = {
    title: h('h1', { class: 'exec-title', text: 'Loading…' }),
    status: h('span', { class: 'status-pill', role: 'status', 'data-status': 'pending', text: 'pending' }),
    live: h('span', { class: 'live-badge', role: 'status', 'data-state': 'connecting', text: 'Connecting…' }),
    meta: {
      flow: metaPair('Flow'),
      started: metaPair('Started'),
      duration: metaPair('Duration'),
      trigger: metaPair('Trigger'),
    },
    counts: {
      completed: countItem('completed', 'passed'),
      failed: countItem('failed', 'failed'),
      skipped: countItem('skipped', 'skipped'),
      total: h('span', { class: 'count total' }),
    },
    cancel: h('button', { type: 'button', class: 'button danger', hidden: true, text: 'Cancel' }),
    progress: h('div', {
      class: 'progress',
      role: 'progressbar',
      'aria-label': 'Steps finished',
      'aria-valuemin': 0,
      'aria-valuemax': 0,
      'aria-valuenow': 0,
    }),
    bars: {
      completed: h('span', { class: 'bar completed' }),
      failed: h('span', { class: 'bar failed' }),
      skipped: h('span', { class: 'bar skipped' }),
      running: h('span', { class: 'bar running' }),
    },
  };

  constructor(
    private readonly transport: Transport,
    private readonly executionId: string,
    private readonly options: DetailViewOptions,
  ) {
    this.state = emptyExecutionState(executionId);
    this.selectedId = options.stepId;
    this.scheduler = new FrameScheduler((deadline) => this.draw(deadline));
    this.tree = new StepTree((stepId) => this.select(stepId, 'user'));
    this.panel = new StepPanel(transport, executionId);

    const hd = this.header;
    hd.progress.append(hd.bars.completed, hd.bars.failed, hd.bars.skipped, hd.bars.running);
    hd.cancel.addEventListener('click', () => void this.cancel());

    this.emptySteps = h('p', { class: 'muted empty', text: 'The steps of the flow appear here once the run starts.' });
    this.stepsPane = h('div', { class: 'steps-pane', 'aria-label': 'Steps' }, this.emptySteps, this.tree.element);
    this.logsTitle = h('h2', { class: 'section-title', text: 'Logs' });
    this.logsEmpty = h('p', { class: 'muted empty', text: EMPTY_LOGS_RUNNING });
    this.logsList = h('ol', { class: 'logs', 'aria-label': 'Execution logs' });
    this.overviewInfo = h('div', { class: 'overview-info' });
    this.overview = h(
      'div',
      { class: 'overview', role: 'region', 'aria-label': 'Execution overview' },
      this.overviewInfo,
      this.logsTitle,
      this.logsEmpty,
      this.logsList,
    );
    this.overview.addEventListener('click', (event) => {
      const link = event.target instanceof Element ? event.target.closest<HTMLElement>('[data-step-id]') : null;
      if (!link?.dataset.stepId) return;
      event.preventDefault();
      this.select(link.dataset.stepId, 'user');
      this.tree.select(link.dataset.stepId, { scroll: true });
    });
    const back = h('button', { type: 'button', class: 'button link back-to-overview', text: '← Overview' });
    back.addEventListener('click', () => this.select(undefined, 'user'));
    this.sidePane = h(
      'div',
      { class: 'side-pane' },
      this.overview,
      h('div', { class: 'step-panel-wrap', hidden: true }, back, this.panel.element),
    );

    this.element = h(
      'div',
      { class: 'detail-view' },
      h(
        'header',
        { class: 'exec-header' },
        h(
          'nav',
          { class: 'crumbs', 'aria-label': 'Breadcrumb' },
          h('a', { href: '#/executions', text: 'Executions' }),
          h('span', { class: 'crumb-sep', 'aria-hidden': 'true', text: '/' }),
          h('span', { class: 'mono crumb-id', text: executionId }),
        ),
        h('div', { class: 'title-row' }, hd.status, hd.title, hd.live, h('span', { class: 'spacer' }), hd.cancel),
        h('div', { class: 'exec-meta' }, hd.meta.flow, hd.meta.started, hd.meta.duration, hd.meta.trigger),
        h(
          'div',
          { class: 'progress-row' },
          hd.progress,
          h('div', { class: 'counts' }, hd.counts.completed, hd.counts.failed, hd.counts.skipped, hd.counts.total),
        ),
      ),
      h('div', { class: 'split' }, this.stepsPane, this.sidePane),
    );
  }

  mount(): void {
    this.subscription = this.transport.subscribe(this.executionId, 0, this.onEvent, this.onConnection);
    this.transport.getSummary(this.executionId).then(
      (summary) => {
        this.summary = summary;
        this.markHeader();
      },
      (err) => this.onLoadError(err),
    );
    this.ticker = setInterval(() => {
      if (this.state.status === 'running') this.markHeader();
    }, 1000);
    this.scheduler.request();
  }

  dispose(): void {
    this.disposed = true;
    this.subscription?.close();
    this.scheduler.dispose();
    clearInterval(this.ticker);
  }

  /**
   * Selects a step; undefined shows the overview. `url`: the address named it; `user`: a click or
   * key in the tree; `auto`: the first failure of a failed run. The last two are recorded in the URL.
   */
  select(stepId: string | undefined, source: 'url' | 'user' | 'auto' = 'url'): void {
    if (stepId === this.selectedId && source === 'url') return;
    this.selectedId = stepId;
    this.tree.select(stepId, { scroll: source !== 'user' });
    this.drawSide();
    if (source !== 'url') this.options.onSelectStep(stepId);
  }

  private readonly onEvent = (event: ExecutionEvent): void => {
    const step = applyEvent(this.state, event);
    if (step) {
      this.reached(step.step_id);
      this.dirtySteps.add(step);
    }
    if (event.type === 'execution.started') this.planSteps(event.data.planned_steps ?? []);
    if (event.type === 'step.skipped') this.settlePlanned(event.data.step_id, event.data.reason);
    else if (event.type === 'step.completed' || event.type === 'step.failed')
      this.settlePlanned(event.data.step_id, notRunReason(step?.action));
    this.headerDirty = true;
    if (
      event.type === 'execution.completed' ||
      event.type === 'execution.failed' ||
      event.type === 'execution.cancelled'
    ) {
      // The fold settles steps left running; draw them all once more.
      for (const s of this.state.steps) if (this.tree.has(s.step_id)) this.dirtySteps.add(s);
      const reason = event.type === 'execution.cancelled' ? 'cancelled' : 'not run';
      for (const id of [...this.plannedOnly.keys()]) this.settle(id, reason);
    }
    this.scheduler.request();
  };

  /** Rows for the steps the run will take, queued until their own events arrive (same step ids). */
  private planSteps(planned: PlannedStep[]): void {
    const known = new Set(this.state.steps.map((s) => s.step_id));
    for (const p of planned) {
      if (known.has(p.step_id) || this.tree.has(p.step_id)) continue;
      const state: StepState = { ...p, status: 'pending', attempt: 0 };
      this.plannedOnly.set(p.step_id, state);
      if (p.parent_id !== undefined) {
        const siblings = this.plannedChildren.get(p.parent_id) ?? new Set<string>();
        siblings.add(p.step_id);
        this.plannedChildren.set(p.parent_id, siblings);
      }
      this.dirtySteps.add(state);
    }
  }

  /** A step's own event arrived: its row is no longer only planned; a loop iteration replaces the body's planned row. */
  private reached(stepId: string): void {
    if (this.forgetPlanned(stepId)) return;
    const definition = stepId.replace(/\[\d+\]/g, '');
    if (definition === stepId || !this.plannedOnly.has(definition)) return;
    this.dropPlanned(definition);
    this.tree.remove(definition);
  }

  /**
   * Forgets a planned-only row; true if it was one. A row not drawn yet stays queued for drawing,
   * so it is created in its planned place before its own state is drawn over it.
   */
  private forgetPlanned(stepId: string): boolean {
    const planned = this.plannedOnly.get(stepId);
    if (!planned) return false;
    this.plannedOnly.delete(stepId);
    if (planned.parent_id !== undefined) this.plannedChildren.get(planned.parent_id)?.delete(stepId);
    return true;
  }

  /** Forgets a planned-only row and those under it, drawn or not (a loop body giving way to its iterations). */
  private dropPlanned(stepId: string): void {
    for (const child of [...(this.plannedChildren.get(stepId) ?? [])]) this.dropPlanned(child);
    this.plannedChildren.delete(stepId);
    const planned = this.plannedOnly.get(stepId);
    if (planned) this.dirtySteps.delete(planned);
    this.forgetPlanned(stepId);
  }

  /** A step ended: its planned rows that never ran are skipped, and say why. */
  private settlePlanned(stepId: string, reason: string): void {
    for (const child of [...(this.plannedChildren.get(stepId) ?? [])]) this.settle(child, reason);
  }

  private settle(stepId: string, reason: string): void {
    const planned = this.plannedOnly.get(stepId);
    if (!planned) return;
    this.settlePlanned(stepId, reason);
    this.forgetPlanned(stepId);
    this.plannedChildren.delete(stepId);
    this.dirtySteps.add({ ...planned, status: 'skipped', skip_reason: reason });
  }

  private readonly onConnection = (state: ConnectionState): void => {
    this.connection = state;
    if (state === 'unauthorized') this.options.onUnauthorized();
    this.markHeader();
  };

  private onLoadError(err: unknown): void {
    if (this.disposed) return;
    if (err instanceof TransportError && err.status === 401) {
      this.options.onUnauthorized();
      return;
    }
    if (this.state.last_seq > 0) return;
    this.subscription?.close();
    const notFound = err instanceof TransportError && err.status === 404;
    replaceChildren(
      this.element,
      h(
        'div',
        { class: 'empty-state', role: 'alert' },
        h('h1', { text: notFound ? 'Execution not found' : 'Cannot load this execution' }),
        h('p', {
          class: 'muted',
          text: notFound
            ? `There is no execution ${this.executionId}; it may have been removed by the history retention.`
            : err instanceof Error
              ? err.message
              : String(err),
        }),
        h('a', { href: '#/executions', class: 'button', text: 'All executions' }),
      ),
    );
  }

  private markHeader(): void {
    this.headerDirty = true;
    this.scheduler.request();
  }

  private async cancel(): Promise<void> {
    this.header.cancel.disabled = true;
    try {
      await this.transport.cancel(this.executionId);
    } catch (err) {
      this.header.cancel.disabled = false;
      this.header.cancel.title = err instanceof Error ? err.message : String(err);
    }
  }

  /** One frame of drawing; returns true while work is left for the next frame. */
  private draw(deadline: number): boolean {
    if (this.disposed) return false;
    const steps = this.dirtySteps;
    const pane = this.stepsPane;
    // At the start of a frame layout is still clean, so reading and scrolling the pane costs no
    // extra layout; following new rows therefore happens one frame late, never mid-frame.
    if (this.followPending) {
      this.followPending = false;
      pane.scrollTop = pane.scrollHeight;
    }
    if (steps.size) {
      const follow = this.state.status === 'running' && pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 24;
      const rowsBefore = this.tree.size;
      let n = 0;
      for (const step of steps) {
        steps.delete(step);
        const isNew = !this.tree.has(step.step_id);
        this.tree.render(step);
        if (step.step_id === this.selectedId) {
          // A step selected by the URL before its row existed: show it now.
          if (isNew) this.tree.select(step.step_id, { scroll: true });
          this.drawSide();
        }
        if (++n % ROWS_PER_CHECK === 0 && performance.now() > deadline) break;
      }
      if (this.tree.size > 0) this.emptySteps.hidden = true;
      if (follow && this.tree.size !== rowsBefore) this.followPending = true;
      this.headerDirty = true;
    }
    if (this.drawnLogs < this.state.logs.length && performance.now() <= deadline) this.drawLogs(deadline);
    if (this.headerDirty) {
      this.headerDirty = false;
      this.drawHeader();
    }
    return steps.size > 0 || this.drawnLogs < this.state.logs.length || this.followPending;
  }

  private drawLogs(deadline: number): void {
    const logs = this.state.logs;
    const fragment = document.createDocumentFragment();
    const start = this.drawnLogs;
    while (this.drawnLogs < logs.length) {
      fragment.appendChild(logLine(logs[this.drawnLogs++], true));
      if ((this.drawnLogs - start) % ROWS_PER_CHECK === 0 && performance.now() > deadline) break;
    }
    this.logsList.appendChild(fragment);
    setText(this.logsTitle, `Logs (${logs.length})`);
    this.logsEmpty.hidden = logs.length > 0;
    if (this.selectedId !== undefined) this.panel.updateLogs(logs);
  }

  private drawHeader(): void {
    const { state, header: hd } = this;
    const status = state.status;
    const finished = isFinished(status);
    setText(hd.title, state.flow_name ?? this.summary?.flow_name ?? 'Execution');
    const title = `${statusLabel(status)} · ${state.flow_name ?? this.summary?.flow_name ?? 'Execution'} · TestMesh`;
    if (document.title !== title) document.title = title;
    hd.status.dataset.status = status;
    setText(hd.status, statusLabel(status));

    const live = this.connection;
    const badge = finished ? 'ended' : live;
    hd.live.dataset.state = badge;
    hd.live.hidden = badge === 'ended';
    setText(hd.live, BADGE_TEXT[badge]);
    hd.cancel.hidden = finished || (state.last_seq === 0 && !this.summary);

    const started = state.started_at ?? this.summary?.started_at;
    const elapsed = finished ? state.duration_ms : started ? Date.now() - new Date(started).getTime() : undefined;
    const trigger = this.summary?.trigger;
    setMeta(hd.meta.flow, this.summary?.flow_id ?? state.flow_file);
    setMeta(hd.meta.started, started ? formatTime(started) : undefined);
    setMeta(
      hd.meta.duration,
      elapsed === undefined ? undefined : formatDuration(elapsed),
      finished ? 'Duration' : 'Elapsed',
    );
    setMeta(hd.meta.trigger, trigger);

    const c = this.tree.counts;
    const done = c.completed + c.failed + c.skipped;
    const total = Math.max(state.total_steps, this.tree.size);
    setAttr(hd.progress, 'aria-valuemax', String(total));
    setAttr(hd.progress, 'aria-valuenow', String(done));
    setAttr(hd.progress, 'aria-valuetext', `${done} of ${total} steps finished`);
    const pct = (n: number) => `${total ? (100 * n) / total : 0}%`;
    hd.bars.completed.style.width = pct(c.completed);
    hd.bars.failed.style.width = pct(c.failed);
    hd.bars.skipped.style.width = pct(c.skipped);
    hd.bars.running.style.width = pct(c.running);
    setText(hd.counts.completed.lastChild as Element, `${c.completed} passed`);
    setText(hd.counts.failed.lastChild as Element, `${c.failed} failed`);
    setText(hd.counts.skipped.lastChild as Element, `${c.skipped} skipped`);
    hd.counts.skipped.hidden = c.skipped === 0;
    setText(hd.counts.total, `${done} / ${total} steps`);
    setText(this.logsEmpty, finished ? EMPTY_LOGS_FINISHED : EMPTY_LOGS_RUNNING);
    if (finished && this.tree.size === 0) setText(this.emptySteps, 'This run had no steps.');

    if (finished && this.selectedId === undefined && status === 'failed' && !this.autoSelected) {
      this.autoSelected = true;
      const firstFailed = state.steps.find((s) => s.status === 'failed');
      if (firstFailed && this.tree.has(firstFailed.step_id)) this.select(firstFailed.step_id, 'auto');
    }
    if (this.selectedId === undefined) this.drawOverview();
  }

  private drawSide(): void {
    const step =
      this.selectedId === undefined ? undefined : this.state.steps.find((s) => s.step_id === this.selectedId);
    const wrap = this.panel.element.parentElement as HTMLElement;
    if (step) {
      this.overview.hidden = true;
      wrap.hidden = false;
      this.panel.show(step, this.state.logs);
    } else {
      this.overview.hidden = false;
      wrap.hidden = true;
      this.drawOverview();
    }
  }

  private drawOverview(): void {
    const state = this.state;
    const key = `${state.status}|${state.error}|${this.summary?.id}`;
    if (key === this.drawnOverview) return;
    this.drawnOverview = key;
    const variables = this.summary?.variables;
    replaceChildren(
      this.overviewInfo,
      state.error
        ? h(
            'div',
            { class: 'callout error', role: 'alert' },
            h('strong', { text: 'Execution failed' }),
            h('pre', { class: 'message', text: state.error }),
          )
        : null,
      state.status === 'cancelled'
        ? h('p', { class: 'callout warning', text: 'This execution was cancelled; teardown still ran.' })
        : null,
      h('p', { class: 'muted hint', text: 'Select a step to see its request, response and assertions.' }),
      variables && Object.keys(variables).length
        ? h(
            'details',
            { class: 'section' },
            h('summary', { text: 'Run variables' }),
            jsonView(variables, 'Run variables'),
          )
        : null,
    );
  }
}

function metaPair(label: string): HTMLElement {
  return h(
    'span',
    { class: 'meta-pair', hidden: true },
    h('span', { class: 'meta-label', text: label }),
    h('span', { class: 'meta-value' }),
  );
}

/** Shows `value` in a meta pair (hidden without one), optionally relabelled. */
function setMeta(pair: HTMLElement, value: string | undefined, label?: string): void {
  pair.hidden = value === undefined || value === '';
  if (label !== undefined) setText(pair.firstElementChild!, label);
  setText(pair.lastElementChild!, value ?? '');
}

function countItem(status: string, label: string): HTMLElement {
  return h(
    'span',
    { class: `count ${status}`, title: label },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    h('span', {}),
  );
}
