import assert from 'node:assert/strict';
import { compileExpression, isTruthy, NOT_FOUND } from '../../../src/core/expr';
import { assertExpressionError, evaluate, sample, scopeOf } from './helpers';

describe('expr evaluation', () => {
  describe('literals and names', () => {
    it('evaluates literals', () => {
      assert.equal(evaluate('42'), 42);
      assert.equal(evaluate("'a'"), 'a');
      assert.equal(evaluate('true'), true);
      assert.equal(evaluate('false'), false);
      assert.equal(evaluate('nil'), null);
      assert.equal(evaluate('null'), null);
      assert.deepEqual(evaluate('[1, status, [2]]'), [1, 200, [2]]);
    });

    it('reads top-level names from the scope, and reports an unknown one', () => {
      assert.equal(evaluate('status'), 200);
      assert.equal(evaluate('duration_ms < 1000'), true);
      assertExpressionError(() => evaluate('stauts == 200'), "unknown name 'stauts'", 0);
      assertExpressionError(() => evaluate('status == 200 && bdy.id == 1'), "unknown name 'bdy'", 17);
    });

    it('treats a name the scope maps to undefined as nil', () => {
      assert.equal(evaluate('x == nil', { get: () => undefined }), true);
    });

    it('resolves ${...} and {{...}} placeholders through the scope', () => {
      assert.equal(evaluate('body.id == ${user_id}'), true);
      assert.equal(evaluate('body.id == {{ create_user.body.id }}'), true);
      assert.equal(evaluate('{{TIMESTAMP}} > 0'), true);
      assertExpressionError(() => evaluate('body.id == ${missing.id}'), "unknown variable 'missing.id'", 11);
      assertExpressionError(() => evaluate('{{x}}', { get: () => NOT_FOUND }), "unknown variable 'x'", 0);
    });
  });

  describe('member access', () => {
    it('reads nested properties and elements', () => {
      assert.equal(evaluate('body.items[0].id'), 1);
      assert.equal(evaluate('body.items[1]["price"]'), 25);
      assert.equal(evaluate("headers['content-type']"), 'application/json');
      assert.equal(evaluate('body.nested.deep.value'), 'x');
      assert.equal(evaluate('body.items[len(body.items) - 1].id'), 2);
      assert.equal(evaluate('body.items[-1].id'), 2);
      assert.equal(evaluate('body.name[0]'), 'A');
    });

    it('gives nil for anything missing, also through nil', () => {
      assert.equal(evaluate('body.missing'), null);
      assert.equal(evaluate('body.missing == nil'), true);
      assert.equal(evaluate('body.missing.deeper.still'), null);
      assert.equal(evaluate('body.nothing?.x'), null);
      assert.equal(evaluate('body.items[5]'), null);
      assert.equal(evaluate('body.items[0.5]'), null);
      assert.equal(evaluate('body.tags?.[0]'), 'admin');
      assert.equal(evaluate('status.code'), null);
      assert.equal(evaluate('body[nil]'), null);
    });

    it('refuses an index that is neither text nor a number', () => {
      assertExpressionError(() => evaluate('body[true]'), 'an index must be a string or a number, got true', 5);
    });

    it('reads own properties only, never the prototype chain', () => {
      const hostile = [
        '__proto__',
        'constructor',
        'prototype',
        'toString',
        'hasOwnProperty',
        'valueOf',
        '__defineGetter__',
      ];
      for (const name of hostile) {
        assert.equal(evaluate(`body.${name}`), null, name);
        assert.equal(evaluate(`body['${name}']`), null, name);
        assert.equal(evaluate(`body.tags.${name}`), null, name);
        assert.equal(evaluate(`body.${name}.${name}`), null, name);
        assert.equal(evaluate(`'${name}' in body`), false, name);
        assert.equal(evaluate(`has(body, '${name}')`), false, name);
        assert.equal(evaluate(`body.name.${name}`), null, name);
      }
      assert.equal(evaluate("body['constructor']['constructor']"), null);
      assert.equal(evaluate('len(keys(body))'), Object.keys(sample.body).length);
    });

    it('finds an own property even when it shadows a prototype name', () => {
      const data = JSON.parse('{"constructor": 1, "__proto__": {"polluted": true}, "toString": "x"}');
      const scope = scopeOf({ body: data });
      assert.equal(evaluate('body.constructor', scope), 1);
      assert.deepEqual(evaluate('body.__proto__', scope), { polluted: true });
      assert.equal(evaluate('body.toString', scope), 'x');
      assert.equal(evaluate('body.polluted', scope), null);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it('reads Map entries', () => {
      assert.equal(evaluate("m['a'] + len(m)", scopeOf({ m: new Map([['a', 1]]) })), 2);
    });
  });

  describe('comparison', () => {
    it('compares deeply; the only conversion is a number or boolean and its text (TestMesh keeps variables as text)', () => {
      assert.equal(evaluate('status == 200'), true);
      assert.equal(evaluate("status == '200'"), true);
      assert.equal(evaluate("'200' == status"), true);
      assert.equal(evaluate('status != "200"'), false);
      assert.equal(evaluate("status == '200.0'"), true);
      assert.equal(evaluate("status == ' 200'"), false);
      assert.equal(evaluate("status == '0x0C8'"), false);
      assert.equal(evaluate("true == 'true'"), true);
      assert.equal(evaluate('1 == true'), false);
      assert.equal(evaluate("[200] == ['200']"), true);
      assert.equal(evaluate("body.tags == ['admin', 'beta']"), true);
      assert.equal(evaluate("body.tags == ['beta', 'admin']"), false);
      assert.equal(evaluate('body.items[0] == body.items[0]'), true);
      assert.equal(evaluate('body.nested == body.nested'), true);
      assert.equal(evaluate('nil == false'), false);
      assert.equal(evaluate('0 == false'), false);
      assert.equal(evaluate("'' == nil"), false);
      assert.equal(evaluate('body.nothing == nil'), true);
      assert.equal(evaluate('1 == 1.0'), true);
      assert.equal(evaluate('[1, [2, 3]] == [1, [2, 3]]'), true);
      assert.equal(evaluate('[1, [2, 3]] == [1, [2, 4]]'), false);
    });

    it('compares objects by their own keys and values', () => {
      const scope = scopeOf({ a: { x: 1, y: [1] }, b: { y: [1], x: 1 }, c: { x: 1 }, d: { x: 1, z: 1 } });
      assert.equal(evaluate('a == b', scope), true);
      assert.equal(evaluate('a == c', scope), false);
      assert.equal(evaluate('c == d', scope), false);
      assert.equal(evaluate('c != d', scope), true);
    });

    it('orders numbers and strings, and refuses anything else', () => {
      assert.equal(evaluate('status >= 200 && status < 300'), true);
      assert.equal(evaluate('status <= 199'), false);
      assert.equal(evaluate("'abc' < 'abd'"), true);
      assert.equal(evaluate("'b' > 'a'"), true);
      assertExpressionError(
        () => evaluate("status > '100'"),
        `'>' needs two numbers or two strings, got 200 and "100"`,
        7,
      );
      assertExpressionError(
        () => evaluate('body.missing > 2'),
        `'>' needs two numbers or two strings, got null and 2`,
        13,
      );
      assertExpressionError(
        () => evaluate('body.tags < 2'),
        /^'<' needs two numbers or two strings, got \["admin","beta"\] and 2$/,
      );
    });
  });

  describe('logic', () => {
    it('supports && || ! and their word forms, short-circuiting', () => {
      assert.equal(evaluate('true && false'), false);
      assert.equal(evaluate('true and true'), true);
      assert.equal(evaluate('false || true'), true);
      assert.equal(evaluate('false or false'), false);
      assert.equal(evaluate('!false'), true);
      assert.equal(evaluate('not body.active'), false);
      assert.equal(evaluate('not (status == 404)'), true);
      assert.equal(evaluate('false && nope'), false);
      assert.equal(evaluate('true || nope'), true);
      assert.equal(evaluate('body.missing != nil && body.missing.x > 1'), false);
    });

    it('follows expr-lang in binding `not` tighter than comparisons', () => {
      assert.equal(evaluate('not true == false'), true);
    });

    it('treats false, nil, 0, NaN and empty text as falsy', () => {
      for (const value of [false, null, undefined, 0, Number.NaN, ''])
        assert.equal(isTruthy(value), false, String(value));
      for (const value of [true, 1, -1, 'a', [], {}, '0', 'false'])
        assert.equal(isTruthy(value), true, JSON.stringify(value));
      assert.equal(evaluate("0 || '' || nil ? 1 : 2"), 2);
      assert.equal(evaluate('!empty'), true);
    });

    it('returns booleans from logic operators and values from ??', () => {
      assert.equal(evaluate('1 && "x"'), true);
      assert.equal(evaluate('0 || nil'), false);
      assert.equal(evaluate('body.missing ?? "fallback"'), 'fallback');
      assert.equal(evaluate('body.id ?? 0'), 7);
      assert.equal(evaluate('false ?? 1'), false);
    });

    it('picks a ternary branch by truthiness and evaluates only that branch', () => {
      assert.equal(evaluate('body.active ? "on" : nope'), 'on');
      assert.equal(evaluate('body.missing ? nope : "off"'), 'off');
    });
  });

  describe('membership and text operators', () => {
    it('contains: substring, deep array membership, own object key', () => {
      assert.equal(evaluate("body.name contains 'Love'"), true);
      assert.equal(evaluate("body.name contains 'love'"), false);
      assert.equal(evaluate("body.tags contains 'beta'"), true);
      assert.equal(evaluate('body.items contains body.items[0]'), true);
      assert.equal(evaluate('[[1, 2], [3]] contains [3]'), true);
      assert.equal(evaluate("body contains 'email'"), true);
      assert.equal(evaluate("body contains 'missing'"), false);
      assert.equal(evaluate("body.missing contains 'x'"), false);
      assertExpressionError(
        () => evaluate('body.name contains 1'),
        `'contains' needs text to look for in text, got "Ada Lovelace" and 1`,
        10,
      );
      assertExpressionError(
        () => evaluate("status contains '2'"),
        /^'contains' needs a string, an array or an object to look in/,
      );
    });

    it('in is contains reversed', () => {
      assert.equal(evaluate('status in [200, 201, 204]'), true);
      assert.equal(evaluate('status in [201, 204]'), false);
      assert.equal(evaluate("'admin' in body.tags"), true);
      assert.equal(evaluate("'id' in body"), true);
      assert.equal(evaluate("'Ada' in body.name"), true);
      assert.equal(evaluate("'x' in body.missing"), false);
      assert.equal(evaluate('0 in [0.0]'), true);
    });

    it('startsWith, endsWith', () => {
      assert.equal(evaluate("body.email startsWith 'ada@'"), true);
      assert.equal(evaluate("body.email endsWith '.com'"), true);
      assert.equal(evaluate("body.email endsWith '.org'"), false);
      assert.equal(evaluate("body.missing startsWith 'a'"), false);
      assertExpressionError(
        () => evaluate("status startsWith '2'"),
        `'startsWith' needs two strings, got 200 and "2"`,
        7,
      );
    });

    it('matches: regular expressions, with Go-style leading flags', () => {
      assert.equal(evaluate("body.email matches '^[a-z]+@example\\\\.com$'"), true);
      assert.equal(evaluate('body.email matches `^[a-z]+@example\\.com$`'), true);
      assert.equal(evaluate("body.name matches '(?i)^ada'"), true);
      assert.equal(evaluate("body.name matches '^ada'"), false);
      assert.equal(evaluate("headers['x-request-id'] matches '^[a-z]+-\\\\d+$'"), true);
      assert.equal(evaluate("body.missing matches 'x'"), false);
    });

    it('matches: refuses invalid, too long patterns and too long text', () => {
      const scope = scopeOf({ p: '(', long: 'a'.repeat(1001), text: 'a'.repeat(100_001) });
      assertExpressionError(
        () => evaluate("'a' matches p", scope),
        'invalid regular expression "(": Unterminated group',
        12,
      );
      assertExpressionError(
        () => evaluate("'a' matches long", scope),
        'regular expression is too long (1001 characters): at most 1000 are allowed',
      );
      assertExpressionError(
        () => evaluate("text matches 'a'", scope),
        "'matches' runs on at most 100000 characters, the text has 100001",
        5,
      );
      assertExpressionError(
        () => evaluate('status matches "2"'),
        `'matches' needs a string on the left, got 200 and "2"`,
      );
      assertExpressionError(
        () => evaluate("'a' matches 1"),
        `'matches' needs a regular expression (string) on the right, got "a" and 1`,
      );
    });
  });

  describe('arithmetic', () => {
    it('computes with numbers and concatenates strings and arrays', () => {
      assert.equal(evaluate('7 % 3 + 10 / 4 - 2 * 3'), -2.5);
      assert.equal(evaluate('-status'), -200);
      assert.equal(evaluate('-(1 + 2)'), -3);
      assert.equal(evaluate('+duration_ms'), 42);
      assert.equal(evaluate("'a' + 'b'"), 'ab');
      assert.deepEqual(evaluate('body.tags + [1]'), ['admin', 'beta', 1]);
      assert.equal(evaluate("'id-' + string(body.id)"), 'id-7');
    });

    it('refuses mixed types and division by zero', () => {
      assertExpressionError(
        () => evaluate("'id-' + body.id"),
        `'+' needs two numbers, two strings or two arrays, got "id-" and 7; use string(x) to join a value to text`,
        6,
      );
      assertExpressionError(() => evaluate('nil - 1'), `'-' needs two numbers, got null and 1`, 4);
      assertExpressionError(() => evaluate('1 / 0'), "division by zero in '/'", 2);
      assertExpressionError(() => evaluate('1 % 0'), "division by zero in '%'", 2);
      assertExpressionError(() => evaluate("-'a'"), `unary '-' needs a number, got "a"`, 0);
    });
  });

  describe('functions', () => {
    it('len counts characters, elements and keys', () => {
      assert.equal(evaluate('len(body.tags)'), 2);
      assert.equal(evaluate("len('héllo😀')"), 6);
      assert.equal(evaluate('len(headers)'), 2);
      assert.equal(evaluate("len('')"), 0);
      assertExpressionError(
        () => evaluate('len(body.missing)'),
        'len() needs a string, an array or an object, got null',
        0,
      );
      assertExpressionError(() => evaluate('len(status)'), 'len() needs a string, an array or an object, got 200', 0);
    });

    it('lower, upper, trim', () => {
      assert.equal(evaluate("lower(body.name) == 'ada lovelace'"), true);
      assert.equal(evaluate("upper('abc')"), 'ABC');
      assert.equal(evaluate("trim('  x \\n')"), 'x');
      assertExpressionError(() => evaluate('lower(status)'), 'lower() needs a string, got 200', 0);
    });

    it('string, int, float, abs', () => {
      assert.equal(evaluate('string(status)'), '200');
      assert.equal(evaluate('string(body.tags)'), '["admin","beta"]');
      assert.equal(evaluate('string(nil)'), 'null');
      assert.equal(evaluate('string(true)'), 'true');
      assert.equal(evaluate("int('42')"), 42);
      assert.equal(evaluate('int(-3.7)'), -3);
      assert.equal(evaluate("int(' 12.9 ')"), 12);
      assert.equal(evaluate("float('2.5')"), 2.5);
      assert.equal(evaluate('float(3)'), 3);
      assert.equal(evaluate('abs(-4)'), 4);
      assertExpressionError(() => evaluate("int('abc')"), 'int() needs a number or a numeric string, got "abc"');
      assertExpressionError(() => evaluate("int('')"), 'int() needs a number or a numeric string, got ""');
      assertExpressionError(() => evaluate('int(true)'), 'int() needs a number or a numeric string, got true');
      assertExpressionError(
        () => evaluate("float('1e999') > 0 && int('1e999') > 0"),
        'int() needs a finite number, got "1e999"',
      );
      assertExpressionError(() => evaluate("abs('1')"), 'abs() needs a number, got "1"');
    });

    it('string() of a value that cannot be JSON is an ExpressionError', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      assertExpressionError(
        () => evaluate('string(x)', scopeOf({ x: cyclic })),
        /^string\(\) needs a value that can be written as JSON, got \{"self":…/,
      );
    });

    it('keys, values, has', () => {
      assert.deepEqual(evaluate('keys(headers)'), ['content-type', 'x-request-id']);
      assert.deepEqual(evaluate('values(body.items[0])'), [1, 10]);
      assert.equal(evaluate("has(body, 'email')"), true);
      assert.equal(evaluate("has(body, 'nope')"), false);
      assert.equal(evaluate("has(body.nothing, 'x')"), false);
      assert.equal(evaluate('has(body.tags, 1)'), true);
      assert.equal(evaluate('has(body.tags, 2)'), false);
      assertExpressionError(() => evaluate('keys(body.tags)'), 'keys() needs an object, got ["admin","beta"]');
      assertExpressionError(
        () => evaluate('has(body, nil)'),
        'has() needs a key (string or number) as its second argument, got null',
      );
      assertExpressionError(
        () => evaluate("has(status, 'x')"),
        'has() needs an object or an array as its first argument, got 200',
      );
    });

    it('a name that is also a function name is still a variable without parentheses', () => {
      assert.equal(evaluate('len + 1', scopeOf({ len: 2 })), 3);
    });
  });

  it('evaluates the same compiled expression against many scopes', () => {
    const compiled = compileExpression('status == 200 && len(body.items) >= 1');
    assert.equal(compiled.evaluate(scopeOf({ status: 200, body: { items: [1] } })), true);
    assert.equal(compiled.evaluate(scopeOf({ status: 500, body: { items: [1] } })), false);
    assert.equal(compiled.evaluate(scopeOf({ status: 200, body: { items: [] } })), false);
  });
});
