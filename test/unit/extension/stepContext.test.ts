// Running one step: the context it starts from (pure functions), and the real thing through the
// manager: first with no history (the flow runs up to the step), then alone with the values the
// last execution captured, chaining from one single-step run to the next.
import * as assert from 'node:assert';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { allSteps } from '../../../src/core/flow/types';
import {
  flowUpTo,
  MASKED,
  resultFromDetail,
  stepAloneVariables,
  stepsBefore,
  type CapturedStep,
} from '../../../src/extension/stepContext';
import { flowFrom, json, readBody, startServer, type TestServer } from '../helpers';
import { createHarness, type Harness } from './harness';

const USERS = `flow:
  name: Users
  setup:
    - id: login
      action: http_request
      config:
        method: POST
        url: \${BASE_URL}/login
      output:
        token: $.body.token
  steps:
    - id: create
      action: http_request
      config:
        method: POST
        url: \${BASE_URL}/users
        headers: { Authorization: "Bearer {{token}}" }
        body: { name: Ada }
      assert:
        - status == 201
      output:
        user_id: $.body.id
    - id: branch
      action: condition
      config:
        condition: "true"
        then:
          - id: inner
            action: log
            config: { message: "user {{user_id}}" }
    - id: get
      action: http_request
      config:
        url: \${BASE_URL}/users/{{user_id}}
        headers: { Authorization: "Bearer {{token}}" }
      assert:
        - status == 200
        - body.id == {{create.body.id}}
        - body.name == 'Ada'
    - id: last
      action: log
      config: { message: done }
  teardown:
    - id: logout
      action: http_request
      config:
        method: POST
        url: \${BASE_URL}/logout
`;

