/** Output paths read as TestMesh reads them (body first, then the whole result), header names ignoring case, missing outputs reported. */
import assert from 'node:assert/strict';
import { parseOutputPath, readOutputPath } from '../../../src/core/path';
import { json, runRecorded, startServer, stepOf, type TestServer } from '../helpers';

describe('compat: output paths and headers', () => {
  let api: TestServer;
  before(async () => {
    api = await startServer((req, res) => {
      if (req.url === '/health') return json(res, 200, { status: 'healthy' });
      if (req.method === 'POST' && req.url === '/users') {
        res.setHeader('X-Request-Id', 'req-42');
        return json(res, 201, { id: 7, name: 'Ada', note: null });
      }
      if (req.url === '/users/7') return json(res, 200, { id: 7, name: 'Ada' });
      json(res, 404, { error: `no ${req.url}` });
    });
  });
  after(() => api.close());

  const read = (result: unknown, path: string) => readOutputPath(result, parseOutputPath(path));

  it('reads the body first, then the whole result', () => {
    const result = { status: 201, headers: { 'x-request-id': 'r' }, body: { id: 7, items: [{ id: 1 }], note: null } };
    assert.equal(read(result, '$.id'), 7);
    assert.equal(read(result, 'id'), 7);
    assert.equal(read(result, '$.items[0].id'), 1);
    assert.equal(read(result, '$.body.id'), 7);
    assert.equal(read(result, '$.status'), 201);
    assert.equal(read(result, '$.headers.X-Request-Id'), 'r');
    assert.equal(read(result, "$.headers['X-REQUEST-ID']"), 'r');
    assert.equal(read(result, '$.note'), null, 'a null in the body is a value when the result has nothing better');
    assert.equal(read(result, '$.nope'), undefined);
    assert.deepEqual(read(result, '$'), result);
    // The body's own key wins, as in TestMesh: {"status": "healthy"}.
    assert.equal(read({ status: 200, body: { status: 'healthy' } }, '$.status'), 'healthy');
    // Results without a body (database_query, log, …) are read as they are.
    assert.equal(read({ first_row: { total: 3 } }, '$.first_row.total'), 3);
    // A path that starts with the step's own id reads the rest (TestMesh's seed flows write them so).
    assert.equal(readOutputPath({ first_row: { total: 3 } }, parseOutputPath('count.first_row.total'), 'count'), 3);
    assert.equal(readOutputPath({ status: 200, body: { id: 9 } }, parseOutputPath('get_user.body.id'), 'get_user'), 9);
    assert.equal(
      readOutputPath({ first_row: { total: 3 } }, parseOutputPath('other.first_row.total'), 'count'),
      undefined,
    );
  });

  it("runs testmesh init's flow shape: $.id captured, then used in a URL", async () => {
    const run = await runRecorded(
      `flow:
  name: Example
  steps:
    - id: create_user
      action: http_request
      config:
        method: POST
        url: "{{BASE_URL}}/users"
        body: { name: Ada }
      assert:
        - status == 201
        - headers['Content-Type'] contains "json"
        - headers['X-Request-Id'] == "req-42"
        - response.headers['x-REQUEST-id'] == "req-42"
        - body.note == nil && body.note == null
      output:
        user_id: $.id
        http_status: $.status
        request_id: $.headers.X-Request-Id
    - id: get_user
      action: http_request
      config:
        url: "{{BASE_URL}}/users/{{user_id}}"
      assert:
        - status == 200
        - body.id == user_id
        - http_status == 201
        - request_id == "{{create_user.headers.X-Request-Id}}"
    - id: health
      action: http_request
      config: { url: "{{BASE_URL}}/health" }
      output:
        health: $.status
    - id: status_from_reference
      action: assert
      config:
        data: { code: "{{health.status}}", body_status: "{{health}}" }
        assertions: ["code == 200", "body_status == 'healthy'"]
`,
      { BASE_URL: api.url },
    );
    assert.equal(run.result.status, 'completed', JSON.stringify(run.result.steps, null, 1));
    assert.deepEqual(stepOf(run, 'create_user').outputs, { user_id: 7, http_status: 201, request_id: 'req-42' });
    assert.equal(stepOf(run, 'health').outputs?.health, 'healthy');
  });

  it('reports an output that matches nothing at its step (a warning: TestMesh passes it), and fails where it is used', async () => {
    const run = await runRecorded(
      `flow:
  name: Missing
  steps:
    - id: create_user
      action: http_request
      config: { method: POST, url: "{{BASE_URL}}/users" }
      output:
        user_id: $.user.id
    - id: guard
      action: log
      when: user_id == nil
      config: { message: "no user id" }
    - id: get_user
      action: http_request
      config: { url: "{{BASE_URL}}/users/{{user_id}}" }
`,
      { BASE_URL: api.url, user_id: 'stale' },
    );
    const create = stepOf(run, 'create_user');
    assert.equal(create.status, 'completed');
    assert.deepEqual(create.warnings, [
      "output 'user_id' of step 'create_user' matched nothing: $.user.id is in neither the response body nor the step result",
    ]);
    const warn = run.events.find((e) => e.type === 'log' && e.data.level === 'warn');
    assert.ok(
      warn && warn.type === 'log' && warn.data.step_id === 'create_user' && /matched nothing/.test(warn.data.message),
    );
    assert.equal(stepOf(run, 'guard').status, 'completed', 'the missing output reads as nil in expressions');
    const get = stepOf(run, 'get_user');
    assert.equal(get.status, 'failed');
    assert.equal(
      get.error,
      "unresolved variable 'user_id': output 'user_id' of step 'create_user' matched nothing: $.user.id is in neither the response body nor the step result",
    );
    assert.ok(
      !run.details.some((d) => d.request?.url.endsWith('/users/') || d.request?.url.includes('stale')),
      'no request with an empty or stale id',
    );
  });
});
