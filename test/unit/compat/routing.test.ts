/** TestMesh's environment routing defaults and the default database connection. */
import assert from 'node:assert/strict';
import { routingFrom, withRouting } from '../../../src/core/engine/routing';
import { json, readBody, runRecorded, startServer, stepOf } from '../helpers';

describe('compat: routing defaults (__rtov__, __rthr__)', () => {
  const none = () => undefined;

  it('reads action defaults and headers from run variables; the step config wins', () => {
    const routing = routingFrom(
      Object.entries({
        __rtov__database_query__connection: 'postgres://a',
        '__rthr__X-Tenant': 't1',
        __rtov__bad: 'x',
        PLAIN: 1,
      }),
    );
    assert.ok(routing);
    assert.deepEqual(withRouting('database_query', { query: 'SELECT 1' }, routing, none), {
      query: 'SELECT 1',
      connection: 'postgres://a',
    });
    assert.deepEqual(
      withRouting('database_query', { query: 'q', connection: 'postgres://b' }, routing, none).connection,
      'postgres://b',
    );
    assert.deepEqual(
      withRouting('http_request', { url: 'u', headers: { 'x-tenant': 'mine' } }, routing, none).headers,
      { 'x-tenant': 'mine' },
    );
    assert.deepEqual(withRouting('http_request', { url: 'u' }, routing, none).headers, { 'X-Tenant': 't1' });
    assert.equal(routingFrom(Object.entries({ A: 1 })), undefined);
  });

  it('falls back to DATABASE_URL for a database_query without connection', () => {
    const config = { query: 'q' };
    assert.equal(
      withRouting('database_query', config, undefined, (name) =>
        name === 'DATABASE_URL' ? 'postgres://env' : undefined,
      ).connection,
      'postgres://env',
    );
    assert.equal(withRouting('database_query', config, undefined, none), config);
  });

  it('says which settings give a default when a database_query has no connection', async () => {
    const run = await runRecorded(
      'flow:\n  name: db\n  steps:\n    - id: q\n      action: database_query\n      config: {query: SELECT 1}\n',
      {},
    );
    assert.match(
      stepOf(run, 'q').error ?? '',
      /database_query needs a connection: set config\.connection, or .* __rtov__database_query__connection .* or DATABASE_URL/,
    );
  });

  it('adds routing headers to every http_request', async () => {
    const seen: string[] = [];
    const api = await startServer(async (req, res) => {
      await readBody(req);
      seen.push(String(req.headers['x-tenant']));
      json(res, 200, {});
    });
    try {
      const run = await runRecorded(
        `flow:\n  name: h\n  steps:\n    - id: a\n      action: http_request\n      config: {url: "${api.url}/a"}\n`,
        { '__rthr__X-Tenant': 'acme' },
      );
      assert.equal(run.result.status, 'completed');
      assert.deepEqual(seen, ['acme']);
    } finally {
      await api.close();
    }
  });
});
