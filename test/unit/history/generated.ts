/**
 * A long history of generated executions for the analytics bench (bench/history.ts) and the history suite: `count`
 * executions spread evenly over the last `days` days (oldest first), 60 flows in three folders,
 * three environments, five steps each. Every seventh flow is flaky (fails about a third of its
 * runs), one step of every flow slows down over time. Deterministic (a fixed pseudo-random
 * sequence), so every run of the bench measures the same history.
 */
import type { RunRecord, StepSummary } from '../../../src/core/history/types';

const DAY = 86_400_000;
const FLOWS = 60;
const ENVIRONMENTS = ['staging', 'prod', 'dev'];
const FOLDERS = ['api', 'web', 'jobs'];
const STEPS = ['login', 'create_item', 'fetch_item', 'update_item', 'cleanup'];

/** Small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function seedHistory(count: number, days: number, now = Date.now()): RunRecord[] {
  const next = random(16);
  const end = Math.floor(now / DAY) * DAY; // today's midnight: the history ends before today
  const start = end - days * DAY;
  const spacing = (end - start) / count;
  const out: RunRecord[] = [];
  for (let i = 0; i < count; i++) {
    const flow = i % FLOWS;
    const at = new Date(start + i * spacing).toISOString();
    const flaky = flow % 7 === 0;
    const failed = next() < (flaky ? 0.35 : 0.02);
    const age = i / count; // 0 oldest .. 1 newest
    const steps: StepSummary[] = STEPS.map((id, k) => {
      const fails = failed && k === 2;
      const slowing = k === 3 ? 1 + age * 2 : 1;
      return {
        step_id: id,
        step_name: id.replace(/_/g, ' '),
        action: k === 4 ? 'database_query' : 'http_request',
        status: fails ? 'failed' : 'completed',
        duration_ms: Math.round((20 + k * 15 + next() * 40) * slowing),
        attempt: 1,
        ...(fails ? { error_message: `expected status 200, got ${next() < 0.5 ? 500 : 503}` } : {}),
      };
    });
    const duration = steps.reduce((n, s) => n + (s.duration_ms ?? 0), 0) + 5;
    out.push({
      id: `run-${String(i).padStart(6, '0')}`,
      flow_id: `${FOLDERS[flow % FOLDERS.length]}/flow-${flow}.flow.yaml`,
      flow_name: `Flow ${flow}`,
      status: failed ? 'failed' : next() < 0.01 ? 'cancelled' : 'completed',
      trigger: i % 3 === 0 ? 'cli' : 'editor',
      created_at: at,
      started_at: at,
      finished_at: new Date(Date.parse(at) + duration).toISOString(),
      duration_ms: duration,
      total_steps: steps.length,
      passed_steps: steps.filter((s) => s.status === 'completed').length,
      failed_steps: steps.filter((s) => s.status === 'failed').length,
      skipped_steps: 0,
      last_seq: 20,
      environment: ENVIRONMENTS[(i >> 2) % ENVIRONMENTS.length],
      tags: [`team-${flow % 4}`],
      ...(failed ? { error: `step fetch_item failed: expected status 200` } : {}),
      steps,
    });
  }
  return out;
}
