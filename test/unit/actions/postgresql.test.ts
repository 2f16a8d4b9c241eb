/**
 * db_poll and the postgresql.* actions against a real PostgreSQL (test/support/postgres.ts).
 * Without PostgreSQL the server tests are skipped loudly, except in CI (CI set).
 */
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { conditionHolds, readCondition } from '../../../src/core/actions/db_poll';
import { quoteIdentifier } from '../../../src/core/actions/postgresql';
import { startPostgresOrSkip, type PostgresServer } from '../../support/postgres';
import { runRecorded, stepOf, waitFor } from '../helpers';

const run = runRecorded;
const step = stepOf;

function logs(r: Awaited<ReturnType<typeof run>>, stepId?: string): string[] {
  return r.events
    .filter((e) => e.type === 'log' && (stepId === undefined || (e.data as { step_id?: string }).step_id === stepId))
    .map((e) => (e.data as { message: string }).message);
}

describe('db_poll conditions and postgresql identifiers', () => {
  it('reads every TestMesh condition type, row_exists by default, and explains a typo', () => {
    const rows = [
      { id: 1, status: 'pending', shipped_at: null, ref: 'ORD-7' },
      { id: 2, status: 'done', shipped_at: '2024-01-01', ref: 'X' },
    ];
    assert.equal(conditionHolds(readCondition(undefined), rows), true);
    assert.equal(conditionHolds(readCondition(undefined), []), false);
    assert.equal(conditionHolds(readCondition({ type: 'row_count', min_count: 2 }), rows), true);
    assert.equal(conditionHolds(readCondition({ type: 'row_count', min_count: 3 }), rows), false);
    assert.equal(conditionHolds(readCondition({ type: 'row_count' }), rows.slice(0, 1)), true);
    assert.equal(conditionHolds(readCondition({ type: 'value_equals', column: 'status', value: 'done' }), rows), true);
    assert.equal(
      conditionHolds(readCondition({ type: 'value_equals', column: 'id', value: '2' }), rows),
      true,
      'compared as text, like TestMesh',
    );
    assert.equal(conditionHolds(readCondition({ type: 'value_equals', column: 'status', value: 'gone' }), rows), false);
    assert.equal(conditionHolds(readCondition({ type: 'value_not_null', column: 'shipped_at' }), rows), true);
    assert.equal(
      conditionHolds(readCondition({ type: 'value_not_null', column: 'shipped_at' }), rows.slice(0, 1)),
      false,
    );
    assert.equal(
      conditionHolds(readCondition({ type: 'value_matches', column: 'ref', pattern: '^ORD-\\d+$' }), rows),
      true,
    );
    assert.throws(
      () => readCondition({ type: 'row_exist' }),
      /condition\.type must be one of .*, got "row_exist" \(did you mean 'row_exists'\?\)/,
    );
    assert.throws(
      () => readCondition({ type: 'value_equals', colum: 'x' }),
      /unknown key 'colum' \(did you mean 'column'\?\)/,
    );
    assert.throws(() => readCondition({ type: 'value_equals', value: 1 }), /value_equals needs a 'column'/);
  });

  it('quotes table and column names and refuses anything else', () => {
    assert.equal(quoteIdentifier('orders', 'table'), '"orders"');
    assert.equal(quoteIdentifier('Shop.Orders', 'table'), '"shop"."orders"');
    assert.equal(quoteIdentifier('"Mixed Case"', 'table'), '"Mixed Case"');
    assert.throws(() => quoteIdentifier('users; DROP TABLE users', 'table'), /config\.table is not a valid name/);
    assert.throws(() => quoteIdentifier('a.b.c', 'table'), /name or schema\.name/);
    assert.throws(() => quoteIdentifier('x)--', 'data'), /config\.data is not a valid name/);
  });
});

