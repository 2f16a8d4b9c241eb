// `testmesh init` and `.testmesh.yaml` in the CLI: the starter project passes against the demo API,
// `--env NAME` picks an environment, the default environment and step timeout apply, and the
// precedence of environment, --env-file and --var is the README's.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_SUITE_TIMEOUT_MS, REPO_ROOT as REPO, runCli } from '../../support/cli';
import { json, startServer, tempWorkspace, type TestServer } from '../helpers';

const cli = (args: string[], cwd: string) => runCli(args, { cwd });

const ECHO_FLOW = `flow:
  name: Echo
  steps:
    - id: call
      action: http_request
      config: { url: "\${BASE_URL}/who?tier={{TIER}}" }
      assert: [ status == 200 ]
      output: { seen: $.body.tier }
    - id: show
      action: assert
      config:
        data: { tier: "{{seen}}", expected: "{{EXPECT}}" }
        assertions:
          - tier == expected
`;

describe('CLI: testmesh init and .testmesh.yaml', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);
  let server: TestServer;
  let slowHits = 0;

  before(async () => {
    server = await startServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/slow') {
        slowHits++;
        // Answers after 10 minutes: only the step timeout ends the request (the CLI's own timeout fails the test).
        setTimeout(() => json(res, 200, {}), 600_000).unref();
        return;
      }
      json(res, 200, { tier: url.searchParams.get('tier') });
    });
  });
  after(() => server.close());

  it('init writes a starter project that passes against the bundled demo API', async () => {
    const root = tempWorkspace({});
    const init = await cli(['init', 'my-tests'], root);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /created my-tests\/\.testmesh\.yaml/);
    assert.match(init.stdout, /created my-tests\/flows\/example\.yaml/);
    const again = await cli(['init', 'my-tests'], root);
    assert.match(again.stdout, /kept {4}my-tests\/\.testmesh\.yaml \(it exists already\)/);

    const { startDemoApi } = (await import(join(REPO, 'examples/demo-api/server.mjs'))) as {
      startDemoApi(o: { port: number }): Promise<{ url: string; close(): Promise<void> }>;
    };
    const demo = await startDemoApi({ port: 0 });
    try {
      // The README runs it with the demo API on port 3000, which the development environment names;
      // here the port is free-picked, so the test points the environment at it.
      const project = join(root, 'my-tests', '.testmesh.yaml');
      writeFileSync(project, readFileSync(project, 'utf8').replace('http://localhost:3000', demo.url));
      const run = await cli(['run', 'flows', '--reporter', 'json'], join(root, 'my-tests'));
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      const report = JSON.parse(run.stdout) as { flows: Array<{ status: string; steps: Array<{ status: string }> }> };
      assert.equal(report.flows[0].status, 'passed');
      assert.deepEqual(
        report.flows[0].steps.map((s) => s.status),
        ['passed', 'passed', 'passed', 'passed'],
      );
    } finally {
      await demo.close();
    }
  });

  it('--env picks an environment; the default one applies otherwise; --env-file and --var override it', async () => {
    const root = tempWorkspace({
      '.testmesh.yaml': `environment: dev\nenvironments:\n  dev:\n    BASE_URL: ${server.url}\n    TIER: dev\n    EXPECT: dev\n  staging:\n    BASE_URL: ${server.url}\n    TIER: staging\n    EXPECT: staging\n`,
      'flows/echo.yaml': ECHO_FLOW,
      '.env.local': 'TIER=from-dotenv\nEXPECT=from-dotenv\n',
    });
    assert.equal((await cli(['run', 'flows'], root)).code, 0, 'default environment dev');
    const staging = await cli(['run', 'flows', '--env', 'staging'], root);
    assert.equal(staging.code, 0, staging.stdout + staging.stderr);
    assert.equal(
      (await cli(['run', 'flows', '--env', 'staging', '--env-file', '.env.local'], root)).code,
      0,
      '--env-file over the environment',
    );
    assert.equal(
      (
        await cli(
          ['run', 'flows', '--env', 'staging', '--env-file', '.env.local', '--var', 'TIER=v', '--var', 'EXPECT=v'],
          root,
        )
      ).code,
      0,
      '--var over both',
    );
    const unknown = await cli(['run', 'flows', '--env', 'prod'], root);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no environment 'prod' in \.testmesh\.yaml \(it has: dev, staging\)/);
  });

  it('--env without a project file is ignored as TestMesh ignores it, saying so; a broken project file is a usage error that says where', async () => {
    // TestMesh's CLI passes --env (default "development") and its local runner does not use it.
    const none = await cli(
      ['run', 'flows', '-e', 'dev', '--var', `BASE_URL=${server.url}`, '--var', 'TIER=a', '--var', 'EXPECT=a'],
      tempWorkspace({ 'flows/echo.yaml': ECHO_FLOW }),
    );
    assert.equal(none.code, 0, none.stderr);
    assert.match(
      none.stderr,
      /--env dev: there is no \.testmesh\.yaml in .* to take an environment from \(run from the project folder or pass --config FILE\); running without one/,
    );
    const broken = await cli(
      ['run', 'flows'],
      tempWorkspace({ 'flows/echo.yaml': ECHO_FLOW, '.testmesh.yaml': 'timeout: 30s\nenvironments:\n  dev: [1]\n' }),
    );
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /\.testmesh\.yaml:3:8: environment dev must be a mapping/);
    const config = await cli(
      ['run', 'flows', '--config', 'conf/p.yaml', '--env', 'x'],
      tempWorkspace({
        'flows/echo.yaml': ECHO_FLOW,
        'conf/p.yaml': `environments:\n  x:\n    BASE_URL: ${server.url}\n    TIER: a\n    EXPECT: a\n`,
      }),
    );
    assert.equal(config.code, 0, config.stderr);
  });

  it('the project timeout is the default step timeout', async () => {
    const root = tempWorkspace({
      '.testmesh.yaml': 'timeout: 1s\n',
      'flows/slow.yaml': `flow:\n  name: Slow\n  steps:\n    - id: wait\n      action: http_request\n      config: { url: "${server.url}/slow" }\n`,
    });
    const run = await cli(['run', 'flows', '--reporter', 'json'], root);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /step 'wait'.*1 ?s|timed out|timeout/i);
    assert.ok(slowHits >= 1);
    assert.ok(!existsSync(join(root, 'flows', 'example.yaml')));
  });
});
