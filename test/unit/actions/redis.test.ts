/**
 * redis.get / redis.set / redis.del / redis.exists against a real redis-server (started by
 * test/support/redis.ts). Without redis-server the tests are skipped loudly, except in CI
 * (CI set), where that is a failure.
 */
import assert from 'node:assert/strict';
import { createClient } from '@redis/client';
import { redisMissing, startRedis, type RedisServer } from '../../support/redis';
import { requireOrSkip } from '../../support/required';
import { runRecorded, stepOf, waitFor } from '../helpers';

const run = runRecorded;
const step = stepOf;
const PASSWORD = 'r3dis-Secret-77';

type Admin = ReturnType<typeof createClient>;

async function adminFor(server: RedisServer): Promise<Admin> {
  const client = createClient({ url: server.url() });
  client.on('error', () => undefined);
  await client.connect();
  return client as Admin;
}

/** Client connections other than the admin's own. */
async function clientCount(admin: Admin): Promise<number> {
  const list = String(await admin.sendCommand(['CLIENT', 'LIST']));
  return list
    .trim()
    .split('\n')
    .filter((line) => line && !/ name=tm-admin /.test(`${line} `)).length;
}

/** Connections the server accepted since it started. */
async function connectionsAccepted(admin: Admin): Promise<number> {
  const info = String(await admin.sendCommand(['INFO', 'stats']));
  return Number(/total_connections_received:(\d+)/.exec(info)![1]);
}

