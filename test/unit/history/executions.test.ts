import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionEvent } from '../../../src/core/events';
import { ExecutionManager, type ExecutionStartInfo } from '../../../src/core/executions';
import { HistoryStore } from '../../../src/core/history/store';
import { FlowFileError } from '../../../src/core/workspaceFlows';
import { tempDir, tempWorkspace, waitFor } from '../helpers';
import { range, startTinyApi, type TinyApi } from '../server/fixtures';

const SECRET = 's3cr3t-token-value';
const PASSWORD = 'hunter2-password';
const EXPLICIT = 'explicit-secret-xyz';

const FLOWS = {
  'flows/ok.flow.yaml': `flow:
  name: OK flow
  steps:
    - id: hello
      action: log
      config: { message: "hello {{who}}" }
    - id: call
      action: http_request
      config: { url: "{{API}}/ok" }
      assert: ["status == 200"]
      output: { answer: "$.body.ok" }
`,
  'flows/slow.flow.yaml': `flow:
  name: Slow flow
  steps:
    - id: wait
      action: http_request
      config: { url: "{{API}}/slow?ms=20000", timeout: 30s }
    - id: never
      action: log
      config: { message: "not reached" }
  teardown:
    - id: cleanup
      action: http_request
      config: { method: POST, url: "{{API}}/teardown", body: { from: slow } }
`,
  'flows/secret.flow.yaml': `flow:
  name: Secret flow
  steps:
    - id: tell
      action: log
      config: { message: "token={{API_TOKEN}} password={{password}} explicit=${EXPLICIT}" }
    - id: send
      action: http_request
      config:
        url: "{{API}}/echo?t={{API_TOKEN}}"
        headers: { Authorization: "Bearer {{API_TOKEN}}" }
      assert: ["status == 500"]
`,
  // No action: refused as a whole (an unknown action would only fail its step when it runs).
  'flows/broken.flow.yaml': `flow:
  name: Broken
  steps:
    - id: x
      acton: no_such_action
`,
};

