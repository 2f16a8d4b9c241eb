import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseArgs, type ServeArgs } from '../../../src/cli/args';
import { serveCommand } from '../../../src/cli/serve';
import { HistoryLockedError, LOCK_FILE } from '../../../src/core/history/lock';
import { HistoryStore, INTERRUPTED_ERROR } from '../../../src/core/history/store';
import { summaryLine } from '../../../src/core/history/records';
import type { ExecutionSummary } from '../../../src/core/history/types';
import { startServer } from '../../../src/server/server';
import { CLI } from '../../support/cli';
import { tempDir, tempWorkspace, waitFor } from '../helpers';

const FLOW = 'flow:\n  name: F\n  steps:\n    - id: a\n      action: log\n      config: { message: hi }\n';

function summary(
  id: string,
  status: ExecutionSummary['status'],
  extra: Partial<ExecutionSummary> = {},
): ExecutionSummary {
  return {
    id,
    flow_id: 'flows/a.flow.yaml',
    flow_name: 'A',
    status,
    trigger: 'api',
    created_at: new Date().toISOString(),
    total_steps: 1,
    passed_steps: 0,
    failed_steps: 0,
    skipped_steps: 0,
    last_seq: 0,
    ...extra,
  };
}

describe('one writer per history folder', () => {
  it('a second testmesh serve on the same history says who holds it and exits', async () => {
    const ws = tempWorkspace({ 'flows/a.flow.yaml': FLOW });
    const history = tempDir();
    const first = await startServer({ workspace: ws, historyDir: history, tokenFile: join(history, 'token') });
    try {
      let text = '';
      const out = new PassThrough();
      out.on('data', (c) => (text += c));
      const code = await serveCommand(parseArgs(['serve', '--workspace', ws, '--history-dir', history]) as ServeArgs, {
        stdout: out,
        stderr: out,
        cwd: ws,
      });
      assert.equal(code, 2);
      assert.match(text, new RegExp(`history folder .* is in use by testmesh serve \\(pid ${process.pid} on `));
      assert.equal(
        readFileSync(join(history, 'token'), 'utf8').trim(),
        first.token,
        'the first server keeps its token file',
      );
      await assert.rejects(HistoryStore.open(history), HistoryLockedError);
    } finally {
      await first.close();
    }
    // Released on close: the folder can be opened again.
    const again = await HistoryStore.open(history);
    await again.close();
  });

  it('removes the token file on close only if it is still its own', async () => {
    const ws = tempWorkspace({ 'flows/a.flow.yaml': FLOW });
    const tokenFile = join(tempDir(), 'token');
    const server = await startServer({ workspace: ws, tokenFile });
    writeFileSync(tokenFile, 'another-servers-token-1234567890\n');
    await server.close();
    assert.equal(readFileSync(tokenFile, 'utf8'), 'another-servers-token-1234567890\n');
    const own = await startServer({ workspace: ws, tokenFile });
    await own.close();
    assert.ok(!existsSync(tokenFile));
  });

  it('takes over the lock of a killed serve and removes its stale token file', async function () {
    this.timeout(30_000);
    const ws = tempWorkspace({ 'flows/a.flow.yaml': FLOW });
    const history = tempDir();
    const child = spawn(process.execPath, [CLI, 'serve', '--workspace', ws, '--history-dir', history], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (c) => (text += c));
    child.stderr.on('data', (c) => (text += c));
    await waitFor(() => /Web UI:/.test(text), 20_000, `the child server to start: ${text}`);
    assert.ok(existsSync(join(history, 'token')));
    assert.equal(JSON.parse(readFileSync(join(history, LOCK_FILE), 'utf8')).pid, child.pid);
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
    const store = await HistoryStore.open(history, { staleFiles: [join(history, 'token')] });
    assert.ok(!existsSync(join(history, 'token')), "the dead server's token file is gone");
    assert.equal(JSON.parse(readFileSync(join(history, LOCK_FILE), 'utf8')).pid, process.pid);
    await store.close();
    assert.ok(!existsSync(join(history, LOCK_FILE)));
  });

  it('keeps writing to the index after another process replaced it', async () => {
    const dir = tempDir();
    const store = await HistoryStore.open(dir, { flushDelayMs: 1 });
    store.create(summary('one', 'running'));
    await store.flush();
    // What a compaction elsewhere does: a new file renamed over the old one.
    writeFileSync(join(dir, 'index.new'), readFileSync(join(dir, 'index.jsonl')));
    renameSync(join(dir, 'index.new'), join(dir, 'index.jsonl'));
    store.update(summary('one', 'completed', { finished_at: new Date().toISOString() }));
    await store.flush();
    assert.match(readFileSync(join(dir, 'index.jsonl'), 'utf8'), /"status":"completed"/);
    await store.close();
  });

  it("trusts a segment's own final record over an index that says interrupted", async () => {
    const dir = tempDir();
    const store = await HistoryStore.open(dir);
    store.create(summary('done', 'running'));
    store.update(summary('done', 'completed', { finished_at: new Date().toISOString(), passed_steps: 1 }));
    await store.close();
    // Another process's recovery wrote "interrupted" for it into the index.
    const interrupted = { ...summary('done', 'failed'), error: INTERRUPTED_ERROR };
    writeFileSync(
      join(dir, 'index.jsonl'),
      `${readFileSync(join(dir, 'index.jsonl'), 'utf8')}${summaryLine(interrupted)}\n`,
    );
    const reopened = await HistoryStore.open(dir);
    assert.equal(reopened.get('done')!.status, 'completed');
    assert.equal(reopened.get('done')!.error, undefined);
    await reopened.close();
  });

  it('a store whose lock holder runs elsewhere in this process is refused too', async () => {
    const dir = tempDir();
    const first = await HistoryStore.open(dir);
    await assert.rejects(HistoryStore.open(dir), /in use by testmesh \(pid/);
    await first.close();
  });
});
