/**
 * The JSON report of `testmesh run --reporter json` (its shape: core/report.ts). Each flow also carries its events and step
 * details (what the HTML reporter and `merge-reports` render from); those are written one per
 * line so the report stays readable and compact.
 */
import { randomBytes } from 'node:crypto';
import type { RunReport } from '../../core/report';
import type { Reporter } from './types';

const COMPACT_KEYS = new Set(['events', 'details']);

function jsonReport(report: RunReport): string {
  const compact: string[] = [];
  // A marker no value of the report can forge (hostile response bodies end up in reports too).
  const nonce = randomBytes(8).toString('hex');
  const text = JSON.stringify(
    report,
    (key, value: unknown) => {
      if (!COMPACT_KEYS.has(key) || !Array.isArray(value)) return value;
      compact.push(value.length ? `[\n${value.map((v) => `        ${JSON.stringify(v)}`).join(',\n')}\n      ]` : '[]');
      return `\u0000${nonce}:${compact.length - 1}`;
    },
    2,
  );
  // Without events or details there is nothing to put back (the search alone took ~14 ms for a 10,000-step report).
  if (compact.length === 0) return `${text}\n`;
  return `${text.replace(new RegExp(`"\\\\u0000${nonce}:(\\d+)"`, 'g'), (_, i: string) => compact[Number(i)])}\n`;
}

export class JsonReporter implements Reporter {
  finished(report: RunReport): string {
    return jsonReport(report);
  }
}
