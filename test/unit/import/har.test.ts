import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importText } from '../../../src/core/import';
import { planFiles } from '../../../src/core/import/flowWriter';
import { CLI_SUITE_TIMEOUT_MS } from '../../support/cli';
import { tempDir } from '../helpers';
import { cli } from './importHelpers';
import { loadedFlows, startDemoApi } from './importHelpers';

const ROOT = resolve(__dirname, '../../../..');
const HAR = join(ROOT, 'test/fixtures/import/har/demo-api.har');

describe('import: HAR', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);

  it('a recording of the demo API in Chromium: noise left out, values chained, no secret written', () => {
    const result = importText({ text: readFileSync(HAR, 'utf8'), fileName: 'demo-api.har' });
    assert.equal(result.format, 'har');
    const [flow] = loadedFlows(result);
    assert.equal(flow.name, 'Demo app');
    const steps = result.flows[0].steps;
    assert.deepEqual(
      steps.map((s) => s.name),
      ['GET /health', 'POST /auth/login', 'GET /auth/me', 'POST /users', 'GET /users/{id}', 'DELETE /users/{id}'],
    );
    const [, login, me, create, read] = steps;
    assert.deepEqual(login.output, { token: '$.body.token' });
    assert.equal(me.request.headers.Authorization, 'Bearer {{post_auth_login.token}}');
    assert.deepEqual(create.output, { id: '$.body.id' });
    assert.equal(read.request.url, '${BASE_URL}/users/{{post_users.id}}');
    assert.deepEqual(login.request.body, { username: 'demo', password: '${PASSWORD}' });
    assert.ok(
      result.notTranslated.some((n) => /left out 1 request: analytics/.test(n)),
      'the analytics script is left out',
    );
    const written = planFiles(result)
      .map((f) => f.text)
      .join('\n');
    assert.ok(!written.includes('demo-password'), 'the recorded password is not written');
    assert.ok(!/Bearer [0-9a-f]{20,}/.test(written), 'the recorded token is not written');
    const everything = importText({ text: readFileSync(HAR, 'utf8'), keepNoise: true });
    assert.equal(everything.flows[0].steps.length, 8, '--keep-noise keeps the page load and the analytics request');
  });

  it('the imported recording runs green against a fresh demo API', async () => {
    const dir = tempDir();
    const imported = await cli(['import', HAR, '--out', 'flows'], dir);
    assert.equal(imported.code, 0, imported.stderr);
    const api = await startDemoApi(ROOT);
    try {
      const run = await cli(
        [
          'run',
          'flows',
          '--env-file',
          'flows/demo-app.env',
          '--var',
          `BASE_URL=${api.url}`,
          '--secret',
          'PASSWORD=demo-password',
        ],
        dir,
      );
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /1 flow: 1 passed, 0 failed · 6 steps/);
    } finally {
      api.stop();
    }
  });

  it('refuses a recording with nothing but noise', () => {
    const har = {
      log: { entries: [{ request: { method: 'GET', url: 'https://x.test/app.js' }, response: { status: 200 } }] },
    };
    assert.throws(() => importText({ text: JSON.stringify(har) }), /no API requests/);
  });
});
