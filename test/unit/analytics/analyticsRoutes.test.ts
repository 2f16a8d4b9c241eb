/**
 * The analytics, search and bulk routes against a seeded history with known answers (seed.ts):
 * a flaky flow, a slowing step, a stable flow and a cancelled run that analytics ignore. Twice:
 * over the embedded long history and over the PostgreSQL one (a throwaway server, as in the
 * other PostgreSQL tests: skipped locally when PostgreSQL is not installed, a failure in CI).
 */
import assert from 'node:assert/strict';
import { ExecutionManager } from '../../../src/core/executions';
import { PostgresRunArchive } from '../../../src/core/history/postgresRunArchive';
import type { RunArchive } from '../../../src/core/history/runArchive';
import { HistoryStore } from '../../../src/core/history/store';
import { startServer, type RunningServer } from '../../../src/server/server';
import { tempWorkspace, waitFor } from '../helpers';
import { seedDays, seedRuns } from '../history/seed';
import { call } from '../server/fixtures';
import { findPostgresBin, inCi, startPostgres, type PostgresServer } from '../../support/postgres';

for (const backend of ['embedded', 'postgres'] as const)
  describe(`analytics, search and bulk routes over a seeded history (${backend})`, function () {
    this.timeout(30_000);
    let server: RunningServer;
    let manager: ExecutionManager;
    let pg: PostgresServer | undefined;
    const days = seedDays();
    const range = `start_date=${days[0]}&end_date=${days[4]}`;
    const get = (path: string) => call(server.url, path, { token: server.token });
    const post = (path: string, body: unknown) => call(server.url, path, { token: server.token, method: 'POST', body });

    before(async function () {
      let runs: RunArchive | undefined;
      if (backend === 'postgres') {
        this.timeout(120_000);
        if (!findPostgresBin()) {
          if (inCi())
            throw new Error('PostgreSQL is not installed but CI is set: .ci/install-system.sh must install it');
          console.warn(
            '\n  !!!!! SKIPPING the analytics routes over a PostgreSQL history: PostgreSQL is not installed (apt-get install -y postgresql) !!!!!\n',
          );
          this.skip();
        }
        pg = await startPostgres();
        runs = await PostgresRunArchive.open(pg.dsn());
      }
      const workspace = tempWorkspace({
        '.env.staging': 'STAGE=1\n',
        'flows/stable.flow.yaml':
          'flow:\n  name: Stable\n  tags: [smoke]\n  steps:\n    - id: login\n      action: log\n      config: { message: hi }\n',
      });
      const store = HistoryStore.memory(runs ? { runs } : {});
      for (const run of seedRuns()) store.runs.record(run);
      manager = new ExecutionManager({ workspace, store });
      server = await startServer({ workspace, manager });
    });
    after(async () => {
      await server?.close();
      await manager?.close();
      await pg?.stop();
    });

    it('metrics: per day and environment, and a summary of the range', async () => {
      const res = await get(`/api/v1/analytics/metrics?${range}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.start_date, days[0]);
      assert.equal(res.json.end_date, days[4]);
      assert.deepEqual(res.json.summary, {
        total_executions: 25,
        passed_executions: 20,
        failed_executions: 5,
        pass_rate: 80,
        avg_duration_ms: Math.round((10 * 100 + 10 * 200 + (1100 + 1200 + 1300 + 1400 + 1500)) / 25),
        total_steps: 35,
        passed_steps: 30,
        failed_steps: 5,
      });
      assert.equal(res.json.metrics.length, 10);
      const first = res.json.metrics.find(
        (m: { date: string; environment: string }) => m.date === days[0] && m.environment === 'staging',
      );
      assert.equal(first.total_executions, 4);
      assert.equal(first.pass_rate, 75);
      assert.equal(first.total_flows, 2);
      assert.equal(first.by_flow_metrics['flows/flaky.flow.yaml'].failed, 1);
      const prod = await get(`/api/v1/analytics/metrics?${range}&environment=prod`);
      assert.equal(prod.json.summary.total_executions, 5);
      assert.equal(prod.json.summary.pass_rate, 100);
    });

    it('trends: pass rate and p50/p95 duration per day, week or month', async () => {
      const res = await get(`/api/v1/analytics/trends?${range}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.group_by, 'day');
      assert.deepEqual(
        res.json.trends.map((t: { date: string }) => t.date),
        days,
      );
      for (const [i, point] of res.json.trends.entries()) {
        assert.equal(point.executions, 5);
        assert.equal(point.pass_rate, 80);
        assert.equal(point.p50_duration_ms, 200);
        assert.equal(point.p95_duration_ms, 1100 + 100 * i);
      }
      const monthly = await get(`/api/v1/analytics/trends?${range}&group_by=month`);
      assert.equal(
        monthly.json.trends.reduce((n: number, t: { executions: number }) => n + t.executions, 0),
        25,
      );
    });

    it('flakiness: the flaky flow with its score, transitions, failure patterns and runs; a flow history', async () => {
      const res = await get(`/api/v1/analytics/flakiness?end_date=${days[4]}&window_days=5`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.total, 1);
      const [flaky] = res.json.flaky_flows;
      assert.equal(flaky.flow_id, 'flows/flaky.flow.yaml');
      assert.equal(flaky.flakiness_score, 1);
      assert.equal(flaky.is_flaky, true);
      assert.equal(flaky.transitions, 9);
      assert.equal(flaky.total_executions, 10);
      assert.equal(flaky.passed_executions, 5);
      assert.deepEqual(flaky.failure_patterns, ['timeout waiting for /orders']);
      assert.equal(flaky.last_transitions.length, 5);
      assert.equal(flaky.last_transitions[0].execution_id, 'flaky-4-1');
      assert.equal(flaky.recent[0].id, 'flaky-4-1');
      const all = await get(`/api/v1/analytics/flakiness?end_date=${days[4]}&window_days=5&all=true`);
      const stable = all.json.flaky_flows.find((f: { flow_id: string }) => f.flow_id === 'flows/stable.flow.yaml');
      assert.equal(stable.flakiness_score, 0);
      assert.equal(stable.total_executions, 10, 'the cancelled run does not count');
      const history = await get(
        `/api/v1/analytics/flakiness?flow_id=flows%2Fflaky.flow.yaml&end_date=${days[4]}&window_days=2&limit=3`,
      );
      assert.equal(history.json.flow_id, 'flows/flaky.flow.yaml');
      assert.deepEqual(
        history.json.history.map((h: { window_end_date: string; total_executions: number }) => [
          h.window_end_date,
          h.total_executions,
        ]),
        [
          [days[4], 4],
          [days[3], 4],
          [days[2], 4],
        ],
      );
    });

    it('steps: the slowest steps with p50/p95/p99 and the slowing one; per day for a flow or an action', async () => {
      const res = await get(`/api/v1/analytics/steps?${range}`);
      assert.equal(res.status, 200, res.text);
      const [slowest] = res.json.slowest_steps;
      assert.equal(slowest.step_id, 'query');
      assert.equal(slowest.flow_id, 'api/slow.flow.yaml');
      assert.equal(slowest.avg_duration_ms, 300);
      assert.equal(slowest.p50_duration_ms, 300);
      assert.equal(slowest.p95_duration_ms, 500);
      assert.equal(slowest.p99_duration_ms, 500);
      assert.equal(slowest.change_pct, 200);
      const login = res.json.slowest_steps.find((s: { step_id: string }) => s.step_id === 'login');
      assert.equal(login.execution_count, 10, 'the cancelled run does not count');
      assert.equal(login.change_pct, 0);
      const perFlow = await get(`/api/v1/analytics/steps?${range}&flow_id=api%2Fslow.flow.yaml`);
      assert.deepEqual(
        perFlow.json.step_performance.map((p: { date: string; p50_duration_ms: number }) => [
          p.date,
          p.p50_duration_ms,
        ]),
        days.map((d, i) => [d, 100 * (i + 1)]),
      );
      const byAction = await get(`/api/v1/analytics/steps?${range}&action=http_request`);
      assert.equal(byAction.json.action, 'http_request');
      assert.equal(byAction.json.step_performance.length, 20);
    });

    it('answers bad parameters with 400 and a message', async () => {
      for (const path of [
        '/api/v1/analytics/metrics?start_date=yesterday',
        '/api/v1/analytics/metrics?start_date=2026-02-30',
        `/api/v1/analytics/trends?start_date=${days[4]}&end_date=${days[0]}`,
        '/api/v1/analytics/trends?group_by=year',
        '/api/v1/analytics/flakiness?window_days=0',
        '/api/v1/analytics/flakiness?threshold=2',
        '/api/v1/analytics/steps?limit=-1',
        '/api/v1/executions?status=broken',
        '/api/v1/executions?trigger=robot',
        '/api/v1/executions?from=soon',
      ]) {
        const res = await get(path);
        assert.equal(res.status, 400, `${path}: ${res.text}`);
        assert.equal(typeof res.json.error, 'string');
      }
      assert.equal((await post('/api/v1/analytics/metrics', {})).status, 405);
    });

    it('GET /api/v1/executions searches the long history with filters and pagination', async () => {
      const res = await get('/api/v1/executions?folder=flows&status=failed&q=orders&limit=2&offset=1');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.total, 5);
      assert.equal(res.json.limit, 2);
      assert.equal(res.json.offset, 1);
      assert.deepEqual(
        res.json.executions.map((e: { id: string }) => e.id),
        ['flaky-3-1', 'flaky-2-1'],
      );
      assert.equal(res.json.executions[0].steps, undefined, 'the list stays light');
      const several = await get('/api/v1/executions?environment=prod,staging&tag=smoke&trigger=cli');
      assert.equal(several.json.total, 11);
      const one = await get('/api/v1/executions/slow-2');
      assert.equal(one.status, 200);
      assert.equal(one.json.flow_name, 'Slowing');
      const steps = await get('/api/v1/executions/slow-2/steps');
      assert.equal(steps.json.steps[0].duration_ms, 300);
    });

    it('bulk: delete and re-run by ids or by filter, cancel, with an answer per id', async () => {
      const deleted = await post('/api/v1/executions/bulk/delete', { ids: ['stable-cancelled', 'missing'] });
      assert.equal(deleted.status, 200, deleted.text);
      assert.deepEqual(deleted.json.results, [
        { id: 'stable-cancelled', status: 'deleted' },
        { id: 'missing', status: 'not_found' },
      ]);
      assert.equal((await get('/api/v1/executions/stable-cancelled')).status, 404);

      const rerun = await post('/api/v1/executions/bulk/rerun', {
        filter: { flow_id: 'flows/stable.flow.yaml', from: days[4] },
      });
      assert.equal(rerun.status, 200, rerun.text);
      assert.equal(rerun.json.total, 2, rerun.text);
      assert.equal(rerun.json.succeeded, 2);
      for (const item of rerun.json.results) {
        assert.equal(item.status, 'started');
        const done = await manager.whenFinished(item.execution_id);
        assert.equal(done?.status, 'completed');
        assert.equal(done?.environment, 'staging');
      }
      await waitFor(async () => (await get('/api/v1/executions?flow_id=flows/stable.flow.yaml')).json.total === 12);

      const cancel = await post('/api/v1/executions/bulk/cancel', { ids: ['slow-0', 'gone'] });
      assert.deepEqual(
        cancel.json.results.map((r: { status: string }) => r.status),
        ['not_running', 'not_found'],
      );
      for (const body of [
        {},
        { ids: 'x' },
        { ids: [], filter: {} },
        { filter: { colour: 'red' } },
        { filter: { status: 'nope' } },
      ])
        assert.equal((await post('/api/v1/executions/bulk/rerun', body)).status, 400, JSON.stringify(body));
    });
  });
