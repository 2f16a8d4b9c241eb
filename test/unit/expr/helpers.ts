import assert from 'node:assert/strict';
import { compileExpression, ExpressionError, ExpressionScope, NOT_FOUND } from '../../../src/core/expr';

/** A scope over plain objects: own keys only, like the engine's. */
export function scopeOf(names: Record<string, unknown>, placeholders: Record<string, unknown> = {}): ExpressionScope {
  return {
    get: (name) => (Object.hasOwn(names, name) ? names[name] : NOT_FOUND),
    placeholder: (text) => (Object.hasOwn(placeholders, text) ? placeholders[text] : NOT_FOUND),
  };
}

export const sample = {
  status: 200,
  duration_ms: 42,
  body: {
    id: 7,
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    active: true,
    score: 9.5,
    nothing: null,
    tags: ['admin', 'beta'],
    items: [
      { id: 1, price: 10 },
      { id: 2, price: 25 },
    ],
    nested: { deep: { value: 'x' } },
  },
  headers: { 'content-type': 'application/json', 'x-request-id': 'abc-123' },
  user_id: 7,
  empty: '',
};

export const sampleScope = scopeOf(sample, { user_id: 7, 'create_user.body.id': 7, TIMESTAMP: 1700000000 });

export function evaluate(source: string, scope: ExpressionScope = sampleScope): unknown {
  return compileExpression(source).evaluate(scope);
}

/** Asserts that `run` throws an ExpressionError whose message matches and (optionally) whose offset is given. */
export function assertExpressionError(run: () => unknown, message: RegExp | string, offset?: number): ExpressionError {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ExpressionError, `expected an ExpressionError, got ${String(caught)}`);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  if (offset !== undefined) assert.equal(caught.offset, offset, `offset of: ${caught.message}`);
  return caught;
}
