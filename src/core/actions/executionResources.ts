/**
 * State an action keeps between the steps of one execution (connections, pools, servers), kept
 * in the execution's `resources` under a key of its own and released once when the execution ends.
 */
import type { ActionContext } from './types';

/** The execution's state under `key`: made by `create` on first use; `release` runs at the execution's end. */
export function executionState<T>(
  ctx: ActionContext,
  key: string,
  create: () => T,
  release: (state: T) => Promise<void> | void,
): T {
  let state = ctx.resources.get(key) as T | undefined;
  if (state === undefined) {
    const created = create();
    state = created;
    ctx.resources.set(key, created);
    ctx.onExecutionEnd(() => release(created));
  }
  return state;
}

/**
 * The execution's open things of one kind by name (connection id, pool key). At the end they are
 * all closed at once and forgotten; a failing close does not keep the others from closing.
 */
export function executionRegistry<T>(
  ctx: ActionContext,
  key: string,
  close: (item: T) => Promise<unknown>,
): Map<string, T> {
  return executionState(
    ctx,
    key,
    () => new Map<string, T>(),
    async (registry) => {
      const items = [...registry.values()];
      registry.clear();
      await Promise.all(items.map((item) => close(item).catch(() => undefined)));
    },
  );
}