describe('db_poll and postgresql.* against PostgreSQL', function () {
  this.timeout(60_000);
  let pg: PostgresServer | undefined;
  let admin: Client;

  before(async function () {
    this.timeout(120_000);
    pg = await startPostgresOrSkip(this, 'db_poll / postgresql.* server tests');
    admin = new Client({ connectionString: pg.dsn({ application_name: 'testmesh-admin' }) });
    await admin.connect();
    await admin.query(
      'CREATE TABLE jobs (id serial PRIMARY KEY, name text NOT NULL, status text, done_at timestamptz)',
    );
    await admin.query(
      'CREATE TABLE accounts (id serial PRIMARY KEY, owner text UNIQUE NOT NULL, balance int NOT NULL CHECK (balance >= 0))',
    );
  });

  after(async () => {
    await admin?.end().catch(() => undefined);
    await pg?.stop();
  });

  const dsn = (app: string) => pg!.dsn({ application_name: app });
  const runningSleeps = async (app: string) =>
    Number(
      (
        await admin.query(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE '%pg_sleep%'",
          [app],
        )
      ).rows[0].n,
    );
  const connectionsOf = async (app: string) =>
    Number(
      (await admin.query('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [app])).rows[0].n,
    );

  it('polls until a row appears, logging every poll, with TestMesh result keys', async () => {
    const inserted = setTimeout(
      () => void admin.query("INSERT INTO jobs (name, status) VALUES ('report', 'done')"),
      700,
    );
    const r = await run(
      `
flow:
  name: poll
  steps:
    - id: wait_job
      action: db_poll
      config:
        connection: "{{DB}}"
        query: SELECT id, status FROM jobs WHERE name = $1
        params: [report]
        interval: 100ms
        timeout: 20s
        condition: {type: value_equals, column: status, value: done}
      assert:
        - success == true
        - row_count == 1
        - attempts > 1
        - first_row.status == "done"
      output:
        job_id: $.first_row.id
`,
      { DB: dsn('tm-poll') },
    );
    clearTimeout(inserted);
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps, null, 2));
    const result = r.results.get('wait_job')!;
    assert.deepEqual(Object.keys(result).sort(), [
      'attempts',
      'duration_ms',
      'first_row',
      'row_count',
      'rows',
      'success',
    ]);
    const polls = logs(r, 'wait_job');
    assert.ok(polls.length >= 2, JSON.stringify(polls));
    assert.match(
      polls[0],
      /^db_poll: attempt 1: 0 row\(s\), value_equals status = "done" not met yet; next poll in 100 ms$/,
    );
    assert.match(
      polls[polls.length - 1],
      new RegExp(
        `^db_poll: attempt ${String(result.attempts)}: 1 row\\(s\\), value_equals status = "done" holds after`,
      ),
    );
    assert.equal(typeof step(r, 'wait_job').outputs!.job_id, 'number');
  });

  it('fails with the last rows seen when the condition never holds: max_attempts, timeout', async () => {
    await admin.query("INSERT INTO jobs (name, status) VALUES ('stuck', 'pending')");
    const r = await run(
      `
flow:
  name: never
  steps:
    - id: attempts
      action: db_poll
      on_error: continue
      config:
        connection: "{{DB}}"
        query: SELECT name, status FROM jobs WHERE name = 'stuck'
        interval: 50ms
        max_attempts: 3
        condition: {type: value_not_null, column: done_at}
    - id: timeout
      action: db_poll
      on_error: continue
      config:
        connection: "{{DB}}"
        query: SELECT name FROM jobs WHERE name = 'nobody'
        interval: 100ms
        timeout: 450ms
    - id: slow_query
      action: db_poll
      on_error: continue
      config:
        connection: "{{DB}}"
        query: SELECT pg_sleep(5)
        timeout: 300ms
`,
      { DB: dsn('tm-never') },
    );
    assert.match(
      step(r, 'attempts').error!,
      /^db_poll: condition value_not_null done_at not satisfied after 3 attempt\(s\) in [\d.]+ m?s \(stopped by max_attempts \(3\)\); the last poll returned 1 row\(s\): \[\{"name":"stuck","status":"pending"\}\]$/,
    );
    // The timeout may run out between polls or during one; either way the error is the same kind.
    assert.match(
      step(r, 'timeout').error!,
      /condition row_exists not satisfied after \d+ attempt\(s\) .*\(stopped by timeout \(450 ms(, during poll \d+)?\)\); the last poll returned no rows$/,
    );
    assert.match(
      step(r, 'slow_query').error!,
      /condition row_exists not satisfied after 1 attempt\(s\) .*\(stopped by timeout \(300 ms, during poll 1\)\); the last poll returned no rows$/,
    );
    await waitFor(
      async () => (await runningSleeps('tm-never')) === 0,
      10_000,
      'the cut-off poll query to be cancelled',
    );
  });

  it('a cancel stops it between polls and mid-query (the query is cancelled on the server)', async () => {
    const between = new AbortController();
    const waiting = run(
      `
flow:
  name: cancel between
  steps:
    - id: poll
      action: db_poll
      config: {connection: "{{DB}}", query: "SELECT 1 WHERE false", interval: 10m}
`,
      { DB: dsn('tm-poll-between') },
      { signal: between.signal },
    );
    setTimeout(() => between.abort(), 300);
    const first = await waiting;
    assert.equal(first.result.status, 'cancelled');
    // The next poll is 10 minutes away: a cancel that waited for it would outlast the test.

    const app = 'tm-poll-cancel';
    const mid = new AbortController();
    const sleeping = run(
      `
flow:
  name: cancel mid-query
  steps:
    - id: poll
      action: db_poll
      config: {connection: "{{DB}}", query: "SELECT pg_sleep(600)"}
`,
      { DB: dsn(app) },
      { signal: mid.signal },
    );
    await waitFor(async () => (await runningSleeps(app)) === 1, 10_000, 'the poll query to start');
    mid.abort();
    assert.equal((await sleeping).result.status, 'cancelled');
    await waitFor(async () => (await runningSleeps(app)) === 0, 30_000, 'the cancelled pg_sleep to stop');
    await waitFor(async () => (await connectionsOf(app)) === 0, 10_000, 'the pool to close');
  });

  it('postgresql.*: insert, update, delete, query, assert, execute, tables, columns with host/port/user/password parts, values always as params', async () => {
    const evil = "Robert'); DROP TABLE accounts; --";
    const r = await run(
      `
flow:
  name: plugin
  env:
    PG_HOST: 127.0.0.1
  steps:
    - id: insert
      action: postgresql.insert
      config:
        host: "{{PG_HOST}}"
        port: "{{PORT}}"
        user: testmesh
        password: "{{PW}}"
        database: postgres
        table: accounts
        data: {owner: "{{EVIL}}", balance: 100}
        returning: [id, owner]
      assert:
        - inserted == 1
        - first_row.owner == EVIL
      output:
        account_id: $.first_row.id
    - id: insert_two
      action: postgresql.insert
      config: {connectionString: "{{DB}}", table: public.accounts, data: {owner: ada, balance: 5}}
      assert: ["rows[0].balance == 5"]
    - id: update
      action: postgresql.update
      config:
        connectionString: "{{DB}}"
        table: accounts
        data: {balance: 250}
        where: id = $1 AND owner = $2
        whereParams: ["{{account_id}}", "{{EVIL}}"]
      assert: [updated == 1, "rows[0].balance == 250"]
    - id: query
      action: postgresql.query
      config: {connectionString: "{{DB}}", query: "SELECT owner, balance FROM accounts ORDER BY id", params: []}
      assert: [rowCount == 2, row_count == 2, "fields[0].name == 'owner'", first_row.balance == 250]
    - id: check
      action: postgresql.assert
      config:
        connectionString: "{{DB}}"
        query: SELECT balance, owner, NULL AS note FROM accounts WHERE id = $1
        params: ["{{account_id}}"]
        assertions:
          - {field: balance, operator: gte, value: 200}
          - {field: balance, operator: "==", value: "250"}
          - {field: owner, operator: contains, value: DROP}
          - {field: note, operator: isNull}
      assert: [passed == true, assertions_checked == 4, row.balance == 250]
    - id: check_fails
      action: postgresql.assert
      on_error: continue
      config:
        connectionString: "{{DB}}"
        query: SELECT balance FROM accounts WHERE id = $1
        params: ["{{account_id}}"]
        assertions:
          - {field: balance, operator: lt, value: 10}
          - {field: missing, operator: eq, value: 1}
    - id: execute
      action: postgresql.execute
      config:
        connectionString: "{{DB}}"
        statements:
          - "UPDATE accounts SET balance = balance + 1"
          - {query: "DELETE FROM accounts WHERE owner = $1", params: [ada]}
      assert: [executed == 2, "results[0].rowCount == 2", "results[1].rowCount == 1"]
    - id: delete
      action: postgresql.delete
      config: {connectionString: "{{DB}}", table: accounts, where: "id = $1", params: ["{{account_id}}"], returning: [owner]}
      assert: [deleted == 1, "rows[0].owner == EVIL"]
    - id: tables
      action: postgresql.tables
      config: {connectionString: "{{DB}}"}
      assert: [schema == "public", "tables[0].table_name == 'accounts'", "tables[1].table_name == 'jobs'"]
    - id: columns
      action: postgresql.columns
      config: {connectionString: "{{DB}}", table: accounts}
      assert: ["columns[0].column_name == 'id'", "columns[2].data_type == 'integer'", "columns[2].is_nullable == 'NO'"]
`,
      { DB: dsn('tm-plugin'), PORT: pg!.port, PW: pg!.password, EVIL: evil },
    );
    const failed = r.result.steps.filter((s) => s.status !== 'completed' && s.step_id !== 'check_fails');
    assert.deepEqual(failed, [], JSON.stringify(failed, null, 2));
    assert.match(
      step(r, 'check_fails').error!,
      /^assertion failed: expected balance lt 10, got 250; expected missing eq 1, got no column 'missing' \(columns: balance\)$/,
    );
    const everything = JSON.stringify([r.result, r.events, r.details]);
    assert.ok(!everything.includes(pg!.password), 'the password leaked');
    assert.equal(Number((await admin.query('SELECT count(*) AS n FROM accounts')).rows[0].n), 0);
  });

  it('postgresql.transaction commits, or rolls back everything when a statement fails', async () => {
    const r = await run(
      `
flow:
  name: transactions
  steps:
    - id: ok
      action: postgresql.transaction
      config:
        connectionString: "{{DB}}"
        statements:
          - {query: "INSERT INTO accounts (owner, balance) VALUES ($1, 10) RETURNING id", params: [tx-a]}
          - {query: "INSERT INTO accounts (owner, balance) VALUES ($1, 20)", params: [tx-b]}
          - SELECT sum(balance) AS total FROM accounts
      assert: [committed == true, "results[0].rowCount == 1", "results[2].rows[0].total == 30"]
    - id: rolled_back
      action: postgresql.transaction
      on_error: continue
      config:
        connectionString: "{{DB}}"
        statements:
          - UPDATE accounts SET balance = balance - 15
          - INSERT INTO accounts (owner, balance) VALUES ('tx-c', 1)
    - id: after
      action: postgresql.query
      config: {connectionString: "{{DB}}", query: "SELECT owner, balance FROM accounts ORDER BY owner"}
      assert: [rowCount == 2, "rows[0].balance == 10", "rows[1].balance == 20"]
`,
      { DB: dsn('tm-tx') },
    );
    assert.equal(step(r, 'ok').status, 'completed', step(r, 'ok').error);
    assert.match(
      step(r, 'rolled_back').error!,
      /statement "UPDATE accounts SET balance = balance - 15" failed, transaction rolled back: new row for relation "accounts" violates check constraint/,
    );
    assert.equal(step(r, 'after').status, 'completed', step(r, 'after').error);
    await admin.query('DELETE FROM accounts');
  });

  it('postgresql.* explains a refused table name, a missing WHERE and a wrong password without showing it', async () => {
    const r = await run(
      `
flow:
  name: refusals
  steps:
    - id: bad_table
      action: postgresql.insert
      on_error: continue
      config: {connectionString: "{{DB}}", table: "accounts; DROP TABLE jobs", data: {owner: x, balance: 1}}
    - id: no_where
      action: postgresql.delete
      on_error: continue
      config: {connectionString: "{{DB}}", table: accounts, where: "{{EMPTY}}"}
    - id: wrong_password
      action: postgresql.query
      on_error: continue
      config: {host: 127.0.0.1, port: "{{PORT}}", user: testmesh, password: Wr0ng-Pg-pw-31, query: SELECT 1}
`,
      { DB: dsn('tm-refusals'), PORT: pg!.port, EMPTY: '' },
    );
    assert.match(step(r, 'bad_table').error!, /config\.table is not a valid name: "accounts; DROP TABLE jobs"/);
    assert.match(step(r, 'no_where').error!, /config\.where is required/);
    assert.match(
      step(r, 'wrong_password').error!,
      /cannot connect to host=127\.0\.0\.1 port=\d+ user=testmesh dbname=postgres sslmode=disable password=\*\*\*: password authentication failed/,
    );
    assert.ok(!JSON.stringify([r.result, r.events, r.details]).includes('Wr0ng-Pg-pw-31'), 'the password leaked');
    assert.equal(
      Number(
        (await admin.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'jobs'")).rows[0].n,
      ),
      1,
    );
  });
});
