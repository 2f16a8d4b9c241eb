import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseArgs, type ServeArgs } from '../../../src/cli/args';
import { serveCommand } from '../../../src/cli/serve';
import { defaultHistoryDir } from '../../../src/core/history/location';
import { tempDir, tempWorkspace, waitFor } from '../helpers';
import { call, startTinyApi, type TinyApi } from './fixtures';

interface Running {
  output: () => string;
  url: string;
  token: string;
  tokenFile: string;
  stop: () => Promise<number>;
}

async function serve(argv: string[], cwd: string): Promise<Running> {
  const args = parseArgs(['serve', ...argv]) as ServeArgs;
  let text = '';
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c) => (text += c));
  stderr.on('data', (c) => (text += c));
  const controller = new AbortController();
  const exit = serveCommand(args, { stdout, stderr, cwd }, controller.signal);
  await waitFor(() => /Web UI:/.test(text) || /testmesh:/.test(text), 10_000, 'the server to start');
  const url = /URL:\s+(\S+)/.exec(text)?.[1] ?? '';
  const token = /Token:\s+(\S+)/.exec(text)?.[1] ?? '';
  const tokenFile = /Token file:\s+(\S+)/.exec(text)?.[1] ?? '';
  return {
    output: () => text,
    url,
    token,
    tokenFile,
    stop: () => {
      controller.abort();
      return exit;
    },
  };
}

describe('testmesh serve', function () {
  this.timeout(30_000);
  let api: TinyApi;
  let workspace: string;

  before(async () => {
    api = await startTinyApi();
    workspace = tempWorkspace({
      'flows/quick.flow.yaml':
        'flow:\n  name: Quick\n  steps:\n    - id: call\n      action: http_request\n      config: { url: "{{API}}/ok" }\n',
      'flows/slow.flow.yaml':
        'flow:\n  name: Slow\n  steps:\n    - id: wait\n      action: http_request\n      config: { url: "{{API}}/slow?ms=20000" }\n  teardown:\n    - id: cleanup\n      action: http_request\n      config: { method: POST, url: "{{API}}/teardown", body: { from: serve } }\n',
    });
    writeFileSync(join(workspace, 'test.env'), `API=${api.url}\nAPI_KEY=key-that-is-secret\n`);
  });
  after(() => api.close());

  it('prints URL, token, token file and browser link; runs flows; stops cleanly; a restart lists earlier runs', async () => {
    const historyDir = tempDir();
    const first = await serve(
      ['--workspace', workspace, '--history-dir', historyDir, '--env-file', 'test.env'],
      workspace,
    );
    assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(first.token, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(first.output().includes(`${first.url}/#token=${first.token}`), first.output());
    assert.equal(first.tokenFile, join(historyDir, 'token'));
    assert.equal(readFileSync(first.tokenFile, 'utf8').trim(), first.token);
    assert.equal(statSync(first.tokenFile).mode & 0o777, 0o600);

    const quick = await call(first.url, '/api/v1/executions', {
      token: first.token,
      method: 'POST',
      body: { flow_id: 'flows/quick.flow.yaml' },
    });
    assert.equal(quick.status, 201, quick.text);
    await waitFor(
      async () =>
        (await call(first.url, `/api/v1/executions/${quick.json.id}`, { token: first.token })).json.status ===
        'completed',
      10_000,
      'the quick run',
    );

    // A run still going at shutdown is cancelled, and its teardown runs.
    const teardowns = api.teardowns.length;
    const slow = await call(first.url, '/api/v1/executions', {
      token: first.token,
      method: 'POST',
      body: { flow_id: 'flows/slow.flow.yaml' },
    });
    await waitFor(() => api.inFlight === 1, 10_000, 'the slow request');
    assert.equal(await first.stop(), 0);
    assert.equal(api.teardowns.length, teardowns + 1);
    assert.ok(!existsSync(first.tokenFile), 'the token file goes away with the server');
    assert.ok((await call(first.url, '/health').catch(() => ({ status: 0 }))).status === 0, 'no longer listening');

    const second = await serve(['--workspace', workspace, '--history-dir', historyDir], workspace);
    assert.notEqual(second.token, first.token, 'a new token per start');
    const listed = await call(second.url, '/api/v1/executions', { token: second.token });
    const byId = Object.fromEntries(
      listed.json.executions.map((e: { id: string; status: string }) => [e.id, e.status]),
    );
    assert.equal(byId[quick.json.id], 'completed');
    assert.equal(byId[slow.json.id], 'cancelled');
    const steps = await call(second.url, `/api/v1/executions/${quick.json.id}/steps`, { token: second.token });
    assert.equal(steps.json.steps[0].status, 'completed');
    assert.equal(await second.stop(), 0);
  });

  it('keeps history under XDG_STATE_HOME by default, never in the workspace', async () => {
    const state = tempDir();
    const saved = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = state;
    try {
      const running = await serve(['--workspace', workspace, '--port', '0'], workspace);
      assert.equal(running.tokenFile, join(defaultHistoryDir(workspace), 'token'));
      assert.ok(running.tokenFile.startsWith(join(state, 'testmesh')));
      assert.ok(
        existsSync(join(defaultHistoryDir(workspace), 'index.jsonl')) ||
          existsSync(join(defaultHistoryDir(workspace), 'executions')),
      );
      assert.equal(await running.stop(), 0);
    } finally {
      if (saved === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = saved;
    }
  });

  it('exits 2 with a message for a missing env file or workspace', async () => {
    const missingEnv = await serve(
      ['--workspace', workspace, '--history-dir', tempDir(), '--env-file', 'nope.env'],
      workspace,
    );
    assert.equal(await missingEnv.stop(), 2);
    assert.match(missingEnv.output(), /nope\.env/);
    const missingWorkspace = await serve(
      ['--workspace', join(workspace, 'missing'), '--history-dir', tempDir()],
      workspace,
    );
    assert.equal(await missingWorkspace.stop(), 2);
    assert.match(missingWorkspace.output(), /does not exist/);
  });
});
