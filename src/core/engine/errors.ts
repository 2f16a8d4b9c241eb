import { formatDuration } from '../format';
import { TestMeshError } from '../errors';
import type { AssertionFailure } from './types';

/** The run was cancelled by the user (or a caller's AbortSignal). */
export class CancelledError extends TestMeshError {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** A step, or the whole run, went past its time limit. */
export class TimeoutError extends TestMeshError {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${formatDuration(ms)}`);
    this.name = 'TimeoutError';
  }
}

export class AssertionFailedError extends TestMeshError {
  constructor(readonly failure: AssertionFailure) {
    super(failure.message);
    this.name = 'AssertionFailedError';
  }
}
