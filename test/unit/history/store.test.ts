import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ExecutionEvent } from '../../../src/core/events';
import { defaultHistoryDir } from '../../../src/core/history/location';
import { LOCK_FILE } from '../../../src/core/history/lock';
import { HistoryStore, INTERRUPTED_ERROR } from '../../../src/core/history/store';
import type { ExecutionSummary } from '../../../src/core/history/types';
import { tempDir } from '../helpers';

function summary(
  id: string,
  status: ExecutionSummary['status'] = 'pending',
  createdAt = new Date().toISOString(),
): ExecutionSummary {
  return {
    id,
    flow_id: 'flows/a.flow.yaml',
    flow_name: 'A',
    status,
    trigger: 'api',
    created_at: createdAt,
    total_steps: 0,
    passed_steps: 0,
    failed_steps: 0,
    skipped_steps: 0,
    last_seq: 0,
  };
}

function events(id: string, count: number): ExecutionEvent[] {
  const out: ExecutionEvent[] = [
    {
      type: 'execution.started',
      execution_id: id,
      seq: 1,
      timestamp: new Date().toISOString(),
      data: { flow_name: 'A', flow_file: '/a', total_steps: count },
    },
  ];
  for (let i = 0; i < count; i++) {
    out.push({
      type: 'step.started',
      execution_id: id,
      seq: out.length + 1,
      timestamp: new Date().toISOString(),
      data: { step_id: `s${i}`, step_name: `s${i}`, action: 'log', phase: 'steps', attempt: 1 },
    });
    out.push({
      type: 'step.completed',
      execution_id: id,
      seq: out.length + 1,
      timestamp: new Date().toISOString(),
      data: { step_id: `s${i}`, step_name: `s${i}`, status: 'completed', duration_ms: 1, attempt: 1 },
    });
  }
  return out;
}

/** Writes a finished execution with `steps` completed steps. */
function record(store: HistoryStore, id: string, steps: number, createdAt?: string): void {
  const s = summary(id, 'pending', createdAt);
  store.create(s);
  for (const e of events(id, steps)) store.appendEvent(id, JSON.stringify(e));
  store.update({
    ...s,
    status: 'completed',
    passed_steps: steps,
    total_steps: steps,
    last_seq: steps * 2 + 1,
    finished_at: new Date().toISOString(),
  });
}

