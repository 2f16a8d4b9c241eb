/** Conversions between the loader's 1-based source ranges and the editor's 0-based ones. */
import type { SourcePosition, SourceRange } from '../core/errors';
import type { VSCode, vscode } from './vscodeTypes';

function toPosition(vscode: VSCode, position: SourcePosition): vscode.Position {
  return new vscode.Position(Math.max(0, position.line - 1), Math.max(0, position.column - 1));
}

export function toRange(vscode: VSCode, range: SourceRange): vscode.Range {
  const start = toPosition(vscode, range.start);
  const end = toPosition(vscode, range.end);
  return end.isBefore(start) ? new vscode.Range(start, start) : new vscode.Range(start, end);
}

/** The first line of a range, as a zero-width range (where gutter icons, lenses and messages go). */
export function lineStart(vscode: VSCode, range: SourceRange): vscode.Range {
  const start = toPosition(vscode, range.start);
  return new vscode.Range(start, start);
}
