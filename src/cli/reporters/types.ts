import type { ExecutionEvent } from '../../core/events';
import type { FlowDef } from '../../core/flow/types';
import type { FlowReport, RunReport } from '../../core/report';

/** A CLI reporter: live hooks while flows run, and a final report text. */
export interface Reporter {
  flowStarted?(flow: FlowDef, displayFile: string): void;
  event?(flow: FlowDef, event: ExecutionEvent): void;
  flowFinished?(report: FlowReport): void;
  /** Text to write at the end (to stdout or --output), if the reporter produces a document. */
  finished(report: RunReport): string | undefined;
}
