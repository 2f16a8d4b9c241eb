/**
 * The long history in PostgreSQL (`--history postgres://…`, setting `testmesh.history.postgres`),
 * so CI runs and every developer's runs feed one history. The schema is migrated on open
 * (postgresMigrations.ts). Writes are queued and never block a run; reads wait for the queue, so
 * a query sees everything this process recorded before it. Filters become SQL with the same
 * meaning as matchesRun (the history suite runs against both backends).
 */
import type { Pool, PoolClient } from 'pg';
import type {
  AnalyticsScope,
  DailyMetric,
  MetricsSummary,
  StepPerformance,
  TrendGrouping,
  TrendPoint,
} from '../analytics/analytics';
import { sqlMetrics, sqlSteps, sqlTrends } from './postgresAnalytics';
import { errorMessage, TestMeshError } from '../errors';
import { parsePostgresDsn, redactMessage } from '../actions/postgresDsn';
import { MIGRATION_LOCK_KEY, MIGRATIONS, MIGRATIONS_TABLE, RUNS_TABLE, type Migration } from './postgresMigrations';
import { retentionOf, type RunArchive, type RunPage, type RunRetention } from './runArchive';
import { pageOf, searchText, type RunFilter, type RunQuery } from './runFilter';
import type { RunRecord } from './types';

