/** Log lines: time, level, step and message, in monospace. */
import type { LogEntry } from '../../core/history/types';
import { h } from '../dom';
import { formatTime } from '../format';

export function logLine(entry: LogEntry, showStep: boolean): HTMLElement {
  return h(
    'li',
    { class: `log log-${entry.level}` },
    h('time', { class: 'log-time', datetime: entry.timestamp, text: formatTime(entry.timestamp) }),
    h('span', { class: 'log-level', text: entry.level }),
    showStep && entry.step_id
      ? h('a', { class: 'log-step', href: '#', 'data-step-id': entry.step_id, text: entry.step_id })
      : null,
    h('span', { class: 'log-message', text: entry.message }),
  );
}

export function logList(entries: LogEntry[], options: { showStep: boolean }): HTMLElement {
  const list = h('ol', { class: 'logs', 'aria-label': 'Logs' });
  for (const entry of entries) list.appendChild(logLine(entry, options.showStep));
  return list;
}
