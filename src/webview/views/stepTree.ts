/**
 * The steps of an execution as a keyboard-navigable tree, one row per step keyed by `step_id`.
 * Rows are created once and then only patched, so a 5,000-step execution costs one small DOM
 * update per changed step. Nested steps sit in a collapsible group under their parent.
 */
import type { StepStatus } from '../../core/events';
import type { Phase } from '../../core/flow/types';
import type { StepState } from '../../core/history/types';
import { h, setAttr, setText } from '../dom';
import { formatDuration, statusLabel } from '../format';
import { skippedText } from '../../core/stepStateText';

interface StepRow {
  id: string;
  item: HTMLElement;
  line: HTMLElement;
  name: HTMLElement;
  instance: HTMLElement;
  note: HTMLElement;
  attempts: HTMLElement;
  duration: HTMLElement;
  children?: HTMLElement;
  parent?: StepRow;
  depth: number;
  status?: StepStatus;
  /** What the row last drew, to skip steps whose visible fields did not change. */
  drawn: string;
}

const PHASE_TITLES: Record<Phase, string> = { setup: 'Setup', steps: 'Steps', teardown: 'Teardown' };

export type StepCounts = Record<StepStatus, number>;

export class StepTree {
  readonly element: HTMLElement;
  readonly counts: StepCounts = { pending: 0, running: 0, completed: 0, failed: 0, skipped: 0 };
  private readonly rows = new Map<string, StepRow>();
  private readonly phases = new Map<Phase, { section: HTMLElement; tree: HTMLElement }>();
  private selected: StepRow | undefined;
  /** The row that takes Tab focus (roving tabindex). */
  private focusable: StepRow | undefined;

  constructor(private readonly onSelect: (stepId: string) => void) {
    this.element = h('div', { class: 'step-trees' });
    for (const phase of ['setup', 'steps', 'teardown'] as const) {
      const titleId = `phase-${phase}`;
      const tree = h('div', { role: 'tree', class: 'step-tree', 'aria-labelledby': titleId });
      const section = h(
        'section',
        { class: 'phase', hidden: true, 'data-phase': phase },
        h('h3', { class: 'phase-title', id: titleId, text: PHASE_TITLES[phase] }),
        tree,
      );
      this.phases.set(phase, { section, tree });
      this.element.appendChild(section);
    }
    this.element.addEventListener('click', this.onClick);
    this.element.addEventListener('keydown', this.onKeyDown);
  }

  get size(): number {
    return this.rows.size;
  }

  has(stepId: string): boolean {
    return this.rows.has(stepId);
  }

