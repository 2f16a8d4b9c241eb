import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import type { ExecutionEvent } from '../../../src/core/events';
import { startServer, type RunningServer } from '../../../src/server/server';
import { tempWorkspace, waitFor } from '../helpers';
import { call, manyStepsFlow, range, seqsOf, startTinyApi, watch, type TinyApi, type Watcher } from './fixtures';

const isEnd = (e: ExecutionEvent) =>
  e.type === 'execution.completed' || e.type === 'execution.failed' || e.type === 'execution.cancelled';

/**
 * A flow that logs `count` big messages (the `big` variable), after a short wait. A tiny HTTP call
 * after each log lets the event loop turn, so the clients of this same process can read.
 */
function bigLogsFlow(count: number): string {
  let yaml =
    'flow:\n  name: Big logs\n  steps:\n    - id: warmup\n      action: http_request\n      config: { url: "{{API}}/slow?ms=300" }\n';
  for (let i = 0; i < count; i++) {
    yaml += `    - id: log${i}\n      action: log\n      config: { message: "{{big}}" }\n`;
    yaml += `    - id: tick${i}\n      action: http_request\n      config: { url: "{{API}}/ok" }\n`;
  }
  return yaml;
}

function socketOf(w: Watcher): Socket {
  return (w.ws as unknown as { _socket: Socket })._socket;
}

