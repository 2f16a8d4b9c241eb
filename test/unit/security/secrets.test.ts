import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { parseArgs, type RunArgs } from '../../../src/cli/args';
import { runCommand } from '../../../src/cli/run';
import { ExecutionManager } from '../../../src/core/executions';
import { createRedactor, encodedForms } from '../../../src/core/redact';
import { secretValues } from '../../../src/core/secrets';
import { runFlow } from '../../../src/core/engine/executor';
import { startServer as startApi, type RunningServer } from '../../../src/server/server';
import { call } from '../server/fixtures';
import { flowFrom, json, readBody, startServer, tempWorkspace, type TestServer } from '../helpers';

const SECRET = 'p@ss w/rd&x="q"';
const DSN_PASSWORD = 'dsnpass123';
const SESSION = 'sess-XYZ-987';
const BASIC = `Basic ${Buffer.from(`user:${SECRET}`).toString('base64')}`;

/** Every form of every secret that must never be shown. */
function leaks(text: string): string[] {
  const forms = [SECRET, DSN_PASSWORD, SESSION].flatMap((s) => [s, encodeURIComponent(s), encodeURIComponent(s).replace(/%20/g, '+'), JSON.stringify(s).slice(1, -1), Buffer.from(s).toString('base64')]);
  forms.push(BASIC.slice(6), 'p%40ss', 'p@ss');
  return [...new Set(forms)].filter((f) => text.includes(f));
}

const FLOW = `flow:
  name: Secrets
  steps:
    - id: login
      action: http_request
      config:
        method: POST
        url: "\${BASE_URL}/echo"
        query: { q: "\${API_TOKEN}" }
        headers: { Authorization: "\${HDR}" }
        body: { password: "\${API_TOKEN}", dsn: "\${DB_DSN}" }
      output:
        session_token: body.token
    - id: use
      action: log
      config: { message: "session=\${session_token} token=\${API_TOKEN}" }
    - id: check
      action: http_request
      config: { url: "\${BASE_URL}/echo", query: { s: "\${session_token}", t: "\${API_TOKEN}" } }
      assert:
        - body.query.s == "nope"
`;

