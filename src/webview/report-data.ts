/**
 * The data a self-contained HTML report carries (`testmesh run --reporter html`): each flow's
 * execution as its summary, its events and its step details, the same things the local API
 * serves, so the web UI draws a report exactly as it draws a live run. Embedded in the page as
 * `<script type="application/json" id="testmesh-report">`.
 */
import type { ExecutionEvent } from '../core/events';
import type { ExecutionSummary, StepAttemptDetail } from '../core/history/types';

export const REPORT_ELEMENT_ID = 'testmesh-report';

export interface ReportExecution {
  summary: ExecutionSummary;
  events: ExecutionEvent[];
  details: StepAttemptDetail[];
}

/** A flow that could not run (it did not validate), with its problems. */
export interface ReportInvalidFlow {
  file: string;
  name: string;
  error: string;
  diagnostics: Array<{ line: number; column: number; severity: string; message: string }>;
}

export interface ReportData {
  version: 1;
  generated_at: string;
  summary: { total: number; passed: number; failed: number; errors: number; duration_ms: number };
  /** Set when the report is one shard, or the merge of shards. */
  shard?: { index: number; total: number };
  merged_shards?: number;
  executions: ReportExecution[];
  invalid: ReportInvalidFlow[];
}

/** The report embedded in this page, if it is one. */
export function readEmbeddedReport(doc: Document): ReportData | undefined {
  const element = doc.getElementById(REPORT_ELEMENT_ID);
  if (!element?.textContent) return undefined;
  try {
    const data = JSON.parse(element.textContent) as ReportData;
    return data && data.version === 1 && Array.isArray(data.executions) ? data : undefined;
  } catch {
    return undefined;
  }
}
