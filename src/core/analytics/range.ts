/**
 * Date ranges of the analytics routes, as TestMesh takes them: `start_date` and `end_date` as
 * YYYY-MM-DD (UTC days, both included), defaulting to the last N days up to today.
 */
import { TestMeshError } from '../errors';

export interface DayRange {
  /** YYYY-MM-DD, first day included. */
  start_date: string;
  /** YYYY-MM-DD, last day included. */
  end_date: string;
  /** ISO instants: [from, to). */
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

export function dayOf(iso: string): string {
  return iso.slice(0, 10);
}

function parseDay(text: string, name: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text))
    throw new TestMeshError(`${name} must be a date as YYYY-MM-DD, got ${JSON.stringify(text)}`);
  const time = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== text)
    throw new TestMeshError(`${name} is not a real date: ${JSON.stringify(text)}`);
  return time;
}

export function dayRange(
  startText: string | undefined,
  endText: string | undefined,
  defaultDays: number,
  now = Date.now(),
): DayRange {
  const end = endText ? parseDay(endText, 'end_date') : Math.floor(now / DAY_MS) * DAY_MS;
  const start = startText ? parseDay(startText, 'start_date') : end - (defaultDays - 1) * DAY_MS;
  if (start > end) throw new TestMeshError('end_date must not be before start_date');
  if ((end - start) / DAY_MS > 3660) throw new TestMeshError('a date range spans at most ten years');
  return {
    start_date: new Date(start).toISOString().slice(0, 10),
    end_date: new Date(end).toISOString().slice(0, 10),
    from: new Date(start).toISOString(),
    to: new Date(end + DAY_MS).toISOString(),
  };
}

/** First day (Monday) of the ISO week of a YYYY-MM-DD day. */
export function weekOf(day: string): string {
  const time = Date.parse(`${day}T00:00:00Z`);
  const weekday = (new Date(time).getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  return new Date(time - weekday * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
