/** The JSON report of DESIGN.md's CLI contract. */
import type { RunReport } from '../../core/report';
import type { Reporter } from './types';

export class JsonReporter implements Reporter {
  finished(report: RunReport): string {
    return `${JSON.stringify(report, null, 2)}\n`;
  }
}
