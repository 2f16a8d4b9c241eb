/**
 * The `postgresql.*` actions of TestMesh's PostgreSQL plugin: `query`, `insert`, `update`,
 * `delete`, `assert`, `execute`, `transaction`, `tables`, `columns`. They run on the execution's
 * pool for their DSN, the same one `database_query` and `db_poll` use (see database_query.ts), so
 * a flow mixing them opens one pool per server, closed when the execution ends.
 *
 * The server is named like in TestMesh: `connectionString` (or `connection`, as database_query
 * has it), else `host`, `port`, `database`, `user`, `password`, `sslmode` (defaults localhost,
 * 5432, postgres, postgres, no password, disable). The password is a secret of the execution.
 *
 * Flow values are always sent as parameters ($1, $2, ...); table and column names are quoted as
 * identifiers (a plain name folds to lower case, as PostgreSQL does unquoted); `where` is SQL the
 * flow author writes, like `query`, with its own $n parameters.
 */
import type { QueryResult } from 'pg';
import { TestMeshError } from '../errors';
import { stringifyValue } from '../template';
import {
  optionalDuration,
  optionalList,
  optionalMap,
  optionalNumber,
  optionalString,
  requireString,
  type Config,
} from './config';
import { openPostgres, readParams, rowsOf, runStatements, type PostgresTarget, type Statement } from './database_query';
import { show } from './jsonMatch';
import { registerAction } from './registry';
import type { ActionContext } from './types';

const DEFAULT_TIMEOUT_MS = 30_000;
type Row = Record<string, unknown>;

// ---- connection ----------------------------------------------------------------------------

