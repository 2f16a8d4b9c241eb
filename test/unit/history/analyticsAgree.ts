/**
 * Checks that a long history answers metrics, trends and steps exactly as the definitions of
 * core/analytics/analytics.ts do over the same records (the embedded history answers from its
 * columns, PostgreSQL by SQL), for the whole history, one environment and one flow.
 */
import assert from 'node:assert/strict';
import { metrics, slowestSteps, stepPerformanceByDay, trends } from '../../../src/core/analytics/analytics';
import type { AnalyticsScope } from '../../../src/core/analytics/analytics';
import type { RunArchive } from '../../../src/core/history/runArchive';
import type { RunFilter } from '../../../src/core/history/runFilter';

function filterOf(scope: AnalyticsScope): RunFilter {
  return {
    from: scope.from,
    to: scope.to,
    ...(scope.environment !== undefined ? { environment: [scope.environment] } : {}),
    ...(scope.flow_id !== undefined ? { flow_id: [scope.flow_id] } : {}),
  };
}

/** Plain JSON, so that absent and undefined fields compare alike. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

export async function assertAnalyticsAgree(archive: RunArchive, scopes: AnalyticsScope[]): Promise<void> {
  for (const scope of scopes) {
    const records = await archive.select(filterOf(scope));
    const where = JSON.stringify(scope);
    assert.deepEqual(plain(await archive.metrics(scope)), plain(metrics(records)), `metrics ${where}`);
    for (const grouping of ['day', 'week', 'month'] as const)
      assert.deepEqual(
        plain(await archive.trends(scope, grouping)),
        plain(trends(records, grouping)),
        `trends by ${grouping} ${where}`,
      );
    assert.deepEqual(
      plain(await archive.steps(scope, false)),
      plain(slowestSteps(records, Infinity)),
      `slowest steps ${where}`,
    );
    assert.deepEqual(
      plain(await archive.steps(scope, true)),
      plain(stepPerformanceByDay(records)),
      `steps per day ${where}`,
    );
    assert.deepEqual(
      plain(await archive.steps(scope, true, 'database_query')),
      plain(stepPerformanceByDay(records).filter((p) => p.action === 'database_query')),
      `steps of one action per day ${where}`,
    );
  }
}
