import assert from 'node:assert/strict';
import {
  ACTION_SPECS,
  FLOW_KEYS,
  KNOWN_ACTIONS,
  nestedKeys,
  RETRY_KEYS,
  STEP_KEYS,
} from '../../../src/core/flow/actionSpecs';

describe('action specs', () => {
  it('covers every action of FLOW-FORMAT.md', () => {
    assert.deepEqual(KNOWN_ACTIONS, [
      'http_request',
      'log',
      'delay',
      'assert',
      'transform',
      'condition',
      'for_each',
      'parallel',
      'wait_for',
      'wait_until',
      'run_flow',
      'websocket',
      'database_query',
      'kafka_producer',
      'kafka_consumer',
      'kafka.produce',
      'kafka.consume',
      'kafka.admin.topics',
      'kafka.admin.createTopic',
      'kafka.admin.deleteTopic',
      'grpc',
      'grpc_call',
      'grpc_stream',
      'db_poll',
      'redis.get',
      'redis.set',
      'redis.del',
      'redis.exists',
      'postgresql.query',
      'postgresql.insert',
      'postgresql.update',
      'postgresql.delete',
      'postgresql.assert',
      'postgresql.execute',
      'postgresql.transaction',
      'postgresql.tables',
      'postgresql.columns',
      'mock_server_start',
      'mock_server_configure',
      'mock_server_verify',
      'mock_server_stop',
      'prometheus.query',
      'prometheus.assert',
      'otel.inject',
    ]);
  });

  it('describes every action and key, with well-formed types', () => {
    for (const [action, spec] of Object.entries(ACTION_SPECS)) {
      assert.ok(spec.description.length > 10, `${action} has a description`);
      for (const [key, keySpec] of Object.entries(spec.config)) {
        const where = `${action}.${key}`;
        assert.ok(keySpec.description.length > 3, `${where} has a description`);
        assert.equal(
          keySpec.type === 'enum',
          Array.isArray(keySpec.values) && keySpec.values.length > 0,
          `${where}: enum <=> values`,
        );
        assert.equal(keySpec.type === 'steps', keySpec.nested === 'steps', `${where}: steps <=> nested steps`);
        if (keySpec.nested === 'branches') assert.equal(keySpec.type, 'list', where);
        if (keySpec.listOf || keySpec.orExpression) assert.equal(keySpec.type, 'list', where);
        if (keySpec.integer !== undefined || keySpec.min !== undefined) assert.equal(keySpec.type, 'number', where);
      }
    }
    for (const table of [FLOW_KEYS, STEP_KEYS, RETRY_KEYS]) {
      for (const [key, keySpec] of Object.entries(table))
        assert.ok(keySpec.description.length > 3, `${key} has a description`);
    }
  });

  it('names the keys that hold nested steps', () => {
    assert.deepEqual(nestedKeys('condition'), ['then', 'else']);
    assert.deepEqual(nestedKeys('for_each'), ['steps']);
    assert.deepEqual(nestedKeys('parallel'), ['branches']);
    assert.equal(ACTION_SPECS.parallel.config.branches.nested, 'branches');
    assert.deepEqual(nestedKeys('http_request'), []);
    assert.deepEqual(nestedKeys('toString'), []);
    assert.deepEqual(nestedKeys('nope'), []);
  });

  it('marks the required keys', () => {
    const required = Object.fromEntries(
      Object.entries(ACTION_SPECS).map(([action, spec]) => [
        action,
        Object.keys(spec.config).filter((k) => spec.config[k].required),
      ]),
    );
    assert.deepEqual(required, {
      http_request: ['url'],
      log: ['message'],
      delay: ['duration'],
      assert: ['assertions'],
      transform: ['transforms'],
      condition: ['condition'],
      for_each: ['items'],
      parallel: ['branches'],
      wait_for: [],
      wait_until: ['condition'],
      run_flow: ['flow'],
      websocket: ['action'],
      database_query: ['query'],
      kafka_producer: ['brokers', 'topic', 'payload'],
      kafka_consumer: ['brokers', 'topic'],
      'kafka.produce': ['topic'],
      'kafka.consume': ['topic'],
      'kafka.admin.topics': [],
      'kafka.admin.createTopic': ['topic'],
      'kafka.admin.deleteTopic': ['topic'],
      grpc: ['address', 'service', 'method'],
      grpc_call: ['address', 'service', 'method'],
      grpc_stream: ['address', 'service', 'method'],
      db_poll: ['connection', 'query'],
      'redis.get': ['key'],
      'redis.set': ['key', 'value'],
      'redis.del': ['key'],
      'redis.exists': ['key'],
      'postgresql.query': ['query'],
      'postgresql.insert': ['table', 'data'],
      'postgresql.update': ['table', 'data', 'where'],
      'postgresql.delete': ['table', 'where'],
      'postgresql.assert': ['query'],
      'postgresql.execute': [],
      'postgresql.transaction': ['statements'],
      'postgresql.tables': [],
      'postgresql.columns': ['table'],
      mock_server_start: ['endpoints'],
      mock_server_configure: ['endpoints'],
      mock_server_verify: [],
      mock_server_stop: [],
      'prometheus.query': ['url', 'query'],
      'prometheus.assert': ['url', 'query'],
      'otel.inject': [],
    });
  });
});
