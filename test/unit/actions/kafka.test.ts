/**
 * The Kafka actions against a real Apache Kafka broker (test/support/kafka.ts: one KRaft node
 * for the whole test run). Without Java or the broker's jars the tests are skipped loudly,
 * except in CI (CI set), where that is a failure.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { runFlow } from '../../../src/core/engine/executor';
import { formatDiagnostic } from '../../../src/core/errors';
import type { ExecutionEvent } from '../../../src/core/events';
import { parseFlowText } from '../../../src/core/flow/load';
import { flowFrom, runRecorded, stepOf, waitFor } from '../helpers';
import { KAFKA_SASL_PASSWORD, KAFKA_SASL_USER, sharedKafkaOrSkip, type KafkaBroker } from '../../support/kafka';

describe('Kafka actions against Apache Kafka', function () {
  this.timeout(60_000);
  let broker: KafkaBroker;
  let admin: Admin;
  const topicName = (what: string) => `tm-${what}-${randomUUID().slice(0, 8)}`;
  const vars = () => ({ KAFKA_BROKERS: broker.brokers });

  before(async function () {
    this.timeout(240_000);
    broker = await sharedKafkaOrSkip(this, 'Kafka action tests');
    admin = new Kafka({ clientId: 'test-admin', brokers: [broker.brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });

  after(async () => {
    await admin?.disconnect();
  });

  /** Creates a topic; a broker that has just started may still refuse metadata for a moment. */
  async function createTopic(topic: string, partitions = 1): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
        return;
      } catch (err) {
        if (attempt >= 10) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  it('produces JSON and text messages and consumes them with parsed values, keys and headers', async () => {
    const topic = topicName('roundtrip');
    await createTopic(topic);
    const run = await runRecorded(
      `
flow:
  name: roundtrip
  steps:
    - id: send_order
      action: kafka_producer
      config:
        brokers: "{{KAFKA_BROKERS}}"
        topic: ${topic}
        key: "order-1"
        headers: { source: tests, attempt: 1 }
        payload: { order_id: "o-1", total: 42.5, items: [1, 2] }
      assert:
        - success == true
        - partition == 0
        - offset == 0
        - key == "order-1"
    - id: send_text
      action: kafka_producer
      config:
        brokers: ["{{KAFKA_BROKERS}}"]
        topic: ${topic}
        payload: "plain text, not JSON"
        compression: gzip
      assert:
        - offset == 1
    - id: read
      action: kafka_consumer
      config:
        brokers: "{{KAFKA_BROKERS}}"
        topic: ${topic}
        group_id: "g-{{RANDOM_ID}}"
        from_beginning: true
        count: 2
        timeout: 30s
      assert:
        - count == 2
        - len(messages) == 2
        - messages[0].value.order_id == "o-1"
        - messages[0].value.total == 42.5
        - messages[0].key == "order-1"
        - messages[0].headers.source == "tests"
        - messages[0].headers.attempt == "1"
        - messages[0].topic == "${topic}"
        - messages[1].value == "plain text, not JSON"
        - messages[1].offset == 1
      output:
        first_order: $.messages[0].value.order_id
`,
      vars(),
    );
    assert.equal(
      run.result.status,
      'completed',
      JSON.stringify(run.result.steps.map((s) => [s.step_id, s.status, s.error])),
    );
    assert.equal(stepOf(run, 'read').outputs?.first_order, 'o-1');
    // Live events: one log line per message sent and received, and the messages in the step detail.
    const logs = run.events
      .filter((e): e is Extract<ExecutionEvent, { type: 'log' }> => e.type === 'log')
      .map((e) => `${e.data.step_id}: ${e.data.message}`);
    assert.ok(
      logs.some((l) => l.startsWith('send_order: → sent') && l.includes(`${topic}[0]@0`) && l.includes('key=order-1')),
      logs.join('\n'),
    );
    assert.equal(logs.filter((l) => l.startsWith('read: ← received')).length, 2, logs.join('\n'));
    const readDetail = run.details.find((d) => d.step_id === 'read');
    assert.equal(readDetail?.messages?.length, 2);
    assert.deepEqual(readDetail?.messages?.[0].body, { order_id: 'o-1', total: 42.5, items: [1, 2] });
    assert.equal(readDetail?.messages?.[0].direction, 'received');
    assert.equal(run.details.find((d) => d.step_id === 'send_order')?.messages?.[0].direction, 'sent');
  });

  it('waits for a message matching a filter expression and skips the others', async () => {
    const topic = topicName('filter');
    await createTopic(topic);
    const run = await runRecorded(
      `
flow:
  name: filter
  env:
    WANTED: "o-7"
  steps:
    - id: noise
      action: kafka.produce
      config:
        brokers: "{{KAFKA_BROKERS}}"
        topic: ${topic}
        messages:
          - { key: a, value: { order_id: "o-5", status: "placed" } }
          - { key: b, value: { order_id: "o-7", status: "placed" }, headers: { kind: draft } }
          - { key: c, value: { order_id: "o-7", status: "paid" }, headers: { kind: final } }
      assert:
        - messages_sent == 3
        - partitions[2].offset == 2
    - id: wait_paid
      action: kafka_consumer
      config:
        brokers: "{{KAFKA_BROKERS}}"
        topic: ${topic}
        group_id: "g-{{RANDOM_ID}}"
        auto_offset_reset: earliest
        filter: "value.order_id == '{{WANTED}}' && headers.kind == 'final'"
        timeout: 20s
      assert:
        - count == 1
        - messages[0].key == "c"
        - messages[0].value.status == "paid"
    - id: map_filter
      action: kafka_consumer
      config:
        brokers: "{{KAFKA_BROKERS}}"
        topic: ${topic}
        group_id: "g-{{RANDOM_ID}}"
        from_beginning: true
        count: 2
        filter: { json_path: "$.order_id", json_value: "{{WANTED}}" }
        timeout: 20s
      assert:
        - count == 2
        - messages[0].key == "b"
`,
      vars(),
    );
    assert.equal(
      run.result.status,
      'completed',
      JSON.stringify(run.result.steps.map((s) => [s.step_id, s.status, s.error])),
    );
    const detail = run.details.find((d) => d.step_id === 'wait_paid');
    assert.equal(
      detail?.messages?.filter((m) => m.channel.includes('filtered out')).length,
      2,
      'the skipped messages show as filtered out',
    );
  });

  it('fails when fewer than count messages arrive in time, saying how many it saw and showing the last', async () => {
    const topic = topicName('short');
    await createTopic(topic);
    const run = await runRecorded(
      `
flow:
  name: short
  steps:
    - id: one
      action: kafka_producer
      config: { brokers: "{{KAFKA_BROKERS}}", topic: ${topic}, key: k1, payload: { n: 1 } }
    - id: want_three
      action: kafka_consumer
      config:
        brokers: "{{KAFKA_BROKERS}}"
        topic: ${topic}
        group_id: "g-{{RANDOM_ID}}"
        from_beginning: true
        count: 3
        timeout: 4s
`,
      vars(),
    );
    assert.equal(run.result.status, 'failed');
    const error = stepOf(run, 'want_three').error ?? '';
    assert.match(error, /got 1 of 3 message\(s\) from 'tm-short-[0-9a-f]+' \(group 'g-[^']+'\) within 4(\.00)? s/);
    assert.match(error, /the last 1 seen: tm-short-[0-9a-f]+\[0\]@0 key=k1 \{"n":1\}/);
  });

  it('commits what a group took: the same group does not see it again, a new group does', async () => {
    const topic = topicName('commit');
    await createTopic(topic);
    const group = `g-${randomUUID()}`;
    const consumeStep = (id: string, groupId: string, extra = '') => `
    - id: ${id}
      action: kafka_consumer
      config: { brokers: "{{KAFKA_BROKERS}}", topic: ${topic}, group_id: "${groupId}", from_beginning: true, timeout: 20s ${extra} }`;
    const run = await runRecorded(
      `
flow:
  name: commit
  steps:
    - id: send
      action: kafka.produce
      config: { brokers: "{{KAFKA_BROKERS}}", topic: ${topic}, messages: [{ value: first }, { value: second }] }
${consumeStep('take_first', group)}
      assert: [ 'messages[0].value == "first"' ]
${consumeStep('take_second', group)}
      assert: [ 'messages[0].value == "second"' ]
${consumeStep('other_group', `${group}-other`)}
      assert: [ 'messages[0].value == "first"' ]
`,
      vars(),
    );
    assert.equal(
      run.result.status,
      'completed',
      JSON.stringify(run.result.steps.map((s) => [s.step_id, s.status, s.error])),
    );
  });

  it('cancel stops a waiting consumer at once and leaves no group member behind', async () => {
    const topic = topicName('cancel');
    await createTopic(topic);
    const group = `g-${randomUUID()}`;
    const controller = new AbortController();
    const events: ExecutionEvent[] = [];
    const running = runFlow(
      flowFrom(`
flow:
  name: cancel
  steps:
    - id: wait_forever
      action: kafka_consumer
      config: { brokers: "{{KAFKA_BROKERS}}", topic: ${topic}, group_id: "${group}", timeout: 5m }
`),
      { variables: vars(), signal: controller.signal, onEvent: (e) => events.push(e) },
    );
    // Wait until the consumer is a member of its group, then cancel.
    await waitFor(
      async () => (await admin.describeGroups([group])).groups[0]?.members.length === 1,
      30_000,
      'the consumer to join its group',
    );
    const cancelledAt = performance.now();
    controller.abort();
    const result = await running;
    const took = performance.now() - cancelledAt;
    assert.equal(result.status, 'cancelled');
    assert.ok(took < 15_000, `the run ended ${Math.round(took)} ms after the cancel`);
    const described = (await admin.describeGroups([group])).groups[0];
    assert.equal(described.members.length, 0, `members left behind: ${JSON.stringify(described)}`);
  });

  it('the plugin forms: kafka.admin.createTopic / topics / deleteTopic and kafka.consume', async () => {
    const topic = topicName('plugin');
    const run = await runRecorded(
      `
flow:
  name: plugin
  steps:
    - id: create
      action: kafka.admin.createTopic
      config: { brokers: "{{KAFKA_BROKERS}}", topic: ${topic}, partitions: 2 }
      assert: [ created == true, partitions == 2 ]
    - id: list
      action: kafka.admin.topics
      config: { brokers: "{{KAFKA_BROKERS}}" }
      assert:
        - len(topics) >= 1
    - id: send
      action: kafka.produce
      config: { brokers: "{{KAFKA_BROKERS}}", topic: ${topic}, key: same-key, value: { hello: world } }
    - id: read
      action: kafka.consume
      config: { brokers: "{{KAFKA_BROKERS}}", topic: ${topic}, fromBeginning: true, maxMessages: 5, timeout: 3000 }
      assert:
        - messages_received == 1
        - messages[0].value.hello == "world"
    - id: drop
      action: kafka.admin.deleteTopic
      config: { brokers: "{{KAFKA_BROKERS}}", topic: ${topic} }
      assert: [ 'deleted[0] == "${topic}"' ]
`,
      vars(),
    );
    assert.equal(
      run.result.status,
      'completed',
      JSON.stringify(run.result.steps.map((s) => [s.step_id, s.status, s.error])),
    );
    const listed = run.results.get('list') as {
      topics: Array<{ name: string; partitions: number; replicationFactor: number }>;
    };
    assert.deepEqual(
      listed.topics.find((t) => t.name === topic),
      { name: topic, partitions: 2, replicationFactor: 1 },
    );
  });

  it('authenticates with SASL PLAIN and never shows the password; a wrong password fails clearly', async function () {
    if (!broker.saslBrokers) this.skip();
    const topic = topicName('sasl');
    await createTopic(topic);
    const run = await runRecorded(
      `
flow:
  name: sasl
  steps:
    - id: good
      action: kafka_producer
      config:
        brokers: "{{SASL_BROKERS}}"
        topic: ${topic}
        sasl: { mechanism: PLAIN, username: "${KAFKA_SASL_USER}", password: "{{KAFKA_PASSWORD}}" }
        payload: "password is {{KAFKA_PASSWORD}}"
      assert: [ success == true ]
    - id: bad
      action: kafka_producer
      config:
        brokers: "{{SASL_BROKERS}}"
        topic: ${topic}
        sasl: { mechanism: PLAIN, username: "${KAFKA_SASL_USER}", password: "wrong-Pass-123" }
        payload: x
`,
      { SASL_BROKERS: broker.saslBrokers, KAFKA_PASSWORD: KAFKA_SASL_PASSWORD },
    );
    assert.equal(stepOf(run, 'good').status, 'completed', stepOf(run, 'good').error);
    const bad = stepOf(run, 'bad');
    assert.equal(bad.status, 'failed');
    assert.match(bad.error ?? '', /SASL PLAIN authentication failed/i);
    const everything = JSON.stringify([run.events, run.details]);
    assert.ok(!everything.includes(KAFKA_SASL_PASSWORD), 'the SASL password shows somewhere');
    assert.ok(!everything.includes('wrong-Pass-123'), 'the wrong SASL password shows somewhere');
  });

  it('an unreachable broker fails quickly with the address in the error', async () => {
    const run = await runRecorded(
      `
flow:
  name: unreachable
  steps:
    - id: send
      action: kafka_producer
      config: { brokers: "127.0.0.1:1", topic: nowhere, payload: x }
`,
      {},
    );
    const error = stepOf(run, 'send').error ?? '';
    assert.match(error, /kafka: sending to topic 'nowhere' on 127\.0\.0\.1:1 failed: .*ECONNREFUSED/);
  });
});

