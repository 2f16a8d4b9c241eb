/**
 * The Redis, PostgreSQL and Prometheus example flows (redis-cache, jobs-db-poll, metrics) with real servers, through
 * the real CLI and its JSON reporter, as the README tells a user to run them: every data-store
 * step must run and pass (not be skipped), and no password may reach the report.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { RunReport } from '../../../src/core/report';
import { CLI, CLI_SUITE_TIMEOUT_MS, REPO_ROOT as ROOT, runCli } from '../../support/cli';
import { startPostgresOrSkip, type PostgresServer } from '../../support/postgres';
import { prometheusMissing, startPrometheus, type PrometheusServer } from '../../support/prometheus';
import { redisMissing, startRedis, type RedisServer } from '../../support/redis';
import { requireOrSkip } from '../../support/required';

const REDIS_PASSWORD = 'ex-R3dis-pw-19';

const cli = (args: string[]) => runCli(args, { cwd: ROOT });

describe('data-store examples with real servers', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);

  before(() => {
    if (!existsSync(CLI)) {
      const build = spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(build.status, 0, `building dist/cli.js failed:\n${build.stderr}`);
    }
  });

  describe('Redis', () => {
    let redis: RedisServer | undefined;
    before(async function () {
      requireOrSkip(this, 'Redis example', redisMissing());
      redis = await startRedis({ password: REDIS_PASSWORD });
    });
    after(async () => redis?.stop());

    it('examples/flows/redis-cache.flow.yaml runs every redis.* step with REDIS_URL set', async () => {
      const result = await cli([
        'run',
        'examples/flows/redis-cache.flow.yaml',
        '--env-file',
        'examples/.env.example',
        '--var',
        `REDIS_URL=${redis!.url(2)}`,
        '--reporter',
        'json',
      ]);
      const report = JSON.parse(result.stdout) as RunReport;
      const flow = report.flows[0];
      assert.equal(flow.status, 'passed', `${JSON.stringify(flow, null, 2)}\n${result.stderr}`);
      const ran = flow.steps
        .filter((s) => s.action.startsWith('redis.') && s.status === 'passed')
        .map((s) => s.step_id);
      assert.deepEqual(ran, ['cache_user', 'read_user', 'is_cached', 'evict', 'gone']);
      assert.ok(
        !result.stdout.includes(REDIS_PASSWORD) && !result.stderr.includes(REDIS_PASSWORD),
        'the Redis password shows in the CLI output',
      );
    });
  });

  describe('Prometheus', () => {
    let prometheus: PrometheusServer | undefined;
    before(async function () {
      this.timeout(90_000);
      requireOrSkip(this, 'Prometheus example', prometheusMissing());
      prometheus = await startPrometheus([], { scrapeSelf: true });
    });
    after(async () => prometheus?.stop());

    it('examples/flows/metrics.flow.yaml runs every prometheus.* step with PROMETHEUS_URL set', async () => {
      const result = await cli([
        'run',
        'examples/flows/metrics.flow.yaml',
        '--env-file',
        'examples/.env.example',
        '--var',
        `PROMETHEUS_URL=${prometheus!.url}`,
        '--reporter',
        'json',
      ]);
      const report = JSON.parse(result.stdout) as RunReport;
      const flow = report.flows[0];
      assert.equal(flow.status, 'passed', `${JSON.stringify(flow, null, 2)}\n${result.stderr}`);
      const ran = flow.steps
        .filter((s) => s.action.startsWith('prometheus.') && s.status === 'passed')
        .map((s) => s.step_id);
      assert.deepEqual(ran, ['targets_up', 'baseline', 'count_grows']);
    });
  });

  describe('PostgreSQL', () => {
    let pg: PostgresServer | undefined;
    before(async function () {
      this.timeout(120_000);
      pg = await startPostgresOrSkip(this, 'PostgreSQL example');
    });
    after(async () => pg?.stop());

    it('examples/flows/jobs-db-poll.flow.yaml runs db_poll and every postgresql.* step with DATABASE_URL set', async () => {
      const result = await cli([
        'run',
        'examples/flows/jobs-db-poll.flow.yaml',
        '--env-file',
        'examples/.env.example',
        '--var',
        `DATABASE_URL=${pg!.dsn()}`,
        '--reporter',
        'json',
      ]);
      const report = JSON.parse(result.stdout) as RunReport;
      const flow = report.flows[0];
      assert.equal(flow.status, 'passed', `${JSON.stringify(flow, null, 2)}\n${result.stderr}`);
      const ran = new Set(flow.steps.filter((s) => s.status === 'passed').map((s) => s.action));
      for (const action of [
        'db_poll',
        'postgresql.execute',
        'postgresql.insert',
        'postgresql.update',
        'postgresql.query',
        'postgresql.assert',
        'postgresql.transaction',
        'postgresql.tables',
        'postgresql.columns',
        'postgresql.delete',
      ]) {
        assert.ok(
          ran.has(action),
          `${action} did not run: ${JSON.stringify(flow.steps.map((s) => [s.step_id, s.status]))}`,
        );
      }
      assert.ok(
        !result.stdout.includes(pg!.password) && !result.stderr.includes(pg!.password),
        'the PostgreSQL password shows in the CLI output',
      );
    });
  });
});
