import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLI, CLI_SUITE_TIMEOUT_MS, runCli } from '../../support/cli';
import { json, startServer, tempWorkspace, type TestServer } from '../helpers';

const cli = (args: string[], cwd: string, env: Record<string, string> = {}) => runCli(args, { cwd, env });

const passing = (name: string, extra = '') => `
flow:
  name: ${name}
  ${extra}
  steps:
    - id: ping
      name: Ping the API
      action: http_request
      config: { url: "\${BASE_URL}/ok" }
      assert: [ status == 200 ]
`;

describe('CLI', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);
  let api: TestServer;
  let inFlight = 0;
  let maxInFlight = 0;

  before(async () => {
    assert.ok(existsSync(CLI), 'dist/cli.js is built (npm test builds it first)');
    api = await startServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/slow') {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        setTimeout(
          () => {
            inFlight--;
            json(res, 200, {});
          },
          Number(url.searchParams.get('ms') ?? 200),
        );
        return;
      }
      if (url.pathname === '/ok') return json(res, 200, { ok: true });
      json(res, 404, { error: 'nope' });
    });
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(resolve(__dirname, '../../../../package.json'), 'utf8'));
    const result = await cli(['--version'], process.cwd());
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `${version}\n`);
  });
  after(() => api.close());

  it('exits 0 when every flow passes and prints steps and a summary', async () => {
    const root = tempWorkspace({ 'flows/a.flow.yaml': passing('Alpha'), 'flows/b.flow.yaml': passing('Beta') });
    const r = await cli(['run', 'flows', '--var', `BASE_URL=${api.url}`], root);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /▶ Alpha flows\/a\.flow\.yaml/);
    assert.match(r.stdout, /✓ Ping the API \d/);
    assert.match(r.stdout, /2 flows: 2 passed, 0 failed/);
    assert.doesNotMatch(r.stdout, /\x1b\[/, 'no colour when not a TTY');
  });

  it('exits 1 when a flow fails, showing the expression and values', async () => {
    const root = tempWorkspace({
      'f.flow.yaml': `
flow:
  name: Failing
  steps:
    - action: http_request
      config: { url: "\${BASE_URL}/missing" }
      assert: [ status == 200 ]
`,
    });
    const r = await cli(['run', 'f.flow.yaml', '--var', `BASE_URL=${api.url}`], root);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /status == 200: got status = 404/);
    assert.match(r.stdout, /expected: +200/);
    assert.match(r.stdout, /actual: +404/);
  });

  it('exits 2 for an invalid file, names file:line:column, and still runs the others', async () => {
    const root = tempWorkspace({
      'flows/good.flow.yaml': passing('Good'),
      // A step without an action: TestMesh's own loader refuses the file too.
      'flows/bad.flow.yaml':
        'flow:\n  name: Bad\n  steps:\n    - action: log\n      config: { message: hi }\n    - id: y\n',
    });
    const r = await cli(['run', 'flows', '--var', `BASE_URL=${api.url}`, '--reporter', 'json'], root);
    assert.equal(r.code, 2);
    const report = JSON.parse(r.stdout);
    const bad = report.flows.find((f: { file: string }) => f.file === 'flows/bad.flow.yaml');
    const good = report.flows.find((f: { file: string }) => f.file === 'flows/good.flow.yaml');
    assert.equal(bad.status, 'error');
    assert.match(bad.error, /^6:\d+: /);
    assert.equal(good.status, 'passed');
  });

  it('runs a flow with a faulty step as TestMesh does: the steps before it run, it fails with its diagnostic, teardown runs', async () => {
    const root = tempWorkspace({
      'flows/mixed.flow.yaml': [
        'flow:',
        '  name: Mixed',
        '  steps:',
        '    - id: first',
        '      action: http_request',
        '      config: { url: "${BASE_URL}/health" }',
        '    - id: publish',
        '      action: kafka_publish',
        '      config: { topic: orders }',
        '    - id: never',
        '      action: log',
        '      config: { message: unreachable }',
        '  teardown:',
        '    - id: cleanup',
        '      action: log',
        '      config: { message: bye }',
        '',
      ].join('\n'),
    });
    const r = await cli(['run', 'flows', '--var', `BASE_URL=${api.url}`, '--reporter', 'json'], root);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /flows\/mixed\.flow\.yaml:8:15: error: step 'publish': unknown action 'kafka_publish'/);
    const [flow] = JSON.parse(r.stdout).flows;
    assert.equal(flow.status, 'failed');
    const status = Object.fromEntries(
      flow.steps.map((s: { step_id: string; status: string }) => [s.step_id, s.status]),
    );
    assert.deepEqual(status, { first: 'passed', publish: 'failed', never: 'skipped', cleanup: 'passed' });
    const publish = flow.steps.find((s: { step_id: string }) => s.step_id === 'publish');
    assert.match(
      publish.error,
      /^step 'publish': unknown action 'kafka_publish' \(known actions: .*\) \(.*mixed\.flow\.yaml:7:7\)$/,
    );
    assert.equal(publish.line, 7);
  });

  it('writes the JSON report of the contract', async () => {
    const root = tempWorkspace({ 'a.flow.yaml': passing('Alpha') });
    const r = await cli(['run', 'a.flow.yaml', '--var', `BASE_URL=${api.url}`, '--reporter', 'json'], root);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report).sort(), ['flows', 'suite', 'summary']);
    const flow = report.flows[0];
    for (const key of ['file', 'name', 'status', 'duration_ms', 'steps']) assert.ok(key in flow, key);
    assert.equal(flow.file, 'a.flow.yaml');
    assert.equal(flow.status, 'passed');
    const step = flow.steps[0];
    assert.deepEqual(
      {
        step_id: step.step_id,
        name: step.name,
        phase: step.phase,
        action: step.action,
        status: step.status,
        attempts: step.attempts,
      },
      { step_id: 'ping', name: 'Ping the API', phase: 'steps', action: 'http_request', status: 'passed', attempts: 1 },
    );
    assert.equal(typeof step.duration_ms, 'number');
    assert.deepEqual(
      { total: report.summary.total, passed: report.summary.passed, failed: report.summary.failed },
      { total: 1, passed: 1, failed: 0 },
    );
  });

  it('writes JUnit XML to --output', async () => {
    const root = tempWorkspace({
      'a.flow.yaml': passing('Alpha'),
      'b.flow.yaml':
        'flow:\n  name: B & <co>\n  steps:\n    - action: assert\n      config: { data: { x: 1 }, assertions: [ x == 2 ] }\n',
    });
    const r = await cli(
      ['run', '.', '--var', `BASE_URL=${api.url}`, '--reporter', 'junit', '--output', 'out/junit.xml'],
      root,
    );
    assert.equal(r.code, 1);
    const xml = readFileSync(join(root, 'out/junit.xml'), 'utf8');
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
    assert.match(xml, /<testsuite name="B &amp; &lt;co&gt;"/);
    assert.match(
      xml,
      /<failure message="assertion failed: x == 2: got x = 1 \(expected 2, actual 1\)" type="AssertionError">/,
    );
    assert.match(xml, /<testcase classname="Alpha" name="steps: Ping the API"/);
  });

  it('--bail stops after the first failed flow', async () => {
    const root = tempWorkspace({
      'a.flow.yaml':
        'flow:\n  name: A\n  steps:\n    - action: assert\n      config: { data: {}, assertions: [ "false" ] }\n',
      'b.flow.yaml': passing('B'),
    });
    const r = await cli(['run', '.', '--bail', '--reporter', 'json', '--var', `BASE_URL=${api.url}`], root);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).flows.length, 1);
    assert.match(r.stderr, /1 flow\(s\) not run \(--bail\)/);
  });

  it('--grep and --tag filter flows', async () => {
    const root = tempWorkspace({
      'a.flow.yaml': passing('Checkout smoke', 'tags: [smoke]'),
      'b.flow.yaml': passing('Users full', 'tags: [full]'),
    });
    const byGrep = JSON.parse(
      (await cli(['run', '.', '--grep', 'checkout', '--reporter', 'json', '--var', `BASE_URL=${api.url}`], root))
        .stdout,
    );
    assert.deepEqual(
      byGrep.flows.map((f: { name: string }) => f.name),
      ['Checkout smoke'],
    );
    const byTag = JSON.parse(
      (await cli(['run', '.', '--tag', 'full', '--reporter', 'json', '--var', `BASE_URL=${api.url}`], root)).stdout,
    );
    assert.deepEqual(
      byTag.flows.map((f: { name: string }) => f.name),
      ['Users full'],
    );
  });

  it('--shard splits flows deterministically into disjoint slices that cover all', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 7; i++) files[`f${i}.flow.yaml`] = passing(`Flow ${i}`);
    const root = tempWorkspace(files);
    const names = async (shard: string) =>
      JSON.parse(
        (await cli(['run', '.', '--shard', shard, '--reporter', 'json', '--var', `BASE_URL=${api.url}`], root)).stdout,
      ).flows.map((f: { name: string }) => f.name);
    const [a, b, c] = await Promise.all([names('1/3'), names('2/3'), names('3/3')]);
    assert.deepEqual([...a, ...b, ...c].sort(), Array.from({ length: 7 }, (_, i) => `Flow ${i}`).sort());
    assert.deepEqual([a.length, b.length, c.length], [3, 2, 2]);
    assert.deepEqual(await names('1/3'), a, 'same slice every time');
  });

  it('--jobs runs flows at once', async () => {
    const slow = (n: number) =>
      `flow:\n  name: S${n}\n  steps:\n    - action: http_request\n      config: { url: "\${BASE_URL}/slow?ms=300" }\n`;
    const root = tempWorkspace({ 'a.flow.yaml': slow(1), 'b.flow.yaml': slow(2), 'c.flow.yaml': slow(3) });
    maxInFlight = 0;
    const r = await cli(['run', '.', '--jobs', '3', '--var', `BASE_URL=${api.url}`], root);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(maxInFlight, 3);
    assert.match(r.stdout, /\[S1\] /, 'lines carry the flow name when flows run at once');
  });

  it('--timeout fails a flow that runs too long', async () => {
    const root = tempWorkspace({
      'a.flow.yaml': 'flow:\n  name: Slow\n  steps:\n    - action: delay\n      config: { duration: 20s }\n',
    });
    const r = await cli(['run', '.', '--timeout', '200ms', '--reporter', 'json'], root);
    assert.equal(r.code, 1);
    assert.match(JSON.parse(r.stdout).flows[0].error, /timed out after 200 ms/);
  });

  it('reads --env-file and redacts secret values from output', async () => {
    const root = tempWorkspace({
      '.env.test': `BASE_URL=${api.url}\nAPI_TOKEN=tok-very-secret\n`,
      'a.flow.yaml':
        'flow:\n  name: Env\n  steps:\n    - action: log\n      config: { message: "using {{API_TOKEN}} at {{BASE_URL}}" }\n',
    });
    const r = await cli(['run', 'a.flow.yaml', '--env-file', '.env.test'], root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /using \*\*\* at http:\/\/127\.0\.0\.1/);
    assert.doesNotMatch(r.stdout, /tok-very-secret/);
  });

  it('exits 2 on usage errors and missing paths', async () => {
    const root = tempWorkspace({});
    assert.equal((await cli(['run'], root)).code, 2);
    assert.equal((await cli(['run', '.', '--shard', '4/3'], root)).code, 2);
    assert.equal((await cli(['frobnicate'], root)).code, 2);
    const missing = await cli(['run', 'nope.yaml'], root);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file or folder: nope\.yaml/);
  });

  it('validate lists every problem with file:line:column and exits 2', async () => {
    const root = tempWorkspace({
      'bad.flow.yaml':
        'flow:\n  name: Bad\n  steps:\n    - action: nope\n    - action: log\n      config: { message: hi }\n      assert: [ "a ==" ]\n',
      'good.flow.yaml': passing('Good'),
    });
    const r = await cli(['validate', '.'], root);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /bad\.flow\.yaml:4:\d+: error: .*unknown action 'nope'/);
    assert.match(r.stdout, /bad\.flow\.yaml:7:\d+: error: .*assert\[0\]: invalid expression/);
    assert.match(r.stdout, /2 files checked: 1 valid, 1 invalid/);
    assert.equal((await cli(['validate', 'good.flow.yaml'], root)).code, 0);
  });
});
