// The per-execution state of actions (connections, pools, servers): made once, released once at the end.
import assert from 'node:assert/strict';
import { executionRegistry, executionState } from '../../../src/core/actions/executionResources';
import type { ActionContext } from '../../../src/core/actions/types';

function fakeExecution(): { ctx: ActionContext; end(): Promise<void> } {
  const cleanups: Array<() => Promise<void> | void> = [];
  const ctx = {
    resources: new Map<string, unknown>(),
    onExecutionEnd: (c: () => Promise<void> | void) => cleanups.push(c),
  };
  return {
    ctx: ctx as unknown as ActionContext,
    end: async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    },
  };
}

describe('execution resources (core/actions/executionResources.ts)', () => {
  it('makes the state once per key and releases it once when the execution ends', async () => {
    const { ctx, end } = fakeExecution();
    let made = 0;
    const released: string[] = [];
    const get = (key: string) =>
      executionState(
        ctx,
        key,
        () => ({ n: ++made, key }),
        (state) => void released.push(`${state.key}#${state.n}`),
      );
    assert.equal(get('a'), get('a'));
    assert.notEqual(get('a'), get('b'));
    assert.equal(made, 2);
    await end();
    assert.deepEqual(released, ['a#1', 'b#2']);
  });

  it('closes every item of a registry at the end, empties it, and a failing close does not stop the others', async () => {
    const { ctx, end } = fakeExecution();
    const closed: string[] = [];
    const registry = () =>
      executionRegistry<string>(ctx, 'things', async (item) => {
        if (item === 'bad') throw new Error('cannot close');
        closed.push(item);
      });
    registry().set('1', 'one');
    registry().set('2', 'bad');
    registry().set('3', 'three');
    const kept = registry();
    assert.equal(kept.size, 3);
    await end();
    assert.deepEqual(closed.sort(), ['one', 'three']);
    assert.equal(kept.size, 0);
  });
});
