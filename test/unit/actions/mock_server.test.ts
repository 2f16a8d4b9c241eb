/**
 * mock_server_start / _configure / _verify / _stop: real HTTP mock servers inside a run, called
 * by the run's own http_request steps, and stopped when the run ends whatever happened.
 */
import assert from 'node:assert/strict';
import { createConnection, createServer } from 'node:net';
import { matchPath, matchRequest, readMatcher } from '../../../src/core/actions/mockEndpoints';
import { join } from 'node:path';
import { runFlow } from '../../../src/core/engine/executor';
import { flowFrom, runRecorded, stepOf, tempWorkspace, waitFor } from '../helpers';

const run = runRecorded;
const step = stepOf;

/** True when something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function logs(r: Awaited<ReturnType<typeof run>>): string[] {
  return r.events.filter((e) => e.type === 'log').map((e) => (e.data as { message: string }).message);
}

describe('mock servers', function () {
  this.timeout(30_000);

  it('matches :name segments and * wildcards', () => {
    assert.deepEqual(matchPath('/api/users/:id', '/api/users/42'), { id: '42' });
    assert.deepEqual(matchPath('/api/users/:id/orders/:order', '/api/users/7/orders/x%20y'), { id: '7', order: 'x y' });
    assert.equal(matchPath('/api/users/:id', '/api/users/42/more'), undefined);
    assert.deepEqual(matchPath('/api/*', '/api/a/b'), {});
    assert.deepEqual(matchPath('*', '/anything'), {});
    assert.equal(matchPath('/api/users', '/api/users/1'), undefined);
    assert.deepEqual(matchPath('/a/*/c/*.json', '/a/b/c/d.json'), {});
    assert.equal(matchPath('/a/*/c/*.json', '/a/b/c/d.xml'), undefined);
    assert.equal(matchPath('/ab*ba', '/aba'), undefined);
  });

  it('runs body, path and header patterns in linear time (RE2, as TestMesh), so a hostile body cannot stall the run', () => {
    const matcher = readMatcher({ body_pattern: '^(a+)+$', headers: { 'X-Id': 'regex:^[0-9]+$' } }, 'e');
    const request = {
      method: 'POST',
      path: '/',
      query: {},
      headers: { 'x-id': '42' },
      bodyText: `${'a'.repeat(50_000)}!`,
      bodyJson: undefined,
    };
    assert.equal(matchRequest(matcher, request), undefined);
    assert.deepEqual(matchRequest(matcher, { ...request, bodyText: 'aaaa' }), {});
    assert.throws(
      () => readMatcher({ path_pattern: '(?=x)' }, 'config.endpoints[0]'),
      /config\.endpoints\[0\]\.match\.path_pattern is not a valid regular expression: .*lookaround/,
    );
  });

  it("serves TestMesh's example: JSON bodies, body templates, path patterns, stateful counters; outputs base_url and server_id", async () => {
    const r = await run(
      `
flow:
  name: mock example
  setup:
    - id: start_mock_server
      action: mock_server_start
      config:
        name: example-api
        endpoints:
          - path: /api/users
            method: GET
            response:
              status_code: 200
              body_json:
                users:
                  - {id: 1, name: Alice}
                  - {id: 2, name: Bob}
          - path: /api/users
            method: POST
            match:
              headers:
                Content-Type: application/json
            response:
              status_code: 201
              body_json:
                id: 3
                name: "{{request.body.name}}"
                token: "{{TOKEN}}"
          - path: /api/users/*
            method: GET
            match:
              path_pattern: ^/api/users/[0-9]+$
            response:
              status_code: 200
              body_json: {id: 1, name: Alice}
          - path: /api/counter
            method: POST
            state:
              state_key: counter
              initial_value: 0
              update_rule: increment
            response:
              status_code: 200
              body_json:
                count: "{{state.counter}}"
      output:
        mock_base_url: $.base_url
        mock_server_id: $.server_id
  steps:
    - id: list
      action: http_request
      config:
        url: "{{mock_base_url}}/api/users"
      assert:
        - status == 200
        - len(body.users) == 2
    - id: create
      action: http_request
      config:
        method: POST
        url: "{{mock_base_url}}/api/users"
        headers: {Content-Type: application/json}
        body: {name: Charlie}
      assert:
        - status == 201
        - body.name == "Charlie"
        - body.token == "t-123"
    - id: by_id
      action: http_request
      config:
        url: "{{mock_base_url}}/api/users/17"
      assert:
        - status == 200
        - body.name == "Alice"
    - id: not_numeric
      action: http_request
      config:
        url: "{{mock_base_url}}/api/users/abc"
      assert:
        - status == 404
    - id: counter_1
      action: http_request
      config: {method: POST, url: "{{mock_base_url}}/api/counter"}
      assert:
        - body.count == 1
    - id: counter_2
      action: http_request
      config: {method: POST, url: "{{mock_base_url}}/api/counter"}
      assert:
        - body.count == 2
  teardown:
    - id: stop_mock_server
      action: mock_server_stop
      config:
        server_id: "{{mock_server_id}}"
      assert:
        - status == "stopped"
        - requests_received == 6
`,
      { TOKEN: 't-123' },
    );
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps, null, 2));
    const started = r.results.get('start_mock_server')!;
    assert.match(String(started.base_url), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(String(started.server_id), /^[0-9a-f-]{36}$/);
    const port = Number(started.port);
    assert.equal(await listening(port), false, 'stopped by mock_server_stop');
    // The request that matched nothing is in the log, with the reason.
    assert.ok(
      logs(r).some((m) => /mock server 'example-api': no endpoint matches GET \/api\/users\/abc; answered 404/.test(m)),
      JSON.stringify(logs(r)),
    );
  });

  it('picks the higher priority, reads status/status_code, delay/delay_ms, match.query/query_params, path params', async () => {
    const r = await run(
      `
flow:
  name: priorities
  steps:
    - id: mock
      action: mock_server_start
      config:
        endpoints:
          - path: /api/users/:id
            priority: 1
            response: {status: 200, body: {id: "{{path.id}}", role: user, via: "{{request.path.id}}"}}
          - path: /api/users/admin
            priority: 5
            response: {status: 200, body: {id: admin, role: administrator}}
          - path: /search
            match: {query: {q: cats}}
            response: {status: 200, body_text: "cats for {{request.query.q}}"}
          - path: /search
            match: {query_params: {q: dogs}}
            response: {status_code: 202, delay_ms: 50, body_text: dogs}
          - path: /slow
            response: {status: 200, delay: 100ms, body: slow}
          - path: "*"
            method: "*"
            priority: -10
            response: {status: 418, body: {error: fallback}}
    - id: admin
      action: http_request
      config: {url: "{{mock.base_url}}/api/users/admin"}
      assert: [status == 200, body.role == "administrator"]
    - id: user
      action: http_request
      config: {url: "{{mock.base_url}}/api/users/42"}
      assert: [status == 200, body.role == "user", body.id == "42", body.via == "42"]
    - id: cats
      action: http_request
      config: {url: "{{mock.base_url}}/search", query: {q: cats}}
      assert: [status == 200, body == "cats for cats"]
    - id: dogs
      action: http_request
      config: {url: "{{mock.base_url}}/search?q=dogs"}
      assert: [status == 202, body == "dogs", duration_ms >= 40]
    - id: slow
      action: http_request
      config: {url: "{{mock.base_url}}/slow"}
      assert: [status == 200, duration_ms >= 90]
    - id: fallback
      action: http_request
      config: {method: DELETE, url: "{{mock.base_url}}/nothing/here"}
      assert: [status == 418]
`,
      {},
    );
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps, null, 2));
  });

  it('mock_server_configure adds and replaces endpoints; mock_server_verify counts requests with count, count_min, count_max and matchers', async () => {
    const r = await run(
      `
flow:
  name: configure and verify
  steps:
    - id: mock
      action: mock_server_start
      config:
        name: payments
        endpoints:
          - {path: /charge, method: POST, response: {status: 200, body: {ok: true}}}
    - id: charge_1
      action: http_request
      config: {method: POST, url: "{{mock.base_url}}/charge", body: {amount: 5, currency: USD}}
    - id: charge_2
      action: http_request
      config: {method: POST, url: "{{mock.base_url}}/charge", body: {amount: 50, currency: USD}}
    - id: reconfigure
      action: mock_server_configure
      config:
        server_id: payments
        endpoints:
          - {path: /charge, method: POST, response: {status: 402, body: {error: declined}}}
          - {path: /refund, method: POST, response: {status: 200}}
      assert: [endpoints_added == 1, endpoints_replaced == 1, endpoints == 2]
    - id: charge_3
      action: http_request
      config: {method: POST, url: "{{mock.base_url}}/charge", body: {amount: 7}}
      assert: [status == 402]
    - id: exact
      action: mock_server_verify
      config: {server_id: "{{mock.server_id}}", method: POST, path: /charge, count: 3}
      assert: [count == 3, total_requests == 3, unmatched_requests == 0]
    - id: by_body
      action: mock_server_verify
      config:
        server: payments
        path: /charge
        match: {body_json: {currency: USD}}
        count_min: 2
        count_max: 2
      assert: [count == 2, "requests[0].body.amount == 5"]
    - id: list
      action: mock_server_verify
      config:
        assertions:
          - path: /charge
            match:
              body_pattern: '"amount":50'
            count: 1
          - {path: /refund, count: 0}
    - id: too_many
      action: mock_server_verify
      on_error: continue
      config: {path: /charge, count_max: 1}
    - id: none_received
      action: mock_server_verify
      on_error: continue
      config: {path: /refund}
`,
      {},
    );
    assert.equal(step(r, 'exact').status, 'completed', step(r, 'exact').error);
    assert.equal(step(r, 'by_body').status, 'completed', step(r, 'by_body').error);
    assert.equal(step(r, 'list').status, 'completed', step(r, 'list').error);
    assert.match(
      step(r, 'too_many').error!,
      /mock server 'payments': expected at most 1 request\(s\) any method \/charge, got 3; the mock received 3 request\(s\), the last: POST \/charge \{"amount":5,"currency":"USD"\}/,
    );
    assert.match(step(r, 'none_received').error!, /expected at least 1 request\(s\) any method \/refund, got 0/);
  });

  it('stops every mock when the run ends: after a failure, and after a cancel', async () => {
    const failed = await run(
      `
flow:
  name: failing
  steps:
    - id: mock
      action: mock_server_start
      config:
        endpoints: [{path: /x, response: {status: 200}}]
    - id: boom
      action: assert
      config:
        data: {a: 1}
        assertions: [a == 2]
`,
      {},
    );
    assert.equal(failed.result.status, 'failed');
    assert.equal(
      await listening(Number(failed.results.get('mock')!.port)),
      false,
      'the mock of a failed run is stopped',
    );

    const controller = new AbortController();
    const port = await freePort();
    const running = run(
      `
flow:
  name: cancelled
  steps:
    - id: mock
      action: mock_server_start
      config:
        port: ${port}
        endpoints: [{path: /slow, response: {status: 200, delay: 30s}}]
    - id: waiting
      action: http_request
      config: {url: "{{mock.base_url}}/slow", timeout: 60s}
`,
      {},
      { signal: controller.signal },
    );
    await waitFor(async () => await listening(port), 10_000, 'the mock to listen');
    controller.abort();
    const r = await running;
    assert.equal(r.result.status, 'cancelled');
    assert.equal(await listening(port), false, 'the mock of a cancelled run is stopped');
  });

  it('explains bad endpoints with did-you-mean, a port in use, and an unknown server', async () => {
    const first = await run(
      `
flow:
  name: bad
  steps:
    - id: typo
      action: mock_server_start
      on_error: continue
      config:
        endpoints: [{path: /x, respnse: {status: 200}}]
    - id: bad_status
      action: mock_server_start
      on_error: continue
      config:
        endpoints: [{path: /x, response: {status: 99}}]
    - id: bad_rule
      action: mock_server_start
      on_error: continue
      config:
        endpoints: [{path: /x, state: {state_key: n, update_rule: incremnt}}]
    - id: ok
      action: mock_server_start
      config:
        name: one
        endpoints: [{path: /x}]
    - id: same_port
      action: mock_server_start
      on_error: continue
      config:
        name: two
        port: "{{ok.port}}"
        endpoints: [{path: /x}]
    - id: unknown
      action: mock_server_verify
      on_error: continue
      config: {server_id: nope, path: /x}
    - id: unsupported
      action: mock_server_verify
      on_error: continue
      config:
        assertions: [{path: /x, body_matches: ["$.a == 1"]}]
`,
      {},
    );
    assert.match(
      step(first, 'typo').error!,
      /config\.endpoints\[0\]: unknown key 'respnse' \(did you mean 'response'\?\)/,
    );
    assert.match(
      step(first, 'bad_status').error!,
      /config\.endpoints\[0\]\.response\.status must be a whole number from 100 to 599, got 99/,
    );
    assert.match(
      step(first, 'bad_rule').error!,
      /update_rule must be one of set, increment, decrement, append, toggle, got "incremnt" \(did you mean 'increment'\?\)/,
    );
    assert.match(step(first, 'same_port').error!, /mock server 'two': port \d+ on 127\.0\.0\.1 is already in use/);
    assert.match(step(first, 'unknown').error!, /no mock server 'nope' is running in this run; running: 'one' \(/);
    assert.match(step(first, 'unsupported').error!, /body_matches is not supported: use match\.body_json/);
  });

  it('serves response.body_file from inside the workspace (request placeholders filled) and refuses a file outside it', async () => {
    const root = tempWorkspace({
      'package.json': '{}',
      'mocks/user.json': '{"id": "{{request.path.id}}", "note": "{{not_a_request_value}}"}',
      'flows/mock.flow.yaml': '',
    });
    const outside = tempWorkspace({ 'secret.txt': 'top secret' });
    const yaml = `
flow:
  name: body files
  steps:
    - id: mock
      action: mock_server_start
      config:
        endpoints:
          - {path: /users/:id, response: {status: 200, body_file: ../mocks/user.json}}
    - id: user
      action: http_request
      config: {url: "{{mock.base_url}}/users/9"}
      assert: [body.id == "9", "body.note contains 'not_a_request_value'"]
    - id: outside
      action: mock_server_configure
      on_error: continue
      config:
        server_id: "{{mock.server_id}}"
        endpoints:
          - {path: /leak, response: {body_from_file: "${join(outside, 'secret.txt')}"}}
`;
    const result = await runFlow(flowFrom(yaml, join(root, 'flows', 'mock.flow.yaml')), {});
    const byId = (id: string) => result.steps.find((st) => st.step_id === id)!;
    assert.equal(byId('user').status, 'completed', byId('user').error);
    assert.match(byId('outside').error!, /body_from_file '.*secret\.txt' resolves to .*, outside the workspace root/);
  });
});