describe('execution manager', () => {
  let api: TinyApi;
  let workspace: string;

  before(async () => {
    api = await startTinyApi();
    workspace = tempWorkspace(FLOWS);
  });
  after(() => api.close());

  function manager(store?: HistoryStore): ExecutionManager {
    return new ExecutionManager({ workspace, store, environment: { API: api.url, API_TOKEN: SECRET } });
  }

  it('runs a workspace flow by id: pending, then events in order, folded steps, logs and detail', async () => {
    const m = manager();
    const started: ExecutionStartInfo[] = [];
    m.onDidStart((info) => started.push(info));
    const all: ExecutionEvent[] = [];
    m.subscribe((e) => all.push(e));
    const summary = await m.start({ flow_id: 'flows/ok.flow.yaml', variables: { who: 'world' } });
    assert.equal(summary.status, 'pending');
    assert.equal(summary.flow_id, 'flows/ok.flow.yaml');
    assert.equal(started.length, 1);
    assert.equal(started[0].flow.name, 'OK flow');
    const mine: ExecutionEvent[] = [];
    m.subscribeExecution(summary.id, (e) => mine.push(e));

    const final = (await m.whenFinished(summary.id))!;
    assert.equal(final.status, 'completed');
    assert.equal(final.passed_steps, 2);
    assert.equal(final.last_seq, all.length);
    assert.deepEqual(
      all.map((e) => e.seq),
      range(1, all.length),
    );
    assert.deepEqual(mine, all);
    assert.deepEqual(
      (await m.steps(summary.id))!.map((s) => [s.step_id, s.status]),
      [
        ['hello', 'completed'],
        ['call', 'completed'],
      ],
    );
    assert.equal((await m.logs(summary.id))![0].message, 'hello world');
    const [detail] = (await m.stepDetail(summary.id, 'call'))!;
    assert.equal(detail.response!.status, 200);
    assert.deepEqual(detail.outputs, { answer: true });
    assert.deepEqual(
      (await m.eventsSince(summary.id, 3))!.map((e) => e.seq),
      range(4, all.length),
    );
    assert.equal(await m.eventsSince('unknown', 0), undefined);
    await m.close();
  });

  it('lists with flow and status filters and paging, newest first', async () => {
    const m = manager();
    const a = await m.start({ flow_id: 'flows/ok.flow.yaml', variables: { who: 'a' } });
    const b = await m.start({ flow_id: 'flows/ok.flow.yaml', variables: { who: 'b' } });
    await Promise.all([m.whenFinished(a.id), m.whenFinished(b.id)]);
    const secret = await m.start({ flow_id: 'flows/secret.flow.yaml' });
    await m.whenFinished(secret.id);
    assert.deepEqual(
      m.list().executions.map((s) => s.id),
      [secret.id, b.id, a.id],
    );
    assert.deepEqual(
      m.list({ flow_id: 'flows/ok.flow.yaml' }).executions.map((s) => s.id),
      [b.id, a.id],
    );
    assert.deepEqual(
      m.list({ status: 'failed' }).executions.map((s) => s.id),
      [secret.id],
    );
    const page = m.list({ limit: 1, offset: 1 });
    assert.deepEqual([page.total, page.limit, page.offset, page.executions[0].id], [3, 1, 1, b.id]);
    assert.throws(() => m.list({ status: 'weird' as never }), /unknown status/);
    await m.close();
  });

  it('cancel aborts the request in flight, then teardown runs', async () => {
    const m = manager();
    const teardownsBefore = api.teardowns.length;
    const abortedBefore = api.aborted;
    const summary = await m.start({ flow_id: 'flows/slow.flow.yaml' });
    await waitFor(() => api.inFlight === 1, 5000, 'the slow request to be in flight');
    const cancelling = m.cancel(summary.id)!;
    assert.equal(cancelling.id, summary.id);
    const final = (await m.whenFinished(summary.id))!;
    assert.equal(final.status, 'cancelled');
    assert.ok(final.duration_ms! < 15_000, 'did not wait for the slow answer');
    await waitFor(() => api.aborted === abortedBefore + 1, 5000, 'the server to see the request aborted');
    assert.equal(api.teardowns.length, teardownsBefore + 1);
    const steps = (await m.steps(summary.id))!;
    assert.deepEqual(
      steps.map((s) => [s.step_id, s.status]),
      [
        ['wait', 'failed'],
        ['never', 'skipped'],
        ['cleanup', 'completed'],
      ],
    );
    await m.close();
  });

  it('redacts secrets in events, logs, step detail, summaries and the files of the history', async () => {
    const dir = tempDir();
    const m = manager(await HistoryStore.open(dir));
    const events: string[] = [];
    m.subscribe((_e, json) => events.push(json));
    const summary = await m.start({
      flow_id: 'flows/secret.flow.yaml',
      variables: { password: PASSWORD },
      secrets: [EXPLICIT],
    });
    const final = (await m.whenFinished(summary.id))!;
    assert.equal(final.status, 'failed', 'the assertion fails on purpose, so the error text is recorded too');
    await m.close();
    await m.store.close();

    const logs = (await m.logs(summary.id))!;
    assert.match(logs[0].message, /token=\*\*\* password=\*\*\* explicit=\*\*\*/);
    const [detail] = (await m.stepDetail(summary.id, 'send'))!;
    assert.equal(detail.request!.headers.Authorization ?? detail.request!.headers.authorization, 'Bearer ***');
    assert.deepEqual(final.variables, { password: '***' });
    // The server did get the real values: only what is recorded is redacted.
    assert.equal(api.lastEchoHeaders!.authorization, `Bearer ${SECRET}`);

    const onDisk = [
      readFileSync(join(dir, 'index.jsonl'), 'utf8'),
      ...readdirSync(join(dir, 'executions')).map((f) => readFileSync(join(dir, 'executions', f), 'utf8')),
    ].join('\n');
    for (const text of [events.join('\n'), onDisk, JSON.stringify(logs), JSON.stringify(detail)]) {
      for (const secret of [SECRET, PASSWORD, EXPLICIT]) assert.ok(!text.includes(secret), `${secret} leaked`);
    }
    assert.ok(onDisk.includes('***'));
  });

  it('a new manager over the same history lists earlier executions with their steps and events', async () => {
    const dir = tempDir();
    const first = manager(await HistoryStore.open(dir));
    const one = await first.start({ flow_id: 'flows/ok.flow.yaml', variables: { who: 'x' } });
    await first.whenFinished(one.id);
    await first.close();
    await first.store.close();

    const second = manager(await HistoryStore.open(dir));
    assert.deepEqual(
      second.list().executions.map((s) => [s.id, s.status]),
      [[one.id, 'completed']],
    );
    assert.equal((await second.steps(one.id))!.length, 2);
    assert.equal((await second.eventsSince(one.id, 0))!.length, second.get(one.id)!.last_seq);
    await second.close();
  });

  it('refuses unknown, invalid and escaping flows with errors that say why', async () => {
    const m = manager();
    const kind = async (request: Parameters<ExecutionManager['start']>[0]) => {
      try {
        await m.start(request);
        return 'started';
      } catch (err) {
        return err instanceof FlowFileError ? err.kind : (err as Error).message;
      }
    };
    assert.equal(await kind({ flow_id: 'flows/missing.flow.yaml' }), 'not_found');
    assert.equal(await kind({ flow_id: 'flows/broken.flow.yaml' }), 'invalid_flow');
    assert.equal(await kind({ flow_id: '../outside.yaml' }), 'forbidden');
    assert.equal(await kind({ flow_id: '/etc/passwd.yaml' }), 'forbidden');
    assert.match(await kind({ flow_id: 'flows/ok.flow.yaml', variables: [] as never }), /variables must be an object/);
    assert.match(await kind({} as never), /flow_id is required/);
    assert.equal(m.list().total, 0);
    await m.close();
  });
});
