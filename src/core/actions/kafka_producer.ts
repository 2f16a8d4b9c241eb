/**
 * `kafka_producer` (TestMesh's action) and `kafka.produce` (its Kafka plugin's form): sends
 * messages to a topic on the execution's producer (kafkaClient.ts) and waits for the broker's
 * acknowledgement from all in-sync replicas.
 *
 * kafka_producer: one message from `payload` (text as is, anything else as JSON), `key`,
 * `headers`, `compression`. Result: `success`, `topic`, `partition`, `offset`, `key`, `duration_ms`.
 * kafka.produce: `messages: [{key, value, headers}]` or one `key` + `value`. Result: `topic`,
 * `messages_sent`, `partitions: [{partition, offset}]`.
 */
import type { CompressionTypes, Message } from 'kafkajs';
import { kafkajs } from '../libraries';
import { TestMeshError } from '../errors';
import { stringifyValue } from '../template';
import { optionalList, optionalMap, optionalString, requireString, type Config } from './config';
import { encodePayload, kafkaErrorMessage, producerFor, readConnection } from './kafkaClient';
import { registerAction } from './registry';
import type { ActionContext } from './types';

const COMPRESSIONS: Record<string, 'None' | 'GZIP'> = {
  none: 'None',
  '': 'None',
  gzip: 'GZIP',
};

function readCompression(config: Config): CompressionTypes {
  const name = (optionalString(config, 'compression') ?? 'none').toLowerCase();
  const found = COMPRESSIONS[name];
  if (found !== undefined) return kafkajs().CompressionTypes[found];
  if (['snappy', 'lz4', 'zstd'].includes(name)) {
    throw new TestMeshError(
      `config.compression: ${name} is not supported here (no native codec in the extension); use gzip or none`,
    );
  }
  throw new TestMeshError(`config.compression must be none or gzip, got ${JSON.stringify(config.compression)}`);
}

function readHeaders(value: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!value) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) headers[name] = stringifyValue(v);
  return headers;
}

interface Sent {
  partition: number;
  offset: number;
}

/** Sends the messages one by one (in order), so each gets its own partition and offset back. */
async function send(
  ctx: ActionContext,
  config: Config,
  topic: string,
  messages: Message[],
  compression: CompressionTypes,
  brokersFallback?: string,
): Promise<Sent[]> {
  const connection = await readConnection(config, ctx, brokersFallback);
  const sent: Sent[] = [];
  for (const message of messages) {
    let record;
    try {
      const producer = await producerFor(ctx, connection);
      [record] = await producer.send({ topic, messages: [message], acks: -1, compression });
    } catch (err) {
      throw new TestMeshError(
        `kafka: sending to topic '${topic}' on ${connection.brokers.join(',')} failed: ${kafkaErrorMessage(err)}`,
      );
    }
    const partition = record?.partition ?? -1;
    const offset = Number(record?.baseOffset ?? record?.offset ?? -1);
    sent.push({ partition, offset });
    ctx.recordMessage({
      direction: 'sent',
      channel: `${topic}[${partition}]@${offset}`,
      key: message.key === undefined || message.key === null ? undefined : String(message.key),
      headers: message.headers as Record<string, string> | undefined,
      body: message.value === null ? null : String(message.value),
    });
    if (ctx.signal.aborted) throw ctx.signal.reason;
  }
  return sent;
}

registerAction({
  name: 'kafka_producer',
  async run(config, ctx) {
    const started = performance.now();
    const topic = requireString(config, 'topic');
    if (config.payload === undefined || config.payload === null)
      throw new TestMeshError('config.payload is required (the message value: text, or a map or list sent as JSON)');
    const key = optionalString(config, 'key');
    const message: Message = {
      value: encodePayload(config.payload),
      headers: readHeaders(optionalMap(config, 'headers')),
    };
    if (key) message.key = key;
    const [sent] = await send(ctx, config, topic, [message], readCompression(config));
    return {
      success: true,
      topic,
      partition: sent.partition,
      offset: sent.offset,
      key: key ?? '',
      duration_ms: Math.round(performance.now() - started),
    };
  },
});

registerAction({
  name: 'kafka.produce',
  async run(config, ctx) {
    const topic = requireString(config, 'topic');
    const given = optionalList(config, 'messages');
    const entries: Config[] = given
      ? given.map((entry, i) => {
          if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
            throw new TestMeshError(`config.messages[${i}] must be a map with key and value`);
          return entry as Config;
        })
      : [config];
    const messages = entries.map((entry): Message => {
      const key = optionalString(entry, 'key');
      const value = entry.value === undefined || entry.value === null ? '' : encodePayload(entry.value);
      const message: Message = { value, headers: readHeaders(optionalMap(entry, 'headers')) };
      if (key) message.key = key;
      return message;
    });
    if (messages.length === 0) throw new TestMeshError('config.messages is empty: nothing to send');
    // The plugin form defaults to a local broker, as TestMesh's plugin does.
    const sent = await send(ctx, config, topic, messages, readCompression(config), 'localhost:9092');
    return { topic, messages_sent: sent.length, partitions: sent };
  },
});