describe('Kafka and gRPC steps without a server', () => {
  it('the validator names misspelt keys and actions with a did-you-mean, and missing required keys', () => {
    const { diagnostics } = parseFlowText(
      `
flow:
  name: typos
  steps:
    - id: consume
      action: kafka_consumer
      config: { brokers: "b:9092", topic: t, grou_id: g, from_begining: true }
    - id: produce
      action: kafka_produer
      config: { topic: t }
    - id: call
      action: grpc_call
      config: { address: "a:1", service: s, methd: M }
`,
      'typos.flow.yaml',
    );
    const text = diagnostics.map(formatDiagnostic).join('\n');
    assert.match(text, /unknown config key 'grou_id' for kafka_consumer \(did you mean 'group_id'\?\)/);
    assert.match(text, /unknown config key 'from_begining' for kafka_consumer \(did you mean 'from_beginning'\?\)/);
    assert.match(text, /unknown action 'kafka_produer' \(did you mean 'kafka_producer'\?\)/);
    assert.match(text, /unknown config key 'methd' for grpc_call \(did you mean 'method'\?\)/);
    assert.match(text, /step 'call': grpc_call needs 'method' in its config/);
  });

  it('mark the TLS key (whole and line by line) and its password secret for the whole run', async () => {
    const keyLines = [
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
      'o4qne60TB3wolGJ0Wd5ukXmOaeCbbuH7Jy5e9zVUKr3S2LSuKrNA',
    ];
    const key = `-----BEGIN PRIVATE KEY-----\n${keyLines.join('\n')}\n-----END PRIVATE KEY-----\n`;
    const run = await runRecorded(
      `
flow:
  name: tls-secrets
  steps:
    - id: send
      on_error: continue
      action: kafka_producer
      config:
        brokers: "127.0.0.1:1"
        topic: nowhere
        payload: x
        tls: { key: "{{TLS_KEY}}", password: "{{KEY_PASS}}", insecure_skip_verify: true }
    - id: leak
      action: log
      config: { message: "key={{TLS_KEY}} line={{LINE}} pass={{KEY_PASS}}" }
`,
      { TLS_KEY: key, LINE: keyLines[1], KEY_PASS: 'key-Pass-phrase-9' },
    );
    const everything = JSON.stringify([run.events, run.details]);
    for (const secret of [...keyLines, 'key-Pass-phrase-9']) assert.ok(!everything.includes(secret), `${secret} shows`);
    assert.match(everything, /key=\*\*\*/);
  });
});