describe('extension: single-step runs', () => {
  describe('the context a step starts from', () => {
    const flow = flowFrom(USERS);

    it('lists the steps before a step in run order (setup first, parents before children, no teardown)', () => {
      assert.deepStrictEqual(
        stepsBefore(flow, 'get').map((s) => s.id),
        ['login', 'create', 'branch', 'inner'],
      );
      assert.deepStrictEqual(
        stepsBefore(flow, 'inner').map((s) => s.id),
        ['login', 'create', 'branch'],
      );
      assert.deepStrictEqual(
        stepsBefore(flow, 'login').map((s) => s.id),
        [],
      );
      assert.deepStrictEqual(
        stepsBefore(flow, 'logout').map((s) => s.id),
        allSteps(flow)
          .map((s) => s.id)
          .slice(0, -1),
      );
    });

    it('rebuilds variables: run variables (masked ones dropped), outputs, and the step records it refers to', () => {
      const captured = new Map<string, CapturedStep>([
        ['login', { result: { status: 200, body: { token: 't0k3n' } }, outputs: { token: 't0k3n' } }],
        ['create', { result: { status: 201, body: { id: 7, name: 'Ada' } }, outputs: { user_id: 7 } }],
        ['last', { result: { message: 'done' } }],
      ]);
      const vars = stepAloneVariables(flow, 'get', { BASE_URL: 'http://x', API_KEY: MASKED, stale: 1 }, captured);
      // `get` refers to `create.body.id`, so create's whole record comes along; login's does not.
      assert.deepStrictEqual(vars, {
        BASE_URL: 'http://x',
        stale: 1,
        token: 't0k3n',
        user_id: 7,
        create: { status: 201, body: { id: 7, name: 'Ada' }, user_id: 7 },
      });
    });

    it('rebuilds an HTTP step result from its recorded response', () => {
      const result = resultFromDetail({
        step_id: 'create',
        attempt: 1,
        request: { method: 'POST', url: 'http://x/users', headers: {} },
        response: {
          status: 201,
          headers: { 'content-type': 'application/json' },
          body: { id: 7 },
          size_bytes: 8,
          duration_ms: 3,
        },
      });
      assert.deepStrictEqual(result, {
        status: 201,
        headers: { 'content-type': 'application/json' },
        body: { id: 7 },
        duration_ms: 3,
        size_bytes: 8,
        content_type: 'application/json',
      });
      assert.deepStrictEqual(resultFromDetail({ step_id: 't', attempt: 1, result: { total: 3 } }), { total: 3 });
    });

    it('cuts the flow after the step when there is no history; teardown stays whole', () => {
      const get = flowUpTo(flow, 'get')!;
      assert.deepStrictEqual(
        get.setup.map((s) => s.id),
        ['login'],
      );
      assert.deepStrictEqual(
        get.steps.map((s) => s.id),
        ['create', 'branch', 'get'],
      );
      assert.deepStrictEqual(
        get.teardown.map((s) => s.id),
        ['logout'],
      );
      assert.deepStrictEqual(
        flowUpTo(flow, 'inner')!.steps.map((s) => s.id),
        ['create', 'branch'],
      );
      const login = flowUpTo(flow, 'login')!;
      assert.deepStrictEqual([login.setup.length, login.steps.length, login.teardown.length], [1, 0, 1]);
      assert.strictEqual(flowUpTo(flow, 'logout'), flow);
      assert.strictEqual(flowUpTo(flow, 'nope'), undefined);
    });
  });

  describe('through the manager', () => {
    let api: TestServer;
    let h: Harness;
    let requests: string[] = [];

    before(async () => {
      api = await startServer(async (req: IncomingMessage, res: ServerResponse) => {
        await readBody(req);
        requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`.trim());
        if (req.url === '/login') return json(res, 200, { token: 'secret-token-123' });
        if (req.url === '/logout') return json(res, 200, {});
        if (req.url === '/users' && req.method === 'POST') return json(res, 201, { id: 7, name: 'Ada' });
        if (req.url === '/users/7')
          return json(res, req.headers.authorization === 'Bearer secret-token-123' ? 200 : 401, { id: 7, name: 'Ada' });
        json(res, 404, {});
      });
    });

    after(async () => {
      await api.close();
    });

    beforeEach(async () => {
      requests = [];
      h = await createHarness({ 'flows/users.flow.yaml': USERS }, { environment: { BASE_URL: api.url } });
    });

    afterEach(async () => {
      await h.dispose();
    });

    it('with no earlier execution, runs setup, the steps up to it, and teardown', async () => {
      const k = h.key('flows/users.flow.yaml');
      const run = await h.run([h.tree.stepItem(k, 'get')]);
      assert.deepStrictEqual(requests, [
        'POST /login',
        'POST /users Bearer secret-token-123',
        'GET /users/7 Bearer secret-token-123',
        'POST /logout',
      ]);
      // Steps after it are not part of the run.
      assert.strictEqual(
        h.controller.renderTestTree({ run, history: true }),
        `· flows/users.flow.yaml #runnable
  ◷↻✓ Users
    ◷↻✓ setup — 1 step
      ◷↻✓ login — http_request
    ◷↻✓ create — http_request
    ◷↻✓ branch — condition
      ◷↻✓ inner — log · then
    ◷↻✓ get — http_request
    · last — log
    ◷↻✓ teardown — 1 step
      ◷↻✓ logout — http_request`,
      );
      assert.ok(run.output.some((o) => /No earlier execution/.test(o.text)));
      const [summary] = h.manager.list({ limit: 1 }).executions;
      assert.strictEqual(summary.only_step, undefined);
    });

    it('with an earlier execution, runs the step alone with the values it captured', async () => {
      const k = h.key('flows/users.flow.yaml');
      await h.run([h.tree.flowItem(k)]);
      requests = [];

      const run = await h.run([h.tree.stepItem(k, 'get')]);
      assert.deepStrictEqual(
        requests,
        ['GET /users/7 Bearer secret-token-123'],
        'only that request: no setup, no earlier steps, no teardown',
      );
      // Only `get` reported: enqueued, started, passed.
      const getAlone = `· flows/users.flow.yaml #runnable
  · Users
    · setup — 1 step
      · login — http_request
    · create — http_request
    · branch — condition
      · inner — log · then
    ◷↻✓ get — http_request
    · last — log
    · teardown — 1 step
      · logout — http_request`;
      assert.strictEqual(h.controller.renderTestTree({ run, history: true }), getAlone);
      const [summary] = h.manager.list({ limit: 1 }).executions;
      assert.strictEqual(summary.only_step, 'get');
      assert.strictEqual(summary.status, 'completed');
      // History masks the secret-looking variable; the value itself never reaches it.
      assert.strictEqual(summary.variables?.token, '***');
      assert.strictEqual(summary.variables?.user_id, 7);

      // Chained: the next single-step run starts from the previous one (its seed, kept in memory).
      requests = [];
      const again = await h.run([h.tree.stepItem(k, 'get')]);
      assert.deepStrictEqual(requests, ['GET /users/7 Bearer secret-token-123']);
      assert.strictEqual(h.controller.renderTestTree({ run: again, history: true }), getAlone);
    });

    it('runs a nested step alone too', async () => {
      const k = h.key('flows/users.flow.yaml');
      await h.run([h.tree.flowItem(k)]);
      requests = [];
      const run = await h.run([h.tree.stepItem(k, 'inner')]);
      assert.deepStrictEqual(requests, []);
      // The nested step alone: its parent step is not part of the run.
      assert.strictEqual(
        h.controller.renderTestTree({ from: h.item(`${k}#step:branch`), run }),
        `· branch — condition
  ✓ inner — log · then`,
      );
      assert.ok(
        run.output.some((o) => o.text.includes('user 7')),
        run.output.map((o) => o.text).join(''),
      );
    });

    it('a flow run wins over runs of its own steps in the same request', async () => {
      const k = h.key('flows/users.flow.yaml');
      const run = await h.run([h.tree.stepItem(k, 'get'), h.tree.flowItem(k)]);
      assert.strictEqual(requests.length, 4);
      // The whole flow ran, the steps after `get` too.
      assert.strictEqual(
        h.controller.renderTestTree({ run }),
        `· flows/users.flow.yaml #runnable
  ✓ Users
    ✓ setup — 1 step
      ✓ login — http_request
    ✓ create — http_request
    ✓ branch — condition
      ✓ inner — log · then
    ✓ get — http_request
    ✓ last — log
    ✓ teardown — 1 step
      ✓ logout — http_request`,
      );
    });
  });
});
