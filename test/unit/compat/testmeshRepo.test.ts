/**
 * A repository laid out like TestMesh's (test/fixtures/testmesh-repo), through the real CLI as the
 * README says: `testmesh validate`, then `testmesh run --reporter json` against the demo API and a
 * real PostgreSQL (the default connection: TestMesh's `__rtov__database_query__connection`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import type { RunReport } from '../../../src/core/report';
import { CLI_SUITE_TIMEOUT_MS, REPO_ROOT as ROOT, runCli } from '../../support/cli';
import { startPostgresOrSkip, type PostgresServer } from '../../support/postgres';

const REPO = join('test', 'fixtures', 'testmesh-repo');

const cli = (args: string[]) => runCli(args, { cwd: ROOT });

/** examples/demo-api/server.mjs in its own process on a free port. */
function startDemoApi(): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'examples', 'demo-api', 'server.mjs'), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let seen = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      seen += text;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m) done({ url: m[1], child });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`demo API exited (${code}): ${seen}`)));
  });
}

describe('compat: a TestMesh-shaped repository through the CLI', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);
  let pg: PostgresServer | undefined;
  let api: { url: string; child: ChildProcess } | undefined;

  before(async function () {
    pg = await startPostgresOrSkip(this, 'TestMesh-repository run');
    const admin = new Client({ connectionString: pg.dsn() });
    await admin.connect();
    await admin.query('CREATE TABLE tm_fixture_users (id serial PRIMARY KEY, api_id text, email text UNIQUE)');
    await admin.end();
    api = await startDemoApi();
  });

  after(async () => {
    if (api) process.kill(api.child.pid!, 'SIGTERM');
    await pg?.stop();
  });

  it('validates every flow: no errors, and no ambiguity warnings for ids shared by setup and teardown', async () => {
    const result = await cli(['validate', REPO]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /6 files checked: 6 valid/);
    assert.doesNotMatch(result.stdout, /duplicate|ambiguous|error:/);
  });

  it('runs every flow and reports them in JSON: shared ids, $.x outputs, the default connection, headers, nil', async () => {
    const result = await cli([
      'run',
      REPO,
      '--reporter',
      'json',
      '--var',
      `BASE_URL=${api!.url}`,
      '--var',
      `__rtov__database_query__connection=${pg!.dsn()}`,
    ]);
    const report = JSON.parse(result.stdout) as RunReport;
    const summary = report.flows.map(
      (f) =>
        `${f.file}: ${f.status}${f.status === 'passed' ? '' : ` ${JSON.stringify(f.steps.filter((s) => s.status === 'failed'))} ${f.error ?? ''}`}`,
    );
    assert.equal(result.code, 0, `${summary.join('\n')}\n${result.stderr}`);
    assert.deepEqual(report.summary.total, 6);
    assert.deepEqual(report.summary.passed, 6, summary.join('\n'));

    const lifecycle = report.flows.find((f) => f.file.endsWith('user-lifecycle.yaml'))!;
    assert.deepEqual(
      lifecycle.steps.map((s) => `${s.phase}:${s.step_id}:${s.status}`),
      [
        'setup:cleanup:passed',
        'steps:create_user:passed',
        'steps:record_user:passed',
        'steps:get_user:passed',
        'steps:verify_db:passed',
        'teardown:delete_user:passed',
        'teardown:cleanup@2:passed',
      ],
    );
    assert.equal(lifecycle.steps.find((s) => s.step_id === 'cleanup@2')!.name, 'cleanup');

    const generated = report.flows.find((f) => f.file.endsWith('user-create-happy.yaml'))!;
    assert.deepEqual(
      generated.steps.filter((s) => s.phase !== 'steps').map((s) => s.step_id),
      ['cleanup_user', 'cleanup_user@2', 'delete_api_user'],
    );

    const seed = report.flows.find((f) => f.file.endsWith('01_user_count.yaml'))!;
    const list = seed.steps.find((s) => s.step_id === 'list_users')!;
    assert.deepEqual(list.warnings, [
      "output 'nickname' of step 'list_users' matched nothing: $.body.items[0].nickname is in neither the response body nor the step result",
    ]);
    assert.ok(!result.stdout.includes(pg!.password), 'the DSN password never shows');
  });
});
