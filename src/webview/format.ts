/** How times and states read in the web UI; durations, sizes and "finished" are core's, shared with the CLI and editor. */
import type { ExecutionStatus, StepStatus } from '../core/events';

export { formatBytes, formatDuration, isFinished } from '../core/format';

// Formatters are costly to create; logs and headers format many times a second.
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** Local wall-clock time with seconds; the date too when it is not today. */
export function formatTime(iso: string | undefined, now = new Date()): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const time = timeFormat.format(date);
  if (date.toDateString() === now.toDateString()) return time;
  return `${dayFormat.format(date)} ${time}`;
}

export function formatRelative(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return '';
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

/** Words people read: a completed step or execution is "passed". */
export function statusLabel(status: StepStatus | ExecutionStatus): string {
  switch (status) {
    case 'completed':
      return 'passed';
    default:
      return status;
  }
}
