/** One keep-alive HTTP pool per process, shared by every run: connections are reused across steps and runs. */
import { Agent, type Dispatcher } from '../http/undici';

let shared: Agent | undefined;

export function sharedDispatcher(): Dispatcher {
  shared ??= new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 128 });
  return shared;
}

/** Closes the pool so a CLI process can exit without waiting for idle sockets. */
export async function closeSharedDispatcher(): Promise<void> {
  const agent = shared;
  shared = undefined;
  await agent?.close();
}
