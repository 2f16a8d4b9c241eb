// A small HTTP server the e2e fixture flows call, so a test can see from outside what a flow did
// and hold a step for exactly as long as it needs ("gates"), instead of hoping a sleep is long enough.
//
//   GET /gate/<name>   answers at once unless the test armed <name>; an armed gate is held until
//                      release(<name>) (or the caller gives up: that is recorded as an abort)
//   GET /mark/<name>   answers at once; counted
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor, type WaitOptions } from './codeServer';

export interface Observer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Holds the next calls of these gates until they are released. */
  arm(...names: string[]): void;
  /** Answers the held calls of a gate and disarms it. */
  release(name: string): void;
  releaseAll(): void;
  /** How many calls reached a gate or mark. */
  hits(name: string): number;
  /** How many held calls of a gate were given up by the caller (connection closed while held). */
  aborts(name: string): number;
  /** Forgets the counts (armed and held gates stay). */
  reset(): void;
  /** Resolves once a call of `name` has arrived (held or not) since the last reset. */
  waitForHit(name: string, options?: WaitOptions): Promise<void>;
  close(): Promise<void>;
}

export async function startObserver(): Promise<Observer> {
  const armed = new Set<string>();
  const held = new Map<string, http.ServerResponse[]>();
  const hitCounts = new Map<string, number>();
  const abortCounts = new Map<string, number>();
  const bump = (counts: Map<string, number>, name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);

  const answer = (res: http.ServerResponse, body: unknown) => {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const match = /^\/(gate|mark)\/([\w.-]+)/.exec(req.url ?? '');
    if (!match) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"no route"}');
      return;
    }
    const [, kind, name] = match;
    bump(hitCounts, name);
    if (kind === 'mark' || !armed.has(name)) return answer(res, { name, held: false });
    const queue = held.get(name) ?? [];
    queue.push(res);
    held.set(name, queue);
    // The flow's side hung up while held: a cancel aborted the request.
    res.once('close', () => {
      if (!res.writableEnded) bump(abortCounts, name);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const release = (name: string) => {
    armed.delete(name);
    for (const res of held.get(name) ?? []) answer(res, { name, held: true });
    held.delete(name);
  };

  return {
    url: `http://127.0.0.1:${port}`,
    arm: (...names) => names.forEach((name) => armed.add(name)),
    release,
    releaseAll: () => [...new Set([...armed, ...held.keys()])].forEach(release),
    hits: (name) => hitCounts.get(name) ?? 0,
    aborts: (name) => abortCounts.get(name) ?? 0,
    reset: () => {
      hitCounts.clear();
      abortCounts.clear();
    },
    waitForHit: (name, options = {}) =>
      waitFor(() => (hitCounts.get(name) ?? 0) > 0, { message: `a call of ${name} on the observer`, ...options }).then(
        () => undefined,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        for (const queue of held.values()) for (const res of queue) res.destroy();
        held.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
