import assert from 'node:assert/strict';
import { ScalarInterner } from '../../../src/core/flow/yamlInterner';
import { resolvePlain } from '../../../src/core/flow/yamlSubset';

describe('ScalarInterner', () => {
  it('gives the value of each text, shared between equal texts, for more texts than its table holds', () => {
    let resolved = 0;
    const interner = new ScalarInterner((text) => {
      resolved++;
      return `<${text}>`;
    });
    // 20,000 distinct texts fill the table many times over (and collide in it): each must still
    // come back as its own value, whether it was kept or not.
    const texts = Array.from({ length: 20_000 }, (_, i) => `key_${(i * 7919) % 20_000}`);
    const source = texts.join(' ');
    let at = 0;
    for (const text of texts) {
      assert.equal(interner.value(source, at, at + text.length), `<${text}>`);
      at += text.length + 1;
    }
    const first = resolved;
    at = 0;
    for (const text of texts) {
      assert.equal(interner.value(source, at, at + text.length), `<${text}>`);
      at += text.length + 1;
    }
    assert.ok(resolved - first < texts.length, 'the texts it kept are not resolved again');
  });

  it('gives each text its own value when texts alike in length, first and last character alternate', () => {
    let resolved = 0;
    const interner = new ScalarInterner((text) => {
      resolved++;
      return `<${text}>`;
    });
    // The recent-texts cache files these under one slot: each lookup must still check the whole text.
    const source = 'a1b a2b a1b a2b a3b a1b';
    for (let at = 0; at < source.length; at += 4) {
      assert.equal(interner.value(source, at, at + 3), `<${source.slice(at, at + 3)}>`);
    }
    assert.equal(resolved, 3, 'each distinct text is resolved once');
  });

  it('resolves texts longer than it shares, and the empty text', () => {
    const interner = new ScalarInterner(resolvePlain);
    const long = 'x'.repeat(100);
    assert.equal(interner.value(`a: ${long}`, 3, 103), long);
    assert.equal(interner.value('abc', 1, 1), null);
    assert.equal(interner.value('a: 42', 3, 5), 42);
    assert.equal(interner.value('a: 4242', 3, 5), 42);
    assert.ok(Number.isNaN(interner.value('.nan', 0, 4)));
  });
});
