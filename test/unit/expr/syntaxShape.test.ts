import assert from 'node:assert/strict';
import { checkExpressionSyntax } from '../../../src/core/expr';
import { parse } from '../../../src/core/expr/parser';
import { syntaxShape } from '../../../src/core/expr/syntaxShape';
import { mulberry32 } from '../support/random';

function valid(source: string): boolean {
  try {
    parse(source);
    return true;
  } catch {
    return false;
  }
}

/** `source` with every digit run written as another run of random digits (maybe of another length). */
function otherDigits(source: string, random: () => number): string {
  return source.replace(/\d+/g, () => {
    const length = 1 + Math.floor(random() * 4);
    let run = '';
    for (let i = 0; i < length; i++) run += String(Math.floor(random() * 10));
    return run;
  });
}

const POOL = [...'0123456789012345abxe_.\\$"\'{}[]()=!<>+-*/%&|?:, ', '==', '0x', '1_0', '.5', 'e3', '{{a}}', '${b}'];

function randomText(random: () => number): string {
  let text = '';
  const length = 1 + Math.floor(random() * 16);
  for (let i = 0; i < length; i++) text += POOL[Math.floor(random() * POOL.length)];
  return text;
}

const SEEDS = [
  'body.id == 4711',
  'status in [200, 201] && len(body.items) > 10',
  'body.items[3].price < 100 ? 1 : 2',
  '-12 + 3 * 4 % 5 / 6 ** 7 == x',
  'items.12.id == 0x1F',
  '1_000 + 1e5 + 2.5 == n',
  '\'a 12 b\' == name && "\\x41" == c',
  '{{ step_3.body.id }} == ${ N1 }',
];

describe('expression syntax shapes', () => {
  it('write stand-alone digit runs as 0, and nothing else', () => {
    const cases: Array<[string, string | undefined]> = [
      ['body.id == 4711', 'body.id == 0'],
      ['status == 200', 'status == 0'],
      ['a[12] == -3', 'a[0] == -0'],
      ['items.12.id == 5', 'items.12.id == 0'],
      ['0x1F == 31', '0x1F == 0'],
      ['1_000 > 2', '1_000 > 0'],
      ['1e5 > 3', '1e5 > 0'],
      ['1.5 < 2', '1.5 < 0'],
      ['get_12.x == 5', 'get_12.x == 0'],
      ['"a 12 b" == x', '"a 0 b" == x'],
      ['"\\12" == x', undefined],
      ['a{12}', undefined],
      ['x == 0', undefined],
      ['no digits', undefined],
      [`x == ${'1'.repeat(10_001)}`, undefined],
    ];
    for (const [source, shape] of cases) assert.equal(syntaxShape(source), shape, source);
  });

  it('two texts of one shape are both valid or both invalid (seeded search)', () => {
    const random = mulberry32(0x5ba9e);
    let compared = 0;
    for (let i = 0; i < 20_000; i++) {
      const a = i % 4 === 0 ? otherDigits(SEEDS[i % SEEDS.length], random) : randomText(random);
      const b = otherDigits(a, random);
      const shape = syntaxShape(a);
      if (shape === undefined || shape !== syntaxShape(b)) continue;
      compared++;
      assert.equal(
        valid(b),
        valid(a),
        `${JSON.stringify(a)} and ${JSON.stringify(b)} share the shape ${JSON.stringify(shape)}`,
      );
    }
    assert.ok(compared > 2000, `only ${compared} pairs shared a shape`);
  });

  it('the syntax check still refuses what it refused, after a valid text of the same shape', () => {
    checkExpressionSyntax('body.id == 17');
    // Same shape as an invalid text? None can be (above); different shapes are parsed as before.
    assert.throws(() => checkExpressionSyntax('body.id == 17x'), /a name cannot start with a digit/);
    assert.throws(() => checkExpressionSyntax(`body.id == ${'1'.repeat(10_000)}`), /too long/);
    checkExpressionSyntax('body.id == 4711');
  });
});
