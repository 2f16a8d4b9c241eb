import assert from 'node:assert/strict';
import { LineCounter } from 'yaml';
import { YamlReader } from '../../../src/core/flow/yamlReader';

describe('YamlReader positions', () => {
  it('gives the line and column of every offset, asked in any order, as the line counter does', () => {
    const lines = Array.from({ length: 300 }, (_, i) => 'x'.repeat((i * 37) % 23));
    const text = lines.join('\n');
    const lineCounter = new LineCounter();
    lineCounter.addNewLine(0);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
    const reader = new YamlReader({ contents: null }, text, lineCounter, 'f.yaml', []);
    const expected = (offset: number) => {
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col };
    };
    // In order, backwards, and jumping around (a fixed pseudo-random walk).
    const offsets = [...Array(text.length + 1).keys()];
    let seed = 7;
    const jumps = Array.from({ length: 2000 }, () => (seed = (seed * 48271) % 2147483647) % (text.length + 1));
    for (const offset of [...offsets, ...offsets.reverse(), ...jumps])
      assert.deepEqual(reader.position(offset), expected(offset), `offset ${offset}`);
  });
});
