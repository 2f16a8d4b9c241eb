/**
 * `database_query`: one SQL statement (or several separated by `;` when there are no params)
 * on PostgreSQL through node-postgres. One pool per DSN per execution, shared by every step,
 * sub-flow and teardown of that execution and closed when it ends.
 *
 * Result: `rows` (at most `max_rows`), `row_count` (rows returned), `first_row` (or null),
 * `rows_affected` (by INSERT/UPDATE/DELETE/...; 0 for SELECT), `query_type` (SELECT, INSERT,
 * UPDATE, DELETE or OTHER, from the server's command tag, so `WITH ... INSERT` is an INSERT and
 * `INSERT ... RETURNING` also gives `rows`).
 *
 * A timeout, a step timeout or a cancel cancels the query on the server (pg_cancel_backend
 * from a separate connection) and drops its connection, so nothing keeps running or holding
 * locks while teardown starts. The DSN's password is registered as a secret and never written
 * into a message (see postgresDsn.ts).
 */
import type { Pool, PoolClient, PoolConfig, QueryResult } from 'pg';
import { linkedAbort, raceAbort } from '../cancellation';
import { postgres as pg } from '../libraries';
import { errorMessage, TestMeshError } from '../errors';
import { TimeoutError } from '../engine/errors';
import { socketErrorReason } from '../networkErrors';
import { DEFAULT_CONNECTION_VARIABLE, FALLBACK_CONNECTION_VARIABLE } from '../engine/routing';
import { optionalDuration, optionalList, optionalNumber, requireString, type Config } from './config';
import { DsnError, parsePostgresDsn, redactMessage, type ParsedDsn } from './postgresDsn';
import { registerAction } from './registry';
import type { ActionContext } from './types';
import { executionRegistry } from './executionResources';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long a cancelled query may take to stop before its connection is dropped anyway. */
const CANCEL_GRACE_MS = 3_000;
const END_TIMEOUT_MS = 5_000;
const POOL_SIZE = 5;
const REGISTRY_KEY = 'database_query.pools';
const QUERY_TYPES = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);

export interface DatabaseResult {
  rows: Record<string, unknown>[];
  row_count: number;
  first_row: Record<string, unknown> | null;
  rows_affected: number;
  query_type: string;
}

export interface PoolEntry {
  pool: Pool;
  parsed: ParsedDsn;
  /** Backend process ids of the pool's connections, to cancel a running query. */
  pids: WeakMap<PoolClient, number>;
}

// ---- values: what a flow sees in rows -------------------------------------------------------

/** int8 as a number while it is exact, else the digits as text (JSON has no 64-bit integers). */
function bigintValue(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/** numeric as a number when a double holds it exactly enough (15 significant digits), else text. */
function numericValue(text: string): number | string {
  if (text === 'NaN') return text;
  const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return digits.length <= 15 ? Number(text) : text;
}

const asText = (text: string) => text;

/** Scalar types read differently from node-postgres' defaults (Dates, Buffers, interval objects, int8 strings). */
const SCALAR_PARSERS: Record<number, (text: string) => unknown> = {
  20: bigintValue, // int8
  1700: numericValue, // numeric
  17: asText, // bytea, as PostgreSQL writes it: \x0102...
  1082: asText, // date
  1114: asText, // timestamp
  1184: asText, // timestamptz
  1186: asText, // interval
};

/** Arrays of those types: split as text[], then each element read like the scalar. */
const ARRAY_OF: Record<number, number> = {
  1016: 20,
  1231: 1700,
  1001: 17,
  1182: 1082,
  1115: 1114,
  1185: 1184,
  1187: 1186,
};
const TEXT_ARRAY_OID = 1009;

function mapDeep(value: unknown, parse: (text: string) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => mapDeep(v, parse));
  return typeof value === 'string' ? parse(value) : value;
}

