/** Checks a step's assertions in order; the first that fails becomes an AssertionFailedError. */
import { compileUncached, type CompiledExpression, type ExpressionScope } from '../expr';
import { AssertionFailedError } from './errors';
import { errorMessage, TestMeshError } from '../errors';

export interface AssertionSource {
  expression: string;
  message?: string;
}

/**
 * The assertions of the steps that ran last, compiled. A step in a loop compiles its assertions
 * once; a flow of thousands of steps lets each step's compiled closures die young instead of
 * holding them (and making the garbage collector copy them) for the rest of the run.
 */
const MAX_RECENT = 32;
const recent = new Map<AssertionSource, CompiledExpression>();

function compiledFor(assertion: AssertionSource): CompiledExpression {
  let expression = recent.get(assertion);
  if (!expression) {
    expression = compileUncached(assertion.expression);
    if (recent.size >= MAX_RECENT) recent.delete(recent.keys().next().value as AssertionSource);
    recent.set(assertion, expression);
  }
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
