/** Checks a step's assertions in order; the first that fails becomes an AssertionFailedError. */
import { compileExpression, type CompiledExpression, type ExpressionScope } from '../expr';
import { AssertionFailedError } from './errors';
import { errorMessage, TestMeshError } from '../errors';

export interface AssertionSource {
  expression: string;
  message?: string;
}

/** Compiled once per assertion of a loaded flow: a flow with thousands of distinct assertions never thrashes the shared cache. */
const compiled = new WeakMap<AssertionSource, CompiledExpression>();

function compiledFor(assertion: AssertionSource): CompiledExpression {
  let expression = compiled.get(assertion);
  if (!expression) {
    expression = compileExpression(assertion.expression);
    compiled.set(assertion, expression);
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