/** node-postgres' own parsers (typed for base types only; array OIDs work the same at run time). */
const defaultParser = (oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) =>
  (pg().types.getTypeParser as unknown as (oid: number, format?: 'text' | 'binary') => (value: string) => unknown)(
    oid,
    format,
  );

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (format !== 'binary') {
      const scalar = SCALAR_PARSERS[oid];
      if (scalar) return scalar;
      const element = ARRAY_OF[oid];
      if (element !== undefined) {
        const splitArray = defaultParser(TEXT_ARRAY_OID, 'text');
        return (text: string) => mapDeep(splitArray(text), SCALAR_PARSERS[element]);
      }
    }
    return defaultParser(oid, format);
  },
};

// ---- pools ---------------------------------------------------------------------------------

function pools(ctx: ActionContext): Map<string, PoolEntry> {
  return executionRegistry<PoolEntry>(ctx, REGISTRY_KEY, (e) => withTimeout(e.pool.end(), END_TIMEOUT_MS));
}

function poolFor(ctx: ActionContext, dsn: string, parsed: ParsedDsn): PoolEntry {
  const registry = pools(ctx);
  let entry = registry.get(dsn);
  if (!entry) {
    const config: PoolConfig = {
      connectionTimeoutMillis: DEFAULT_CONNECT_TIMEOUT_MS,
      ...parsed.config,
      max: POOL_SIZE,
      // A pool that somehow outlives its execution must not keep a CLI process alive.
      allowExitOnIdle: true,
      types: typeParsers,
    };
    const pool = new (pg().Pool)(config);
    // An idle connection the server drops (restart, pg_terminate_backend) emits 'error' on the pool;
    // unhandled, that would crash the process. The next query simply gets a fresh connection.
    pool.on('error', () => undefined);
    entry = { pool, parsed, pids: new WeakMap() };
    registry.set(dsn, entry);
  }
  return entry;
}

// ---- running a query -----------------------------------------------------------------------

export function readParams(config: Config): unknown[] {
  const params = optionalList(config, 'params') ?? [];
  return params.map((value) => (value === undefined ? null : value));
}

function readMaxRows(config: Config): number | undefined {
  const max = optionalNumber(config, 'max_rows');
  if (max === undefined || max === 0) return undefined;
  if (!Number.isInteger(max) || max < 0)
    throw new TestMeshError(`config.max_rows must be a whole number >= 0 (0 = no limit), got ${max}`);
  return max;
}

/** A PostgreSQL server reached through the execution's pool for one DSN (shared with db_poll, postgresql.*). */
export interface PostgresTarget {
  readonly entry: PoolEntry;
  /** Hides the DSN's password in a driver or server message. */
  readonly redact: (message: string) => string;
}

/** One statement with its $1, $2, ... values. */
export interface Statement {
  text: string;
  values?: unknown[];
}

/**
 * Parses the DSN (its password becomes a secret of the execution, also when the DSN is invalid)
 * and returns the execution's pool for it, created on first use.
 */
export function openPostgres(ctx: ActionContext, dsn: string): PostgresTarget {
  let parsed: ParsedDsn;
  try {
    parsed = parsePostgresDsn(dsn);
  } catch (err) {
    if (err instanceof DsnError) for (const secret of err.secrets) ctx.addSecret(secret);
    throw err;
  }
  for (const secret of parsed.secrets) ctx.addSecret(secret);
  return { entry: poolFor(ctx, dsn, parsed), redact: (message: string) => redactMessage(message, dsn, parsed) };
}

/**
 * Runs statements one after the other on one pooled connection, inside BEGIN/COMMIT when
 * `transaction` (ROLLBACK on the first failure). `timeoutMs` covers them all; it, a step timeout
 * or a cancel cancels the running statement on the server.
 */
