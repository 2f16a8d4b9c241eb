import assert from 'node:assert/strict';
import { AssertionOutcome, compileExpression, ExpressionScope } from '../../../src/core/expr';
import { formatValue } from '../../../src/core/format';
import { assertExpressionError, sampleScope, scopeOf } from './helpers';

function check(source: string, scope: ExpressionScope = sampleScope): AssertionOutcome {
  return compileExpression(source).check(scope);
}

describe('expr check (assertion explanations)', () => {
  it('passes on a truthy result with nothing else to say', () => {
    assert.deepEqual(check('status == 200'), { passed: true });
    assert.deepEqual(check('body.id'), { passed: true });
    assert.deepEqual(check("body.tags contains 'admin'"), { passed: true });
  });

  it('explains == with a literal: expected is the literal, actual the other side', () => {
    assert.deepEqual(check('status == 200', scopeOf({ status: 404 })), {
      passed: false,
      message: 'status == 200: got status = 404',
      expected: 200,
      actual: 404,
    });
    assert.deepEqual(check('"ok" == body.state', scopeOf({ body: { state: 'error' } })), {
      passed: false,
      message: '"ok" == body.state: got body.state = "error"',
      expected: 'ok',
      actual: 'error',
    });
    assert.deepEqual(check('status != 200'), {
      passed: false,
      message: 'status != 200: got status = 200',
      expected: 200,
      actual: 200,
    });
  });

  it('explains == between two operands by showing both', () => {
    assert.deepEqual(check('body.id == duration_ms'), {
      passed: false,
      message: 'body.id == duration_ms: got body.id = 7, duration_ms = 42',
      expected: true,
      actual: false,
    });
  });

  it('explains orderings with expected like "> 2" and actual the left value', () => {
    assert.deepEqual(check('len(body.items) > 2'), {
      passed: false,
      message: 'len(body.items) > 2: got len(body.items) = 2',
      expected: '> 2',
      actual: 2,
    });
    assert.deepEqual(check('duration_ms <= body.id'), {
      passed: false,
      message: 'duration_ms <= body.id: got duration_ms = 42, body.id = 7',
      expected: '<= 7',
      actual: 42,
    });
  });

  it('explains text and membership operators with the operand values', () => {
    assert.deepEqual(check('body.name contains "x"', scopeOf({ body: { name: 'abc' } })), {
      passed: false,
      message: 'body.name contains "x": got body.name = "abc"',
      expected: true,
      actual: false,
    });
    assert.equal(check('status in [201, 204]').message, 'status in [201, 204]: got status = 200');
    assert.equal(
      check("body.email matches '^x'").message,
      `body.email matches '^x': got body.email = "ada@example.com"`,
    );
    assert.equal(check("body.missing startsWith 'a'").message, "body.missing startsWith 'a': got body.missing = null");
  });

  it('explains the first falsy conjunct of &&', () => {
    const outcome = check('status == 200 && body.active == false && len(body.tags) == 5');
    assert.deepEqual(outcome, {
      passed: false,
      message: 'status == 200 && body.active == false && len(body.tags) == 5: got body.active = true',
      expected: false,
      actual: true,
    });
    assert.equal(
      check('status == 200 and len(body.tags) == 5').message,
      'status == 200 and len(body.tags) == 5: got len(body.tags) = 2',
    );
  });

  it('explains || by showing the operands of every disjunct', () => {
    assert.deepEqual(check('status == 201 || body.name == "x"'), {
      passed: false,
      message: 'status == 201 || body.name == "x": got status = 200, body.name = "Ada Lovelace"',
      expected: true,
      actual: false,
    });
    assert.equal(check('status == 201 || status == 204').message, 'status == 201 || status == 204: got status = 200');
  });

  it('explains negation, plain values, calls and ternaries', () => {
    assert.deepEqual(check('!body.active'), {
      passed: false,
      message: '!body.active: got body.active = true',
      expected: true,
      actual: false,
    });
    assert.equal(check('not (status == 200)').message, 'not (status == 200): got status = 200');
    assert.deepEqual(check('body.missing'), {
      passed: false,
      message: 'body.missing: got body.missing = null',
      expected: true,
      actual: null,
    });
    assert.equal(
      check("has(body, 'nope')").message,
      "has(body, 'nope'): got body = " + formatValue(sampleScope.get('body')),
    );
    assert.equal(
      check('body.active ? status == 201 : true').message,
      'body.active ? status == 201 : true: got status = 200',
    );
    assert.equal(check('{{user_id}} == 8').message, '{{user_id}} == 8: got {{user_id}} = 7');
  });

  it('says what the expression evaluated to when there is no operand to show', () => {
    assert.deepEqual(check('1 == 2'), { passed: false, message: '1 == 2: evaluated to false', expected: 2, actual: 1 });
    assert.equal(check('false').message, 'false: evaluated to false');
  });

  it('truncates long values in messages', () => {
    const outcome = check(
      'body == nil',
      scopeOf({ body: { text: 'y'.repeat(5000), list: Array.from({ length: 1000 }, (_, i) => i) } }),
    );
    assert.equal(outcome.passed, false);
    assert.ok(outcome.message!.length < 300, outcome.message);
    assert.ok(outcome.message!.endsWith('…'), outcome.message);
  });

  it('evaluates once, so changing placeholders like ${UUID} are read once', () => {
    let reads = 0;
    const scope: ExpressionScope = { get: () => undefined, placeholder: () => ++reads };
    const outcome = compileExpression('${UUID} == 0').check(scope);
    assert.equal(reads, 1);
    assert.equal(outcome.message, '${UUID} == 0: got ${UUID} = 1');
  });

  it('throws ExpressionError for evaluation errors, like evaluate', () => {
    assertExpressionError(() => check('stauts == 200'), "unknown name 'stauts'", 0);
    assertExpressionError(() => check('body.missing > 1'), "'>' needs two numbers or two strings, got null and 1");
  });
});

describe('formatValue', () => {
  it('writes short JSON', () => {
    assert.equal(formatValue({ a: [1, 'x', null, true] }), '{"a":[1,"x",null,true]}');
    assert.equal(formatValue(undefined), 'null');
    assert.equal(formatValue(10n), '10');
    assert.equal(formatValue(new Map([['k', 1]])), '{"k":1}');
    assert.equal(formatValue(new Date(0)), '"1970-01-01T00:00:00.000Z"');
  });

  it('survives cycles, deep nesting and huge values', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.equal(formatValue(cyclic), '{"a":1,"self":…}');
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.ok(formatValue(deep).length <= 201);
    const huge = Array.from({ length: 1_000_000 }, () => 'abc');
    assert.equal(formatValue(huge, 20), '["abc","abc","abc","…');
  });
});
