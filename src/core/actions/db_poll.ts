/**
 * `db_poll`: runs a query on PostgreSQL (the `database_query` pool for its DSN) until the rows
 * satisfy `condition`, every `interval`, up to `max_attempts` polls or `timeout`, whichever comes
 * first. Defaults as in TestMesh: timeout 60s, interval 1s, max_attempts 100, condition
 * `row_exists`.
 *
 * Conditions (TestMesh's): `row_exists` (at least one row), `row_count` (at least `min_count`
 * rows, default 1), `value_equals` (some row's `column` equals `value`, compared as text like
 * TestMesh), `value_not_null` (some row's `column` is not null), `value_matches` (some row's
 * `column`, as text, matches the regular expression `pattern`).
 *
 * Result (TestMesh's keys): `success`, `row_count`, `attempts`, `duration_ms`, `rows`,
 * `first_row` (null when none). A poll that never satisfies the condition fails the step with
 * the last rows seen. Every poll is logged, so the run shows progress instead of one silent wait.
 */
import { TestMeshError } from '../errors';
import { TimeoutError } from '../engine/errors';
import { formatDuration } from '../format';
import { stringifyValue } from '../template';
import { sleep } from '../cancellation';
import { optionalDuration, optionalMap, optionalNumber, requireString, type Config } from './config';
import { openPostgres, readParams, rowsOf, runStatements } from './database_query';
import { show } from './jsonMatch';
import { regex } from './mockEndpoints';
import type { LinearRegex } from '../expr/regex';
import { registerAction } from './registry';
import { suggest } from '../flow/suggest';
import type { ActionContext } from './types';

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_INTERVAL_MS = 1_000;
const DEFAULT_MAX_ATTEMPTS = 100;
const CONDITION_TYPES = ['row_exists', 'row_count', 'value_equals', 'value_not_null', 'value_matches'] as const;
type ConditionType = (typeof CONDITION_TYPES)[number];
const CONDITION_KEYS = ['type', 'column', 'value', 'min_count', 'pattern'];
/** Rows shown in the error of a poll that never succeeded. */
const ROWS_SHOWN = 3;

type Row = Record<string, unknown>;

interface PollCondition {
  type: ConditionType;
  column?: string;
  value?: unknown;
  minCount: number;
  pattern?: LinearRegex;
  /** For messages: `value_equals status = 'done'`. */
  text: string;
}

export function readCondition(raw: Record<string, unknown> | undefined): PollCondition {
  if (!raw) return { type: 'row_exists', minCount: 1, text: 'row_exists' };
  for (const key of Object.keys(raw)) {
    if (!CONDITION_KEYS.includes(key))
      throw new TestMeshError(
        `config.condition: unknown key '${key}'${suggest(key, CONDITION_KEYS)} (known: ${CONDITION_KEYS.join(', ')})`,
      );
  }
  const type = raw.type === undefined || raw.type === null ? 'row_exists' : String(raw.type);
  if (!(CONDITION_TYPES as readonly string[]).includes(type)) {
    throw new TestMeshError(
      `config.condition.type must be one of ${CONDITION_TYPES.join(', ')}, got ${JSON.stringify(type)}${suggest(type, CONDITION_TYPES)}`,
    );
  }
  const column = raw.column === undefined || raw.column === null ? undefined : String(raw.column);
  const needsColumn = type === 'value_equals' || type === 'value_not_null' || type === 'value_matches';
  if (needsColumn && !column) throw new TestMeshError(`config.condition: ${type} needs a 'column'`);
  const minCount = optionalNumber(raw, 'min_count') ?? 1;
  if (!Number.isInteger(minCount) || minCount < 0)
    throw new TestMeshError(`config.condition.min_count must be a whole number >= 0, got ${minCount}`);
  let pattern: LinearRegex | undefined;
  if (type === 'value_matches') {
    if (typeof raw.pattern !== 'string' || raw.pattern === '')
      throw new TestMeshError("config.condition: value_matches needs a 'pattern' (a regular expression)");
    pattern = regex(raw.pattern, 'config.condition.pattern');
  }
  if (type === 'value_equals' && raw.value === undefined)
    throw new TestMeshError("config.condition: value_equals needs a 'value'");
  const text =
    type === 'row_count'
      ? `row_count >= ${minCount}`
      : type === 'value_equals'
        ? `value_equals ${column} = ${show(raw.value)}`
        : type === 'value_not_null'
          ? `value_not_null ${column}`
          : type === 'value_matches'
            ? `value_matches ${column} ~ /${String(raw.pattern)}/`
            : 'row_exists';
  return { type: type as ConditionType, column, value: raw.value, minCount, pattern, text };
}