export async function runStatements(
  ctx: ActionContext,
  target: PostgresTarget,
  statements: readonly Statement[],
  options: { timeoutMs: number; transaction?: boolean },
): Promise<QueryResult[]> {
  const { entry, redact } = target;
  const what = statements.length === 1 ? `query ${excerpt(statements[0].text)}` : `${statements.length} statements`;
  const limited = linkedAbort(ctx.signal, {
    ms: options.timeoutMs,
    error: () => new TimeoutError(what, options.timeoutMs),
  });
  const signal = limited.signal;
  try {
    const client = await connect(entry, signal, redact);
    const batch = options.transaction ? [{ text: 'BEGIN' }, ...statements, { text: 'COMMIT' }] : statements;
    const results = await runCancellable(entry, client, batch, signal, redact, options.transaction === true);
    return options.transaction ? results.slice(1, -1) : results;
  } finally {
    limited.dispose();
  }
}

/** Rows of a result as a flow sees them (the last result that has rows, for several statements). */
export function rowsOf(raw: QueryResult | QueryResult[]): Record<string, unknown>[] {
  const results = Array.isArray(raw) ? raw : [raw];
  const withRows = [...results].reverse().find((r) => r.fields && r.fields.length > 0);
  return (withRows?.rows ?? []) as Record<string, unknown>[];
}

async function run(config: Config, ctx: ActionContext): Promise<DatabaseResult> {
  if (config.connection === undefined || config.connection === null) {
    throw new TestMeshError(
      `database_query needs a connection: set config.connection, or a default for every database_query step with the variable ${DEFAULT_CONNECTION_VARIABLE} (TestMesh's environment routing) or ${FALLBACK_CONNECTION_VARIABLE}`,
    );
  }
  const target = openPostgres(ctx, requireString(config, 'connection'));
  const query = requireString(config, 'query');
  const params = readParams(config);
  const maxRows = readMaxRows(config);
  const timeoutMs = optionalDuration(config, 'timeout') ?? DEFAULT_TIMEOUT_MS;
  const [result] = await runStatements(ctx, target, [{ text: query, values: params }], { timeoutMs });
  const outcome = shapeResult(result as QueryResult | QueryResult[], maxRows);
  if (outcome.truncatedFrom !== undefined)
    ctx.log('warn', `max_rows: returned ${outcome.result.row_count} of ${outcome.truncatedFrom} rows`);
  return outcome.result;
}

