/** Where something is in a source file. Lines and columns count from 1. */
export interface SourcePosition {
  line: number;
  column: number;
}

export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

export type Severity = 'error' | 'warning';

/** One problem found in a flow file, ready for a terminal line or an editor diagnostic. */
export interface FlowDiagnostic {
  file: string;
  range: SourceRange;
  severity: Severity;
  message: string;
  /**
   * For an error in one step (an unknown action, a bad config value or expression): the id of that
   * step. The flow still loads, as TestMesh loads it, and that step fails when it runs.
   */
  step?: string;
}

/**
 * The one error type the core throws for bad input (flow files, expressions, paths, templates).
 * Anything else escaping the core is a bug.
 */
export class TestMeshError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly position?: SourcePosition,
  ) {
    super(message);
    this.name = 'TestMeshError';
  }

  /** `file:line:column: message`, the form editors and terminals link. */
  describe(): string {
    const where = [this.file, this.position?.line, this.position?.column].filter((p) => p !== undefined).join(':');
    return where ? `${where}: ${this.message}` : this.message;
  }
}

export function formatDiagnostic(d: FlowDiagnostic): string {
  return `${d.file}:${d.range.start.line}:${d.range.start.column}: ${d.severity}: ${d.message}`;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The first error among diagnostics as `line:column: message`, for one-line messages. */
export function firstError(diagnostics: readonly FlowDiagnostic[]): string | undefined {
  const first = diagnostics.find((d) => d.severity === 'error');
  return first && `${first.range.start.line}:${first.range.start.column}: ${first.message}`;
}