describe('one secret policy, every encoding', () => {
  it('decides which values are secret: explicit, secret-looking names, DSN passwords', () => {
    const values = secretValues({
      secrets: ['explicit-1'],
      environment: { API_TOKEN: 'tok-123', PLAIN: 'visible', DATABASE_URL: 'postgres://u:pw-in-dsn@h/db' },
      variables: { MY_PASSWORD: 4242, other: 'x', nested: { TOKEN: 'no' } },
    });
    assert.deepEqual(values.sort(), ['4242', 'explicit-1', 'pw-in-dsn', 'tok-123'].sort());
  });

  it('redacts URL-encoded (both space forms), JSON-escaped and base64 forms, Basic auth included', () => {
    const redact = createRedactor([SECRET]);
    const samples = [
      `?q=${encodeURIComponent(SECRET)}`,
      `?q=${encodeURIComponent(SECRET).replace(/%20/g, '+')}`,
      `?${new URLSearchParams({ q: SECRET })}`,
      JSON.stringify({ password: SECRET }),
      `Authorization: ${BASIC}`,
      `token ${Buffer.from(SECRET).toString('base64')} end`,
      `lower ${encodeURIComponent(SECRET).toLowerCase()}`,
    ];
    for (const sample of samples) {
      const out = redact(sample);
      assert.deepEqual(leaks(out), [], `${sample} -> ${out}`);
      assert.ok(out.includes('***'), out);
    }
    assert.equal(redact('nothing secret here, Basic dXNlcjpvdGhlcg=='), 'nothing secret here, Basic dXNlcjpvdGhlcg==');
    assert.ok(encodedForms('abc').includes('YWJj'));
  });

  it('redacts outputs captured under secret-looking names, which later steps still use', async () => {
    const api = await echoServer();
    try {
      const events: string[] = [];
      const details: string[] = [];
      const result = await runFlow(flowFrom(FLOW), {
        variables: { BASE_URL: api.url, API_TOKEN: SECRET, HDR: BASIC, DB_DSN: `postgres://app:${DSN_PASSWORD}@localhost/db` },
        onEvent: (e) => events.push(JSON.stringify(e)),
        onStepDetail: (d) => details.push(JSON.stringify(d)),
      });
      assert.equal(result.steps[2].status, 'failed');
      assert.equal(new URL(api.seen.at(-1)!, 'http://x').searchParams.get('s'), SESSION, 'the step used the real value');
      assert.equal(new URL(api.seen.at(-1)!, 'http://x').searchParams.get('t'), SECRET);
      assert.deepEqual(leaks(events.join('\n') + details.join('\n')), []);
      assert.ok(events.some((e) => e.includes('session=*** token=***')));
    } finally {
      await api.close();
    }
  });

  describe('the CLI, the execution manager and the REST API show the same', () => {
    let api: TestServer & { seen: string[] };
    let ws: string;
    let server: RunningServer;
    before(async () => {
      api = await echoServer();
      ws = tempWorkspace({ 'package.json': '{}', 'flows/secrets.flow.yaml': FLOW, 'ci.env': `DB_DSN=postgres://app:${DSN_PASSWORD}@localhost/db\n` });
      server = await startApi({ workspace: ws });
    });
    after(async () => {
      await server.close();
      await api.close();
    });

    it('runs one flow three ways and compares what each shows', async () => {
      const variables = { BASE_URL: api.url, API_TOKEN: SECRET, HDR: BASIC };
      const environment = { DB_DSN: `postgres://app:${DSN_PASSWORD}@localhost/db` };

      // 1. testmesh run, pretty and json reports.
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let cliText = '';
      stdout.on('data', (c) => (cliText += c));
      stderr.on('data', (c) => (cliText += c));
      const argv = ['run', 'flows/secrets.flow.yaml', '--env-file', 'ci.env', '--reporter', 'json', '--reporter', 'pretty', '--no-color', ...Object.entries(variables).flatMap(([k, v]) => ['--var', `${k}=${v}`])];
      assert.equal(await runCommand(parseArgs(argv) as RunArgs, { stdout, stderr, cwd: ws }), 1);
      const jsonStart = cliText.indexOf('{');
      const cliReport = JSON.parse(cliText.slice(jsonStart, cliText.lastIndexOf('}') + 1));
      const cliCheck = cliReport.flows[0].steps.find((s: { step_id: string }) => s.step_id === 'check');

      // 2. The execution manager (what the editor uses).
      const manager = new ExecutionManager({ workspace: ws });
      const viaManager = await manager.start({ flow_id: 'flows/secrets.flow.yaml', environment, variables });
      await manager.whenFinished(viaManager.id);
      const managerText = JSON.stringify([manager.get(viaManager.id), await manager.eventsSince(viaManager.id), await manager.steps(viaManager.id), await manager.logs(viaManager.id), await manager.stepDetail(viaManager.id, 'login'), await manager.stepDetail(viaManager.id, 'check')]);
      const managerCheck = (await manager.steps(viaManager.id))!.find((s) => s.step_id === 'check')!;
      const managerLog = (await manager.logs(viaManager.id))!.map((l) => l.message);
      await manager.close();

      // 3. The REST API.
      const token = server.token;
      const started = await call(server.url, '/api/v1/executions', { method: 'POST', token, body: { flow_id: 'flows/secrets.flow.yaml', environment, variables } });
      assert.equal(started.status, 201, JSON.stringify(started.json));
      const id = started.json.id as string;
      await server.manager.whenFinished(id);
      const rest = await Promise.all(['', '/events', '/steps', '/logs', '/steps/login', '/steps/check'].map((p) => call(server.url, `/api/v1/executions/${id}${p}`, { token })));
      const restText = JSON.stringify(rest.map((r) => r.json));
      const restCheck = rest[2].json.steps.find((s: { step_id: string }) => s.step_id === 'check');
      const restLog = rest[3].json.logs.map((l: { message: string }) => l.message);

      assert.deepEqual(leaks(cliText), [], 'CLI');
      assert.deepEqual(leaks(managerText), [], 'execution manager');
      assert.deepEqual(leaks(restText), [], 'REST API');
      assert.deepEqual(managerLog, ['session=*** token=***']);
      assert.deepEqual(restLog, managerLog);
      assert.ok(cliText.includes('session=*** token=***') || !cliText.includes('session='), 'the CLI shows the log line redacted, if at all');
      assert.equal(restCheck.error_message, managerCheck.error_message);
      assert.equal(cliCheck.error, managerCheck.error_message);
      assert.match(managerCheck.error_message!, /\*\*\*/);
    });
  });
});

async function echoServer(): Promise<TestServer & { seen: string[] }> {
  const seen: string[] = [];
  const server = await startServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(req.url ?? '');
    json(res, 200, { token: SESSION, query: Object.fromEntries(url.searchParams), raw_query: url.search, headers: req.headers, body: await readBody(req) });
  });
  return Object.assign(server, { seen });
}
