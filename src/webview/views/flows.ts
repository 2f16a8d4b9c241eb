/**
 * The flows view (`#/flows`): the workspace's flow files with multi-select (selectableRows.ts)
 * and TestMesh's bulk flow operations. Every operation is previewed first (the server plans it
 * and lists each file's change without writing), then applied on request; the last applied
 * change can be undone.
 */
import type { BulkFlowAnswer, BulkFlowOperation } from '../../core/bulkFlows';
import { h, replaceChildren, setText } from '../dom';
import { SelectableRows, selectCell } from '../selectableRows';
import { TransportError, type FlowInfo, type Transport } from '../transport';

export interface FlowsViewOptions {
  onUnauthorized(): void;
}

interface OperationForm {
  operation: BulkFlowOperation;
  label: string;
  /** Inputs the operation needs, by body field. */
  fields: { name: string; label: string; placeholder?: string }[];
}

const OPERATIONS: OperationForm[] = [
  { operation: 'tags/add', label: 'Add tags', fields: [{ name: 'tags', label: 'Tags (comma-separated)' }] },
  { operation: 'tags/remove', label: 'Remove tags', fields: [{ name: 'tags', label: 'Tags (comma-separated)' }] },
  {
    operation: 'move',
    label: 'Move',
    fields: [{ name: 'folder', label: 'Folder', placeholder: 'flows/auth (empty: the workspace folder)' }],
  },
  { operation: 'duplicate', label: 'Duplicate', fields: [] },
  { operation: 'delete', label: 'Delete', fields: [] },
  {
    operation: 'find-replace',
    label: 'Find and replace',
    fields: [
      { name: 'find', label: 'Find' },
      { name: 'replace', label: 'Replace with' },
    ],
  },
];

export class FlowsView {
  readonly element: HTMLElement;
  private flows: FlowInfo[] = [];
  private readonly body: HTMLTableSectionElement;
  private readonly table: HTMLTableElement;
  private readonly selectable: SelectableRows;
  private readonly toolbar: HTMLElement;
  private readonly count: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly preview: HTMLElement;
  private readonly status: HTMLElement;
  private readonly undoButton: HTMLButtonElement;
  private pending: { operation: BulkFlowOperation; body: Record<string, unknown> } | undefined;
  private disposed = false;

