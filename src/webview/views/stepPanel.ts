/**
 * Detail of the selected step: state, error, a failing assertion's expected vs actual, and per
 * attempt the request and response (method + URL, status, timing, headers, pretty body), the
 * action result and captured outputs, then the step's logs.
 */
import type { HttpRequestDetail, HttpResponseDetail, StreamMessageDetail } from '../../core/engine/types';
import type { LogEntry, StepAttemptDetail, StepState } from '../../core/history/types';
import { h, replaceChildren, type Child } from '../dom';
import { formatBytes, formatDuration, formatTime, statusLabel } from '../format';
import { jsonView } from '../jsonView';
import { skippedText } from '../../core/stepStateText';
import type { Transport } from '../transport';
import { logList } from './logs';

export class StepPanel {
  readonly element: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly attemptsBox: HTMLElement;
  private readonly logsBox: HTMLElement;
  private step: StepState | undefined;
  /** Status and attempt the detail was fetched for: refetched when either changes. */
  private fetchedFor = '';
  private request = 0;
  private attempts: StepAttemptDetail[] = [];
  private shownAttempt = 0;
  private drawnLogs = -1;

  constructor(
    private readonly transport: Transport,
    private readonly executionId: string,
  ) {
    this.summary = h('div', { class: 'step-summary' });
    this.attemptsBox = h('div', { class: 'attempts' });
    this.logsBox = h('div', { class: 'step-logs' });
    this.element = h(
      'div',
      { class: 'step-panel', role: 'region', 'aria-label': 'Step detail' },
      this.summary,
      this.attemptsBox,
      this.logsBox,
    );
  }

  /** Shows `step` (or refreshes it when it changed); `logs` are all of the execution's logs. */
  show(step: StepState, logs: LogEntry[]): void {
    const changedStep = this.step?.step_id !== step.step_id;
    this.step = step;
    if (changedStep) {
      this.attempts = [];
      this.shownAttempt = 0;
      this.fetchedFor = '';
      this.drawnLogs = -1;
      replaceChildren(this.attemptsBox);
    }
    this.drawSummary(step);
    const key = `${step.status}|${step.attempt}`;
    if (key !== this.fetchedFor) {
      this.fetchedFor = key;
      void this.fetchAttempts(step);
    }
    this.drawLogs(logs);
  }

  /** New logs arrived; redraws the step's logs if any are its own. */
  updateLogs(logs: LogEntry[]): void {
    if (this.step) this.drawLogs(logs);
  }

  private drawSummary(step: StepState): void {
    const meta: Child[] = [
      metaItem('Status', statusLabel(step.status)),
      step.duration_ms !== undefined && step.status !== 'running'
        ? metaItem('Duration', formatDuration(step.duration_ms))
        : null,
      step.attempt > 1 ? metaItem('Attempts', String(step.attempt)) : null,
      step.started_at ? metaItem('Started', formatTime(step.started_at)) : null,
      metaItem('Phase', step.phase),
      metaItem('Id', step.step_id, 'mono'),
    ];
    const blocks: Child[] = [];
    if (step.status === 'skipped' && step.skip_reason)
      blocks.push(h('p', { class: 'callout muted' }, skippedText(step.skip_reason)));
    if (step.assertion) {
      blocks.push(assertionView(step.assertion));
    } else if (step.error_message) {
      blocks.push(
        h(
          'div',
          {
            class: `callout ${step.status === 'failed' ? 'error' : 'warning'}`,
            role: step.status === 'failed' ? 'alert' : undefined,
          },
          h('strong', { text: step.status === 'failed' ? 'Error' : 'Retrying after' }),
          h('pre', { class: 'message', text: step.error_message }),
        ),
      );
    }
    replaceChildren(
      this.summary,
      h(
        'header',
        { class: 'panel-header' },
        h('span', { class: 'step-icon', 'data-status': step.status, 'aria-hidden': 'true' }),
        h('h2', { class: 'panel-title', text: step.step_name || step.step_id }),
        step.action ? h('span', { class: 'step-action', text: step.action }) : null,
      ),
      h('dl', { class: 'meta-grid' }, ...meta),
      ...blocks,
    );
  }

  private async fetchAttempts(step: StepState): Promise<void> {
    const request = ++this.request;
    if (step.status === 'skipped') {
      replaceChildren(this.attemptsBox);
      return;
    }
    if (this.attempts.length === 0)
      replaceChildren(
        this.attemptsBox,
        h('p', {
          class: 'muted loading',
          text: step.status === 'running' ? 'Waiting for the step to finish…' : 'Loading request and response…',
        }),
      );
    let attempts: StepAttemptDetail[];
    try {
      attempts = await this.transport.getStepDetail(this.executionId, step.step_id);
    } catch (err) {
      if (request !== this.request) return;
      replaceChildren(
        this.attemptsBox,
        h('p', { class: 'muted', text: `No request detail: ${err instanceof Error ? err.message : String(err)}` }),
      );
      return;
    }
    if (request !== this.request) return;
    this.attempts = [...attempts].sort((a, b) => a.attempt - b.attempt);
    if (!this.attempts.some((a) => a.attempt === this.shownAttempt))
      this.shownAttempt = this.attempts[this.attempts.length - 1]?.attempt ?? 0;
    this.drawAttempts();
  }

