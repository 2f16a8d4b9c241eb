/**
 * `database_query` against a real PostgreSQL (test/support/postgres.ts starts a throwaway
 * cluster). Without PostgreSQL installed the server tests are skipped loudly, except in CI
 * (CI set), where that is a failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { credentialSecrets, parsePostgresDsn, redactMessage } from '../../../src/core/actions/postgresDsn';
import { CLI, CLI_SUITE_TIMEOUT_MS, REPO_ROOT as ROOT, runCli } from '../../support/cli';
import { startPostgresOrSkip, type PostgresServer } from '../../support/postgres';
import { runRecorded, stepOf, waitFor } from '../helpers';

const run = runRecorded;
const step = stepOf;

describe('database_query: DSNs', () => {
  it('reads URL DSNs and hides the password (raw and percent-encoded) in the shown form', () => {
    const dsn = 'postgres://app:p%40ss%2Fw0rd@db.example:6543/shop?sslmode=require&application_name=tm';
    const parsed = parsePostgresDsn(dsn);
    assert.equal(parsed.redacted, 'postgres://app:***@db.example:6543/shop?application_name=tm&sslmode=require');
    assert.deepEqual(parsed.secrets.sort(), ['p%40ss%2Fw0rd', 'p@ss/w0rd'].sort());
    assert.deepEqual(parsed.config.ssl, { rejectUnauthorized: false });
    assert.ok(
      !String(parsed.config.connectionString).includes('sslmode'),
      'sslmode is handled here, not by node-postgres',
    );
    assert.equal(
      redactMessage(`failed for ${dsn} with p@ss/w0rd`, dsn, parsed),
      `failed for ${parsed.redacted} with ***`,
    );
  });

  it('reads libpq keyword DSNs with quoted values', () => {
    const parsed = parsePostgresDsn(
      "host=127.0.0.1 port=5433 user=app password='it\\'s a secret' dbname=shop sslmode=disable connect_timeout=3",
    );
    assert.equal(parsed.config.host, '127.0.0.1');
    assert.equal(parsed.config.port, 5433);
    assert.equal(parsed.config.database, 'shop');
    assert.equal(parsed.config.ssl, false);
    assert.equal(parsed.config.connectionTimeoutMillis, 3000);
    assert.equal(parsed.config.password, "it's a secret");
    assert.ok(!parsed.redacted.includes('secret'), parsed.redacted);
    assert.match(parsed.redacted, /password=\*\*\*/);
  });

  it('finds passwords in connection strings of any scheme and in keyword DSNs', () => {
    assert.deepEqual(credentialSecrets('postgres://app:s3cr%21t@db/x'), ['s3cr%21t', 's3cr!t']);
    assert.deepEqual(credentialSecrets('primary=mysql://root:hunter22@db:3306/x, cache=redis://:r3dis-pw@cache:6379'), [
      'hunter22',
      'r3dis-pw',
    ]);
    assert.deepEqual(credentialSecrets("host=db user=app password='a b c' dbname=x"), ['a b c']);
    assert.deepEqual(credentialSecrets('https://example.com/users/me'), []);
    assert.deepEqual(credentialSecrets('ada@example.com'), []);
    assert.deepEqual(credentialSecrets('color=blue'), []);
  });

  it('rejects what is not a PostgreSQL DSN without echoing it', () => {
    assert.throws(
      () => parsePostgresDsn('mysql://root:hunter22@localhost/db'),
      (err: Error) => /postgres:\/\//.test(err.message) && !err.message.includes('hunter22'),
    );
    assert.throws(() => parsePostgresDsn('postgres://u:pw@host/db?sslmode=sometimes'), /sslmode must be one of/);
    assert.throws(
      () => parsePostgresDsn('host=x colour=blue password=hunter22'),
      (err: Error) => /unknown keyword 'colour'/.test(err.message) && !err.message.includes('hunter22'),
    );
    assert.throws(() => parsePostgresDsn(''), /empty/);
  });
});