  constructor(
    private readonly transport: Transport,
    private readonly options: FlowsViewOptions,
  ) {
    this.body = h('tbody', {});
    this.table = h(
      'table',
      { class: 'flows-table', 'aria-label': 'Flows' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', class: 'col-select', text: '' }),
          h('th', { scope: 'col', text: 'Flow' }),
          h('th', { scope: 'col', text: 'File' }),
          h('th', { scope: 'col', text: 'Tags' }),
        ),
      ),
      this.body,
    );
    this.selectable = new SelectableRows(this.table, this.body, { onChange: () => this.drawToolbar() });
    this.count = h('span', { class: 'bulk-count', text: 'Select flows to change them together' });
    this.toolbar = h(
      'div',
      { class: 'bulk-bar', role: 'toolbar', 'aria-label': 'Bulk flow operations' },
      this.count,
      ...OPERATIONS.map((op) => {
        const button = h('button', {
          type: 'button',
          class: 'button secondary',
          'data-operation': op.operation,
          text: op.fields.length ? `${op.label}…` : op.label,
          disabled: true,
        });
        button.addEventListener('click', () => this.openForm(op));
        return button;
      }),
    );
    this.undoButton = h('button', {
      type: 'button',
      class: 'button secondary undo',
      text: 'Undo last change',
      disabled: true,
    });
    this.undoButton.addEventListener('click', () => void this.undo());
    this.form = h('form', { class: 'bulk-form', hidden: true, 'aria-label': 'Operation details' });
    this.preview = h('section', { class: 'bulk-preview', hidden: true, 'aria-label': 'Preview of the change' });
    this.status = h('p', { class: 'bulk-status muted', role: 'status', 'aria-live': 'polite' });
    this.element = h(
      'section',
      { class: 'flows-view' },
      h(
        'header',
        { class: 'list-header' },
        h(
          'div',
          { class: 'title-row' },
          h('h1', { class: 'exec-title', text: 'Flows' }),
          h('span', { class: 'spacer' }),
          this.undoButton,
        ),
        this.toolbar,
      ),
      this.form,
      this.preview,
      this.status,
      h('div', { class: 'table-wrap' }, this.table),
    );
  }

  mount(): void {
    void this.load();
  }

  dispose(): void {
    this.disposed = true;
  }

  private async load(): Promise<void> {
    try {
      const flows = await this.transport.listFlows();
      if (this.disposed) return;
      this.flows = flows.sort((a, b) => a.id.localeCompare(b.id));
    } catch (err) {
      return this.fail(err, 'Cannot list the flows');
    }
    replaceChildren(this.body, ...this.flows.map((flow) => this.row(flow)));
    this.selectable.setOrder(this.flows.map((f) => f.id));
    this.drawToolbar();
  }

  private row(flow: FlowInfo): HTMLTableRowElement {
    const row = h(
      'tr',
      { 'data-id': flow.id, class: 'flow-row' },
      selectCell(`Select ${flow.name ?? flow.id}`),
      h(
        'td',
        { role: 'gridcell' },
        flow.name ?? '(not a valid flow)',
        flow.name !== undefined && flow.errors
          ? h('span', {
              class: 'flow-errors',
              text: `${flow.errors} error${flow.errors === 1 ? '' : 's'}`,
              title:
                'Steps written wrong: the flow runs, and each fails when it is reached. Open the file to see where.',
            })
          : null,
      ),
      h('td', { role: 'gridcell', class: 'mono small', text: flow.id }),
      h(
        'td',
        { role: 'gridcell', class: 'tags' },
        ...(flow.tags ?? []).map((tag) => h('span', { class: 'tag', text: tag })),
      ),
    );
    this.selectable.drawRow(row);
    return row;
  }

  private drawToolbar(): void {
    const selected = this.selectable.ids().length;
    setText(this.count, selected ? `${selected} selected` : 'Select flows to change them together');
    for (const button of Array.from(this.toolbar.querySelectorAll<HTMLButtonElement>('button[data-operation]')))
      button.disabled = selected === 0 && button.dataset.operation !== 'find-replace';
  }

  /** The operation's inputs, or straight to the preview when it has none. */
  private openForm(op: OperationForm): void {
    this.preview.hidden = true;
    if (op.fields.length === 0) {
      this.form.hidden = true;
      void this.previewChange(op.operation, {});
      return;
    }
    const inputs = op.fields.map((field) =>
      h('input', {
        type: 'text',
        class: 'input',
        name: field.name,
        placeholder: field.placeholder ?? '',
        'aria-label': field.label,
      }),
    );
    const scope = this.selectable.ids().length
      ? `${this.selectable.ids().length} selected flow(s)`
      : 'every flow of the workspace';
    replaceChildren(
      this.form,
      h('strong', { text: `${op.label} — ${scope}` }),
      ...op.fields.map((field, i) => h('label', { class: 'form-field' }, h('span', { text: field.label }), inputs[i])),
      h('button', { type: 'submit', class: 'button primary', text: 'Preview' }),
      h('button', {
        type: 'button',
        class: 'button secondary',
        text: 'Cancel',
        onclick: () => (this.form.hidden = true),
      }),
    );
    this.form.onsubmit = (event) => {
      event.preventDefault();
      const values: Record<string, unknown> = {};
      for (const input of inputs) {
        values[input.name] =
          input.name === 'tags'
            ? input.value
                .split(',')
                .map((t) => t.trim())
                .filter(Boolean)
            : input.value;
      }
      void this.previewChange(op.operation, values);
    };
    this.form.hidden = false;
    inputs[0].focus();
  }

  private async previewChange(operation: BulkFlowOperation, values: Record<string, unknown>): Promise<void> {
    const ids = this.selectable.ids();
    const body = { ...values, flow_ids: ids };
    setText(this.status, 'Preparing the preview…');
    let answer: BulkFlowAnswer;
    try {
      answer = await this.transport.bulkFlows(operation, { ...body, preview: true });
    } catch (err) {
      return this.fail(err, 'Cannot preview');
    }
    this.pending = { operation, body };
    setText(this.status, '');
    const apply = h('button', { type: 'button', class: 'button primary apply', text: 'Apply' });
    apply.disabled = answer.changes.length === 0;
    apply.addEventListener('click', () => void this.apply());
    const cancel = h('button', { type: 'button', class: 'button secondary', text: 'Cancel' });
    cancel.addEventListener('click', () => {
      this.preview.hidden = true;
      this.pending = undefined;
    });
    replaceChildren(
      this.preview,
      h('h2', { text: `Preview: ${this.describe(answer)}` }),
      this.changeList(answer),
      h('div', { class: 'preview-actions' }, apply, cancel),
    );
    this.preview.hidden = false;
    this.form.hidden = true;
    apply.focus();
  }

  private describe(answer: BulkFlowAnswer): string {
    const files = answer.changes.length;
    const matches = answer.matches ? `, ${answer.matches.length} match${answer.matches.length === 1 ? '' : 'es'}` : '';
    const errors = answer.failed ? `, ${answer.failed} refused` : '';
    return `${files} file${files === 1 ? '' : 's'} would change${matches}${errors}`;
  }

  /** Each change with its lines, then what was refused and why. */
  private changeList(answer: BulkFlowAnswer): HTMLElement {
    const list = h('ul', { class: 'change-list' });
    for (const change of answer.changes) {
      const what =
        change.action === 'move'
          ? `moves to ${change.new_flow_id}`
          : change.action === 'create'
            ? `copied to ${change.new_flow_id}`
            : change.action === 'delete'
              ? 'is deleted'
              : change.reason === 'run_flow paths'
                ? 'changes: its run_flow paths follow the move'
                : 'changes';
      const lines = h('pre', { class: 'diff' });
      for (const hunk of change.diff) {
        lines.appendChild(h('span', { class: 'diff-at muted', text: `line ${hunk.line}\n` }));
        for (const line of hunk.removed) lines.appendChild(h('del', { text: `- ${line}\n` }));
        for (const line of hunk.added) lines.appendChild(h('ins', { text: `+ ${line}\n` }));
      }
      list.appendChild(
        h(
          'li',
          { 'data-flow': change.flow_id, 'data-action': change.action },
          h('span', { class: 'mono', text: change.flow_id }),
          ` ${what}`,
          change.diff.length ? lines : null,
        ),
      );
    }
    for (const item of answer.results.filter((r) => r.status === 'error'))
      list.appendChild(
        h(
          'li',
          { class: 'refused', 'data-flow': item.flow_id },
          h('span', { class: 'mono', text: item.flow_id }),
          ` refused: ${item.error}`,
        ),
      );
    return list;
  }

  private async apply(): Promise<void> {
    if (!this.pending) return;
    const { operation, body } = this.pending;
    this.pending = undefined;
    try {
      const answer = await this.transport.bulkFlows(operation, body);
      this.preview.hidden = true;
      setText(
        this.status,
        `Applied: ${answer.changes.length} file${answer.changes.length === 1 ? '' : 's'} changed${answer.failed ? `, ${answer.failed} refused (${answer.errors?.join('; ')})` : ''}.`,
      );
      this.undoButton.disabled = !answer.undoable;
      this.selectable.clear();
      await this.load();
      this.undoButton.focus();
    } catch (err) {
      this.fail(err, 'Cannot apply');
    }
  }

  private async undo(): Promise<void> {
    try {
      const answer = await this.transport.undoBulkFlows();
      setText(this.status, `Undone: ${answer.results.length} file${answer.results.length === 1 ? '' : 's'} put back.`);
      this.undoButton.disabled = true;
      await this.load();
    } catch (err) {
      this.fail(err, 'Cannot undo');
    }
  }

  private fail(err: unknown, what: string): void {
    if (err instanceof TransportError && err.status === 401) return this.options.onUnauthorized();
    setText(this.status, `${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