  private drawAttempts(): void {
    const attempts = this.attempts;
    if (attempts.length === 0) {
      const running = this.step?.status === 'running';
      replaceChildren(
        this.attemptsBox,
        running ? h('p', { class: 'muted loading', text: 'Waiting for the step to finish…' }) : null,
      );
      return;
    }
    const shown = attempts.find((a) => a.attempt === this.shownAttempt) ?? attempts[attempts.length - 1];
    let tabs: HTMLElement | null = null;
    if (attempts.length > 1) {
      tabs = h('div', { class: 'attempt-tabs', role: 'tablist', 'aria-label': 'Attempts' });
      for (const a of attempts) {
        const selected = a === shown;
        const tab = h('button', {
          type: 'button',
          role: 'tab',
          class: 'attempt-tab',
          'aria-selected': String(selected),
          tabindex: selected ? 0 : -1,
          text: `Attempt ${a.attempt}${a.response ? ` · ${a.response.status}` : ''}`,
        });
        tab.addEventListener('click', () => this.showAttempt(a.attempt, false));
        tabs.appendChild(tab);
      }
      // Tabs pattern: arrows move between attempts, Tab leaves the list.
      tabs.addEventListener('keydown', (event) => {
        const i = attempts.indexOf(shown);
        const next =
          event.key === 'ArrowRight' ? attempts[i + 1] : event.key === 'ArrowLeft' ? attempts[i - 1] : undefined;
        if (!next) return;
        event.preventDefault();
        this.showAttempt(next.attempt, true);
      });
    }
    replaceChildren(this.attemptsBox, tabs, this.copyButton(shown), attemptView(shown));
  }

  /** "Copy as curl" for an HTTP attempt, where the page can write the clipboard. */
  private copyButton(attempt: StepAttemptDetail): HTMLElement | null {
    const transport = this.transport;
    const stepId = this.step?.step_id;
    if (!transport.copyAsCurl || !attempt.request || stepId === undefined) return null;
    const button = h('button', { type: 'button', class: 'button secondary copy-curl', text: 'Copy as curl' });
    const status = h('span', { class: 'muted copy-curl-status', role: 'status' });
    button.addEventListener('click', () => {
      button.disabled = true;
      status.textContent = '';
      transport.copyAsCurl!(this.executionId, stepId, attempt.attempt)
        .then(
          () => (status.textContent = 'Copied'),
          (err: unknown) => (status.textContent = `Not copied: ${err instanceof Error ? err.message : String(err)}`),
        )
        .finally(() => (button.disabled = false));
    });
    return h('div', { class: 'attempt-actions' }, button, ' ', status);
  }

  private showAttempt(attempt: number, focus: boolean): void {
    this.shownAttempt = attempt;
    this.drawAttempts();
    if (focus) this.attemptsBox.querySelector<HTMLElement>('[role="tab"][aria-selected="true"]')?.focus();
  }

  private drawLogs(logs: LogEntry[]): void {
    const id = this.step?.step_id;
    const own = logs.filter((l) => l.step_id === id);
    if (own.length === this.drawnLogs) return;
    this.drawnLogs = own.length;
    replaceChildren(
      this.logsBox,
      own.length ? section(`Logs (${own.length})`, logList(own, { showStep: false }), true) : null,
    );
  }
}

function metaItem(label: string, value: string, className?: string): HTMLElement {
  return h('div', { class: 'meta-item' }, h('dt', { text: label }), h('dd', { class: className, text: value }));
}

function assertionView(assertion: NonNullable<StepState['assertion']>): HTMLElement {
  return h(
    'div',
    { class: 'callout error assertion', role: 'alert' },
    h(
      'div',
      { class: 'assertion-title' },
      h('strong', { text: 'Assertion failed' }),
      ' ',
      h('code', { class: 'expression', text: assertion.expression }),
    ),
    assertion.message && assertion.message !== assertion.expression
      ? h('p', { class: 'assertion-message', text: assertion.message })
      : null,
    h(
      'div',
      { class: 'compare' },
      h(
        'div',
        { class: 'compare-side expected' },
        h('div', { class: 'compare-label', text: 'Expected' }),
        jsonView(assertion.expected, 'Expected value', true),
      ),
      h(
        'div',
        { class: 'compare-side actual' },
        h('div', { class: 'compare-label', text: 'Actual' }),
        jsonView(assertion.actual, 'Actual value', true),
      ),
    ),
  );
}

