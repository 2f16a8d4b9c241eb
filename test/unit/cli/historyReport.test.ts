/**
 * `testmesh report`: executions recorded in a history folder by the local API's execution manager
 * (the one `testmesh serve` and VS Code use), rendered again by the CLI's reporters, picked by
 * --last, --flow and --execution; clear refusals for an unknown id and a missing folder; a
 * folder another process writes to is read without its lock and without a write.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../../../src/core/report';
import { startServer as startLocalApi } from '../../../src/server/server';
import { CLI, CLI_SUITE_TIMEOUT_MS } from '../../support/cli';
import { tempDir, tempWorkspace } from '../helpers';
import { cli, HEALTH_FLOW, SECRET, SHOP_FLOW, startShopApi, withoutTimes } from './reportFixture';

describe('CLI report (from the history store)', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);
  let workspace: string;
  let history: string;
  const ids: string[] = [];
  const report = (args: string[]) => cli(['report', '--history-dir', history, ...args], workspace);

  before(async () => {
    assert.ok(existsSync(CLI), 'dist/cli.js is built (npm test builds it first)');
    const api = await startShopApi();
    workspace = tempWorkspace({ 'flows/shop.flow.yaml': SHOP_FLOW, 'flows/ok.flow.yaml': HEALTH_FLOW });
    history = join(tempDir(), 'history');
    const server = await startLocalApi({ workspace, historyDir: history, environment: { BASE_URL: api.url } });
    try {
      for (const flow_id of ['flows/ok.flow.yaml', 'flows/shop.flow.yaml', 'flows/ok.flow.yaml']) {
        const started = await server.manager.start({ flow_id, variables: { API_TOKEN: SECRET } });
        await server.manager.whenFinished(started.id);
        ids.push(started.id);
      }
    } finally {
      await server.close();
      await api.close();
    }
  });

  it('renders the last N executions, oldest first, with any reporter', async () => {
    const r = await report(['--last', '2', '--reporter', 'pretty,markdown']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      withoutTimes(r.stderr),
      [
        '✗ Shop | checkout failed in <t> (8 steps)',
        '✓ Health passed in <t> (1 step)',
        '',
        '2 flows: 1 passed, 1 failed · 9 steps · <t>',
        '',
      ].join('\n'),
    );
    assert.equal(
      withoutTimes(r.stdout),
      [
        '## ❌ TestMesh: 2 flows, 1 passed, 1 failed in <t>',
        '',
        '| | Flow | File | Steps | Duration |',
        '|---|---|---|---|---|',
        '| ❌ | Shop \\| checkout | `flows/shop.flow.yaml` | 5 passed, 1 failed, 2 skipped | <t> |',
        '| ✅ | Health | `flows/ok.flow.yaml` | 1 passed | <t> |',
        '',
        '### ❌ Shop \\| checkout',
        '',
        '- **Token is echoed** (`flows/shop.flow.yaml:34`) failed: assertion failed: body.auth == "nope": got body.auth = "Bearer \\*\\*\\*"',
        '  - expression: `body.auth == "nope"`',
        '  - expected: `"nope"`',
        '  - actual: `"Bearer ***"`',
        '',
      ].join('\n'),
    );
    assert.ok(!r.stdout.includes(SECRET));
  });

  it('picks one flow (--flow) or executions by id (--execution); json keeps events and details', async () => {
    const byFlow = await report(['--flow', 'flows/ok.flow.yaml', '--last', '5', '--reporter', 'json']);
    assert.equal(byFlow.code, 0, byFlow.stderr);
    const flows = (JSON.parse(byFlow.stdout) as RunReport).flows;
    assert.deepEqual(
      flows.map((f) => f.execution_id),
      [ids[0], ids[2]],
    );
    const one = await report(['--execution', ids[1], '--reporter', 'json,github', '--output', 'shop.json']);
    assert.equal(one.code, 1, one.stderr);
    assert.match(
      one.stdout,
      /^::error file=flows\/shop\.flow\.yaml,line=34,col=11,title=Shop \| checkout › Token is echoed::/,
    );
    const shop = (
      JSON.parse(
        await import('node:fs').then((fs) => fs.readFileSync(join(workspace, 'shop.json'), 'utf8')),
      ) as RunReport
    ).flows[0];
    assert.deepEqual(
      shop.steps.map((s) => [s.step_id, s.status, s.attempts]),
      [
        ['flaky', 'passed', 3],
        ['items', 'passed', 1],
        ['get_item[0]', 'passed', 1],
        ['get_item[1]', 'passed', 1],
        ['optional', 'skipped', 0],
        ['check', 'failed', 1],
        ['after', 'skipped', 0],
        ['cleanup', 'passed', 1],
      ],
    );
    assert.ok(shop.events!.length > 10);
    assert.deepEqual(
      shop.details!.filter((d) => d.step_id === 'flaky').map((d) => d.response?.status),
      [503, 503, 200],
    );
  });

  it('refuses an unknown execution and a folder with no history', async () => {
    const unknown = await report(['--execution', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no execution nope in the history/);
    const missing = await cli(['report', '--history-dir', join(history, 'absent')], workspace);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no history at .*absent/);
  });

  it('reads a history that VS Code or serve is writing, without its lock and without writing', async () => {
    const server = await startLocalApi({ workspace, historyDir: history });
    try {
      const before = snapshot(history);
      const busy = await report(['--last', '1', '--reporter', 'json']);
      assert.equal(busy.code, 0, busy.stderr);
      assert.deepEqual(
        (JSON.parse(busy.stdout) as RunReport).flows.map((f) => f.execution_id),
        [ids[2]],
      );
      assert.deepEqual(snapshot(history), before, 'the report wrote nothing');
      // The writer goes on writing, and the next report sees its new execution.
      const started = await server.manager.start({ flow_id: 'flows/ok.flow.yaml' });
      await server.manager.whenFinished(started.id);
      await server.manager.store.flush();
      const next = await report(['--execution', started.id, '--reporter', 'json']);
      assert.notEqual(next.code, 2, next.stderr);
      assert.deepEqual(
        (JSON.parse(next.stdout) as RunReport).flows.map((f) => f.execution_id),
        [started.id],
      );
    } finally {
      await server.close();
    }
  });
});

/** Every file below a folder with its size and modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const stats = statSync(join(dir, name));
    if (stats.isFile()) out[name] = `${stats.size} ${stats.mtimeMs}`;
  }
  return out;
}
