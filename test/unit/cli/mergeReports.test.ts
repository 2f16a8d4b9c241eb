/**
 * `testmesh merge-reports`: three `--shard i/3` JSON reports of a real run merge into the report
 * an unsharded run gives (same flows, steps, failures; only times differ), rendered by any
 * reporter; shards of another suite or shard count, a shard twice, a missing shard and a file
 * that is no report are refused with exit 2.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../../../src/core/report';
import { CLI, CLI_SUITE_TIMEOUT_MS } from '../../support/cli';
import { tempWorkspace, type TestServer } from '../helpers';
import { cli, HEALTH_FLOW, SECRET, SHOP_FLOW, startShopApi, withoutTimes } from './reportFixture';

describe('CLI merge-reports', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);
  let api: TestServer & { reset(): void };
  let root: string;
  let runArgs: string[];

  before(async () => {
    assert.ok(existsSync(CLI), 'dist/cli.js is built (npm test builds it first)');
    api = await startShopApi();
    root = tempWorkspace({
      'flows/shop.flow.yaml': SHOP_FLOW,
      'flows/a.flow.yaml': HEALTH_FLOW.replace('Health', 'Health A'),
      'flows/b.flow.yaml': HEALTH_FLOW.replace('Health', 'Health B'),
      'flows/c.flow.yaml': HEALTH_FLOW.replace('Health', 'Health C'),
      'flows/d.flow.yaml': HEALTH_FLOW.replace('Health', 'Health D'),
    });
    runArgs = ['run', 'flows', '--var', `BASE_URL=${api.url}`, '--secret', `API_TOKEN=${SECRET}`];
    api.reset();
    const whole = await cli(
      [...runArgs, '--reporter', 'markdown,junit', '--output', 'whole.md', '--output', 'whole.xml'],
      root,
    );
    assert.equal(whole.code, 1, whole.stderr);
    for (const i of [1, 2, 3]) {
      api.reset();
      const shard = await cli(
        [...runArgs, '--shard', `${i}/3`, '--reporter', 'json', '--output', `shards/job-${i}/report.json`],
        root,
      );
      assert.ok(shard.code === 0 || shard.code === 1, shard.stderr);
    }
  });
  after(() => api.close());

  it('each shard report names the suite, its shard and the shard count', () => {
    const suites = [1, 2, 3].map(
      (i) => (JSON.parse(readFileSync(join(root, `shards/job-${i}/report.json`), 'utf8')) as RunReport).suite!,
    );
    assert.deepEqual(
      suites.map((s) => s.shard),
      [1, 2, 3].map((index) => ({ index, total: 3 })),
    );
    assert.equal(new Set(suites.map((s) => s.id)).size, 1);
    assert.ok(suites.every((s) => s.flows === 5));
  });

  it('merges three shards into the report of the whole run, with any reporter', async () => {
    const r = await cli(
      [
        'merge-reports',
        'shards',
        '--reporter',
        'pretty,markdown,junit,json',
        '--output',
        'merged.md',
        '--output',
        'merged.xml',
        '--output',
        'merged.json',
      ],
      root,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      withoutTimes(r.stdout),
      [
        '✓ Health A passed in <t> (1 step)',
        '✓ Health B passed in <t> (1 step)',
        '✓ Health C passed in <t> (1 step)',
        '✓ Health D passed in <t> (1 step)',
        '✗ Shop | checkout failed in <t> (8 steps)',
        '',
        '5 flows: 4 passed, 1 failed · 12 steps · <t>',
        '',
      ].join('\n'),
    );
    const read = (name: string) => withoutTimes(readFileSync(join(root, name), 'utf8'));
    assert.equal(read('merged.xml'), read('whole.xml'));
    assert.equal(
      read('merged.md'),
      read('whole.md').replace('## ❌ TestMesh:', '## ❌ TestMesh (merged from 3 shards):'),
    );
    const merged = JSON.parse(readFileSync(join(root, 'merged.json'), 'utf8')) as RunReport;
    assert.equal(merged.merged_shards, 3);
    assert.deepEqual(
      merged.flows.map((f) => f.file),
      ['flows/a.flow.yaml', 'flows/b.flow.yaml', 'flows/c.flow.yaml', 'flows/d.flow.yaml', 'flows/shop.flow.yaml'],
    );
    assert.ok(
      merged.flows.every((f) => f.events!.length > 0),
      'events survive the merge (the HTML report needs them)',
    );
    assert.ok(!readFileSync(join(root, 'merged.json'), 'utf8').includes(SECRET));
  });

  const refused = async (setup: (dir: string) => void | Promise<void>, message: RegExp) => {
    const dir = join(root, `case-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir);
    await setup(dir);
    const r = await cli(['merge-reports', dir, '--reporter', 'json'], root);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, message);
    rmSync(dir, { recursive: true });
  };
  const shard = (i: number, dir: string, name = `${i}.json`) =>
    copyFileSync(join(root, `shards/job-${i}/report.json`), join(dir, name));

  it('refuses a shard of another suite', async () => {
    await refused(async (dir) => {
      shard(1, dir);
      shard(2, dir);
      api.reset();
      await cli(
        [...runArgs, '--grep', 'Health', '--shard', '3/3', '--reporter', 'json', '--output', join(dir, '3.json')],
        root,
      );
    }, /reports of different suites \(other flows were selected\): .*1\.json \(suite [0-9a-f]{16} of 5 flows, shard 1\/3\) and .*3\.json \(suite [0-9a-f]{16} of 4 flows, shard 3\/3\)/);
  });

  it('refuses shards cut into another count', async () => {
    await refused(async (dir) => {
      shard(1, dir);
      shard(2, dir);
      api.reset();
      await cli([...runArgs, '--shard', '2/2', '--reporter', 'json', '--output', join(dir, '3.json')], root);
    }, /reports of different shard counts: .*shard 1\/3\) and .*shard 2\/2\)/);
  });

  it('refuses a missing shard, a shard twice, and files that are not reports', async () => {
    await refused((dir) => {
      shard(1, dir);
      shard(3, dir);
    }, /shard 2\/3 missing \(found 2 of 3\)/);
    await refused((dir) => {
      shard(1, dir);
      shard(2, dir);
      shard(2, dir, 'again.json');
      shard(3, dir);
    }, /shard 2\/3 is there twice: .*2\.json and .*again\.json/);
    await refused((dir) => {
      shard(1, dir);
      writeFileSync(join(dir, 'package.json'), '{"name": "x"}');
    }, /package\.json is not a TestMesh JSON report with a suite/);
    await refused(() => undefined, /no JSON reports found/);
  });
});
