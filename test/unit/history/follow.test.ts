import assert from 'node:assert/strict';
import type { ExecutionEvent } from '../../../src/core/events';
import { follow, FollowGate, type FollowSource } from '../../../src/core/follow';

function event(seq: number): ExecutionEvent {
  return { type: 'log', execution_id: 'e1', seq, timestamp: '', data: { level: 'info', message: `m${seq}` } } as never;
}

/** A source whose replay is answered by hand, so live events can arrive while it is read. */
function manualSource(recorded: ExecutionEvent[]) {
  let live: ((event: ExecutionEvent) => void) | undefined;
  let answer!: () => void;
  const source: FollowSource = {
    subscribeExecution: (_id, listener) => {
      live = listener;
      return () => (live = undefined);
    },
    eventsSince: (_id, since) =>
      new Promise((resolve) => (answer = () => resolve(recorded.filter((e) => e.seq > since)))),
  };
  return {
    source,
    emit: (e: ExecutionEvent) => live?.(e),
    answer: () => answer(),
    subscribed: () => live !== undefined,
  };
}

describe('follow: live plus replay of one execution', () => {
  it('delivers the replay, then what came live meanwhile, then live: every event once, in order', async () => {
    const recorded = [1, 2, 3, 4].map(event);
    const { source, emit, answer } = manualSource(recorded);
    const seen: number[] = [];
    const following = follow(source, 'e1', 1, (e) => seen.push(e.seq));
    emit(event(4)); // recorded and live: once
    emit(event(5));
    answer();
    await following.ready;
    assert.deepEqual(seen, [], 'nothing before the turn ends');
    await new Promise((resolve) => setImmediate(resolve));
    emit(event(6));
    emit(event(6));
    assert.deepEqual(seen, [2, 3, 4, 5, 6]);
    following.stop();
    emit(event(7));
    assert.deepEqual(seen, [2, 3, 4, 5, 6]);
  });

  it('rejects ready and unsubscribes when the replay cannot be read', async () => {
    let subscribed = false;
    const source: FollowSource = {
      subscribeExecution: () => {
        subscribed = true;
        return () => (subscribed = false);
      },
      eventsSince: () => Promise.reject(new Error('disk gone')),
    };
    await assert.rejects(follow(source, 'e1', 0, () => undefined).ready, /disk gone/);
    assert.equal(subscribed, false);
  });

  it('the gate passes items of an unordered stream as they come', () => {
    const gate = new FollowGate<{ seq: number }>(0, false);
    assert.deepEqual(gate.goLive(), []);
    const items = [{ seq: 3 }, { seq: 1 }];
    assert.equal(gate.live(items), items);
  });
});
