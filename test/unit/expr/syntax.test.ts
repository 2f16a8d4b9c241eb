import assert from 'node:assert/strict';
import { compileExpression, ExpressionError } from '../../../src/core/expr';
import { tokenize } from '../../../src/core/expr/lexer';
import { parse } from '../../../src/core/expr/parser';
import { TestMeshError } from '../../../src/core/errors';
import { assertExpressionError, evaluate } from './helpers';

describe('expr syntax', () => {
  describe('lexer', () => {
    it('reads numbers, strings, words, operators and placeholders with their offsets', () => {
      const tokens = tokenize("a.b >= 1_000 && 'x' != ${ user.id } ?? {{TIMESTAMP}}");
      assert.deepEqual(
        tokens.map((t) => [t.kind, t.text, t.start]),
        [
          ['word', 'a', 0],
          ['op', '.', 1],
          ['word', 'b', 2],
          ['op', '>=', 4],
          ['number', '1_000', 7],
          ['op', '&&', 13],
          ['string', 'x', 16],
          ['op', '!=', 20],
          ['placeholder', 'user.id', 23],
          ['op', '??', 36],
          ['placeholder', 'TIMESTAMP', 39],
          ['eof', '', 52],
        ],
      );
      assert.equal(tokens[4].number, 1000);
    });

    it('reads integer, float, exponent and hexadecimal numbers', () => {
      assert.equal(evaluate('1.5'), 1.5);
      assert.equal(evaluate('2e3'), 2000);
      assert.equal(evaluate('1.5E-1'), 0.15);
      assert.equal(evaluate('0x1F'), 31);
      assert.equal(evaluate('1_000_000'), 1_000_000);
    });

    it('decodes string escapes in single and double quotes, and keeps backtick strings raw', () => {
      assert.equal(evaluate(String.raw`'it\'s\n\t\\'`), "it's\n\t\\");
      assert.equal(evaluate(String.raw`"say \"hi\" \u00e9 \x41 \u{1F600}"`), 'say "hi" é A 😀');
      assert.equal(evaluate('`\\d+\\.`'), '\\d+\\.');
      assert.equal(evaluate(`"it's"`), "it's");
    });

    it('treats `.0` after a name as member access, not a fraction', () => {
      assert.equal(evaluate('body.items.0.id'), 1);
    });
  });

  describe('parser', () => {
    it('groups operators with expr-lang precedence', () => {
      assert.equal(evaluate('1 + 2 * 3'), 7);
      assert.equal(evaluate('(1 + 2) * 3'), 9);
      assert.equal(evaluate('10 - 4 - 3'), 3);
      assert.equal(evaluate('2 ** 3 ** 2'), 512);
      assert.equal(evaluate('-2 ** 2'), -4);
      assert.equal(evaluate('true || false && false'), true);
      assert.equal(evaluate('1 + 1 == 2 && 3 > 2'), true);
      assert.equal(evaluate('status == 200 ? "ok" : "bad"'), 'ok');
      assert.equal(evaluate('false ? 1 : true ? 2 : 3'), 2);
      assert.equal(evaluate('nil ?? 5 + 1'), 6);
    });

    it('folds a minus before a number into the literal', () => {
      assert.deepEqual(parse('-5'), { type: 'literal', value: -5, start: 0, end: 2, depth: 1 });
    });

    it('treats an array of literals as one literal', () => {
      const node = parse("[1, 'a', nil,]");
      assert.equal(node.type, 'literal');
      assert.deepEqual(evaluate("[1, 'a', nil,]"), [1, 'a', null]);
      assert.equal(parse('[1, status]').type, 'array');
    });

    it('records spans so every node knows its source text', () => {
      const source = 'len(body.items) > 2';
      const node = parse(source);
      assert.equal(node.type, 'binary');
      if (node.type !== 'binary') return;
      assert.equal(source.slice(node.left.start, node.left.end), 'len(body.items)');
      assert.equal(node.operatorStart, 16);
    });

    it('accepts keywords as property names after a dot', () => {
      assert.equal(
        evaluate(
          'x.in + x.not + x.contains',
          (() => {
            const x = { in: 1, not: 2, contains: 3 };
            return { get: (n: string) => (n === 'x' ? x : undefined) };
          })(),
        ),
        6,
      );
    });

    it('accepts `not in`, `not contains`, `not startsWith`, `not endsWith`, `not matches`', () => {
      assert.equal(evaluate("'x' not in body.tags"), true);
      assert.equal(evaluate("body.tags not contains 'admin'"), false);
      assert.equal(evaluate("body.name not startsWith 'Ada'"), false);
      assert.equal(evaluate("body.name not endsWith 'Ada'"), true);
      assert.equal(evaluate("body.email not matches '^\\\\d+$'"), true);
    });
  });

  describe('syntax errors', () => {
    const cases: Array<[string, string, number]> = [
      ['status == (200))', "unexpected ')' at column 16: there is no matching '('", 15],
      ['(status == ) ', "unexpected ')' at column 12: expected an expression", 11],
      ['status ==', 'unexpected end of expression at column 10: expected an expression', 9],
      ['', 'unexpected end of expression at column 1: expected an expression', 0],
      ['   ', 'unexpected end of expression at column 4: expected an expression', 3],
      ['(status == 200', "unexpected end of expression at column 15: expected ')' to close the '(' at column 1", 14],
      ['status 200', "unexpected '200' at column 8: expected an operator or the end of the expression", 7],
      ['status = 200', "unexpected character '=' at column 8: use '==' to compare", 7],
      ['status === 200', "unexpected '===' at column 8: use '==' (it never converts between types)", 7],
      ['a & b', "unexpected character '&' at column 3: use '&&' or 'and'", 2],
      ['a # b', "unexpected character '#' at column 3: expected an expression or an operator", 2],
      ['body.', "unexpected end of expression at column 6: expected a property name after '.'", 5],
      ["body['a'", "unexpected end of expression at column 9: expected ']' to close the '[' at column 5", 8],
      ['[1, 2', "unexpected end of expression at column 6: expected ',' or ']' to close the '[' at column 1", 5],
      ['[1 2]', "unexpected '2' at column 4: expected ',' or ']' to close the '[' at column 1", 3],
      ["'abc", "unterminated string at column 1: expected a closing '", 0],
      [
        '"a\\qb"',
        "invalid escape '\\q' at column 3: known escapes are \\n \\t \\r \\\\ \\' \\\" \\xHH \\uHHHH; use a `raw` string for regular expressions",
        2,
      ],
      [
        'a ? b',
        "unexpected end of expression at column 6: expected ':' and the value to use when the condition is false",
        5,
      ],
      [
        'x not y',
        "unexpected 'y' at column 7: expected 'in', 'contains', 'startsWith', 'endsWith' or 'matches' after 'not'",
        6,
      ],
      ['in body', "unexpected 'in' at column 1: expected an expression", 0],
      ['${user_id', "unterminated placeholder '${' at column 1: expected '}'", 0],
      ['{{ user_id }', "unterminated placeholder '{{' at column 1: expected '}}'", 0],
      ['{{  }} == 1', "empty placeholder '{{}}' at column 1: expected a variable name inside", 0],
      [
        '{a: 1}',
        "unexpected character '{' at column 1: object literals are not supported; placeholders are written ${name} or {{name}}",
        0,
      ],
      ['1abc', "invalid number '1a' at column 1: a name cannot start with a digit", 0],
      ['1__0', "invalid number '1__0' at column 1: '_' may only separate digits", 0],
      [
        'foo(1)',
        "unknown function 'foo' at column 1: known functions are abs, ceil, first, float, floor, fromJSON, has, hasPrefix, hasSuffix, indexOf, int, join, keys, last, len, lower, max, min, replace, round, split, string, sum, toJSON, trim, trimPrefix, trimSuffix, type, upper, values",
        0,
      ],
      ['x + len(1, 2)', 'wrong number of arguments at column 5: len() takes 1 argument, got 2', 4],
      ['has(body)', 'wrong number of arguments at column 1: has() takes 2 arguments, got 1', 0],
      ['body.name.trim()', "unexpected '(' at column 15: only the built-in functions can be called, like len(x)", 14],
      ['body matches "(unclosed"', 'invalid regular expression "(unclosed" at column 14: Unterminated group', 13],
    ];
    for (const [source, message, offset] of cases) {
      it(`${JSON.stringify(source)} -> ${message}`, () => {
        assertExpressionError(() => compileExpression(source), message, offset);
      });
    }

    it('is a TestMeshError, so callers that handle core errors handle it', () => {
      const err = assertExpressionError(() => compileExpression('1 +'), /expected an expression/);
      assert.ok(err instanceof TestMeshError);
      assert.equal(err.name, 'ExpressionError');
    });

    it('truncates long tokens in messages', () => {
      const err = assertExpressionError(() => compileExpression(`a '${'x'.repeat(500)}'`), /^unexpected string '/);
      assert.ok(err.message.length < 150, err.message);
    });
  });

  describe('limits', () => {
    it('refuses expressions longer than 10000 characters', () => {
      assertExpressionError(
        () => compileExpression(`a${' '.repeat(10_000)}`),
        'expression is too long: 10001 characters, at most 10000 are allowed',
        10_000,
      );
    });

    it('refuses deep nesting with a clear error instead of a stack overflow', () => {
      for (const source of [
        '('.repeat(4000) + '1' + ')'.repeat(4000),
        '['.repeat(5000),
        '!'.repeat(5000) + 'x',
        '-'.repeat(5000) + '1',
        'a ? '.repeat(2000) + '1',
      ]) {
        assertExpressionError(
          () => compileExpression(source),
          /^expression is nested too deeply at column \d+: at most 100 levels/,
        );
      }
    });

    it('accepts nesting up to the limit', () => {
      assert.equal(evaluate('('.repeat(99) + '1' + ')'.repeat(99)), 1);
    });

    it('refuses operator chains that would build a too deep tree', () => {
      assertExpressionError(
        () => compileExpression(Array(3000).fill('1').join('+')),
        /^expression is too complex at column 1: at most 1000 nested operations/,
      );
      assert.equal(evaluate(Array(900).fill('1').join('+')), 900);
      assertExpressionError(() => compileExpression('a' + '.b'.repeat(3000)), /^expression is too complex/);
    });
  });

  describe('compileExpression', () => {
    it('returns the same compiled expression for the same text', () => {
      const source = 'status == 201 && body.id > 0';
      assert.equal(compileExpression(source), compileExpression(source));
      assert.equal(compileExpression(source).source, source);
    });

    it('keeps working after the cache fills up', () => {
      const first = compileExpression('1 + 0');
      for (let i = 0; i < 2100; i++) compileExpression(`1 + ${i}`);
      assert.equal(compileExpression('1 + 0').evaluate({ get: () => undefined }), 1);
      assert.equal(first.evaluate({ get: () => undefined }), 1);
    });

    it('refuses a value that is not text', () => {
      assert.throws(() => compileExpression(42 as unknown as string), ExpressionError);
    });
  });
});
