/** Assertion forms of TestMesh's flows and expr-lang's helper functions, evaluated as expr-lang does. */
import assert from 'node:assert/strict';
import { compileExpression, ExpressionError, NOT_FOUND } from '../../../src/core/expr';

const scope = (values: Record<string, unknown>) => ({
  get: (name: string) => (Object.hasOwn(values, name) ? values[name] : NOT_FOUND),
});
const evaluate = (source: string, values: Record<string, unknown> = {}) =>
  compileExpression(source).evaluate(scope(values));

describe('compat: expr-lang forms and functions', () => {
  const result = {
    status: 201,
    body: { id: 'a1', total: 50, items: [{ quantity: 2 }], status: 'pending', error: null, tags: ['x', 'y'] },
    headers: { 'content-type': 'application/json' },
    rows: [{ status: 'pending', total: 50 }],
    row_count: 1,
    messages: [{}],
    list_status: '200',
  };

  it("evaluates the assertion forms found in TestMesh's flows", () => {
    for (const source of [
      'status == 201',
      'body.id != nil',
      'body.error == nil',
      "body.status == 'pending'",
      'body.total == 50.00',
      'len(body.items) == 1',
      'body.items[0].quantity == 2',
      "rows[0].status == 'pending'",
      'row_count >= 1',
      'len(messages) > 0',
      "list_status == '200'",
      "headers['Content-Type'] contains 'json'",
      'status == 200 || status == 201',
      '!(status >= 400)',
      "body.status not in ['failed', 'cancelled']",
    ]) {
      assert.equal(evaluate(source, result), true, source);
    }
  });

  it("has expr-lang's helpers with its names and argument order", () => {
    assert.equal(evaluate("first(body.tags) == 'x' && last(body.tags) == 'y'", result), true);
    assert.equal(evaluate("join(body.tags, ',')", result), 'x,y');
    assert.deepEqual(evaluate("split('a,b', ',')"), ['a', 'b']);
    assert.equal(evaluate("replace('a-b-c', '-', '+')"), 'a+b+c');
    assert.equal(evaluate("trimPrefix('Bearer x', 'Bearer ') == 'x' && trimSuffix('a.json', '.json') == 'a'"), true);
    assert.equal(evaluate("hasPrefix('abc', 'a') && hasSuffix('abc', 'c') && indexOf('abc', 'c') == 2"), true);
    assert.equal(evaluate('round(2.5) + ceil(1.1) + floor(1.9)'), 6);
    assert.equal(evaluate('sum([1, 2, 3]) == 6 && min([3, 1]) == 1 && max([3, 1]) == 3'), true);
    assert.equal(
      evaluate(
        "type(1) == 'int' && type(1.5) == 'float' && type('s') == 'string' && type(nil) == 'nil' && type([]) == 'array' && type(body) == 'map'",
        result,
      ),
      true,
    );
    assert.equal(evaluate('fromJSON(\'{"a": 1}\').a'), 1);
    assert.equal(evaluate('toJSON(body.tags)', result), '["x","y"]');
  });

  it('explains wrong arguments as expression errors naming the function', () => {
    assert.throws(
      () => evaluate('first(1)'),
      (err: Error) => err instanceof ExpressionError && /first\(\) needs a list, got 1/.test(err.message),
    );
    assert.throws(
      () => evaluate("fromJSON('{')"),
      (err: Error) => err instanceof ExpressionError && /fromJSON\(\) needs JSON text/.test(err.message),
    );
    assert.throws(
      () => evaluate("sum(['a'])"),
      (err: Error) => err instanceof ExpressionError && /a list of numbers/.test(err.message),
    );
  });
});