  /** Draws one step, creating its row the first time. */
  render(step: StepState): void {
    let row = this.rows.get(step.step_id);
    if (!row) row = this.createRow(step);
    const key = `${step.status}|${step.attempt}|${step.duration_ms}|${step.error_message}|${step.skip_reason}|${step.step_name}`;
    if (row.drawn === key) return;
    row.drawn = key;

    if (row.status !== step.status) {
      if (row.status) this.counts[row.status]--;
      this.counts[step.status]++;
      row.status = step.status;
      row.item.dataset.status = step.status;
    }
    setText(row.name, step.step_name || step.step_id);
    // Loop iterations share a name; their id ends with the instance (`check[3]`), shown beside it.
    const instance = /(\[[^\]]*\])+$/.exec(step.step_id)?.[0] ?? '';
    setText(row.instance, instance);
    setText(
      row.duration,
      step.status === 'running' || step.status === 'pending' ? '' : formatDuration(step.duration_ms),
    );
    const retried = step.attempt > 1;
    setText(
      row.attempts,
      retried ? (step.status === 'running' ? `attempt ${step.attempt}` : `${step.attempt} attempts`) : '',
    );
    row.attempts.hidden = !retried;
    const note =
      step.status === 'failed'
        ? (step.error_message ?? '')
        : step.status === 'skipped'
          ? skippedText(step.skip_reason)
          : step.status === 'running' && step.error_message
            ? `retrying: ${step.error_message}`
            : '';
    setText(row.note, note);
    setAttr(row.note, 'title', note || undefined);
    const duration = row.duration.textContent;
    row.item.setAttribute(
      'aria-label',
      `${step.step_name || step.step_id}, ${statusLabel(step.status)}${duration ? `, ${duration}` : ''}${retried ? `, ${step.attempt} attempts` : ''}`,
    );
  }

  /** Removes a row and the rows under it (a loop body's planned rows, once its iterations have rows of their own). */
  remove(stepId: string): void {
    const row = this.rows.get(stepId);
    if (!row) return;
    const gone = new Set<StepRow>([row]);
    for (const other of this.rows.values())
      for (let p = other.parent; p; p = p.parent)
        if (gone.has(p)) {
          gone.add(other);
          break;
        }
    for (const r of gone) {
      this.rows.delete(r.id);
      if (r.status) this.counts[r.status]--;
      if (this.selected === r) this.selected = undefined;
    }
    const chunk = row.item.parentElement;
    row.item.remove();
    if (chunk && chunk.childElementCount === 0) chunk.remove();
    const parent = row.parent;
    if (parent?.children && parent.children.childElementCount === 0) {
      parent.children.remove();
      parent.children = undefined;
      parent.item.removeAttribute('aria-expanded');
      parent.item.classList.remove('has-children');
    }
    for (const { section, tree } of this.phases.values()) if (tree.childElementCount === 0) section.hidden = true;
    if (this.focusable && gone.has(this.focusable)) {
      this.focusable = undefined;
      const first = this.firstRow();
      if (first) this.makeFocusable(first);
    }
  }

  select(stepId: string | undefined, options: { focus?: boolean; scroll?: boolean } = {}): void {
    const row = stepId === undefined ? undefined : this.rows.get(stepId);
    if (this.selected !== row) {
      if (this.selected) {
        this.selected.item.setAttribute('aria-selected', 'false');
      }
      this.selected = row;
      if (row) {
        row.item.setAttribute('aria-selected', 'true');
        for (let p = row.parent; p; p = p.parent) this.setExpanded(p, true);
      }
    }
    if (row) {
      this.makeFocusable(row);
      if (options.scroll) row.line.scrollIntoView({ block: 'nearest' });
      if (options.focus) row.item.focus({ preventScroll: !options.scroll });
    }
  }

  private createRow(step: StepState): StepRow {
    const parent = step.parent_id === undefined ? undefined : this.rows.get(step.parent_id);
    const depth = parent ? parent.depth + 1 : 0;
    // Cloning one prepared row is several times cheaper than building nine elements.
    const item = rowTemplate().cloneNode(true) as HTMLElement;
    const line = item.firstElementChild as HTMLElement;
    const [, , name, instance, action, note, attempts, duration] = Array.from(line.children) as HTMLElement[];
    item.setAttribute('aria-level', String(depth + 1));
    item.dataset.stepId = step.step_id;
    action.textContent = step.action;
    // CSSOM, not a style attribute: a strict CSP (no 'unsafe-inline') allows it.
    if (depth) line.style.setProperty('--depth', String(depth));
    const row: StepRow = {
      id: step.step_id,
      item,
      line,
      name,
      instance,
      note,
      attempts,
      duration,
      parent,
      depth,
      drawn: '',
    };
    this.rows.set(step.step_id, row);

    if (parent) {
      if (!parent.children) {
        parent.children = h('div', { role: 'group', class: 'step-children' });
        parent.item.appendChild(parent.children);
        parent.item.setAttribute('aria-expanded', 'true');
        parent.item.classList.add('has-children');
      }
      appendItem(parent.children, item);
    } else {
      const phase = this.phases.get(step.phase) ?? this.phases.get('steps')!;
      phase.section.hidden = false;
      appendItem(phase.tree, item);
    }
    if (!this.focusable) this.makeFocusable(row);
    return row;
  }

  private makeFocusable(row: StepRow): void {
    if (this.focusable === row) return;
    this.focusable?.item.setAttribute('tabindex', '-1');
    this.focusable = row;
    row.item.setAttribute('tabindex', '0');
  }

  private setExpanded(row: StepRow, expanded: boolean): void {
    if (!row.children) return;
    row.item.setAttribute('aria-expanded', String(expanded));
    row.children.hidden = !expanded;
  }

  private rowOf(target: EventTarget | null): StepRow | undefined {
    const item = target instanceof Element ? target.closest<HTMLElement>('[role="treeitem"]') : null;
    const id = item?.dataset.stepId;
    return id === undefined ? undefined : this.rows.get(id);
  }

  private readonly onClick = (event: MouseEvent): void => {
    const row = this.rowOf(event.target);
    if (!row) return;
    if (event.target instanceof Element && event.target.classList.contains('twisty') && row.children) {
      this.setExpanded(row, row.children.hidden);
      return;
    }
    this.choose(row, false);
  };

  private choose(row: StepRow, scroll: boolean): void {
    this.select(row.id, { focus: true, scroll });
    this.onSelect(row.id);
  }

  private readonly onKeyDown = (event: KeyboardEvent): void => {
    const row = this.rowOf(event.target);
    if (!row) return;
    let next: StepRow | undefined;
    switch (event.key) {
      case 'ArrowDown':
        next = this.nextVisible(row);
        break;
      case 'ArrowUp':
        next = this.previousVisible(row);
        break;
      case 'Home':
        next = this.firstRow();
        break;
      case 'End':
        next = this.lastVisible();
        break;
      case 'ArrowRight':
        if (row.children?.hidden) this.setExpanded(row, true);
        else if (row.children) next = this.rowOf(firstItem(row.children));
        break;
      case 'ArrowLeft':
        if (row.children && !row.children.hidden) this.setExpanded(row, false);
        else next = row.parent;
        break;
      case 'Enter':
      case ' ':
        this.choose(row, true);
        break;
      default:
        return;
    }
    event.preventDefault();
    if (next) this.choose(next, true);
  };

  private firstRow(): StepRow | undefined {
    for (const { section, tree } of this.phases.values()) if (!section.hidden) return this.rowOf(firstItem(tree));
    return undefined;
  }

  private nextVisible(row: StepRow): StepRow | undefined {
    if (row.children && !row.children.hidden && firstItem(row.children)) return this.rowOf(firstItem(row.children));
    for (let r: StepRow | undefined = row; r; r = r.parent) {
      const next = nextItem(r.item);
      if (next) return this.rowOf(next);
      if (!r.parent) return this.firstOfLaterPhase(r);
    }
    return undefined;
  }

  private previousVisible(row: StepRow): StepRow | undefined {
    const previous = previousItem(row.item);
    if (previous) return this.deepestVisible(this.rowOf(previous));
    if (row.parent) return row.parent;
    return this.lastOfEarlierPhase(row);
  }

  private deepestVisible(row: StepRow | undefined): StepRow | undefined {
    while (row?.children && !row.children.hidden && lastItem(row.children)) row = this.rowOf(lastItem(row.children));
    return row;
  }

  private lastVisible(): StepRow | undefined {
    const sections = [...this.phases.values()].filter((p) => !p.section.hidden);
    const last = sections[sections.length - 1];
    return last ? this.deepestVisible(this.rowOf(lastItem(last.tree))) : undefined;
  }

  private phaseIndex(row: StepRow): number {
    return [...this.phases.values()].findIndex((p) => p.tree === row.item.parentElement?.parentElement);
  }

  private firstOfLaterPhase(row: StepRow): StepRow | undefined {
    const phases = [...this.phases.values()];
    for (let i = this.phaseIndex(row) + 1; i < phases.length; i++)
      if (!phases[i].section.hidden) return this.rowOf(firstItem(phases[i].tree));
    return undefined;
  }

  private lastOfEarlierPhase(row: StepRow): StepRow | undefined {
    const phases = [...this.phases.values()];
    for (let i = this.phaseIndex(row) - 1; i >= 0; i--)
      if (!phases[i].section.hidden) return this.deepestVisible(this.rowOf(lastItem(phases[i].tree)));
    return undefined;
  }
}