describe('history store', () => {
  it('records executions, events and details and reads them back after a reopen', async () => {
    const dir = tempDir();
    const store = await HistoryStore.open(dir);
    record(store, 'exec-1', 3);
    store.create(summary('exec-2'));
    store.appendDetail('exec-2', {
      execution_id: 'exec-2',
      step_id: 'login',
      attempt: 1,
      request: { method: 'GET', url: 'http://x', headers: {} },
      response: { status: 200, headers: {}, body: { ok: true }, size_bytes: 11, duration_ms: 3 },
    });
    store.appendDetail('exec-2', { execution_id: 'exec-2', step_id: 'other', attempt: 1, result: { message: 'hi' } });
    assert.equal((await store.readEvents('exec-1'))!.length, 7);
    await store.close();

    const reopened = await HistoryStore.open(dir);
    assert.deepEqual(
      reopened.list().map((s) => s.id),
      ['exec-2', 'exec-1'],
    );
    assert.equal(reopened.get('exec-1')!.status, 'completed');
    const replayed = await reopened.readEvents('exec-1');
    assert.deepEqual(
      replayed!.map((e) => e.seq),
      [1, 2, 3, 4, 5, 6, 7],
    );
    const details = await reopened.readStepDetails('exec-2', 'login');
    assert.equal(details!.length, 1);
    assert.deepEqual(details![0].response!.body, { ok: true });
    assert.equal(await reopened.readEvents('nope'), undefined);
    await reopened.close();
  });

  it('batches writes instead of writing once per record', async () => {
    const dir = tempDir();
    const store = await HistoryStore.open(dir, { flushDelayMs: 60_000 });
    store.create(summary('batched'));
    for (const e of events('batched', 500)) store.appendEvent('batched', JSON.stringify(e));
    // Nothing forced a write yet: the records wait in memory for one batched write.
    assert.equal(statSync(join(dir, 'executions', 'batched.jsonl'), { throwIfNoEntry: false })?.size ?? 0, 0);
    await store.flush();
    assert.equal(
      readFileSync(join(dir, 'executions', 'batched.jsonl'), 'utf8')
        .trim()
        .split('\n').length,
      1 + 1001,
    );
    await store.close();
  });

  it('survives a torn write: the broken last line is skipped and earlier executions are listed', async () => {
    const dir = tempDir();
    const store = await HistoryStore.open(dir);
    record(store, 'old-1', 2);
    record(store, 'old-2', 2);
    await store.close();
    // A crash in the middle of appending: cut the index and a segment mid-line.
    const index = join(dir, 'index.jsonl');
    appendFileSync(index, '{"k":"x","x":{"id":"torn","flow_id":"f","status":"runn');
    const segment = join(dir, 'executions', 'old-2.jsonl');
    const text = readFileSync(segment, 'utf8');
    truncateSync(segment, Buffer.byteLength(text) - 40);

    const reopened = await HistoryStore.open(dir);
    assert.deepEqual(
      reopened
        .list()
        .map((s) => s.id)
        .sort(),
      ['old-1', 'old-2'],
    );
    const old2 = await reopened.readEvents('old-2');
    assert.ok(old2!.length >= 4, 'the complete records before the tear are kept');
    assert.deepEqual(
      old2!.map((e) => e.seq),
      old2!.map((_, i) => i + 1),
    );
    // The index is appendable again: new records do not glue onto the torn line.
    record(reopened, 'after', 1);
    await reopened.close();
    const again = await HistoryStore.open(dir);
    assert.deepEqual(
      again
        .list()
        .map((s) => s.id)
        .sort(),
      ['after', 'old-1', 'old-2'],
    );
    await again.close();
  });

  it('marks an execution that was running when the process died as interrupted, with its progress', async () => {
    const dir = tempDir();
    const store = await HistoryStore.open(dir);
    store.create(summary('crashed'));
    for (const e of events('crashed', 2)) store.appendEvent('crashed', JSON.stringify(e));
    await store.flush(); // what a killed process had written; no final summary
    markLockDead(dir); // the killed process's lock stays behind, stale
    const reopened = await HistoryStore.open(dir);
    const s = reopened.get('crashed')!;
    assert.equal(s.status, 'failed');
    assert.equal(s.error, INTERRUPTED_ERROR);
    assert.equal(s.passed_steps, 2);
    assert.equal(s.last_seq, 5);
    await reopened.close();
    await store.close();
  });

  it('rebuilds the index from segments it lost', async () => {
    const dir = tempDir();
    const store = await HistoryStore.open(dir);
    record(store, 'kept', 1);
    await store.close();
    writeFileSync(join(dir, 'index.jsonl'), '');
    const reopened = await HistoryStore.open(dir);
    assert.equal(reopened.get('kept')!.status, 'completed');
    await reopened.close();
  });

  it('keeps at most maxExecutions: the oldest finished ones go, by compaction, never running ones', async () => {
    const dir = tempDir();
    const store = await HistoryStore.open(dir, { maxExecutions: 3 });
    store.create(summary('running-old', 'pending', '2020-01-01T00:00:00.000Z'));
    for (let i = 0; i < 5; i++) record(store, `done-${i}`, 1, `2021-01-0${i + 1}T00:00:00.000Z`);
    assert.deepEqual(
      store.list().map((s) => s.id),
      ['done-4', 'done-3', 'running-old'],
    );
    await store.flush();
    assert.deepEqual(readdirSync(join(dir, 'executions')).sort(), [
      'done-3.jsonl',
      'done-4.jsonl',
      'running-old.jsonl',
    ]);
    const indexLines = readFileSync(join(dir, 'index.jsonl'), 'utf8').trim().split('\n');
    assert.ok(indexLines.length <= 6, `index compacted (${indexLines.length} lines)`);
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temp file left behind');
    await store.close();

    const reopened = await HistoryStore.open(dir, { maxExecutions: 2 });
    // running-old was interrupted (now finished), and it is the oldest: retention drops it on load.
    assert.deepEqual(
      reopened.list().map((s) => s.id),
      ['done-4', 'done-3'],
    );
    await reopened.close();
  });

  it('caps stored bodies and says so', async () => {
    const store = HistoryStore.memory({ maxBodyBytes: 2048 });
    store.create(summary('big'));
    const body = 'é'.repeat(5000);
    store.appendDetail('big', {
      execution_id: 'big',
      step_id: 's',
      attempt: 1,
      request: { method: 'POST', url: 'http://x', headers: {}, body: 'small' },
      response: { status: 200, headers: {}, body: { text: body }, size_bytes: 10_000, duration_ms: 1 },
    });
    store.appendDetail('big', {
      execution_id: 'big',
      step_id: 'small',
      attempt: 1,
      response: { status: 200, headers: {}, body: { ok: 1 }, size_bytes: 8, duration_ms: 1 },
    });
    const [detail] = (await store.readStepDetails('big', 's'))!;
    assert.equal(detail.truncated, true);
    assert.equal(typeof detail.response!.body, 'string');
    assert.ok(Buffer.byteLength(detail.response!.body as string) <= 2048);
    assert.equal(detail.request!.body, 'small');
    const [small] = (await store.readStepDetails('big', 'small'))!;
    assert.equal(small.truncated, undefined);
    assert.deepEqual(small.response!.body, { ok: 1 });
  });

  it('opens read-only beside the writer: no lock, sees what was written, refuses writes, changes no file', async () => {
    const dir = tempDir();
    const writer = await HistoryStore.open(dir, { flushDelayMs: 1 });
    record(writer, 'exec-1', 2);
    writer.create(summary('exec-2')); // still running
    writer.runs.record({ ...writer.get('exec-1')!, steps: [] }); // the long history (the manager records it)
    await writer.flush();
    const files = () =>
      (readdirSync(dir, { recursive: true }) as string[])
        .filter((name) => statSync(join(dir, name)).isFile())
        .map((name) => `${name} ${statSync(join(dir, name)).size} ${statSync(join(dir, name)).mtimeMs}`)
        .sort();
    const before = files();
    const reader = await HistoryStore.openReadOnly(dir);
    assert.deepEqual(
      reader.list().map((s) => [s.id, s.status]),
      [
        ['exec-2', 'pending'],
        ['exec-1', 'completed'],
      ],
    );
    assert.equal((await reader.readEvents('exec-1'))!.length, 5);
    assert.equal((await reader.runs.get('exec-1'))?.status, 'completed');
    assert.throws(() => reader.create(summary('exec-3')), /open read-only/);
    assert.throws(() => reader.appendEvent('exec-2', '{}'), /open read-only/);
    await assert.rejects(reader.delete(['exec-1']), /open read-only/);
    await reader.close();
    assert.deepEqual(files(), before);
    // The writer is not disturbed.
    record(writer, 'exec-3', 1);
    await writer.close();
    assert.equal((await HistoryStore.openReadOnly(dir)).list().length, 3);
  });

  it('refuses ids that are not safe file names', async () => {
    const store = HistoryStore.memory();
    assert.throws(() => store.create(summary('../escape')), /invalid execution id/);
  });

  it('puts history under XDG_STATE_HOME, per workspace', () => {
    const a = defaultHistoryDir('/work/project-a', { XDG_STATE_HOME: '/state' });
    const b = defaultHistoryDir('/work/project-b', { XDG_STATE_HOME: '/state' });
    assert.match(a, /^\/state\/testmesh\/project-a-[0-9a-f]{16}$/);
    assert.notEqual(a, b);
    assert.match(defaultHistoryDir('/w', { HOME: '/home/u' }), /\.local\/state\/testmesh\//);
  });
});

/** Rewrites the folder's writer lock as if its holder had been killed (a pid that has exited). */
function markLockDead(dir: string): void {
  const file = join(dir, LOCK_FILE);
  const holder = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...holder, pid: spawnSync(process.execPath, ['-e', '']).pid }));
}
