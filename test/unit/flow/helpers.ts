import assert from 'node:assert/strict';
import { formatDiagnostic, type SourceRange } from '../../../src/core/errors';
import { parseFlowText } from '../../../src/core/flow/load';
import type { FlowDef } from '../../../src/core/flow/types';

/** Joins lines with '\n', so a test's line numbers are easy to read off. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

/** Diagnostics of a text as `file:line:column: severity: message` lines. */
export function diagnosticsOf(text: string, file = 'f.yaml'): string[] {
  return parseFlowText(text, file).diagnostics.map(formatDiagnostic);
}

/** Parses a text that must load; warnings are allowed and returned. */
export function loadOk(text: string, file = '/flows/f.yaml'): { flow: FlowDef; warnings: string[] } {
  const result = parseFlowText(text, file);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  assert.deepEqual(errors, []);
  assert.ok(result.flow, 'flow is present');
  return { flow: result.flow, warnings: result.diagnostics.map(formatDiagnostic) };
}

/** `[startLine, startColumn, endLine, endColumn]`, compact for assertions. */
export function span(range: SourceRange | undefined): [number, number, number, number] | undefined {
  return range && [range.start.line, range.start.column, range.end.line, range.end.column];
}
