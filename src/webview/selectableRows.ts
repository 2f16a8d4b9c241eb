/**
 * Wires a table body's rows (`tr[data-id]`) to a Selection: mouse (click, Ctrl/Cmd-click,
 * Shift-click, the row's checkbox) and keyboard (arrows, Shift, Space, Ctrl/Cmd-A, Escape, Enter
 * to open), and draws it: `aria-selected` on every row, one row in the tab order (roving tabindex)
 * and the focus on it. The table is an ARIA grid with `aria-multiselectable`.
 */
import { h } from './dom';
import { Selection } from './selection';

export interface SelectableRowsOptions {
  /** The selection changed (draw the toolbar). */
  onChange(): void;
  /** Enter or a double-click on a row. */
  onActivate?(id: string): void;
  /** A plain click opens the row instead of selecting it (a read-only report has nothing to act on). */
  clickOpens?: boolean;
}

/** A row's first cell: the checkbox these rows are selected with (out of the tab order; the row takes the focus). */
export function selectCell(label: string): HTMLTableCellElement {
  return h(
    'td',
    { class: 'col-select', role: 'gridcell' },
    h('input', { type: 'checkbox', class: 'row-check', tabindex: -1, 'aria-label': label }),
  );
}

export class SelectableRows {
  readonly selection = new Selection();

  constructor(
    table: HTMLTableElement,
    private readonly body: HTMLTableSectionElement,
    private readonly options: SelectableRowsOptions,
  ) {
    table.setAttribute('role', 'grid');
    table.setAttribute('aria-multiselectable', 'true');
    body.addEventListener('click', (event) => this.onClick(event));
    body.addEventListener('dblclick', (event) => {
      const id = this.rowOf(event.target)?.dataset.id;
      if (id && !(event.target instanceof Element && event.target.closest('a, input, button')))
        this.options.onActivate?.(id);
    });
    table.addEventListener('keydown', (event) => this.onKey(event));
  }

  /** After rows were added, removed or reordered: the ids in the order shown. */
  setOrder(ids: readonly string[]): void {
    this.selection.setOrder(ids);
    this.draw(false);
  }

  ids(): string[] {
    return this.selection.ids();
  }

  clear(): void {
    this.selection.clear();
    this.draw(false);
    this.options.onChange();
  }

  /** Draws one row's state (call after redrawing a row's cells). */
  drawRow(row: HTMLElement): void {
    const id = row.dataset.id ?? '';
    const selected = this.selection.has(id);
    row.setAttribute('aria-selected', String(selected));
    const focusable =
      this.selection.focused === id || (this.selection.focused === undefined && row === this.firstRow());
    row.tabIndex = focusable ? 0 : -1;
    const box = row.querySelector<HTMLInputElement>('input.row-check');
    if (box && box.checked !== selected) box.checked = selected;
  }

  private draw(focus: boolean): void {
    for (const row of Array.from(this.body.querySelectorAll<HTMLElement>('tr[data-id]'))) this.drawRow(row);
    if (focus && this.selection.focused !== undefined) this.rowById(this.selection.focused)?.focus();
  }

  private firstRow(): HTMLElement | null {
    return this.body.querySelector<HTMLElement>('tr[data-id]');
  }

  private rowById(id: string): HTMLElement | undefined {
    return Array.from(this.body.querySelectorAll<HTMLElement>('tr[data-id]')).find((r) => r.dataset.id === id);
  }

  private rowOf(target: EventTarget | null): HTMLElement | null {
    return target instanceof Element ? target.closest<HTMLElement>('tr[data-id]') : null;
  }

  private onClick(event: MouseEvent): void {
    const row = this.rowOf(event.target);
    if (!row?.dataset.id || !(event.target instanceof Element)) return;
    if (event.target.closest('a, button')) return;
    const checkbox = event.target.closest('input.row-check');
    if (this.options.clickOpens && !checkbox && !event.shiftKey && !event.ctrlKey && !event.metaKey)
      return this.options.onActivate?.(row.dataset.id);
    const toggle = event.ctrlKey || event.metaKey || checkbox !== null;
    if (event.shiftKey) event.preventDefault();
    this.selection.click(row.dataset.id, { toggle, shift: event.shiftKey });
    this.draw(true);
    this.options.onChange();
  }

  private onKey(event: KeyboardEvent): void {
    const target = event.target instanceof Element ? event.target : null;
    // Typing in a filter box or a button's own keys are not selection keys.
    if (target?.closest('input:not(.row-check), select, textarea, button, a')) return;
    const row = this.rowOf(target);
    if (row?.dataset.id && this.selection.focused === undefined) this.selection.focused = row.dataset.id;
    if (event.key === 'Enter' && row?.dataset.id) {
      event.preventDefault();
      this.options.onActivate?.(row.dataset.id);
      return;
    }
    const handled = this.selection.key(event.key, {
      toggle: event.ctrlKey || event.metaKey,
      shift: event.shiftKey,
    });
    if (!handled) return;
    event.preventDefault();
    this.draw(true);
    this.options.onChange();
  }
}