export function conditionHolds(condition: PollCondition, rows: Row[]): boolean {
  const column = condition.column ?? '';
  const has = (row: Row) => Object.prototype.hasOwnProperty.call(row, column);
  switch (condition.type) {
    case 'row_exists':
      return rows.length > 0;
    case 'row_count':
      return rows.length >= condition.minCount;
    case 'value_equals':
      // As text, like TestMesh (1 equals "1", true equals "true").
      return rows.some(
        (row) => has(row) && row[column] !== null && stringifyValue(row[column]) === stringifyValue(condition.value),
      );
    case 'value_not_null':
      return rows.some((row) => has(row) && row[column] !== null && row[column] !== undefined);
    case 'value_matches':
      return rows.some(
        (row) => has(row) && row[column] !== null && condition.pattern!.test(stringifyValue(row[column])),
      );
  }
}

function positiveWhole(config: Config, key: string, fallback: number): number {
  const value = optionalNumber(config, key);
  if (value === undefined || value === 0) return fallback;
  if (!Number.isInteger(value) || value < 0)
    throw new TestMeshError(`config.${key} must be a whole number >= 1, got ${value}`);
  return value;
}

async function run(config: Config, ctx: ActionContext) {
  const target = openPostgres(ctx, requireString(config, 'connection'));
  const query = requireString(config, 'query');
  const params = readParams(config);
  const timeoutMs = optionalDuration(config, 'timeout') ?? DEFAULT_TIMEOUT_MS;
  const intervalMs = optionalDuration(config, 'interval') ?? DEFAULT_INTERVAL_MS;
  const maxAttempts = positiveWhole(config, 'max_attempts', DEFAULT_MAX_ATTEMPTS);
  const condition = readCondition(optionalMap(config, 'condition'));

  const started = performance.now();
  const deadline = started + timeoutMs;
  let rows: Row[] = [];
  let attempts = 0;
  let stopReason = `max_attempts (${maxAttempts})`;
  while (attempts < maxAttempts) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      stopReason = `timeout (${formatDuration(timeoutMs)})`;
      break;
    }
    attempts++;
    // The query itself may use what is left of the timeout, no more.
    let result;
    try {
      [result] = await runStatements(ctx, target, [{ text: query, values: params }], { timeoutMs: remaining });
    } catch (err) {
      if (!(err instanceof TimeoutError) || ctx.signal.aborted) throw err;
      // The poll's own timeout ran out during this query: report it like any other unmet poll.
      stopReason = `timeout (${formatDuration(timeoutMs)}, during poll ${attempts})`;
      break;
    }
    rows = rowsOf(result);
    const satisfied = conditionHolds(condition, rows);
    const elapsed = Math.round(performance.now() - started);
    if (satisfied) {
      ctx.log(
        'info',
        `db_poll: attempt ${attempts}: ${rows.length} row(s), ${condition.text} holds after ${formatDuration(elapsed)}`,
      );
      return {
        success: true,
        row_count: rows.length,
        attempts,
        duration_ms: elapsed,
        rows,
        first_row: rows[0] ?? null,
      };
    }
    if (attempts >= maxAttempts) break;
    const wait = Math.min(intervalMs, deadline - performance.now());
    if (wait <= 0) {
      stopReason = `timeout (${formatDuration(timeoutMs)})`;
      break;
    }
    ctx.log(
      'info',
      `db_poll: attempt ${attempts}: ${rows.length} row(s), ${condition.text} not met yet; next poll in ${formatDuration(intervalMs)}`,
    );
    await sleep(wait, ctx.signal);
  }
  const elapsed = Math.round(performance.now() - started);
  const shown = rows.slice(0, ROWS_SHOWN);
  const lastRows =
    rows.length === 0
      ? 'no rows'
      : `${rows.length} row(s): ${show(shown, 500)}${rows.length > ROWS_SHOWN ? ' ...' : ''}`;
  throw new TestMeshError(
    `db_poll: condition ${condition.text} not satisfied after ${attempts} attempt(s) in ${formatDuration(elapsed)} (stopped by ${stopReason}); the last poll returned ${lastRows}`,
  );
}

registerAction({ name: 'db_poll', run });
