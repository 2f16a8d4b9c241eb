import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../../src/server/server';
import { generateToken, tokensEqual } from '../../../src/server/auth';
import { tempDir, tempWorkspace } from '../helpers';
import { call, refusedUpgrade, watch } from './fixtures';

const FLOW = 'flow:\n  name: F\n  steps:\n    - id: a\n      action: log\n      config: { message: hi }\n';

describe('server security', () => {
  let workspace: string;
  let outside: string;
  let server: RunningServer;
  let tokenFile: string;
  let executionId: string;

  before(async () => {
    outside = tempDir('testmesh-outside-');
    writeFileSync(join(outside, 'secret.yaml'), FLOW);
    workspace = tempWorkspace({ 'flows/a.flow.yaml': FLOW });
    symlinkSync(outside, join(workspace, 'flows', 'linked-out'));
    symlinkSync(join(outside, 'secret.yaml'), join(workspace, 'flows', 'file-link.flow.yaml'));
    tokenFile = join(tempDir(), 'state', 'token');
    server = await startServer({ workspace, tokenFile, corsOrigins: ['https://allowed.example'] });
    const started = await server.manager.start({ flow_id: 'flows/a.flow.yaml' });
    executionId = started.id;
    await server.manager.whenFinished(executionId);
  });
  after(() => server.close());

  it('makes a 43-character random token per start and writes it to a file only the user can read', async () => {
    assert.match(server.token, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(generateToken(), generateToken());
    assert.equal(readFileSync(tokenFile, 'utf8').trim(), server.token);
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    assert.ok(tokensEqual(server.token, server.token));
    assert.ok(!tokensEqual(server.token.slice(1), server.token));
    assert.ok(!tokensEqual(undefined, server.token));
  });

  it('listens on 127.0.0.1 only and refuses other hosts to listen on', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    await assert.rejects(startServer({ workspace, host: '0.0.0.0' }), /loopback/);
  });

  it('refuses API calls without the token or with a wrong one (401)', async () => {
    const none = await call(server.url, '/api/v1/executions');
    assert.equal(none.status, 401);
    assert.match(none.json.error, /missing token/);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assert.equal((await call(server.url, '/api/v1/executions', { token: 'wrong' })).status, 401);
    assert.equal((await call(server.url, '/api/v1/executions', { token: `${server.token}x` })).status, 401);
    assert.equal(
      (await call(server.url, '/api/v1/flows', { headers: { authorization: `Basic ${server.token}` } })).status,
      401,
    );
    assert.equal(
      (await call(server.url, `/api/v1/executions?token=${server.token}`)).status,
      401,
      'the query token is for WebSockets only',
    );
    assert.equal(
      (await call(server.url, '/api/v1/executions', { method: 'POST', body: { flow_id: 'flows/a.flow.yaml' } })).status,
      401,
    );
    assert.equal((await call(server.url, '/api/v1/executions', { token: server.token })).status, 200);
  });

  it('refuses a Host header that is not the loopback address (DNS rebinding), on every path', async () => {
    const port = server.port;
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `127.0.0.1:${port + 1}`,
      `localhost.evil.example:${port}`,
    ]) {
      for (const path of ['/api/v1/executions', '/', '/health']) {
        const res = await call(server.url, path, { token: server.token, headers: { host } });
        assert.equal(res.status, 403, `${host} ${path}`);
      }
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      assert.equal(
        (await call(server.url, '/api/v1/executions', { token: server.token, headers: { host } })).status,
        200,
        host,
      );
    }
  });

  it('refuses API calls from foreign origins; answers CORS only for configured ones', async () => {
    const foreign = await call(server.url, '/api/v1/executions', {
      token: server.token,
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);
    const same = await call(server.url, '/api/v1/executions', {
      token: server.token,
      headers: { origin: `http://127.0.0.1:${server.port}` },
    });
    assert.equal(same.status, 200);
    assert.equal(same.headers['access-control-allow-origin'], undefined, 'no CORS headers for same-origin calls');
    const allowed = await call(server.url, '/api/v1/executions', {
      token: server.token,
      headers: { origin: 'https://allowed.example' },
    });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://allowed.example');
    const preflight = await call(server.url, '/api/v1/executions', {
      method: 'OPTIONS',
      headers: { origin: 'https://allowed.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
    const foreignPreflight = await call(server.url, '/api/v1/executions', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(foreignPreflight.status, 403);
  });

  it('refuses WebSocket upgrades without a valid token, from a foreign Host or a foreign Origin', async () => {
    const path = `/ws/executions/${executionId}`;
    assert.equal(await refusedUpgrade(server.url, path, { tokenVia: 'none' }), 401);
    assert.equal(await refusedUpgrade(server.url, path, { token: 'wrong' }), 401);
    assert.equal(await refusedUpgrade(server.url, path, { token: 'wrong', tokenVia: 'query' }), 401);
    assert.equal(await refusedUpgrade(server.url, '/ws/executions', { tokenVia: 'none' }), 401);
    assert.equal(
      await refusedUpgrade(server.url, path, { token: server.token, headers: { host: `evil.example:${server.port}` } }),
      403,
    );
    assert.equal(await refusedUpgrade(server.url, path, { token: server.token, origin: 'https://evil.example' }), 403);
    assert.equal(
      await refusedUpgrade(server.url, path, { token: server.token, origin: 'https://allowed.example' }),
      403,
      'CORS origins do not open WebSockets',
    );
    assert.equal(await refusedUpgrade(server.url, path, { token: server.token, origin: 'null' }), 403);
    assert.equal(await refusedUpgrade(server.url, '/ws/executions/unknown-id', { token: server.token }), 404);
    assert.equal(await refusedUpgrade(server.url, '/ws/other', { token: server.token }), 404);
    assert.equal(await refusedUpgrade(server.url, path, { token: server.token, query: 'since=abc' }), 400);
    // Accepted: each way of passing the token, with no Origin or a same-origin one.
    for (const tokenVia of ['protocol', 'query', 'header'] as const) {
      const w = await watch(server.url, path, {
        token: server.token,
        tokenVia,
        origin: tokenVia === 'protocol' ? `http://localhost:${server.port}` : undefined,
      });
      await w.until((e) => e.type === 'execution.completed');
      w.ws.close();
    }
  });

  describe('flow ids stay inside the workspace', () => {
    const status = async (method: string, id: string, raw = false) => {
      const path = `/api/v1/flows/${raw ? id : encodeURIComponent(id)}`;
      const res = await call(server.url, path, {
        token: server.token,
        method,
        body: method === 'PUT' || method === 'POST' ? FLOW : undefined,
      });
      return res.status;
    };

    it('refuses .. in any form, absolute paths and backslashes', async () => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        assert.equal(await status(method, '../outside.flow.yaml'), 403, `${method} ../`);
        assert.equal(await status(method, 'flows/../../outside.flow.yaml'), 403, `${method} nested ..`);
        assert.equal(await status(method, '..%2foutside.flow.yaml', true), 403, `${method} encoded ..%2f`);
        assert.equal(await status(method, '..%2Foutside.flow.yaml', true), 403, `${method} encoded ..%2F`);
        assert.equal(await status(method, '%2e%2e%2foutside.flow.yaml', true), 403, `${method} fully encoded`);
        assert.equal(await status(method, '../outside.flow.yaml', true), 403, `${method} raw ../`);
        assert.equal(await status(method, `${outside}/secret.yaml`), 403, `${method} absolute`);
        assert.equal(await status(method, '%2Fetc%2Fpasswd.yaml', true), 403, `${method} encoded absolute`);
        assert.equal(await status(method, 'flows\\..\\..\\x.yaml'), 403, `${method} backslashes`);
      }
      const post = await call(server.url, '/api/v1/flows', {
        token: server.token,
        method: 'POST',
        body: { id: '../escape.flow.yaml', content: FLOW },
      });
      assert.equal(post.status, 403);
      assert.ok(!existsSync(join(workspace, '..', 'escape.flow.yaml')));
      assert.ok(!existsSync(join(workspace, '..', 'outside.flow.yaml')));
    });

    it('refuses symbolic links that lead outside, for reading and writing', async () => {
      assert.equal(await status('GET', 'flows/linked-out/secret.yaml'), 403);
      assert.equal(await status('PUT', 'flows/linked-out/new.yaml'), 403);
      assert.equal(await status('GET', 'flows/file-link.flow.yaml'), 403);
      assert.equal(await status('PUT', 'flows/file-link.flow.yaml'), 403);
      assert.equal(await status('DELETE', 'flows/file-link.flow.yaml'), 403);
      assert.equal(readFileSync(join(outside, 'secret.yaml'), 'utf8'), FLOW, 'the file outside is untouched');
      assert.ok(!existsSync(join(outside, 'new.yaml')));
    });

    it('refuses names that are not .yaml/.yml files (400) and runs of escaping flows', async () => {
      mkdirSync(join(workspace, 'docs'), { recursive: true });
      writeFileSync(join(workspace, 'docs', 'notes.txt'), 'x');
      assert.equal(await status('GET', 'docs/notes.txt'), 400);
      assert.equal(await status('PUT', 'flows/script.sh'), 400);
      const run = await call(server.url, '/api/v1/executions', {
        token: server.token,
        method: 'POST',
        body: { flow_id: '../x.flow.yaml' },
      });
      assert.equal(run.status, 403);
      const linked = await call(server.url, '/api/v1/executions', {
        token: server.token,
        method: 'POST',
        body: { flow_id: 'flows/file-link.flow.yaml' },
      });
      assert.equal(linked.status, 403);
    });
  });

  it('serves the web UI without a token, with a strict CSP; static paths cannot escape media/', async () => {
    const page = await call(server.url, '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${server.port}`));
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/..%2fpackage.json',
      '/.hidden.js',
      '/index.html%00.js',
      '/webview.js.map',
    ]) {
      assert.equal((await call(server.url, path)).status, 404, path);
    }
    assert.equal((await call(server.url, '/', { method: 'POST' })).status, 405);
  });

  it('removes the token file when it closes', async () => {
    const file = join(tempDir(), 'token');
    const other = await startServer({ workspace, tokenFile: file });
    assert.ok(existsSync(file));
    await other.close();
    assert.ok(!existsSync(file));
  });
});