describe('database_query against PostgreSQL', function () {
  this.timeout(60_000);
  let pg: PostgresServer | undefined;
  let admin: Client;

  before(async function () {
    this.timeout(120_000);
    pg = await startPostgresOrSkip(this, 'database_query server tests');
    admin = new Client({ connectionString: pg.dsn({ application_name: 'testmesh-admin' }) });
    await admin.connect();
    await admin.query(
      'CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, name text, active boolean DEFAULT true)',
    );
  });

  after(async () => {
    await admin?.end().catch(() => undefined);
    await pg?.stop();
  });

  const dsn = (app: string) => pg!.dsn({ application_name: app });
  const connectionsOf = async (app: string) =>
    Number(
      (await admin.query('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [app])).rows[0].n,
    );
  const runningSleeps = async (app: string) =>
    Number(
      (
        await admin.query(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE '%pg_sleep%'",
          [app],
        )
      ).rows[0].n,
    );

  it('selects with $1 params; rows, row_count, first_row usable in assertions and outputs', async () => {
    await admin.query(
      "INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada'), ('bob@example.com', 'Bob') ON CONFLICT DO NOTHING",
    );
    const r = await run(
      `
flow:
  name: select
  steps:
    - id: find
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT id, email, name, active FROM users WHERE email = $1 OR name = $2 ORDER BY email
        params: ["ada@example.com", "Bob"]
      assert:
        - row_count == 2
        - first_row.email == 'ada@example.com'
        - rows[1].name == 'Bob'
        - first_row.active == true
        - query_type == 'SELECT'
        - rows_affected == 0
      output:
        ada_id: $.first_row.id
        emails: $.rows
    - id: by_id
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT name FROM users WHERE id = $1
        params: ["{{ada_id}}"]
      assert:
        - first_row.name == 'Ada'
    - id: none
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT * FROM users WHERE email = $1
        params: [nobody@example.com]
      assert:
        - row_count == 0
        - first_row == nil
        - len(rows) == 0
`,
      { DB: dsn('tm-select') },
    );
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps, null, 2));
    const find = r.results.get('find')!;
    assert.deepEqual(Object.keys(find).sort(), ['first_row', 'query_type', 'row_count', 'rows', 'rows_affected']);
    assert.equal(typeof step(r, 'find').outputs!.ada_id, 'number');
  });

  it('gives JSON-friendly values: int8 and numeric as numbers, dates and bytea as text, json parsed, arrays', async () => {
    const r = await run(
      `
flow:
  name: types
  steps:
    - id: values
      action: database_query
      config:
        connection: "{{DB}}"
        query: >-
          SELECT 42::bigint AS big, 9007199254740993::bigint AS huge, 12.50::numeric AS price,
                 '123456789012345678901234.5'::numeric AS wide, '{"a": [1, 2]}'::jsonb AS doc,
                 DATE '2024-02-29' AS day, TIMESTAMPTZ '2024-02-29 12:00:00+00' AS at,
                 '\\x0102'::bytea AS bytes, ARRAY[1, 2]::int8[] AS bigs, ARRAY['x', NULL] AS texts,
                 NULL::text AS nothing, $1::int AS param, $2::jsonb AS param_doc
        params: [7, {k: v}]
`,
      { DB: dsn('tm-types') },
    );
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps, null, 2));
    const row = (r.results.get('values')!.first_row as Record<string, unknown>)!;
    assert.equal(row.big, 42);
    assert.equal(row.huge, '9007199254740993');
    assert.equal(row.price, 12.5);
    assert.equal(row.wide, '123456789012345678901234.5');
    assert.deepEqual(row.doc, { a: [1, 2] });
    assert.equal(row.day, '2024-02-29');
    assert.match(String(row.at), /^2024-02-29 12:00:00\+00/);
    assert.equal(row.bytes, '\\x0102');
    assert.deepEqual(row.bigs, [1, 2]);
    assert.deepEqual(row.texts, ['x', null]);
    assert.equal(row.nothing, null);
    assert.equal(row.param, 7);
    assert.deepEqual(row.param_doc, { k: 'v' });
  });

  it('reports rows_affected and query_type for INSERT, UPDATE, DELETE, RETURNING and DDL', async () => {
    const r = await run(
      `
flow:
  name: writes
  setup:
    - id: create
      action: database_query
      config:
        connection: "{{DB}}"
        query: CREATE TABLE orders (id serial PRIMARY KEY, item text, qty int); CREATE INDEX ON orders (item)
      assert:
        - query_type == 'OTHER'
        - rows_affected == 0
  steps:
    - id: insert
      action: database_query
      config:
        connection: "{{DB}}"
        query: INSERT INTO orders (item, qty) VALUES ($1, 1), ($2, 2), ($3, 3)
        params: [apple, pear, plum]
      assert:
        - query_type == 'INSERT'
        - rows_affected == 3
        - row_count == 0
    - id: returning
      action: database_query
      config:
        connection: "{{DB}}"
        query: INSERT INTO orders (item, qty) VALUES ($1, $2) RETURNING id, item
        params: [fig, 9]
      assert:
        - query_type == 'INSERT'
        - rows_affected == 1
        - first_row.item == 'fig'
      output:
        fig_id: $.first_row.id
    - id: update
      action: database_query
      config:
        connection: "{{DB}}"
        query: UPDATE orders SET qty = qty + 10 WHERE qty >= $1
        params: [2]
      assert:
        - query_type == 'UPDATE'
        - rows_affected == 3
    - id: cte
      action: database_query
      config:
        connection: "{{DB}}"
        query: WITH gone AS (DELETE FROM orders WHERE item = $1 RETURNING id) SELECT count(*) AS n FROM gone
        params: [apple]
      assert:
        - query_type == 'SELECT'
        - first_row.n == 1
    - id: delete
      action: database_query
      config:
        connection: "{{DB}}"
        query: DELETE FROM orders WHERE id = $1
        params: ["{{fig_id}}"]
      assert:
        - query_type == 'DELETE'
        - rows_affected == 1
  teardown:
    - id: drop
      action: database_query
      config:
        connection: "{{DB}}"
        query: DROP TABLE orders
      assert:
        - query_type == 'OTHER'
`,
      { DB: dsn('tm-writes') },
    );
    const failed = r.result.steps.filter((s) => s.status !== 'completed');
    assert.deepEqual(failed, [], JSON.stringify(failed, null, 2));
  });

  it('max_rows caps the rows returned and says so in the log', async () => {
    const r = await run(
      `
flow:
  name: max rows
  steps:
    - id: many
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT g AS n FROM generate_series(1, 50) AS g ORDER BY g
        max_rows: 10
      assert:
        - row_count == 10
        - rows[9].n == 10
    - id: unlimited
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT g AS n FROM generate_series(1, 50) AS g
        max_rows: 0
      assert:
        - row_count == 50
`,
      { DB: dsn('tm-maxrows') },
    );
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps, null, 2));
    const logs = r.events.filter((e) => e.type === 'log').map((e) => (e.data as { message: string }).message);
    assert.ok(
      logs.some((m) => /returned 10 of 50 rows/.test(m)),
      JSON.stringify(logs),
    );
  });

  it('a query timeout fails the step and cancels the query on the server', async () => {
    const app = 'tm-timeout';
    const r = await run(
      `
flow:
  name: slow query
  steps:
    - id: sleepy
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT pg_sleep(600)
        timeout: 300ms
    - id: after
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT 1 AS one
  teardown:
    - id: still_usable
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT 1 AS one
      assert:
        - first_row.one == 1
`,
      { DB: dsn(app) },
    );
    assert.equal(r.result.status, 'failed');
    assert.match(step(r, 'sleepy').error!, /query "SELECT pg_sleep\(600\)" timed out after 300 ms/);
    assert.equal(step(r, 'after').status, 'skipped');
    assert.equal(step(r, 'still_usable').status, 'completed', step(r, 'still_usable').error);
    // Long before pg_sleep's 10 minutes are over, nothing of ours runs on the server any more.
    await waitFor(async () => (await runningSleeps(app)) === 0, 30_000, 'the cancelled pg_sleep to stop');
  });

  it('a step timeout and a cancelled execution cancel the running query too', async () => {
    const stepTimeout = await run(
      `
flow:
  name: step timeout
  steps:
    - id: sleepy
      action: database_query
      timeout: 300ms
      config:
        connection: "{{DB}}"
        query: SELECT pg_sleep(600)
`,
      { DB: dsn('tm-step-timeout') },
    );
    assert.match(step(stepTimeout, 'sleepy').error!, /timed out/);
    await waitFor(
      async () => (await runningSleeps('tm-step-timeout')) === 0,
      30_000,
      'the pg_sleep of the timed-out step to stop',
    );

    const app = 'tm-cancel';
    const controller = new AbortController();
    const running = run(
      `
flow:
  name: cancel
  steps:
    - id: sleepy
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT pg_sleep(600)
`,
      { DB: dsn(app) },
      { signal: controller.signal },
    );
    await waitFor(async () => (await runningSleeps(app)) === 1, 10_000, 'the query to start');
    controller.abort();
    const r = await running;
    assert.equal(r.result.status, 'cancelled');
    await waitFor(async () => (await runningSleeps(app)) === 0, 30_000, 'the cancelled pg_sleep to stop');
    await waitFor(async () => (await connectionsOf(app)) === 0, 10_000, 'the pool to close');
  });

  it('reuses one pooled connection across steps and closes the pool when the flow ends, also after a failure', async () => {
    const app = 'tm-pool';
    const r = await run(
      `
flow:
  name: pool
  steps:
    - id: first
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT pg_backend_pid() AS pid
      output:
        first_pid: $.first_row.pid
    - id: second
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT pg_backend_pid() AS pid, (SELECT count(*) FROM pg_stat_activity WHERE application_name = $1) AS connections
        params: ["{{APP}}"]
      assert:
        - first_row.pid == first_pid
        - first_row.connections == 1
    - id: boom
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT * FROM no_such_table
`,
      { DB: dsn(app), APP: app },
    );
    assert.equal(step(r, 'second').status, 'completed', step(r, 'second').error);
    assert.equal(step(r, 'boom').status, 'failed');
    assert.match(step(r, 'boom').error!, /query failed: relation "no_such_table" does not exist \(SQLSTATE 42P01\)/);
    await waitFor(async () => (await connectionsOf(app)) === 0, 10_000, 'the pool to close at the end of the flow');
  });

  it('a wrong password or an unreachable server fails with the DSN shown without its password anywhere', async () => {
    const wrong = `postgresql://${pg!.user}:Wr0ng-Pa55word-77@127.0.0.1:${pg!.port}/postgres`;
    const closedPort = `postgresql://${pg!.user}:Cl0sed-Pa55word-99@127.0.0.1:1/postgres`;
    const keyword = `host=127.0.0.1 port=${pg!.port} user=${pg!.user} password=Kw-Pa55word-55-wrong dbname=postgres`;
    const r = await run(
      `
flow:
  name: bad dsns
  steps:
    - id: wrong_password
      action: database_query
      on_error: continue
      config:
        connection: "{{WRONG}}"
        query: SELECT 1
    - id: closed_port
      action: database_query
      on_error: continue
      config:
        connection: "{{CLOSED}}"
        query: SELECT 1
    - id: keyword
      action: database_query
      on_error: continue
      config:
        connection: "{{KEYWORD}}"
        query: SELECT 1
    - id: echo
      action: log
      config:
        message: "dsns: {{WRONG}} {{CLOSED}} {{KEYWORD}}"
`,
      { WRONG: wrong, CLOSED: closedPort, KEYWORD: keyword },
    );
    assert.match(
      step(r, 'wrong_password').error!,
      /cannot connect to postgresql:\/\/testmesh:\*\*\*@127\.0\.0\.1:\d+\/postgres: password authentication failed for user "testmesh" \(SQLSTATE 28P01\)/,
    );
    assert.match(
      step(r, 'closed_port').error!,
      /cannot connect to postgresql:\/\/testmesh:\*\*\*@127\.0\.0\.1:1\/postgres: connection refused \(ECONNREFUSED\)/,
    );
    assert.match(step(r, 'keyword').error!, /password=\*\*\* dbname=postgres: password authentication failed/);
    const everything = JSON.stringify([r.result, r.events, r.details]);
    for (const secret of ['Wr0ng-Pa55word-77', 'Cl0sed-Pa55word-99', 'Kw-Pa55word-55-wrong']) {
      assert.ok(
        !everything.includes(secret),
        `${secret} leaked: ${everything.slice(everything.indexOf(secret) - 200, everything.indexOf(secret) + 50)}`,
      );
    }
    // The log step printed the DSNs: the registered secrets made them ***.
    const logged = r.events.find((e) => e.type === 'log' && (e.data as { step_id?: string }).step_id === 'echo');
    assert.match((logged!.data as { message: string }).message, /testmesh:\*\*\*@/);
  });

  it('the working password is a secret too: never in events, details or results', async () => {
    const r = await run(
      `
flow:
  name: secret
  steps:
    - id: before
      action: log
      config:
        message: "about to use {{DB}}"
    - id: q
      action: database_query
      config:
        connection: "{{DB}}"
        query: SELECT current_user AS who, $1::text AS dsn_echo
        params: ["{{DB}}"]
      assert:
        - first_row.who == 'testmesh'
`,
      { DB: dsn('tm-secret') },
    );
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps));
    const everything = JSON.stringify([r.result, r.events, r.details]);
    assert.ok(!everything.includes(pg!.password), 'the password leaked');
    // Known as a secret from the start (it is in a variable), not only once the query ran.
    const logged = r.events.find((e) => e.type === 'log' && (e.data as { step_id?: string }).step_id === 'before');
    assert.match(
      (logged!.data as { message: string }).message,
      /^about to use postgresql:\/\/testmesh:\*\*\*@127\.0\.0\.1/,
    );
  });

  it('the examples/db flows pass through the real CLI, and its reports never show the password', async function () {
    this.timeout(CLI_SUITE_TIMEOUT_MS);
    if (!existsSync(CLI)) {
      const build = spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(build.status, 0, `building dist/cli.js failed:\n${build.stderr}`);
    }
    const files = readdirSync(join(ROOT, 'examples', 'db')).filter((f) => /\.flow\.ya?ml$/.test(f));
    assert.ok(files.length >= 1, 'no flows in examples/db');
    const { code, stdout, stderr } = await runCli(
      [
        'run',
        'examples/db',
        '--var',
        `DATABASE_URL=${dsn('tm-examples')}`,
        '--reporter',
        'json',
        '--reporter',
        'pretty',
      ],
      { cwd: ROOT },
    );
    assert.equal(code, 0, `stdout:\n${stdout}\nstderr:\n${stderr}`);
    assert.ok(!stdout.includes(pg!.password) && !stderr.includes(pg!.password), 'the password shows in the CLI output');
    await waitFor(
      async () => (await connectionsOf('tm-examples')) === 0,
      10_000,
      'the CLI run to leave no connection behind',
    );
  });

  it('explains bad config: params not a list, an empty query, a syntax error', async () => {
    const r = await run(
      `
flow:
  name: bad config
  steps:
    - id: params_map
      action: database_query
      on_error: continue
      config:
        connection: "{{DB}}"
        query: SELECT $1
        params: "{{NOT_A_LIST}}"
    - id: syntax
      action: database_query
      on_error: continue
      config:
        connection: "{{DB}}"
        query: SELEC 1
`,
      { DB: dsn('tm-bad'), NOT_A_LIST: { a: 1 } },
    );
    assert.match(step(r, 'params_map').error!, /config\.params must be a list/);
    assert.match(step(r, 'syntax').error!, /query failed: syntax error at or near "SELEC" \(SQLSTATE 42601\)/);
  });
});
