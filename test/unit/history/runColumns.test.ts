/**
 * The columns of the embedded long history stay in step with its records however they change:
 * appended in order, finished out of order, replaced, deleted, dropped by retention. After each
 * change the archive must answer as the definitions do over its records.
 */
import assert from 'node:assert/strict';
import { MemoryRunArchive } from '../../../src/core/history/runArchive';
import type { RunRecord } from '../../../src/core/history/types';
import { assertAnalyticsAgree } from './analyticsAgree';
import { seedHistory } from './generated';

const everything = { from: '0000', to: '9999' };

function scopes(runs: RunRecord[]) {
  return [
    everything,
    { ...everything, environment: 'prod' },
    { ...everything, flow_id: runs[3].flow_id },
    { from: runs[Math.floor(runs.length / 3)].created_at, to: runs[Math.floor((2 * runs.length) / 3)].created_at },
    { ...everything, environment: 'nowhere' },
  ];
}

describe('history: analytics columns of the embedded long history', function () {
  this.timeout(60_000);
  const runs = seedHistory(600, 12);

  it('answers as the definitions for records appended in order', async () => {
    const archive = new MemoryRunArchive();
    await assertAnalyticsAgree(archive, [everything]); // empty
    for (const run of runs) archive.record(run);
    await assertAnalyticsAgree(archive, scopes(runs));
  });

  it('keeps answering as the definitions while records arrive between questions, out of order', async () => {
    const archive = new MemoryRunArchive();
    for (const run of runs.slice(0, 300)) archive.record(run);
    await assertAnalyticsAgree(archive, [everything]); // columns built
    // Executions that finished after later ones: recorded a few places back, and one far back.
    const late = runs.slice(300);
    for (let i = 0; i + 1 < late.length; i += 2) {
      archive.record(late[i + 1]);
      archive.record(late[i]);
    }
    await assertAnalyticsAgree(archive, scopes(runs));
    archive.record({ ...runs[5], id: 'far-back', created_at: runs[5].created_at });
    await assertAnalyticsAgree(archive, [everything]);
  });

  it('answers as the definitions after a record is replaced or deleted', async () => {
    const archive = new MemoryRunArchive({}, runs);
    await assertAnalyticsAgree(archive, [everything]);
    archive.record({ ...runs[10], status: 'failed', duration_ms: 99_999 });
    await assertAnalyticsAgree(archive, [everything]);
    assert.deepEqual(await archive.delete([runs[20].id, runs[599].id]), [runs[20].id, runs[599].id]);
    await assertAnalyticsAgree(archive, scopes(runs));
  });

  it('drops the oldest from the columns as retention drops them', async () => {
    const archive = new MemoryRunArchive({ maxRuns: 250 });
    for (const run of runs.slice(0, 200)) archive.record(run);
    await assertAnalyticsAgree(archive, [everything]);
    for (const run of runs.slice(200)) archive.record(run);
    const kept = await archive.select({});
    assert.deepEqual(
      kept.map((r) => r.id),
      runs.slice(350).map((r) => r.id),
    );
    await assertAnalyticsAgree(archive, scopes(runs.slice(350)));
    const counted = kept.filter((r) => r.status === 'completed' || r.status === 'failed').length;
    assert.ok(counted > 200, `most of the kept executions count (${counted})`);
    assert.equal((await archive.metrics(everything)).summary.total_executions, counted);
  });
});
