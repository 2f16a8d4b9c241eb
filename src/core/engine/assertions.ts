/** Checks a step's assertions in order; the first that fails becomes an AssertionFailedError. */
import { compileExpression, type ExpressionScope } from '../expr';
import { AssertionFailedError } from './errors';

export interface AssertionSource {
  expression: string;
  message?: string;
}

export function checkAssertions(assertions: readonly AssertionSource[], scope: ExpressionScope): void {
  for (const assertion of assertions) {
    const outcome = compileExpression(assertion.expression).check(scope);
    if (outcome.passed) continue;
    const detail = outcome.message ?? `${assertion.expression} is false`;
    throw new AssertionFailedError({
      expression: assertion.expression,
      message: assertion.message ? `${assertion.message} (${detail})` : `assertion failed: ${detail}`,
      expected: outcome.expected,
      actual: outcome.actual,
    });
  }
}