describe('WebSocket hub', function () {
  this.timeout(60_000);
  let api: TinyApi;
  let server: RunningServer;
  let workspace: string;

  before(async () => {
    api = await startTinyApi();
    workspace = tempWorkspace({
      'flows/many.flow.yaml': manyStepsFlow('Many', 150, 300),
      'flows/short.flow.yaml': manyStepsFlow('Short', 5, 1),
      'flows/big-logs.flow.yaml': bigLogsFlow(300),
    });
    server = await startServer({ workspace, environment: { API: api.url } });
  });
  after(async () => {
    await server.close();
    await api.close();
  });

  const start = async (flowId: string, variables?: Record<string, unknown>): Promise<string> => {
    const res = await call(server.url, '/api/v1/executions', {
      token: server.token,
      method: 'POST',
      body: { flow_id: flowId, variables },
    });
    assert.equal(res.status, 201, res.text);
    return res.json.id;
  };
  const open = (path: string, query?: string) => watch(server.url, path, { token: server.token, query });

  it('delivers every event, in order, without duplicates, to 50 concurrent clients', async () => {
    const id = await start('flows/many.flow.yaml');
    const watchers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => open(`/ws/executions/${id}`, i % 2 ? 'batch=1' : undefined)),
    );
    await Promise.all(watchers.map((w) => w.until(isEnd, 45_000)));
    const final = (await server.manager.whenFinished(id))!;
    assert.equal(final.status, 'completed');
    // As they travel: JSON drops undefined fields.
    const expected = JSON.parse(JSON.stringify((await server.manager.eventsSince(id, 0))!));
    assert.equal(expected.length, final.last_seq);
    for (const [i, w] of watchers.entries()) {
      assert.deepEqual(seqsOf(w.events), range(1, final.last_seq), `client ${i}`);
      assert.deepEqual(w.events, expected, `client ${i} content`);
    }
    // Batching clients got fewer messages than events; the others exactly one message per event.
    assert.ok(watchers[1].messages < watchers[1].events.length);
    assert.equal(watchers[0].messages, watchers[0].events.length);
    for (const w of watchers) w.ws.close();
  });

  it('replays everything to a late client, and only what is missing with ?since=', async () => {
    const id = await start('flows/short.flow.yaml');
    const final = (await server.manager.whenFinished(id))!;
    const late = await open(`/ws/executions/${id}`);
    await late.until(isEnd);
    assert.deepEqual(seqsOf(late.events), range(1, final.last_seq));
    const resumed = await open(`/ws/executions/${id}`, 'since=4&batch=1');
    await resumed.until(isEnd);
    assert.deepEqual(seqsOf(resumed.events), range(5, final.last_seq));
    const lastOnly = await open(`/ws/executions/${id}`, `since=${final.last_seq - 1}`);
    await lastOnly.until(isEnd);
    assert.deepEqual(seqsOf(lastOnly.events), [final.last_seq]);
    for (const w of [late, resumed, lastOnly]) w.ws.close();
  });

  it('resumes a dropped connection mid-run with since=<last seq>: no gaps, no duplicates', async () => {
    const id = await start('flows/many.flow.yaml');
    const seen: ExecutionEvent[] = [];
    let last = 0;
    // Drop and reconnect three times while the run is going, then follow it to the end.
    for (let round = 0; round < 3; round++) {
      const w = await open(`/ws/executions/${id}`, `since=${last}`);
      await w.until((e) => e.seq >= last + 25);
      w.ws.terminate();
      // Only what arrived before the drop counts, like a browser that lost its socket.
      const got = [...w.events];
      seen.push(...got);
      last = got.at(-1)!.seq;
    }
    const tail = await open(`/ws/executions/${id}`, `since=${last}&batch=1`);
    await tail.until(isEnd);
    seen.push(...tail.events);
    const final = (await server.manager.whenFinished(id))!;
    assert.deepEqual(seqsOf(seen), range(1, final.last_seq));
    tail.ws.close();
  });

  it('streams all executions on /ws/executions, each in order', async () => {
    const all = await open('/ws/executions');
    const ids = await Promise.all([start('flows/short.flow.yaml'), start('flows/short.flow.yaml')]);
    const finals = await Promise.all(ids.map((id) => server.manager.whenFinished(id)));
    await all.until((e) => isEnd(e) && e.execution_id === ids[0]);
    await all.until((e) => isEnd(e) && e.execution_id === ids[1]);
    for (const [i, id] of ids.entries()) {
      assert.deepEqual(seqsOf(all.events.filter((e) => e.execution_id === id)), range(1, finals[i]!.last_seq));
    }
    all.ws.close();
  });

  it('cuts off a client that stops reading, with 1013, while the run and other clients go on', async () => {
    const big = 'x'.repeat(40_000);
    // Baseline: the same run with nobody watching.
    const baselineId = await start('flows/big-logs.flow.yaml', { big });
    const baseline = (await server.manager.whenFinished(baselineId))!;

    const id = await start('flows/big-logs.flow.yaml', { big });
    const [healthy, slow] = await Promise.all([open(`/ws/executions/${id}`, 'batch=1'), open(`/ws/executions/${id}`)]);
    socketOf(slow).pause();
    const cutOffBefore = server.hub.stats().cutOff;
    const final = (await server.manager.whenFinished(id))!;
    assert.equal(final.status, 'completed');
    await healthy.until(isEnd);
    assert.deepEqual(seqsOf(healthy.events), range(1, final.last_seq), 'the reading client got everything');
    // 300 x 40 KB went out; the paused client could not take it and was dropped, not waited for.
    await waitFor(() => server.hub.stats().cutOff === cutOffBefore + 1, 10_000, 'the slow client to be cut off');
    assert.equal(server.hub.stats().clients, 1, 'only the healthy client remains');
    // Generous: a run that waited for the paused reader would never finish at all.
    assert.ok(
      final.duration_ms! < baseline.duration_ms! * 5 + 5000,
      `run took ${final.duration_ms} ms, baseline ${baseline.duration_ms} ms`,
    );
    assert.ok(!slow.events.some(isEnd), 'the slow client never saw the end');

    socketOf(slow).resume();
    const closed = await slow.closed;
    assert.equal(closed.code, 1013);
    assert.match(closed.reason, /too slow/);
    healthy.ws.close();
  });

  it('drops peers that stop answering pings; keeps those that answer', async () => {
    const beating = await startServer({ workspace, hub: { heartbeatMs: 50 } });
    try {
      const id = (await beating.manager.start({ flow_id: 'flows/short.flow.yaml', variables: { API: api.url } })).id;
      await beating.manager.whenFinished(id);
      const alive = await watch(beating.url, `/ws/executions/${id}`, { token: beating.token });
      const dead = await watch(beating.url, `/ws/executions/${id}`, { token: beating.token });
      await dead.until(isEnd);
      socketOf(dead).pause();
      let pings = 0;
      alive.ws.on('ping', () => pings++);
      await waitFor(() => beating.hub.stats().clients === 1, 5000, 'the silent peer to be dropped');
      await waitFor(() => pings >= 4, 5000, 'a few more heartbeats');
      assert.equal(alive.ws.readyState, alive.ws.OPEN);
      assert.equal(beating.hub.stats().clients, 1);
      socketOf(dead).resume();
      assert.equal((await dead.closed).code, 1006, 'terminated, not closed politely');
      alive.ws.close();
    } finally {
      await beating.close();
    }
  });

  it('closes clients with 1001 when the server stops', async () => {
    const stopping = await startServer({ workspace });
    const id = (await stopping.manager.start({ flow_id: 'flows/short.flow.yaml', variables: { API: api.url } })).id;
    const w = await watch(stopping.url, `/ws/executions/${id}`, { token: stopping.token });
    await stopping.close();
    assert.equal((await w.closed).code, 1001);
  });
});