/** libpq keyword value, quoted when it needs to be. */
function keywordValue(value: string): string {
  return value === '' || /[\s'\\]/.test(value) ? `'${value.replace(/['\\]/g, '\\$&')}'` : value;
}

/** The DSN of a step: `connectionString`/`connection` as given, or one built from the parts. */
function postgresDsnOf(config: Config): string {
  const given = optionalString(config, 'connectionString') ?? optionalString(config, 'connection');
  if (given) return given;
  const port = optionalNumber(config, 'port') ?? 5432;
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new TestMeshError(`config.port must be a TCP port number, got ${port}`);
  const parts: Array<[string, string]> = [
    ['host', optionalString(config, 'host') || 'localhost'],
    ['port', String(port)],
    ['user', optionalString(config, 'user') || 'postgres'],
    ['dbname', optionalString(config, 'database') || 'postgres'],
    ['sslmode', optionalString(config, 'sslmode') || 'disable'],
  ];
  const password = optionalString(config, 'password');
  if (password) parts.push(['password', password]);
  const timeoutMs = optionalNumber(config, 'connectionTimeout');
  if (timeoutMs !== undefined) parts.push(['connect_timeout', String(Math.max(1, Math.ceil(timeoutMs / 1000)))]);
  return parts.map(([k, v]) => `${k}=${keywordValue(v)}`).join(' ');
}

function open(config: Config, ctx: ActionContext): { target: PostgresTarget; timeoutMs: number } {
  return {
    target: openPostgres(ctx, postgresDsnOf(config)),
    timeoutMs: optionalDuration(config, 'timeout') ?? DEFAULT_TIMEOUT_MS,
  };
}

// ---- identifiers ---------------------------------------------------------------------------

/**
 * A table or column name as a quoted identifier: `orders`, `shop.orders`, `"Mixed Case"`.
 * Anything else (spaces, semicolons, parentheses outside quotes) is refused, never spliced in.
 */
export function quoteIdentifier(name: string, what: string): string {
  const parts: string[] = [];
  const pattern = /\s*(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))\s*(\.|$)/y;
  let at = 0;
  while (at < name.length) {
    pattern.lastIndex = at;
    const m = pattern.exec(name);
    if (!m)
      throw new TestMeshError(
        `config.${what} is not a valid name: ${JSON.stringify(name)} (use letters, digits and _, or "quoted" names; schema.table is allowed)`,
      );
    parts.push(m[1] !== undefined ? `"${m[1]}"` : `"${m[2].toLowerCase()}"`);
    at = pattern.lastIndex;
    if (m[3] === '') break;
  }
  if (parts.length === 0 || parts.length > 2)
    throw new TestMeshError(`config.${what} must be a name or schema.name, got ${JSON.stringify(name)}`);
  return parts.join('.');
}

function returningList(config: Config, fallback: string[]): string {
  const list = optionalList(config, 'returning');
  const names = list ? list.map((v) => stringifyValue(v)) : fallback;
  return names.map((n) => (n === '*' ? '*' : quoteIdentifier(n, 'returning'))).join(', ');
}

function requireData(config: Config): Row {
  const data = optionalMap(config, 'data');
  if (!data || Object.keys(data).length === 0)
    throw new TestMeshError('config.data is required: a map of column -> value');
  return data;
}

function requireWhere(config: Config): string {
  const where = optionalString(config, 'where');
  if (!where || where.trim() === '')
    throw new TestMeshError(
      'config.where is required (a WHERE clause such as "id = $1"), so a step never changes every row by accident',
    );
  return where;
}

/** A value sent as a parameter: maps and lists as JSON (like database_query's params). */
function param(value: unknown): unknown {
  return value === undefined ? null : value;
}

/** Renumbers $1, $2, ... in a WHERE clause so they follow the SET values. */
function shiftPlaceholders(sql: string, by: number): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + by}`);
}

async function one(
  ctx: ActionContext,
  target: PostgresTarget,
  statement: Statement,
  timeoutMs: number,
): Promise<QueryResult> {
  const [result] = await runStatements(ctx, target, [statement], { timeoutMs });
  return result;
}

// ---- actions -------------------------------------------------------------------------------

async function query(config: Config, ctx: ActionContext) {
  const { target, timeoutMs } = open(config, ctx);
  const started = performance.now();
  const result = await one(
    ctx,
    target,
    { text: requireString(config, 'query'), values: readParams(config) },
    timeoutMs,
  );
  const rows = rowsOf(result);
  const fields = (Array.isArray(result) ? [] : (result.fields ?? [])).map((f) => ({ name: f.name }));
  return {
    rows,
    rowCount: rows.length,
    row_count: rows.length,
    first_row: rows[0] ?? null,
    fields,
    duration_ms: Math.round(performance.now() - started),
  };
}

async function insert(config: Config, ctx: ActionContext) {
  const { target, timeoutMs } = open(config, ctx);
  const table = quoteIdentifier(requireString(config, 'table'), 'table');
  const data = requireData(config);
  const columns = Object.keys(data);
  const text = `INSERT INTO ${table} (${columns.map((c) => quoteIdentifier(c, 'data')).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING ${returningList(config, ['*'])}`;
  const rows = rowsOf(await one(ctx, target, { text, values: columns.map((c) => param(data[c])) }, timeoutMs));
  return { inserted: rows.length, rows, first_row: rows[0] ?? null };
}

async function update(config: Config, ctx: ActionContext) {
  const { target, timeoutMs } = open(config, ctx);
  const table = quoteIdentifier(requireString(config, 'table'), 'table');
  const data = requireData(config);
  const where = requireWhere(config);
  const columns = Object.keys(data);
  const whereParams = (optionalList(config, 'whereParams') ?? optionalList(config, 'params') ?? []).map(param);
  const sets = columns.map((c, i) => `${quoteIdentifier(c, 'data')} = $${i + 1}`).join(', ');
  const text = `UPDATE ${table} SET ${sets} WHERE ${shiftPlaceholders(where, columns.length)} RETURNING ${returningList(config, ['*'])}`;
  const rows = rowsOf(
    await one(ctx, target, { text, values: [...columns.map((c) => param(data[c])), ...whereParams] }, timeoutMs),
  );
  return { updated: rows.length, rows };
}

async function remove(config: Config, ctx: ActionContext) {
  const { target, timeoutMs } = open(config, ctx);
  const table = quoteIdentifier(requireString(config, 'table'), 'table');
  const where = requireWhere(config);
  const returning = optionalList(config, 'returning');
  const text = `DELETE FROM ${table} WHERE ${where}${returning && returning.length ? ` RETURNING ${returningList(config, [])}` : ''}`;
  const result = await one(ctx, target, { text, values: readParams(config) }, timeoutMs);
  if (returning && returning.length) {
    const rows = rowsOf(result);
    return { deleted: rows.length, rows };
  }
  return { deleted: result.rowCount ?? 0 };
}

const OPERATORS: Record<string, (actual: unknown, expected: unknown) => boolean> = {};
const asText = (v: unknown) => (v === null || v === undefined ? '<nil>' : stringifyValue(v));
const asNumber = (v: unknown) => {
  const n = typeof v === 'number' ? v : Number.parseFloat(stringifyValue(v));
  return Number.isNaN(n) ? 0 : n;
};
for (const op of ['eq', '==', '===']) OPERATORS[op] = (a, e) => asText(a) === asText(e);
for (const op of ['neq', '!=', '!==']) OPERATORS[op] = (a, e) => asText(a) !== asText(e);
for (const op of ['gt', '>']) OPERATORS[op] = (a, e) => asNumber(a) > asNumber(e);
for (const op of ['gte', '>=']) OPERATORS[op] = (a, e) => asNumber(a) >= asNumber(e);
for (const op of ['lt', '<']) OPERATORS[op] = (a, e) => asNumber(a) < asNumber(e);
for (const op of ['lte', '<=']) OPERATORS[op] = (a, e) => asNumber(a) <= asNumber(e);
OPERATORS.contains = (a, e) => asText(a).includes(asText(e));
OPERATORS.isNull = (a) => a === null || a === undefined;
OPERATORS.isNotNull = (a) => a !== null && a !== undefined;

async function assertRow(config: Config, ctx: ActionContext) {
  const { target, timeoutMs } = open(config, ctx);
  const assertions = optionalList(config, 'assertions') ?? [];
  // Checked before the query runs, so a typo costs no round trip.
  const checks = assertions.map((raw, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new TestMeshError(`config.assertions[${i}] must be a map {field, operator, value}, got ${show(raw)}`);
    const a = raw as Row;
    const field = requireString(a, 'field');
    const operator = optionalString(a, 'operator') ?? 'eq';
    if (!OPERATORS[operator])
      throw new TestMeshError(
        `config.assertions[${i}].operator must be one of ${Object.keys(OPERATORS).join(', ')}, got ${JSON.stringify(operator)}`,
      );
    return { field, operator, value: a.value };
  });
  const rows = rowsOf(
    await one(ctx, target, { text: requireString(config, 'query'), values: readParams(config) }, timeoutMs),
  );
  if (checks.length === 0) return { passed: true, assertions_checked: 0, row: rows[0] ?? null };
  if (rows.length === 0) throw new TestMeshError('assertion failed: the query returned no rows');
  const row = rows[0];
  const failures = checks
    .filter((c) => !OPERATORS[c.operator](row[c.field], c.value))
    .map(
      (c) =>
        `expected ${c.field} ${c.operator}${c.operator.startsWith('is') ? '' : ` ${show(c.value)}`}, got ${Object.prototype.hasOwnProperty.call(row, c.field) ? show(row[c.field]) : `no column '${c.field}' (columns: ${Object.keys(row).join(', ')})`}`,
    );
  if (failures.length) throw new TestMeshError(`assertion failed: ${failures.join('; ')}`);
  return { passed: true, assertions_checked: checks.length, row };
}

/** `statements`: strings or `{query, params}` maps. */
function readStatements(config: Config, allowSingle: boolean): Statement[] {
  const list =
    optionalList(config, 'statements') ??
    (allowSingle && config.statement !== undefined ? [requireString(config, 'statement')] : undefined);
  if (!list || list.length === 0)
    throw new TestMeshError(
      `config.statements is required: a list of SQL strings or {query, params} maps${allowSingle ? ' (or one config.statement)' : ''}`,
    );
  return list.map((entry, i) => {
    if (typeof entry === 'string') return { text: entry };
    if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
      const map = entry as Row;
      const text = optionalString(map, 'query');
      if (!text) throw new TestMeshError(`config.statements[${i}] needs a 'query'`);
      return { text, values: readParams(map) };
    }
    throw new TestMeshError(`config.statements[${i}] must be SQL text or {query, params}, got ${show(entry)}`);
  });
}

async function execute(config: Config, ctx: ActionContext) {
  const { target, timeoutMs } = open(config, ctx);
  const results = await runStatements(ctx, target, readStatements(config, true), { timeoutMs });
  return { executed: results.length, results: results.map((r) => ({ rowCount: affected(r) })) };
}

async function transaction(config: Config, ctx: ActionContext) {
  const { target, timeoutMs } = open(config, ctx);
  const results = await runStatements(ctx, target, readStatements(config, false), { timeoutMs, transaction: true });
  return {
    committed: true,
    results: results.map((r) => {
      const rows = rowsOf(r);
      return { rowCount: rows.length, rows_affected: affected(r), rows };
    }),
  };
}

function affected(result: QueryResult | QueryResult[]): number {
  const list = Array.isArray(result) ? result : [result];
  return list.reduce((sum, r) => sum + (r.command !== 'SELECT' && typeof r.rowCount === 'number' ? r.rowCount : 0), 0);
}

async function tables(config: Config, ctx: ActionContext) {
  const { target, timeoutMs } = open(config, ctx);
  const schema = optionalString(config, 'schema') || 'public';
  const text =
    'SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name';
  return { schema, tables: rowsOf(await one(ctx, target, { text, values: [schema] }, timeoutMs)) };
}

async function columns(config: Config, ctx: ActionContext) {
  const { target, timeoutMs } = open(config, ctx);
  const table = requireString(config, 'table');
  const schema = optionalString(config, 'schema') || 'public';
  const text =
    'SELECT column_name, data_type, is_nullable, column_default, character_maximum_length FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position';
  const found = rowsOf(await one(ctx, target, { text, values: [schema, table] }, timeoutMs));
  if (found.length === 0)
    ctx.log('warn', `postgresql.columns: no table '${table}' in schema '${schema}' (or it has no columns)`);
  return { table, schema, columns: found };
}

const ACTIONS: Record<string, (config: Config, ctx: ActionContext) => Promise<unknown>> = {
  'postgresql.query': query,
  'postgresql.insert': insert,
  'postgresql.update': update,
  'postgresql.delete': remove,
  'postgresql.assert': assertRow,
  'postgresql.execute': execute,
  'postgresql.transaction': transaction,
  'postgresql.tables': tables,
  'postgresql.columns': columns,
};
for (const [name, run] of Object.entries(ACTIONS)) registerAction({ name, run });