function attemptView(attempt: StepAttemptDetail): HTMLElement {
  const parts: Child[] = [];
  if (attempt.request) parts.push(requestLine(attempt.request, attempt.response));
  if (attempt.response) {
    parts.push(section('Response body', bodyView(attempt.response.body, attempt.truncated), true));
    parts.push(
      section(
        `Response headers (${Object.keys(attempt.response.headers).length})`,
        headersTable(attempt.response.headers),
        false,
      ),
    );
  }
  if (attempt.request) {
    parts.push(
      section(
        `Request headers (${Object.keys(attempt.request.headers).length})`,
        headersTable(attempt.request.headers),
        false,
      ),
    );
    if (attempt.request.body !== undefined && attempt.request.body !== '')
      parts.push(section('Request body', jsonView(attempt.request.body, 'Request body'), false));
  }
  if (attempt.messages?.length)
    parts.push(
      section(`Messages (${attempt.messages.length})`, messagesView(attempt.messages, attempt.truncated), true),
    );
  if (!attempt.request && attempt.result !== undefined)
    parts.push(section('Result', jsonView(attempt.result, 'Result'), true));
  if (attempt.outputs && Object.keys(attempt.outputs).length)
    parts.push(section('Outputs', jsonView(attempt.outputs, 'Outputs'), true));
  return h('div', { class: 'attempt', role: 'tabpanel' }, ...parts);
}

function requestLine(request: HttpRequestDetail, response: HttpResponseDetail | undefined): HTMLElement {
  const statusClass = response
    ? response.status >= 500
      ? 's5'
      : response.status >= 400
        ? 's4'
        : response.status >= 300
          ? 's3'
          : 's2'
    : 'none';
  return h(
    'div',
    { class: 'exchange' },
    h(
      'div',
      { class: 'request-line' },
      h('span', { class: `method m-${request.method.toLowerCase()}`, text: request.method }),
      h('span', { class: 'url', text: request.url }),
    ),
    response
      ? h(
          'div',
          { class: 'response-line' },
          h('span', { class: `http-status ${statusClass}`, text: String(response.status) }),
          h('span', { class: 'timing', title: 'Time to the full response' }, formatDuration(response.duration_ms)),
          h('span', { class: 'size', text: formatBytes(response.size_bytes) }),
        )
      : h('div', { class: 'response-line muted', text: 'No response' }),
  );
}

/** The messages a Kafka or stream step sent and received, each like a request/response exchange. */
function messagesView(messages: StreamMessageDetail[], truncated: boolean | undefined): HTMLElement {
  return h(
    'div',
    { class: 'messages' },
    ...messages.map((message) => {
      const headers = message.headers ?? {};
      return h(
        'div',
        { class: `exchange message ${message.direction}` },
        h(
          'div',
          { class: 'request-line' },
          h('span', {
            class: `method ${message.direction === 'sent' ? 'm-post' : 'm-get'}`,
            text: message.direction === 'sent' ? '→ Sent' : '← Received',
          }),
          h('span', { class: 'url', text: message.channel }),
          message.key !== undefined && message.key !== ''
            ? h('span', { class: 'size', text: `key ${message.key}` })
            : null,
          h('span', { class: 'timing', text: formatTime(message.at) }),
        ),
        bodyView(message.body, false),
        Object.keys(headers).length
          ? section(`Headers (${Object.keys(headers).length})`, headersTable(headers), false)
          : null,
      );
    }),
    truncated ? h('p', { class: 'muted', text: 'Some message bodies were cut at the history size limit.' }) : null,
  );
}

function bodyView(body: unknown, truncated: boolean | undefined): HTMLElement {
  const empty = body === undefined || body === null || body === '';
  return h(
    'div',
    { class: 'body' },
    empty ? h('p', { class: 'muted', text: 'Empty body' }) : jsonView(body, 'Response body'),
    truncated ? h('p', { class: 'muted', text: 'The body was cut at the history size limit.' }) : null,
  );
}

function headersTable(headers: Record<string, string>): HTMLElement {
  const names = Object.keys(headers).sort();
  if (names.length === 0) return h('p', { class: 'muted', text: 'No headers' });
  return h(
    'table',
    { class: 'headers' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Name' }), h('th', { scope: 'col', text: 'Value' }))),
    h(
      'tbody',
      {},
      ...names.map((name) =>
        h(
          'tr',
          {},
          h('td', { class: 'header-name', text: name }),
          h('td', { class: 'header-value', text: headers[name] }),
        ),
      ),
    ),
  );
}

function section(title: string, content: Node, open: boolean): HTMLElement {
  return h('details', { class: 'section', open }, h('summary', { text: title }), content);
}