export interface PostgresArchiveOptions {
  retention?: RunRetention;
  onError?: (err: Error) => void;
  /** Connections of the pool. Default 4. */
  maxConnections?: number;
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** WHERE clause and parameters of a filter. */
function whereOf(filter: RunFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const clauses: string[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.flow_id) clauses.push(`flow_id = ANY(${param(filter.flow_id)}::text[])`);
  if (filter.folder) {
    const roots = filter.folder.filter((f) => f === '' || f === '.');
    if (!roots.length)
      clauses.push(
        `(${filter.folder.map((f) => `flow_id LIKE ${param(`${likeEscape(f)}/%`)} ESCAPE '\\'`).join(' OR ')})`,
      );
  }
  if (filter.tag) clauses.push(`tags && ${param(filter.tag)}::text[]`);
  if (filter.status) clauses.push(`status = ANY(${param(filter.status)}::text[])`);
  if (filter.environment) clauses.push(`environment = ANY(${param(filter.environment)}::text[])`);
  if (filter.trigger) clauses.push(`trigger = ANY(${param(filter.trigger)}::text[])`);
  if (filter.from) clauses.push(`created_at >= ${param(filter.from)}::timestamptz`);
  if (filter.to) clauses.push(`created_at < ${param(filter.to)}::timestamptz`);
  if (filter.q) clauses.push(`search LIKE ${param(`%${likeEscape(filter.q.toLowerCase())}%`)} ESCAPE '\\'`);
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

function filterOf(scope: AnalyticsScope): RunFilter {
  return {
    from: scope.from,
    to: scope.to,
    ...(scope.environment !== undefined ? { environment: [scope.environment] } : {}),
    ...(scope.flow_id !== undefined ? { flow_id: [scope.flow_id] } : {}),
  };
}

export class PostgresRunArchive implements RunArchive {
  readonly kind = 'postgres' as const;
  private queue: Promise<void> = Promise.resolve();
  private readonly retention: Required<RunRetention>;
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    readonly location: string,
    private readonly options: PostgresArchiveOptions,
  ) {
    this.retention = retentionOf(options.retention);
  }

  /** Connects, migrates the schema and applies retention. Errors name the address without its password. */
  static async open(url: string, options: PostgresArchiveOptions = {}): Promise<PostgresRunArchive> {
    const dsn = parsePostgresDsn(url);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pg = require('pg') as typeof import('pg');
    const pool = new pg.Pool({
      ...dsn.config,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: dsn.config.connectionTimeoutMillis ?? 10_000,
    });
    pool.on('error', (err) => options.onError?.(new Error(redactMessage(err.message, url, dsn))));
    const archive = new PostgresRunArchive(pool, dsn.redacted, options);
    try {
      await archive.migrate();
      await archive.applyRetention();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new TestMeshError(
        `cannot open the history in PostgreSQL ${dsn.redacted}: ${redactMessage(errorMessage(err), url, dsn)}`,
      );
    }
    return archive;
  }

  /** Versions applied so far, oldest first. */
  async appliedMigrations(): Promise<number[]> {
    const { rows } = await this.pool.query<{ version: number }>(
      `SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`,
    );
    return rows.map((r) => Number(r.version));
  }

  record(run: RunRecord): void {
    if (this.closed) return;
    this.enqueue(async () => {
      await this.pool.query(
        `INSERT INTO ${RUNS_TABLE} (id, flow_id, flow_name, status, trigger, environment, tags, created_at, duration_ms, error, record, search)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE SET flow_id = $2, flow_name = $3, status = $4, trigger = $5, environment = $6,
           tags = $7, created_at = $8, duration_ms = $9, error = $10, record = $11, search = $12`,
        [
          run.id,
          run.flow_id,
          run.flow_name,
          run.status,
          run.trigger,
          run.environment ?? '',
          run.tags ?? [],
          run.created_at,
          run.duration_ms ?? null,
          run.error ?? null,
          JSON.stringify(run),
          searchText(run),
        ],
      );
      await this.applyRetention();
    });
  }

  async query(query: RunQuery): Promise<RunPage> {
    await this.flush();
    const { limit, offset } = pageOf(query);
    const where = whereOf(query);
    const n = where.params.length;
    const [{ rows }, count] = await Promise.all([
      this.pool.query<{ record: RunRecord }>(
        `SELECT record FROM ${RUNS_TABLE} ${where.sql} ORDER BY created_at DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...where.params, limit, offset],
      ),
      this.pool.query<{ total: string }>(`SELECT count(*) AS total FROM ${RUNS_TABLE} ${where.sql}`, where.params),
    ]);
    return { runs: rows.map((r) => r.record), total: Number(count.rows[0].total) };
  }

  async select(filter: RunFilter): Promise<RunRecord[]> {
    await this.flush();
    const where = whereOf(filter);
    const { rows } = await this.pool.query<{ record: RunRecord }>(
      `SELECT record FROM ${RUNS_TABLE} ${where.sql} ORDER BY created_at, id`,
      where.params,
    );
    return rows.map((r) => r.record);
  }

  async get(id: string): Promise<RunRecord | undefined> {
    await this.flush();
    const { rows } = await this.pool.query<{ record: RunRecord }>(`SELECT record FROM ${RUNS_TABLE} WHERE id = $1`, [
      id,
    ]);
    return rows[0]?.record;
  }

  async delete(ids: readonly string[]): Promise<string[]> {
    await this.flush();
    if (!ids.length) return [];
    const { rows } = await this.pool.query<{ id: string }>(
      `DELETE FROM ${RUNS_TABLE} WHERE id = ANY($1::text[]) RETURNING id`,
      [[...ids]],
    );
    return rows.map((r) => r.id);
  }

  async metrics(scope: AnalyticsScope): Promise<{ metrics: DailyMetric[]; summary: MetricsSummary }> {
    await this.flush();
    return sqlMetrics(this.rows, whereOf(filterOf(scope)));
  }

  async trends(scope: AnalyticsScope, grouping: TrendGrouping): Promise<TrendPoint[]> {
    await this.flush();
    return sqlTrends(this.rows, whereOf(filterOf(scope)), grouping);
  }

  async steps(scope: AnalyticsScope, perDay: boolean, action?: string): Promise<StepPerformance[]> {
    await this.flush();
    return sqlSteps(this.rows, whereOf(filterOf(scope)), perDay, action);
  }

  private readonly rows = async <R>(sql: string, params: unknown[]): Promise<R[]> =>
    (await this.pool.query(sql, params)).rows as R[];

  async flush(): Promise<void> {
    await this.queue;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue
      .then(task)
      .catch((err) => this.options.onError?.(err instanceof Error ? err : new Error(String(err))));
  }

  private async applyRetention(): Promise<void> {
    const oldest = new Date(Date.now() - this.retention.maxAgeDays * 86_400_000).toISOString();
    await this.pool.query(`DELETE FROM ${RUNS_TABLE} WHERE created_at < $1::timestamptz`, [oldest]);
    await this.pool.query(
      `DELETE FROM ${RUNS_TABLE} WHERE id IN (SELECT id FROM ${RUNS_TABLE} ORDER BY created_at DESC, id DESC OFFSET $1)`,
      [this.retention.maxRuns],
    );
  }

  private async migrate(): Promise<void> {
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${MIGRATIONS_TABLE}`);
      const applied = new Set(rows.map((r) => Number(r.version)));
      const known = Math.max(...MIGRATIONS.map((m) => m.version));
      const newest = Math.max(0, ...applied);
      if (newest > known)
        throw new TestMeshError(
          `the history schema is at version ${newest}, newer than this TestMesh knows (${known}): update TestMesh`,
        );
      for (const migration of MIGRATIONS as Migration[]) {
        if (applied.has(migration.version)) continue;
        for (const statement of migration.sql) await client.query(statement);
        await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES ($1, $2)`, [
          migration.version,
          migration.name,
        ]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