describe('redis.* against redis-server', function () {
  this.timeout(60_000);
  let plain: RedisServer | undefined;
  let locked: RedisServer | undefined;
  let admin: Admin;

  before(async function () {
    this.timeout(60_000);
    requireOrSkip(this, 'redis.* server tests', redisMissing());
    plain = await startRedis();
    locked = await startRedis({ password: PASSWORD });
    admin = await adminFor(plain);
    await admin.sendCommand(['CLIENT', 'SETNAME', 'tm-admin']);
  });

  after(async () => {
    await admin?.close().catch(() => undefined);
    await plain?.stop();
    await locked?.stop();
  });

  it("sets, gets, checks and deletes keys with TestMesh's result keys (host and port as TestMesh writes them)", async () => {
    const r = await run(
      `
flow:
  name: redis basics
  steps:
    - id: set
      action: redis.set
      config: {host: 127.0.0.1, port: "{{PORT}}", key: "product:42", value: ready}
      assert: [ok == true]
    - id: set_map
      action: redis.set
      config: {host: 127.0.0.1, port: "{{PORT}}", key: "doc:1", value: {a: 1, tags: [x]}}
    - id: get
      action: redis.get
      config: {host: 127.0.0.1, port: "{{PORT}}", key: "product:42"}
      assert: [value == "ready", exists == true]
      output:
        cached: $.value
    - id: get_map
      action: redis.get
      config: {host: 127.0.0.1, port: "{{PORT}}", key: "doc:1"}
      assert: ['value == "{\\"a\\":1,\\"tags\\":[\\"x\\"]}"']
    - id: missing
      action: redis.get
      config: {host: 127.0.0.1, port: "{{PORT}}", key: "nope"}
      assert: [value == nil, exists == false]
    - id: exists
      action: redis.exists
      config: {host: 127.0.0.1, port: "{{PORT}}", key: "product:42"}
      assert: [exists == true, count == 1]
    - id: del
      action: redis.del
      config: {host: 127.0.0.1, port: "{{PORT}}", key: "product:42"}
      assert: [deleted == 1]
    - id: del_again
      action: redis.del
      config: {host: 127.0.0.1, port: "{{PORT}}", key: "product:42"}
      assert: [deleted == 0]
    - id: gone
      action: redis.exists
      config: {host: 127.0.0.1, port: "{{PORT}}", key: "product:42"}
      assert: [exists == false, count == 0]
`,
      { PORT: String(plain!.port) },
    );
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps, null, 2));
    assert.deepEqual(r.results.get('get'), { value: 'ready', exists: true });
    assert.deepEqual(r.results.get('exists'), { exists: true, count: 1 });
    assert.equal(await admin.get('doc:1'), '{"a":1,"tags":["x"]}');
  });

  it('set with ttl expires the key; url with a database number keeps databases apart', async () => {
    const r = await run(
      `
flow:
  name: ttl and db
  steps:
    - id: set
      action: redis.set
      config: {url: "{{URL3}}", key: session, value: abc, ttl: 60s}
    - id: short
      action: redis.set
      config: {url: "{{URL3}}", key: short, value: x, ttl: 150ms}
    - id: other_db
      action: redis.exists
      config: {url: "{{URL0}}", key: session}
      assert: [exists == false]
    - id: same_db
      action: redis.get
      config: {host: 127.0.0.1, port: "{{PORT}}", db: 3, key: session}
      assert: [value == "abc"]
    - id: wait
      action: delay
      config: {duration: 400ms}
    - id: expired
      action: redis.exists
      config: {url: "{{URL3}}", key: short}
      assert: [exists == false]
`,
      { URL0: plain!.url(0), URL3: plain!.url(3), PORT: plain!.port },
    );
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps, null, 2));
    const db3 = createClient({ url: plain!.url(3) });
    await db3.connect();
    const ttl = await db3.pTTL('session');
    await db3.close();
    assert.ok(ttl > 50_000 && ttl <= 60_000, `ttl ${ttl}`);
  });

  it('uses one connection per server per execution and closes it when the run ends, also after a failure', async () => {
    const before = await clientCount(admin);
    const acceptedBefore = await connectionsAccepted(admin);
    const r = await run(
      `
flow:
  name: one connection
  steps:
    - id: a
      action: redis.set
      config: {url: "{{URL}}", key: k1, value: 1}
    - id: b
      action: redis.set
      config: {host: 127.0.0.1, port: "{{PORT}}", key: k2, value: 2}
    - id: c
      action: redis.get
      config: {url: "{{URL}}", key: k1}
    - id: check
      action: assert
      config:
        data: {n: 0}
        assertions: [n == 1]
`,
      { URL: plain!.url(), PORT: plain!.port },
    );
    assert.equal(step(r, 'c').status, 'completed', step(r, 'c').error);
    assert.equal(r.result.status, 'failed');
    // One connection served all three steps (url and host/port name the same server).
    assert.equal((await connectionsAccepted(admin)) - acceptedBefore, 1);
    await waitFor(async () => (await clientCount(admin)) === before, 10_000, 'the run to close its Redis connection');
  });

  it('a wrong password, a missing password and a server that is down fail with a clear message and no password anywhere', async () => {
    const wrongUrl = `redis://:Wr0ng-R3dis-pw@127.0.0.1:${locked!.port}/0`;
    const r = await run(
      `
flow:
  name: failures
  steps:
    - id: right
      action: redis.set
      config: {host: 127.0.0.1, port: "{{PORT}}", password: "{{PW}}", key: k, value: v}
    - id: wrong
      action: redis.get
      on_error: continue
      config: {url: "{{WRONG}}", key: k}
    - id: none
      action: redis.get
      on_error: continue
      config: {host: 127.0.0.1, port: "{{PORT}}", key: k}
    - id: down
      action: redis.get
      on_error: continue
      config: {host: 127.0.0.1, port: 1, password: "{{PW}}", key: k}
    - id: echo
      action: log
      config: {message: "pw {{PW}} and {{WRONG}}"}
`,
      { PORT: locked!.port, PW: PASSWORD, WRONG: wrongUrl },
    );
    assert.equal(step(r, 'right').status, 'completed', step(r, 'right').error);
    assert.match(
      step(r, 'wrong').error!,
      /redis: cannot connect to redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0: wrong password or user name/,
    );
    assert.match(step(r, 'none').error!, /NOAUTH|needs a password/);
    assert.match(
      step(r, 'down').error!,
      /redis: cannot connect to redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0: connection refused \(ECONNREFUSED\)/,
    );
    const everything = JSON.stringify([r.result, r.events, r.details]);
    for (const secret of [PASSWORD, 'Wr0ng-R3dis-pw']) assert.ok(!everything.includes(secret), `${secret} leaked`);
  });

  it('a command timeout and a cancel stop the step without waiting for the server', async () => {
    // CLIENT PAUSE WRITE holds every client's writes (for 10 minutes, longer than this test may
    // take) while reads like UNPAUSE still go through: a step that waited for the server would
    // outlast the test, so no clock is needed to tell.
    await admin.sendCommand(['CLIENT', 'PAUSE', '600000', 'WRITE']);
    try {
      const r = await run(
        `
flow:
  name: paused
  steps:
    - id: slow
      action: redis.set
      config: {url: "{{URL}}", key: k, value: v, timeout: 300ms}
`,
        { URL: plain!.url() },
      );
      assert.match(step(r, 'slow').error!, /timed out after 300 ms/);

      const controller = new AbortController();
      const running = run(
        `
flow:
  name: cancelled
  steps:
    - id: slow
      action: redis.set
      config: {url: "{{URL}}", key: k, value: v}
`,
        { URL: plain!.url() },
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 200);
      const cancelled = await running;
      assert.equal(cancelled.result.status, 'cancelled');
    } finally {
      await admin.sendCommand(['CLIENT', 'UNPAUSE']);
    }
  });

  it('explains bad config', async () => {
    const r = await run(
      `
flow:
  name: bad
  steps:
    - id: no_key
      action: redis.get
      on_error: continue
      config: {host: 127.0.0.1, port: "{{PORT}}", key: ""}
    - id: bad_url
      action: redis.get
      on_error: continue
      config: {url: "http://127.0.0.1:6379", key: k}
    - id: bad_ttl
      action: redis.set
      on_error: continue
      config: {url: "{{URL}}", key: k, value: v, ttl: "{{SOON}}"}
`,
      { PORT: plain!.port, URL: plain!.url(), SOON: 'soon' },
    );
    assert.match(step(r, 'no_key').error!, /config\.key is required/);
    assert.match(step(r, 'bad_url').error!, /config\.url must start with redis:\/\/ or rediss:\/\/, got http:/);
    assert.match(step(r, 'bad_ttl').error!, /ttl/);
  });
});
