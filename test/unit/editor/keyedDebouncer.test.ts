// The editor's per-document debounce (diagnostics while typing): the last call per key wins.
import assert from 'node:assert/strict';
import { KeyedDebouncer } from '../../../src/extension/keyedDebouncer';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyedDebouncer (extension/keyedDebouncer.ts)', () => {
  it('runs only the last task of a key, each key on its own', async () => {
    const debouncer = new KeyedDebouncer(5);
    const ran: string[] = [];
    debouncer.schedule('a', () => ran.push('a1'));
    debouncer.schedule('b', () => ran.push('b1'));
    debouncer.schedule('a', () => ran.push('a2'));
    await settle(100);
    assert.deepEqual(ran.sort(), ['a2', 'b1']);
    debouncer.schedule('a', () => ran.push('a3'));
    await settle(100);
    assert.deepEqual(ran.sort(), ['a2', 'a3', 'b1']);
  });

  it('runs nothing once disposed', async () => {
    const debouncer = new KeyedDebouncer(5);
    const ran: string[] = [];
    debouncer.schedule('a', () => ran.push('a'));
    debouncer.dispose();
    await settle(100);
    assert.deepEqual(ran, []);
  });
});
