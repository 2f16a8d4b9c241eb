/**
 * The versioned schema of the shared PostgreSQL history. Each migration runs once, in order, in
 * one transaction with the others that are due, under an advisory lock (several developers'
 * editors and CI may open the history at the same moment). Never edit a released migration: add
 * the next version.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string[];
}

export const MIGRATIONS_TABLE = 'testmesh_history_migrations';
export const RUNS_TABLE = 'testmesh_runs';
/** Arbitrary constant key of the advisory lock that serialises migrations. */
export const MIGRATION_LOCK_KEY = 7_316_021_516;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'executions',
    sql: [
      `CREATE TABLE ${RUNS_TABLE} (
         id text PRIMARY KEY,
         flow_id text NOT NULL,
         flow_name text NOT NULL,
         status text NOT NULL,
         trigger text NOT NULL,
         environment text NOT NULL DEFAULT '',
         tags text[] NOT NULL DEFAULT '{}',
         created_at timestamptz NOT NULL,
         duration_ms bigint,
         error text,
         record jsonb NOT NULL
       )`,
      `CREATE INDEX ${RUNS_TABLE}_created_at ON ${RUNS_TABLE} (created_at)`,
      `CREATE INDEX ${RUNS_TABLE}_flow_created_at ON ${RUNS_TABLE} (flow_id, created_at)`,
    ],
  },
  {
    version: 2,
    name: 'free-text search column',
    sql: [
      // Lower-cased names and errors of the execution and its steps, written by the client so
      // that matching is the same as in the embedded store (JavaScript's toLowerCase).
      `ALTER TABLE ${RUNS_TABLE} ADD COLUMN search text NOT NULL DEFAULT ''`,
    ],
  },
];
