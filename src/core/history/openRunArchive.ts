/**
 * The long history named by a `--history` value or the `testmesh.history.postgres` setting:
 * a `postgres://` (or `postgresql://`) address opens the shared PostgreSQL history.
 */
import { TestMeshError } from '../errors';
import type { RunArchive, RunRetention } from './runArchive';

function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

export async function openRunArchive(
  url: string,
  retention: RunRetention = {},
  onError?: (err: Error) => void,
): Promise<RunArchive> {
  if (!isPostgresUrl(url))
    throw new TestMeshError(
      `a shared history is a PostgreSQL address (postgres://user@host/db), not ${JSON.stringify(url)}`,
    );
  const { PostgresRunArchive } = await import('./postgresRunArchive');
  return PostgresRunArchive.open(url, { retention, onError });
}