let template: HTMLElement | undefined;

function rowTemplate(): HTMLElement {
  template ??= h(
    'div',
    { role: 'treeitem', class: 'step', tabindex: -1, 'aria-selected': 'false' },
    h(
      'div',
      { class: 'step-line' },
      h('span', { class: 'twisty', 'aria-hidden': 'true' }),
      h('span', { class: 'step-icon', 'aria-hidden': 'true' }),
      h('span', { class: 'step-name' }),
      h('span', { class: 'step-instance' }),
      h('span', { class: 'step-action' }),
      h('span', { class: 'step-note' }),
      h('span', { class: 'step-attempts', hidden: true }),
      h('span', { class: 'step-duration' }),
    ),
  );
  return template;
}

/*
 * Rows live in chunks of CHUNK_SIZE inside each list (tree or group). A chunk is one unit of
 * `content-visibility: auto`: the browser skips layout and paint of chunks out of view, and tracks
 * visibility for a few dozen chunks rather than thousands of rows.
 */
const CHUNK_SIZE = 64;

function appendItem(list: HTMLElement, item: HTMLElement): void {
  let chunk = list.lastElementChild as HTMLElement | null;
  if (!chunk || chunk.childElementCount >= CHUNK_SIZE) {
    chunk = h('div', { class: 'chunk', role: 'none' });
    list.appendChild(chunk);
  }
  chunk.appendChild(item);
}

function firstItem(list: HTMLElement): Element | null {
  return list.firstElementChild?.firstElementChild ?? null;
}

function lastItem(list: HTMLElement): Element | null {
  return list.lastElementChild?.lastElementChild ?? null;
}

function nextItem(item: Element): Element | null {
  return item.nextElementSibling ?? item.parentElement?.nextElementSibling?.firstElementChild ?? null;
}

function previousItem(item: Element): Element | null {
  return item.previousElementSibling ?? item.parentElement?.previousElementSibling?.lastElementChild ?? null;
}
