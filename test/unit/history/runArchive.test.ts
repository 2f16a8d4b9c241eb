/**
 * One suite, every backend of the long history: in memory, the file beside the event logs and
 * PostgreSQL (a throwaway server, as in the protocol tests). The same filters must give the same
 * answers everywhere.
 */
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { FileRunArchive } from '../../../src/core/history/fileRunArchive';
import { PostgresRunArchive } from '../../../src/core/history/postgresRunArchive';
import { MIGRATIONS } from '../../../src/core/history/postgresMigrations';
import { MemoryRunArchive, type RunArchive, type RunRetention } from '../../../src/core/history/runArchive';
import { parseRunFilter, type RunQuery } from '../../../src/core/history/runFilter';
import { startPostgresOrSkip, type PostgresServer } from '../../support/postgres';
import { tempDir } from '../helpers';
import { assertAnalyticsAgree } from './analyticsAgree';
import { seedHistory } from './generated';
import { seedDays, seedRuns } from './seed';

interface Backend {
  name: string;
  /** A fresh, empty archive. */
  open(retention?: RunRetention): Promise<RunArchive>;
  /** The same archive opened again (persisted backends), or undefined. */
  reopen?(archive: RunArchive): Promise<RunArchive>;
}

let pg: PostgresServer | undefined;
let database = 0;

const backends: Backend[] = [
  { name: 'memory', open: async (retention) => new MemoryRunArchive(retention) },
  (() => {
    let dir = '';
    return {
      name: 'file',
      open: async (retention?: RunRetention) => FileRunArchive.open((dir = tempDir()), retention, { flushDelayMs: 1 }),
      reopen: async (archive: RunArchive) => {
        await archive.close();
        return FileRunArchive.open(dir);
      },
    };
  })(),
  (() => {
    let url = '';
    return {
      name: 'postgres',
      open: async (retention?: RunRetention) => {
        const name = `history_${++database}`;
        const admin = new Client({ connectionString: pg!.dsn() });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        url = pg!.dsn().replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
        return PostgresRunArchive.open(url, { retention });
      },
      reopen: async (archive: RunArchive) => {
        await archive.close();
        return PostgresRunArchive.open(url);
      },
    };
  })(),
];

const ids = async (archive: RunArchive, query: RunQuery) => (await archive.query(query)).runs.map((r) => r.id);
const total = async (archive: RunArchive, text: string) =>
  (await archive.query({ ...parseRunFilter(new URLSearchParams(text)), limit: 1000 })).total;

