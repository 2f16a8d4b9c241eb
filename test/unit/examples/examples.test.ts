/**
 * The example flows against the demo API, through the real CLI: what `npm start` shows must pass,
 * the deliberately failing example must fail the way editor features expect, and the examples
 * together must use every action the engine knows.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { registeredActions } from '../../../src/core/actions';
import { parseFlowText } from '../../../src/core/flow/load';
import { allSteps, type FlowDef } from '../../../src/core/flow/types';
import type { RunReport } from '../../../src/core/report';
import { CLI, CLI_SUITE_TIMEOUT_MS, REPO_ROOT as ROOT, runCli, runNodeScript, type CliResult } from '../../support/cli';
import { startPostgresOrSkip, type PostgresServer } from '../../support/postgres';

const FLOWS_DIR = join(ROOT, 'examples', 'flows');
const FAILING_DIR = join(ROOT, 'examples', 'failing');
const ENV_FILE = join('examples', '.env.example');

const cli = (args: string[]) => runCli(args, { cwd: ROOT });

/** Starts examples/demo-api/server.mjs in its own process on a free port; resolves with its URL. */
function startDemoApiProcess(): Promise<{ url: string; port: number; child: ChildProcess }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'examples', 'demo-api', 'server.mjs'), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let seen = '';
    const onData = (text: string) => {
      seen += text;
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(seen);
      if (!m) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      resolvePromise({ url: m[1], port: Number(m[2]), child });
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (seen += t));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`demo API exited early with code ${code}: ${seen}`)));
  });
}

function flowFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...flowFilesUnder(full));
    else if (/\.flow\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

function loadExample(file: string): FlowDef {
  const { flow, diagnostics } = parseFlowText(readFileSync(file, 'utf8'), file);
  assert.ok(flow, `${relative(ROOT, file)} does not load: ${JSON.stringify(diagnostics)}`);
  assert.deepEqual(
    diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`),
    [],
    `${relative(ROOT, file)} has warnings`,
  );
  return flow;
}

function parseReport(result: CliResult): RunReport {
  try {
    return JSON.parse(result.stdout) as RunReport;
  } catch {
    throw new Error(
      `the CLI did not print a JSON report (exit ${result.code})\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
}

describe('examples', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);

  let api: { url: string; port: number; child: ChildProcess };
  const cliVars = () => [
    '--env-file',
    ENV_FILE,
    '--var',
    `BASE_URL=${api.url}`,
    '--var',
    'API_HOST=127.0.0.1',
    '--var',
    `API_PORT=${api.port}`,
  ];

  before(async () => {
    if (!existsSync(CLI)) {
      const build = spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(build.status, 0, `building dist/cli.js failed:\n${build.stderr}`);
    }
    api = await startDemoApiProcess();
  });

  after(() => {
    api?.child.removeAllListeners('exit');
    api?.child.kill();
  });

  it('every example flow passes against the demo API', async () => {
    const result = await cli(['run', 'examples/flows', ...cliVars(), '--reporter', 'json']);
    const report = parseReport(result);
    const failures = report.flows
      .filter((f) => f.status !== 'passed')
      .map(
        (f) =>
          `${f.file}: ${f.error}\n${f.steps
            .filter((s) => s.status === 'failed')
            .map((s) => `  ${s.name}: ${s.error}`)
            .join('\n')}`,
      );
    assert.deepEqual(failures, [], `failed flows:\n${failures.join('\n')}\nstderr:\n${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    const expected = flowFilesUnder(FLOWS_DIR).map((f) => relative(ROOT, f).split('\\').join('/'));
    assert.deepEqual(report.flows.map((f) => f.file).sort(), expected);
    assert.equal(report.summary.passed, expected.length);
  });

  it('the failing example fails with exit code 1 and an assertion with expected and actual', async () => {
    const result = await cli(['run', 'examples/failing', ...cliVars(), '--reporter', 'json']);
    assert.equal(result.code, 1, `exit code; stderr:\n${result.stderr}`);
    const report = parseReport(result);
    assert.equal(report.flows.length, 1);
    const flow = report.flows[0];
    assert.equal(flow.status, 'failed');
    const failed = flow.steps.filter((s) => s.status === 'failed');
    assert.equal(failed.length, 1, JSON.stringify(flow.steps, null, 2));
    const { assertion } = failed[0];
    assert.ok(assertion, `the failed step has no assertion detail: ${JSON.stringify(failed[0])}`);
    assert.equal(typeof assertion.expression, 'string');
    assert.ok(assertion.expected !== undefined && assertion.actual !== undefined, JSON.stringify(assertion));
    assert.notDeepEqual(assertion.expected, assertion.actual);
    // The rest of the flow is reported too: a later step skipped, teardown still run.
    assert.ok(flow.steps.some((s) => s.status === 'skipped'));
    assert.ok(flow.steps.some((s) => s.phase === 'teardown' && s.status === 'passed'));
  });

  it('npm start (examples/start.mjs) runs the examples and exits 0', async () => {
    const result = await runNodeScript(join(ROOT, 'examples', 'start.mjs'), ['--no-color'], { cwd: ROOT });
    assert.equal(result.code, 0, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    assert.match(result.stdout, /Demo API listening on http:\/\/127\.0\.0\.1:\d+/);
  });

  describe('with PostgreSQL', () => {
    let pg: PostgresServer | undefined;

    before(async function () {
      this.timeout(120_000);
      pg = await startPostgresOrSkip(this, 'database example');
    });

    after(async () => {
      await pg?.stop();
    });

    it('the database example runs its checks when DATABASE_URL is set', async () => {
      const file = 'examples/flows/orders-db.flow.yaml';
      const result = await cli(['run', file, ...cliVars(), '--var', `DATABASE_URL=${pg!.dsn()}`, '--reporter', 'json']);
      const report = parseReport(result);
      const flow = report.flows[0];
      assert.equal(flow?.status, 'passed', `${JSON.stringify(flow, null, 2)}\nstderr:\n${result.stderr}`);
      assert.equal(result.code, 0);
      const ran = flow.steps
        .filter((s) => s.action === 'database_query' && s.status === 'passed')
        .map((s) => s.step_id);
      assert.deepEqual(ran, ['create_table', 'insert_order', 'pay_order', 'read_order', 'delete_order']);
    });
  });

  it('together the examples use every registered action', () => {
    const used = new Set<string>();
    for (const file of [...flowFilesUnder(FLOWS_DIR), ...flowFilesUnder(FAILING_DIR)]) {
      for (const step of allSteps(loadExample(file))) used.add(step.action);
    }
    const unused = registeredActions().filter((name) => !used.has(name));
    assert.deepEqual(unused, [], `actions no example flow uses: ${unused.join(', ')}`);
  });

  it('every example flow loads without warnings and has a description', () => {
    const files = [...flowFilesUnder(FLOWS_DIR), ...flowFilesUnder(FAILING_DIR)];
    assert.ok(files.length >= 8, `expected at least 8 example flows, found ${files.length}`);
    for (const file of files) {
      const flow = loadExample(file);
      assert.ok(flow.description && flow.description.trim().length > 20, `${relative(ROOT, file)} needs a description`);
    }
  });
});
