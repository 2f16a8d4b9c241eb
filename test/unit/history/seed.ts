/**
 * A seeded long history with known answers (see the numbers in the comments), dated relative to
 * today so that retention (90 days) keeps it: five days starting ten days ago.
 *
 *   flows/stable.flow.yaml  "Stable"   env staging, tag smoke   2 a day, all pass, 100 ms; steps login 10 ms, fetch 20 ms
 *                                                                (plus one cancelled run on day 0, which analytics ignore)
 *   flows/flaky.flow.yaml   "Flaky"    env staging, tag orders  2 a day alternating pass/fail (10 runs, 9 transitions,
 *                                                                pass rate 50 % → flakiness 1.0), 200 ms, failures
 *                                                                "timeout waiting for /orders"
 *   api/slow.flow.yaml      "Slowing"  env prod                 1 a day, passes, step "query" 100, 200, 300, 400, 500 ms
 */
import type { RunRecord, StepSummary } from '../../../src/core/history/types';

const DAY = 86_400_000;

export function seedDays(now = Date.now()): string[] {
  const today = Math.floor(now / DAY) * DAY;
  return [0, 1, 2, 3, 4].map((i) => new Date(today - (10 - i) * DAY).toISOString().slice(0, 10));
}

function step(id: string, ms: number, status: StepSummary['status'] = 'completed', error?: string): StepSummary {
  return {
    step_id: id,
    step_name: id.replace(/_/g, ' '),
    action: 'http_request',
    status,
    duration_ms: ms,
    attempt: 1,
    ...(error ? { error_message: error } : {}),
  };
}

function run(
  id: string,
  at: string,
  fields: Partial<RunRecord> & Pick<RunRecord, 'flow_id' | 'flow_name' | 'status' | 'steps'>,
): RunRecord {
  const passed = fields.steps.filter((s) => s.status === 'completed').length;
  const failed = fields.steps.filter((s) => s.status === 'failed').length;
  return {
    id,
    trigger: 'cli',
    created_at: at,
    started_at: at,
    finished_at: at,
    total_steps: fields.steps.length,
    passed_steps: passed,
    failed_steps: failed,
    skipped_steps: 0,
    last_seq: 10,
    ...fields,
  };
}

export function seedRuns(now = Date.now()): RunRecord[] {
  const out: RunRecord[] = [];
  seedDays(now).forEach((day, d) => {
    for (let i = 0; i < 2; i++) {
      out.push(
        run(`stable-${d}-${i}`, `${day}T0${1 + i}:00:00.000Z`, {
          flow_id: 'flows/stable.flow.yaml',
          flow_name: 'Stable',
          status: 'completed',
          duration_ms: 100,
          environment: 'staging',
          tags: ['smoke'],
          steps: [step('login', 10), step('fetch', 20)],
        }),
      );
      const fails = i === 1;
      out.push(
        run(`flaky-${d}-${i}`, `${day}T0${3 + i}:00:00.000Z`, {
          flow_id: 'flows/flaky.flow.yaml',
          flow_name: 'Flaky',
          status: fails ? 'failed' : 'completed',
          duration_ms: 200,
          environment: 'staging',
          tags: ['orders'],
          trigger: 'editor',
          ...(fails ? { error: 'timeout waiting for /orders' } : {}),
          steps: [step('place_order', 50, fails ? 'failed' : 'completed', fails ? 'timed out after 50ms' : undefined)],
        }),
      );
    }
    const queryMs = 100 * (d + 1);
    out.push(
      run(`slow-${d}`, `${day}T06:00:00.000Z`, {
        flow_id: 'api/slow.flow.yaml',
        flow_name: 'Slowing',
        status: 'completed',
        duration_ms: 1000 + queryMs,
        environment: 'prod',
        steps: [step('query', queryMs)],
      }),
    );
  });
  out.push(
    run('stable-cancelled', `${seedDays(now)[0]}T07:00:00.000Z`, {
      flow_id: 'flows/stable.flow.yaml',
      flow_name: 'Stable',
      status: 'cancelled',
      duration_ms: 5,
      environment: 'staging',
      tags: ['smoke'],
      steps: [step('login', 5)],
    }),
  );
  return out;
}
