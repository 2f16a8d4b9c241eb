/**
 * Live-plus-replay of one execution's events: subscribe to the live events first, hold them while
 * the events already recorded after `since` are read and delivered, then deliver the held ones and
 * go live, de-duplicated by `seq`: every event once, in order, none missed in between.
 *
 * `FollowGate` is the ordering alone, for transports that bring their own live feed and flow control
 * (the WebSocket hub batches live events for all its clients); `follow` is the whole of it for one
 * listener (the editor's execution panel).
 */
import type { ExecutionEvent } from './events';

export interface Sequenced {
  seq: number;
}

export class FollowGate<T extends Sequenced> {
  /** Live items that came while the replay was still going on; undefined once live. */
  private held: T[] | undefined = [];

  /**
   * @param lastSeq the highest `seq` the follower has (`since`)
   * @param ordered false for a stream of many executions, where `seq` does not order the items:
   *   nothing is dropped then, and live items pass as they come
   */
  constructor(
    public lastSeq: number,
    private readonly ordered = true,
  ) {}

  get replaying(): boolean {
    return this.held !== undefined;
  }

  /** Live items (in `seq` order): held while replaying (none to deliver yet), then the ones not delivered yet. */
  live(items: T[]): T[] {
    if (this.held) {
      for (const item of items) this.held.push(item);
      return [];
    }
    return this.fresh(items);
  }

  /** Replayed items (in `seq` order) not delivered yet; call as often as the replay comes in parts. */
  replayed<U extends Sequenced>(items: U[]): U[] {
    return this.fresh(items);
  }

  /** Ends the replay (or drops what is held, for a follower that is gone): the held live items not delivered yet. */
  goLive(): T[] {
    const held = this.held ?? [];
    this.held = undefined;
    return this.fresh(held);
  }

  /** Drops what the follower already has; returns `items` itself when all of it is new. */
  private fresh<U extends Sequenced>(items: U[]): U[] {
    if (!this.ordered || items.length === 0) return items;
    if (items[items.length - 1].seq <= this.lastSeq) return [];
    let start = 0;
    while (items[start].seq <= this.lastSeq) start++;
    this.lastSeq = items[items.length - 1].seq;
    return start === 0 ? items : items.slice(start);
  }
}

/** What `follow` reads an execution's events from (the ExecutionManager). */
export interface FollowSource {
  subscribeExecution(id: string, listener: (event: ExecutionEvent) => void): () => void;
  eventsSince(id: string, since: number): Promise<ExecutionEvent[] | undefined>;
}

export interface Following {
  /** Resolves once the replay has been read (rejects when it cannot be); events follow on a later turn. */
  ready: Promise<void>;
  stop(): void;
}

/**
 * Follows one execution from `since` (events with a greater `seq`), replay then live. Nothing is
 * delivered before `ready` has settled and the current turn of the event loop has ended, so a
 * caller can answer its request before the first event goes out.
 */
export function follow(
  source: FollowSource,
  id: string,
  since: number,
  listener: (event: ExecutionEvent) => void,
): Following {
  const gate = new FollowGate<ExecutionEvent>(Math.max(0, Math.floor(since)));
  let stopped = false;
  const deliver = (events: ExecutionEvent[]) => {
    for (const event of events) {
      if (stopped) return;
      listener(event);
    }
  };
  const unsubscribe = source.subscribeExecution(id, (event) => deliver(gate.live([event])));
  const stop = () => {
    stopped = true;
    unsubscribe();
  };
  const ready = source.eventsSince(id, gate.lastSeq).then(
    (replay) => {
      setImmediate(() => {
        deliver(gate.replayed(replay ?? []));
        deliver(gate.goLive());
      });
    },
    (err: unknown) => {
      stop();
      throw err;
    },
  );
  return { ready, stop };
}
