import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../../src/server/server';
import { tempDir, tempWorkspace, waitFor } from '../helpers';
import { call, manyStepsFlow, range, startTinyApi, type TinyApi } from './fixtures';

const VALID = `flow:
  name: Created by API
  steps:
    - id: hello
      action: log
      config: { message: hi }
`;

describe('REST routes', () => {
  let api: TinyApi;
  let workspace: string;
  let server: RunningServer;
  let token: string;
  const get = (path: string) => call(server.url, path, { token });

  before(async () => {
    api = await startTinyApi();
    workspace = tempWorkspace({
      'flows/ok.flow.yaml': manyStepsFlow('OK', 3, 1),
      'flows/slow.flow.yaml': `flow:\n  name: Slow\n  steps:\n    - id: wait\n      action: http_request\n      config: { url: "{{API}}/slow?ms=20000" }\n  teardown:\n    - id: cleanup\n      action: http_request\n      config: { method: POST, url: "{{API}}/teardown", body: { from: rest } }\n`,
      'flows/bad.flow.yaml': 'flow:\n  name: Bad\n  steps: []\n',
      'notes/readme.md': 'not a flow',
    });
    server = await startServer({ workspace, historyDir: tempDir(), environment: { API: api.url } });
    token = server.token;
  });
  after(async () => {
    await server.close();
    await api.close();
  });

  it('GET /health answers ok', async () => {
    const res = await call(server.url, '/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { status: 'ok' });
    assert.equal((await call(server.url, '/health', { method: 'POST' })).status, 405);
  });

  describe('flows', () => {
    it('lists the workspace flows with ids from their relative paths', async () => {
      const res = await get('/api/v1/flows');
      assert.equal(res.status, 200);
      const byId = Object.fromEntries(res.json.flows.map((f: { id: string }) => [f.id, f]));
      assert.deepEqual(Object.keys(byId).sort(), ['flows/bad.flow.yaml', 'flows/ok.flow.yaml', 'flows/slow.flow.yaml']);
      assert.equal(byId['flows/ok.flow.yaml'].name, 'OK');
      assert.equal(byId['flows/ok.flow.yaml'].valid, true);
      assert.equal(byId['flows/bad.flow.yaml'].valid, false);
    });

    it('reads one flow by URL-encoded id, with content and diagnostics', async () => {
      const res = await get(`/api/v1/flows/${encodeURIComponent('flows/bad.flow.yaml')}`);
      assert.equal(res.status, 200);
      assert.equal(res.json.content, 'flow:\n  name: Bad\n  steps: []\n');
      assert.ok(res.json.diagnostics.length > 0);
      assert.equal(res.json.diagnostics[0].file, 'flows/bad.flow.yaml');
      assert.equal((await get('/api/v1/flows/flows%2Fmissing.flow.yaml')).status, 404);
      assert.equal((await get('/api/v1/flows/notes%2Freadme.md')).status, 400);
      assert.equal((await get('/api/v1/flows/%E0%A4%A')).status, 400);
    });

    it('creates with POST (YAML text or JSON), 409 on an existing id, 400 with diagnostics when invalid', async () => {
      const yamlCreate = await call(server.url, '/api/v1/flows?id=flows%2Fnew%2Fone.flow.yaml', {
        token,
        method: 'POST',
        body: VALID,
        headers: { 'content-type': 'application/yaml' },
      });
      assert.equal(yamlCreate.status, 201, yamlCreate.text);
      assert.equal(yamlCreate.json.id, 'flows/new/one.flow.yaml');
      assert.equal(readFileSync(join(workspace, 'flows/new/one.flow.yaml'), 'utf8'), VALID);

      const jsonCreate = await call(server.url, '/api/v1/flows', { token, method: 'POST', body: { content: VALID } });
      assert.equal(jsonCreate.status, 201, jsonCreate.text);
      assert.equal(jsonCreate.json.id, 'flows/created-by-api.flow.yaml', 'named after the flow when no id is given');
      assert.equal(jsonCreate.headers.location, '/api/v1/flows/flows%2Fcreated-by-api.flow.yaml');

      const again = await call(server.url, '/api/v1/flows', {
        token,
        method: 'POST',
        body: { content: VALID, id: 'flows/new/one.flow.yaml' },
      });
      assert.equal(again.status, 409);

      const invalid = await call(server.url, '/api/v1/flows', {
        token,
        method: 'POST',
        body: { id: 'flows/invalid.flow.yaml', content: 'flow:\n  name: X\n  steps:\n    - id: nope\n' },
      });
      assert.equal(invalid.status, 400);
      assert.match(invalid.json.error, /not a valid flow/);
      assert.ok(
        invalid.json.diagnostics.some((d: { message: string }) =>
          /step 'nope': the step has no 'action'/.test(d.message),
        ),
      );
      assert.ok(!existsSync(join(workspace, 'flows/invalid.flow.yaml')), 'an invalid flow is not written');

      const notJson = await call(server.url, '/api/v1/flows', {
        token,
        method: 'POST',
        body: '{oops',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(notJson.status, 400);
      const noContent = await call(server.url, '/api/v1/flows', {
        token,
        method: 'POST',
        body: { id: 'flows/x.flow.yaml' },
      });
      assert.equal(noContent.status, 400);
    });

    it('replaces with PUT (200), creates with PUT (201), deletes with DELETE (204, then 404)', async () => {
      const id = encodeURIComponent('flows/put.flow.yaml');
      const created = await call(server.url, `/api/v1/flows/${id}`, { token, method: 'PUT', body: VALID });
      assert.equal(created.status, 201);
      const replaced = await call(server.url, `/api/v1/flows/${id}`, {
        token,
        method: 'PUT',
        body: { content: VALID.replace('Created by API', 'Replaced') },
      });
      assert.equal(replaced.status, 200);
      assert.equal(replaced.json.name, 'Replaced');
      const invalid = await call(server.url, `/api/v1/flows/${id}`, { token, method: 'PUT', body: 'flow: [' });
      assert.equal(invalid.status, 400);
      assert.match(
        readFileSync(join(workspace, 'flows/put.flow.yaml'), 'utf8'),
        /Replaced/,
        'a refused PUT leaves the file alone',
      );
      assert.equal((await call(server.url, `/api/v1/flows/${id}`, { token, method: 'DELETE' })).status, 204);
      assert.equal((await call(server.url, `/api/v1/flows/${id}`, { token, method: 'DELETE' })).status, 404);
      assert.ok(!existsSync(join(workspace, 'flows/put.flow.yaml')));
    });

    it('refuses flow bodies over the 4 MiB flow limit and other bodies over 1 MiB with 413, unknown methods with 405', async () => {
      const big = await call(server.url, '/api/v1/flows/flows%2Fbig.flow.yaml', {
        token,
        method: 'PUT',
        body: `# ${'x'.repeat(4 * 1024 * 1024 + 10)}\n`,
      });
      assert.equal(big.status, 413);
      assert.match(big.json.error, /larger than/);
      const bigRun = await call(server.url, '/api/v1/executions', {
        token,
        method: 'POST',
        body: JSON.stringify({ flow_id: 'x', variables: { pad: 'x'.repeat(1024 * 1024) } }),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(bigRun.status, 413);
      const patch = await call(server.url, '/api/v1/flows/flows%2Fok.flow.yaml', {
        token,
        method: 'PATCH',
        body: VALID,
      });
      assert.equal(patch.status, 405);
      assert.equal(patch.headers.allow, 'GET, PUT, DELETE');
      assert.equal((await call(server.url, '/api/v1/executions', { token, method: 'DELETE' })).status, 405);
      assert.equal((await get('/api/v1/nothing')).status, 404);
    });
  });

  describe('executions', () => {
    it('GET /curl/<step> renders the request an attempt sent as curl', async () => {
      const created = await call(server.url, '/api/v1/executions', {
        token,
        method: 'POST',
        body: { flow_id: 'flows/ok.flow.yaml' },
      });
      assert.equal(created.status, 201, created.text);
      const id = created.json.id as string;
      await server.manager.whenFinished(id);
      const res = await get(`/api/v1/executions/${id}/curl/s1`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.step_id, 's1');
      assert.equal(res.json.attempt, 1);
      assert.equal(res.json.curl, `curl '${api.url}/ok?n=1'`);
      assert.equal((await get(`/api/v1/executions/${id}/curl/s1?attempt=1`)).json.curl, res.json.curl);
      const wrongAttempt = await get(`/api/v1/executions/${id}/curl/s1?attempt=2`);
      assert.equal(wrongAttempt.status, 404);
      assert.match(wrongAttempt.json.error, /step "s1" of execution .* sent no HTTP request in attempt 2/);
      assert.equal((await get(`/api/v1/executions/${id}/curl/nope`)).status, 404);
      assert.equal((await get(`/api/v1/executions/${id}/curl/s1?attempt=x`)).status, 400);
      assert.equal((await call(server.url, `/api/v1/executions/${id}/curl/s1`)).status, 401);
      assert.equal((await get('/api/v1/executions/none/curl/s1')).status, 404);
    });

    it('POST creates a pending execution (201); GET reads it, its steps, logs, events and step detail', async () => {
      const created = await call(server.url, '/api/v1/executions', {
        token,
        method: 'POST',
        body: { flow_id: 'flows/ok.flow.yaml', variables: { who: 'me' } },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.json.status, 'pending');
      assert.equal(created.headers.location, `/api/v1/executions/${created.json.id}`);
      const id = created.json.id as string;
      await server.manager.whenFinished(id);

      const one = await get(`/api/v1/executions/${id}`);
      assert.equal(one.status, 200);
      assert.equal(one.json.status, 'completed');
      assert.equal(one.json.passed_steps, 4);

      const steps = await get(`/api/v1/executions/${id}/steps`);
      assert.deepEqual(
        steps.json.steps.map((s: { step_id: string }) => s.step_id),
        ['warmup', 's0', 's1', 's2'],
      );
      const detail = await get(`/api/v1/executions/${id}/steps/s1`);
      assert.equal(detail.status, 200);
      assert.equal(detail.json.attempts[0].response.status, 200);
      assert.deepEqual(detail.json.attempts[0].response.body, { ok: true, n: 1 });
      assert.equal(detail.json.step.status, 'completed');
      assert.equal((await get(`/api/v1/executions/${id}/steps/nope`)).status, 404);

      const logs = await get(`/api/v1/executions/${id}/logs`);
      assert.equal(logs.status, 200);
      assert.ok(Array.isArray(logs.json.logs));

      const events = await get(`/api/v1/executions/${id}/events?since=2`);
      assert.equal(events.status, 200);
      assert.deepEqual(
        events.json.events.map((e: { seq: number }) => e.seq),
        range(3, one.json.last_seq),
      );
      assert.equal(events.json.status, 'completed');
      assert.equal((await get(`/api/v1/executions/${id}/events?since=-1`)).status, 400);
    });

    it('lists with flow_id, status, limit and offset; bad filters are 400', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call(server.url, '/api/v1/executions', {
          token,
          method: 'POST',
          body: { flow_id: 'flows/ok.flow.yaml' },
        });
        ids.push(res.json.id);
        await server.manager.whenFinished(res.json.id);
      }
      const page = await get('/api/v1/executions?flow_id=flows%2Fok.flow.yaml&status=completed&limit=2&offset=1');
      assert.equal(page.status, 200);
      assert.equal(page.json.limit, 2);
      assert.equal(page.json.offset, 1);
      assert.ok(page.json.total >= 3);
      assert.deepEqual(
        page.json.executions.map((e: { id: string }) => e.id),
        [ids[1], ids[0]],
      );
      assert.equal((await get('/api/v1/executions?flow_id=flows%2Fnone.flow.yaml')).json.total, 0);
      assert.equal((await get('/api/v1/executions?status=sleeping')).status, 400);
      assert.equal((await get('/api/v1/executions?limit=abc')).status, 400);
      assert.equal((await get('/api/v1/executions?offset=-2')).status, 400);
    });

    it('refuses bad execution requests: 400 no flow_id or bad JSON, 404 unknown flow, 400 invalid flow with diagnostics', async () => {
      const post = (body: unknown, headers?: Record<string, string>) =>
        call(server.url, '/api/v1/executions', { token, method: 'POST', body, headers });
      assert.equal((await post({})).status, 400);
      assert.equal((await post('{not json', { 'content-type': 'application/json' })).status, 400);
      assert.equal((await post({ flow_id: 'flows/missing.flow.yaml' })).status, 404);
      const invalid = await post({ flow_id: 'flows/bad.flow.yaml' });
      assert.equal(invalid.status, 400);
      assert.ok(invalid.json.diagnostics.length > 0);
      assert.equal((await post({ flow_id: 'flows/ok.flow.yaml', variables: 'x' })).status, 400);
      assert.equal((await post({ flow_id: 'flows/ok.flow.yaml', environment: 'nowhere' })).status, 400);
      assert.equal((await get('/api/v1/executions/does-not-exist')).status, 404);
      assert.equal((await get('/api/v1/executions/does-not-exist/steps')).status, 404);
      assert.equal((await get('/api/v1/executions/does-not-exist/logs')).status, 404);
      assert.equal((await get('/api/v1/executions/does-not-exist/events')).status, 404);
      assert.equal(
        (await call(server.url, '/api/v1/executions/does-not-exist/cancel', { token, method: 'POST' })).status,
        404,
      );
    });

    it('POST :id/cancel aborts the request in flight, teardown runs; cancelling again is 409', async () => {
      const teardowns = api.teardowns.length;
      const created = await call(server.url, '/api/v1/executions', {
        token,
        method: 'POST',
        body: { flow_id: 'flows/slow.flow.yaml' },
      });
      const id = created.json.id as string;
      await waitFor(() => api.inFlight === 1, 5000, 'the slow request');
      const cancel = await call(server.url, `/api/v1/executions/${id}/cancel`, { token, method: 'POST' });
      assert.equal(cancel.status, 200);
      const final = await server.manager.whenFinished(id);
      assert.equal(final!.status, 'cancelled');
      await waitFor(() => api.inFlight === 0, 5000, 'the request to be aborted');
      assert.equal(api.teardowns.length, teardowns + 1);
      assert.equal((await get(`/api/v1/executions/${id}`)).json.status, 'cancelled');
      assert.equal((await call(server.url, `/api/v1/executions/${id}/cancel`, { token, method: 'POST' })).status, 409);
    });
  });
});