/** A connection from the pool, with its backend pid known; gives up when the signal aborts. */
async function connect(entry: PoolEntry, signal: AbortSignal, redact: (m: string) => string): Promise<PoolClient> {
  if (signal.aborted) throw signal.reason;
  const pending = entry.pool.connect();
  let client: PoolClient;
  try {
    client = await raceAbort(pending, signal);
  } catch (err) {
    if (signal.aborted) {
      // The connection may still arrive; give it back rather than leak it.
      pending.then(
        (c) => c.release(),
        () => undefined,
      );
      throw signal.reason;
    }
    throw new TestMeshError(`cannot connect to ${entry.parsed.redacted}: ${redact(describePgError(err))}`);
  }
  if (!entry.pids.has(client)) {
    // pg-pool stops listening for errors on a checked-out client; one arriving between queries
    // (a cancelled query's connection going down) must not become an uncaught 'error' event.
    client.on('error', () => undefined);
    try {
      const { rows } = await raceAbort(client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'), signal);
      entry.pids.set(client, rows[0].pid);
    } catch (err) {
      client.release(true);
      throw signal.aborted
        ? signal.reason
        : new TestMeshError(`cannot use the connection to ${entry.parsed.redacted}: ${redact(describePgError(err))}`);
    }
  }
  return client;
}

/**
 * Runs the statements in order; on abort asks the server to cancel the running one, waits a
 * little for it to stop, and drops the connection (a late cancel must never hit the next query
 * on a reused connection). In a transaction a failed statement is rolled back before the error.
 */
async function runCancellable(
  entry: PoolEntry,
  client: PoolClient,
  statements: readonly Statement[],
  signal: AbortSignal,
  redact: (m: string) => string,
  transaction: boolean,
): Promise<QueryResult[]> {
  if (signal.aborted) {
    client.release();
    throw signal.reason;
  }
  let running: Promise<unknown> = Promise.resolve();
  let aborted = false;
  let broken = false;
  const onAbort = () => {
    aborted = true;
    const pid = entry.pids.get(client);
    const stopped = running.then(
      () => undefined,
      () => undefined,
    );
    void (pid === undefined ? Promise.resolve() : cancelBackend(entry.parsed.config, pid))
      .then(() => withTimeout(stopped, CANCEL_GRACE_MS))
      .catch(() => undefined)
      .finally(() => client.release(true));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const results: QueryResult[] = [];
  try {
    for (const { text, values } of statements) {
      // Several `;`-separated statements are only allowed without params (simple protocol).
      const query = values && values.length ? client.query({ text, values }) : client.query(text);
      running = query;
      try {
        results.push((await raceAbort(query, signal)) as QueryResult);
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (transaction) {
          await client.query('ROLLBACK').catch(() => (broken = true));
          throw new TestMeshError(
            `statement ${excerpt(text)} failed, transaction rolled back: ${redact(describePgError(err))}`,
          );
        }
        throw new TestMeshError(`query failed: ${redact(describePgError(err))}`);
      }
    }
    return results;
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!aborted) client.release(broken || undefined);
  }
}

/** `SELECT pg_cancel_backend(pid)` on a short-lived connection of its own (the pool may be full). */
async function cancelBackend(config: PoolConfig, pid: number): Promise<void> {
  const client = new (pg().Client)({ ...config, connectionTimeoutMillis: CANCEL_GRACE_MS });
  client.on('error', () => undefined);
  try {
    await withTimeout(client.connect(), CANCEL_GRACE_MS);
    await withTimeout(client.query('SELECT pg_cancel_backend($1)', [pid]), CANCEL_GRACE_MS);
  } finally {
    void client.end().catch(() => undefined);
  }
}

function shapeResult(
  raw: QueryResult | QueryResult[],
  maxRows: number | undefined,
): { result: DatabaseResult; truncatedFrom?: number } {
  const results = Array.isArray(raw) ? raw : [raw];
  const last = results[results.length - 1];
  // Several statements: the rows of the last one that returns rows, the changes of all.
  let rows = rowsOf(results);
  let truncatedFrom: number | undefined;
  if (maxRows !== undefined && rows.length > maxRows) {
    truncatedFrom = rows.length;
    rows = rows.slice(0, maxRows);
  }
  let rowsAffected = 0;
  for (const r of results) if (r.command !== 'SELECT' && typeof r.rowCount === 'number') rowsAffected += r.rowCount;
  const command = (last?.command ?? '').toUpperCase();
  return {
    result: {
      rows,
      row_count: rows.length,
      first_row: rows[0] ?? null,
      rows_affected: rowsAffected,
      query_type: QUERY_TYPES.has(command) ? command : 'OTHER',
    },
    truncatedFrom,
  };
}

/** A driver or server error as one line: the server's message with its SQLSTATE, or the network reason. */
function describePgError(err: unknown): string {
  const e = err as { code?: string; message?: string; severity?: string; detail?: string; errors?: unknown[] };
  // Connecting to "localhost" tries ::1 and 127.0.0.1; Node reports both in an AggregateError.
  if (Array.isArray(e.errors) && e.errors.length && !e.message) return describePgError(e.errors[e.errors.length - 1]);
  const network = socketErrorReason(err);
  if (network) return network;
  const message = e.message || errorMessage(err);
  if (e.severity && e.code) return `${message} (SQLSTATE ${e.code})${e.detail ? `: ${e.detail}` : ''}`;
  return message;
}

/** The start of a query on one line, for messages. */
function excerpt(query: string): string {
  const line = query.replace(/\s+/g, ' ').trim();
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 57)}...` : line);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

registerAction({ name: 'database_query', run });