for (const backend of backends) {
  describe(`history: the long history (${backend.name})`, function () {
    this.timeout(60_000);
    let archive: RunArchive;

    before(async function () {
      if (backend.name !== 'postgres') return;
      this.timeout(120_000);
      pg ??= await startPostgresOrSkip(this, 'PostgreSQL history tests');
    });

    beforeEach(async () => {
      archive = await backend.open();
      for (const run of seedRuns()) archive.record(run);
    });
    afterEach(async () => archive?.close());

    it('lists newest first with a total, paged', async () => {
      const page = await archive.query({ limit: 3 });
      assert.equal(page.total, 26);
      assert.deepEqual(
        page.runs.map((r) => r.id),
        ['slow-4', 'flaky-4-1', 'flaky-4-0'],
      );
      assert.deepEqual(await ids(archive, { limit: 2, offset: 3 }), ['stable-4-1', 'stable-4-0']);
      const last = await archive.query({ limit: 5, offset: 24 });
      assert.equal(last.runs.length, 2);
    });

    it('filters by every field, several values comma-separated, and by free text', async () => {
      assert.equal(await total(archive, 'flow_id=flows/flaky.flow.yaml'), 10);
      assert.equal(await total(archive, 'flow_id=flows/flaky.flow.yaml,api/slow.flow.yaml'), 15);
      assert.equal(await total(archive, 'folder=api'), 5);
      assert.equal(await total(archive, 'folder=flows'), 21);
      assert.equal(await total(archive, 'folder=fl'), 0);
      assert.equal(await total(archive, 'tag=orders'), 10);
      assert.equal(await total(archive, 'tag=orders,smoke'), 21);
      assert.equal(await total(archive, 'status=failed'), 5);
      assert.equal(await total(archive, 'status=failed,cancelled'), 6);
      assert.equal(await total(archive, 'environment=prod'), 5);
      assert.equal(await total(archive, 'trigger=editor'), 10);
      const days = seedDays();
      assert.equal(await total(archive, `from=${days[1]}&to=${days[2]}`), 10);
      assert.equal(await total(archive, `from=${days[4]}T05:00:00Z`), 1);
      assert.equal(await total(archive, 'q=ORDERS'), 5);
      assert.equal(await total(archive, 'q=login'), 11);
      assert.equal(await total(archive, 'q=timed out'), 5);
      assert.equal(await total(archive, 'q=100%'), 0);
      assert.equal(await total(archive, 'status=failed&environment=prod'), 0);
    });

    it('selects matching records oldest first, gets one by id and deletes', async () => {
      const selected = await archive.select({ flow_id: ['api/slow.flow.yaml'] });
      assert.deepEqual(
        selected.map((r) => r.steps[0].duration_ms),
        [100, 200, 300, 400, 500],
      );
      const one = await archive.get('flaky-0-1');
      assert.equal(one?.error, 'timeout waiting for /orders');
      assert.deepEqual(one?.tags, ['orders']);
      assert.equal(await archive.get('nope'), undefined);
      assert.deepEqual((await archive.delete(['flaky-0-1', 'nope'])).sort(), ['flaky-0-1']);
      assert.equal(await archive.get('flaky-0-1'), undefined);
      assert.equal((await archive.query({})).total, 25);
    });

    it('replaces a record with the same id', async () => {
      const run = (await archive.get('slow-0'))!;
      archive.record({ ...run, status: 'failed', error: 'again' });
      assert.equal((await archive.get('slow-0'))?.status, 'failed');
      assert.equal((await archive.query({})).total, 26);
    });

    it('keeps what it recorded across a reopen', async function () {
      if (!backend.reopen) this.skip();
      await archive.flush();
      archive = await backend.reopen!(archive);
      assert.equal((await archive.query({})).total, 26);
      assert.equal(await total(archive, 'q=login'), 11);
    });

    it('drops the oldest beyond maxRuns and those older than maxAgeDays', async () => {
      await archive.close();
      archive = await backend.open({ maxRuns: 3, maxAgeDays: 30 });
      const runs = seedRuns();
      const old = { ...runs[0], id: 'ancient', created_at: new Date(Date.now() - 40 * 86_400_000).toISOString() };
      archive.record(old);
      for (const run of runs.slice(0, 5)) archive.record(run);
      assert.deepEqual(await ids(archive, {}), ['slow-0', 'flaky-0-1', 'flaky-0-0']);
    });

    it('answers metrics, trends and steps as the analytics definitions do', async () => {
      const generated = seedHistory(400, 8);
      for (const run of generated) archive.record(run);
      const everything = { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };
      await assertAnalyticsAgree(archive, [
        everything,
        { ...everything, environment: 'staging' },
        { ...everything, flow_id: 'flows/flaky.flow.yaml' },
        { ...everything, flow_id: generated[5].flow_id, environment: 'dev' },
        { from: generated[100].created_at, to: generated[300].created_at },
        { ...everything, environment: 'nowhere' },
      ]);
    });

    if (backend.name === 'postgres')
      it('migrates its schema once, by version', async () => {
        const versions = await (archive as PostgresRunArchive).appliedMigrations();
        assert.deepEqual(
          versions,
          MIGRATIONS.map((m) => m.version),
        );
        archive = await backend.reopen!(archive);
        assert.deepEqual(
          await (archive as PostgresRunArchive).appliedMigrations(),
          MIGRATIONS.map((m) => m.version),
        );
      });
  });
}

after(async () => {
  await pg?.stop();
});
