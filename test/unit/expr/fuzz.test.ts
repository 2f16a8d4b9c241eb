import assert from 'node:assert/strict';
import { compileExpression, ExpressionScope } from '../../../src/core/expr';
import { TestMeshError } from '../../../src/core/errors';
import { scopeOf } from './helpers';
import { mulberry32 } from '../support/random';

const VALID = [
  'status == 200',
  'status in [200, 201] && len(body.items) > 0',
  "body.items[0].id == 1 || body.name contains 'x'",
  "headers['content-type'] startsWith 'application/json'",
  "body.email matches '^[a-z]+@[a-z]+\\\\.com$'",
  '${user_id} == body.id',
  '{{ create_user.body.id }} > 0 ? "yes" : "no"',
  'not (body.active and status != 404)',
  "lower(trim(body.name)) endsWith 'e'",
  "keys(headers) contains 'x-request-id'",
  "has(body, 'tags') && len(values(body.nested)) == 1",
  '-abs(body.score) * 2 + 1 % 3 - 4 / 2 ** 2',
  'body.missing?.deep?.[0] ?? int("42")',
  "string(status) + '!' == '200!'",
  "float('1.5') >= 1 and body.tags not contains 'x'",
  '[1, [2, body.id], nil, true, false, null] == [1]',
  'body.items[-1].price < 100 ? body.items[0] : body.items',
  "'a' in body.tags or 'id' in body",
  'deepA == deepB',
  'len(body.name) > 3 && body.name[0] == "A"',
  'x.__proto__.constructor == nil',
  'body.constructor.prototype',
  "body['__proto__']['polluted']",
];

const TOKENS = [
  '(',
  ')',
  '[',
  ']',
  '.',
  '?.',
  '?',
  ':',
  ',',
  '==',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  '&&',
  '||',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
  '**',
  '??',
  'and',
  'or',
  'not',
  'in',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
  'true',
  'false',
  'nil',
  'null',
  'status',
  'body',
  'headers',
  'x',
  'deepA',
  'unknown_name',
  '__proto__',
  'constructor',
  'prototype',
  'len(',
  'lower(',
  'upper(',
  'trim(',
  'string(',
  'int(',
  'float(',
  'abs(',
  'keys(',
  'values(',
  'has(',
  'nope(',
  '0',
  '1',
  '-1',
  '3.5',
  '1e308',
  '0x',
  '1_',
  "'s'",
  '"d"',
  '`r`',
  "'",
  '"',
  '`',
  '\\',
  '${',
  '}',
  '{{',
  '}}',
  '${user_id}',
  '{{ nope }}',
  "'('",
  "'[a-'",
  "'(?i)a'",
  "'(a+)+$'",
  '=',
  '===',
  '&',
  '|',
  '#',
  '{',
  '😀',
  '\u0000',
  '\n',
  ' ',
];

const CHARS = '()[]{}.,:?!=<>&|+-*/%\'"`\\$_ azAZ09\n\t#@^~😀é\u0000';

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function mutate(random: () => number, source: string): string {
  const at = Math.floor(random() * (source.length + 1));
  switch (Math.floor(random() * 8)) {
    case 0:
      return source.slice(0, at) + pick(random, [...CHARS]) + source.slice(at);
    case 1:
      return source.slice(0, at) + source.slice(at + 1 + Math.floor(random() * 3));
    case 2:
      return at + 1 < source.length
        ? source.slice(0, at) + source[at + 1] + source[at] + source.slice(at + 2)
        : source + source[0];
    case 3:
      return `${source.slice(0, at)} ${pick(random, TOKENS)} ${source.slice(at)}`;
    case 4:
      return source.slice(0, at);
    case 5:
      return `${source} ${pick(random, TOKENS)} ${pick(random, VALID)}`;
    case 6: {
      const from = Math.floor(random() * source.length);
      return source.slice(0, at) + source.slice(from, from + 1 + Math.floor(random() * 10)) + source.slice(at);
    }
    default:
      return source.slice(at) + source.slice(0, at);
  }
}

function randomTokens(random: () => number): string {
  const count = 1 + Math.floor(random() * 12);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(pick(random, TOKENS));
  return parts.join(random() < 0.5 ? ' ' : '');
}

