import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../../src/server/server';
import { tempWorkspace } from '../helpers';
import { call } from '../server/fixtures';

const FLOW = 'flow:\n  name: Hook\n  steps:\n    - id: a\n      action: log\n      config: { message: hi }\n';
const COMPOSE = 'services:\n  db:\n    image: postgres\n';
const SECRETS = 'api_key: sk-live-123\n';

describe('the local API reads, writes and deletes flow files only', () => {
  let ws: string;
  let server: RunningServer;
  const api = (path: string, options: Parameters<typeof call>[2] = {}) =>
    call(server.url, path, { token: server.token, ...options });
  const id = (path: string) => `/api/v1/flows/${encodeURIComponent(path)}`;

  before(async () => {
    ws = tempWorkspace({
      'flows/a.flow.yaml': FLOW,
      'compose.yaml': COMPOSE,
      'secrets.yaml': SECRETS,
      'flows/secrets.yaml': SECRETS,
      'config/app.flow.yaml': 'not: a flow\n',
    });
    server = await startServer({ workspace: ws });
  });
  after(() => server.close());

  it('refuses to write hooks and CI jobs, even as valid flows', async () => {
    for (const path of [
      '.pre-commit-config.yaml',
      '.github/workflows/ci.yml',
      'flows/.hidden.flow.yaml',
      '.vscode/tasks.flow.yaml',
    ]) {
      const put = await api(id(path), { method: 'PUT', body: FLOW, headers: { 'content-type': 'application/yaml' } });
      assert.equal(put.status, 403, `${path}: ${put.text}`);
      assert.ok(!existsSync(join(ws, path)), `${path} must not be written`);
    }
  });

  it('creates new files only with a flow-shaped name', async () => {
    assert.equal((await api(id('notes.yaml'), { method: 'PUT', body: FLOW })).status, 403);
    assert.ok(!existsSync(join(ws, 'notes.yaml')));
    assert.equal((await api(id('flows/new.yaml'), { method: 'PUT', body: FLOW })).status, 201);
    assert.equal((await api(id('tests/new.flow.yaml'), { method: 'PUT', body: FLOW })).status, 201);
  });

  it('never reads, replaces or deletes a file that is not a flow', async () => {
    for (const path of ['secrets.yaml', 'flows/secrets.yaml', 'compose.yaml', 'config/app.flow.yaml']) {
      const get = await api(id(path));
      assert.equal(get.status, 403, `${path}: ${get.text}`);
      assert.ok(!get.text.includes('sk-live-123'));
      assert.equal((await api(id(path), { method: 'DELETE' })).status, 403);
      assert.equal((await api(id(path), { method: 'PUT', body: FLOW })).status, 403);
      assert.equal((await api('/api/v1/executions', { method: 'POST', body: { flow_id: path } })).status, 403);
    }
    assert.equal(readFileSync(join(ws, 'compose.yaml'), 'utf8'), COMPOSE);
    assert.equal(readFileSync(join(ws, 'flows/secrets.yaml'), 'utf8'), SECRETS);
    assert.equal((await api(id('flows/a.flow.yaml'))).status, 200);
  });

  it('answers a 300-character id with 400 and no absolute path', async () => {
    for (const path of [`flows/${'x'.repeat(300)}.flow.yaml`, `${'d'.repeat(300)}/a.flow.yaml`]) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const answer = await api(id(path), { method, ...(method === 'PUT' ? { body: FLOW } : {}) });
        assert.equal(answer.status, 400, `${method}: ${answer.text}`);
        assert.ok(!answer.text.includes(ws), answer.text);
      }
    }
  });

  it('refuses a PUT body that is not valid UTF-8 instead of storing replacement characters', async () => {
    const body = Buffer.concat([Buffer.from(FLOW.replace('hi', 'h')), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]);
    const put = await api(id('flows/bad.flow.yaml'), { method: 'PUT', body });
    assert.equal(put.status, 400);
    assert.match(put.json.error, /not valid UTF-8/);
    assert.ok(!existsSync(join(ws, 'flows/bad.flow.yaml')));
  });
});