function randomNesting(random: () => number): string {
  const depth = Math.floor(random() * 200);
  const [open, close] = pick(random, [
    ['(', ')'],
    ['[', ']'],
    ['len(', ')'],
    ['!', ''],
    ['-', ''],
    ['not ', ''],
    ['x[', ']'],
    ['a ? ', ' : 1'],
  ]);
  const balanced = random() < 0.7;
  return (
    open.repeat(depth) +
    pick(random, ['1', 'status', 'body.id', "'s'"]) +
    (balanced ? close.repeat(depth) : close.repeat(Math.floor(random() * depth)))
  );
}

const HOSTILE = [
  '('.repeat(5000),
  '('.repeat(5000) + '1' + ')'.repeat(5000),
  '['.repeat(5000) + ']'.repeat(5000),
  '!'.repeat(5000) + 'status',
  'not '.repeat(2400) + 'true',
  '-'.repeat(9000) + '1',
  'a ? '.repeat(2400) + '1',
  'x' + '.y'.repeat(4900),
  'x' + '[0]'.repeat(3300),
  'x' + '?.y'.repeat(3300),
  Array(4900).fill('1').join('+'),
  Array(3300).fill('2').join('**'),
  Array(2400).fill('true').join('&&'),
  'len('.repeat(2000) + 'x' + ')'.repeat(2000),
  `'${'a'.repeat(9990)}'`,
  'x'.repeat(10_001),
  '${' + 'a'.repeat(9000) + '}',
  `'a' matches '${'('.repeat(500)}a${')'.repeat(500)}'`,
  `status matches '${'a'.repeat(995)}'`,
];

function fuzzScope(): ExpressionScope {
  let deepA: unknown = 1;
  let deepB: unknown = 1;
  for (let i = 0; i < 5000; i++) {
    deepA = [deepA];
    deepB = [deepB];
  }
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  return scopeOf(
    {
      status: 200,
      body: {
        id: 7,
        name: 'Ada',
        email: 'ada@example.com',
        active: true,
        score: -2.5,
        tags: ['a', 'b'],
        items: [{ id: 1, price: 3 }],
        nested: { k: 'v' },
      },
      headers: { 'content-type': 'application/json', 'x-request-id': 'r-1' },
      x: { y: { y: 1 } },
      a: 0,
      deepA,
      deepB,
      cyclic,
    },
    { user_id: 7, 'create_user.body.id': 7 },
  );
}

/** Compiles and runs one case; anything but a TestMeshError escaping is a bug. */
function runCase(source: string, scope: ExpressionScope): 'compiled' | 'rejected' {
  try {
    const compiled = compileExpression(source);
    try {
      compiled.evaluate(scope);
    } catch (err) {
      if (!(err instanceof TestMeshError)) throw err;
    }
    try {
      const outcome = compiled.check(scope);
      assert.equal(typeof outcome.passed, 'boolean');
      if (!outcome.passed) assert.equal(typeof outcome.message, 'string');
    } catch (err) {
      if (!(err instanceof TestMeshError)) throw err;
    }
    return 'compiled';
  } catch (err) {
    if (err instanceof TestMeshError) return 'rejected';
    const shown = source.length > 300 ? `${source.slice(0, 300)}… (${source.length} chars)` : source;
    assert.fail(`${JSON.stringify(shown)} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
}

describe('expr fuzz (seeded)', function () {
  this.timeout(30_000);
  const scope = fuzzScope();

  it('every valid seed expression compiles', () => {
    for (const source of VALID) assert.equal(runCase(source, scope), 'compiled', source);
  });

  it('hostile inputs fail with ExpressionError, never a stack overflow', () => {
    for (const source of HOSTILE) runCase(source, scope);
  });

  it('5000 random and mutated expressions throw nothing but TestMeshError', () => {
    const random = mulberry32(0x7e57);
    const counts = { compiled: 0, rejected: 0 };
    for (let i = 0; i < 5000; i++) {
      let source: string;
      const kind = random();
      if (kind < 0.6) {
        source = pick(random, VALID);
        const rounds = 1 + Math.floor(random() * 4);
        for (let r = 0; r < rounds; r++) source = mutate(random, source);
      } else if (kind < 0.85) {
        source = randomTokens(random);
      } else if (kind < 0.95) {
        source = randomNesting(random);
      } else {
        source = mutate(random, pick(random, HOSTILE));
      }
      counts[runCase(source, scope)]++;
    }
    // Both paths must be exercised, or the fuzz proves little.
    assert.ok(counts.compiled > 500, JSON.stringify(counts));
    assert.ok(counts.rejected > 500, JSON.stringify(counts));
  });
});
