/**
 * What the Kafka actions share: reading TestMesh's connection keys (`brokers`, `sasl`, `tls`),
 * one client per broker list and credentials per execution (its producer and admin connections
 * made on first use and closed when the execution ends), and consumers that are always
 * disconnected (leaving their group) before the execution is over.
 *
 * The client is KafkaJS: pure JavaScript with no dependencies, so the extension runs on every
 * platform VS Code does (Node 20 in the extension host), and it speaks the protocol versions
 * Apache Kafka 4 still serves (checked by the tests against a real 4.x broker).
 */
import type { ConnectionOptions } from 'node:tls';
import type { Admin, Consumer, Kafka, Producer, SASLOptions } from 'kafkajs';
import { kafkajs } from '../libraries';
import { TestMeshError } from '../errors';
import { optionalMap, optionalNumber, optionalString, type Config } from './config';
import { readTls } from './tlsConfig';
import { executionState } from './executionResources';
import type { ActionContext } from './types';

const STATE_KEY = 'kafka.clients';
/** Connect and retry quickly: a test should fail in seconds when a broker is not there. */
const CONNECTION_TIMEOUT_MS = 5_000;
const RETRY = { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 };

export interface KafkaConnection {
  brokers: string[];
  sasl?: SASLOptions;
  ssl?: ConnectionOptions | boolean;
  connectionTimeoutMs: number;
  /** Identifies a client for reuse within the execution (brokers + credentials). */
  key: string;
}

interface CachedClient {
  kafka: Kafka;
  producer?: Promise<Producer>;
  admin?: Promise<Admin>;
}

interface KafkaState {
  clients: Map<string, CachedClient>;
  /** Consumers still leaving their group (after a cancel): the execution's end waits for them. */
  leaving: Set<Promise<void>>;
}

/** `brokers`: a list or a comma-separated string (entries may hold commas too), as TestMesh reads it. */
function readBrokers(config: Config, key = 'brokers', fallback?: string): string[] {
  const value = config[key] ?? fallback;
  const parts: unknown[] = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const brokers: string[] = [];
  for (const part of parts) {
    if (typeof part !== 'string')
      throw new TestMeshError(
        `config.${key} must be a list of host:port strings or a comma-separated string, got ${JSON.stringify(part)}`,
      );
    for (const entry of part.split(',')) if (entry.trim()) brokers.push(entry.trim());
  }
  if (brokers.length === 0)
    throw new TestMeshError(`config.${key} is required (host:port of a Kafka broker, e.g. "localhost:9092")`);
  for (const broker of brokers) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(broker) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(broker)) {
      throw new TestMeshError(`config.${key}: ${JSON.stringify(broker)} is not host:port`);
    }
  }
  return brokers;
}

const MECHANISMS: Record<string, 'plain' | 'scram-sha-256' | 'scram-sha-512'> = {
  plain: 'plain',
  'scram-sha-256': 'scram-sha-256',
  'scram-sha-512': 'scram-sha-512',
};

function readSasl(config: Config, ctx: ActionContext): SASLOptions | undefined {
  const sasl = optionalMap(config, 'sasl');
  if (!sasl) return undefined;
  const mechanismText = (optionalString(sasl, 'mechanism') ?? 'PLAIN').toLowerCase();
  const mechanism = MECHANISMS[mechanismText];
  if (!mechanism)
    throw new TestMeshError(
      `config.sasl.mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got ${JSON.stringify(sasl.mechanism)}`,
    );
  const username = optionalString(sasl, 'username') ?? '';
  const password = optionalString(sasl, 'password') ?? '';
  // The password never shows in events, details, history or reports from here on.
  if (password) ctx.addSecret(password);
  if (!username) throw new TestMeshError('config.sasl.username is required when sasl is set');
  return { mechanism, username, password };
}

export async function readConnection(
  config: Config,
  ctx: ActionContext,
  brokersFallback?: string,
): Promise<KafkaConnection> {
  const brokers = readBrokers(config, 'brokers', brokersFallback);
  const sasl = readSasl(config, ctx);
  const ssl = await readTls(config, ctx);
  const connectionTimeoutMs = optionalNumber(config, 'connectionTimeout') ?? CONNECTION_TIMEOUT_MS;
  const key = JSON.stringify([brokers, sasl ?? null, ssl ?? null, connectionTimeoutMs]);
  return { brokers, sasl, ssl, connectionTimeoutMs, key };
}

function state(ctx: ActionContext): KafkaState {
  return executionState<KafkaState>(
    ctx,
    STATE_KEY,
    () => ({ clients: new Map(), leaving: new Set() }),
    async (created) => {
      const clients = [...created.clients.values()];
      created.clients.clear();
      const closing: Promise<unknown>[] = [...created.leaving];
      for (const client of clients) {
        if (client.producer) closing.push(client.producer.then((p) => p.disconnect()).catch(() => undefined));
        if (client.admin) closing.push(client.admin.then((a) => a.disconnect()).catch(() => undefined));
      }
      await Promise.all(closing);
    },
  );
}

function client(ctx: ActionContext, connection: KafkaConnection): CachedClient {
  const clients = state(ctx).clients;
  let cached = clients.get(connection.key);
  if (!cached) {
    const kafka = new (kafkajs().Kafka)({
      clientId: 'testmesh',
      brokers: connection.brokers,
      sasl: connection.sasl,
      ssl: connection.ssl,
      connectionTimeout: connection.connectionTimeoutMs,
      retry: RETRY,
      // Errors reach the step as exceptions; KafkaJS's own console logging would only be noise.
      logLevel: kafkajs().logLevel.NOTHING,
    });
    cached = { kafka };
    clients.set(connection.key, cached);
  }
  return cached;
}

/** The execution's producer for these brokers and credentials, connected on first use. */
export function producerFor(ctx: ActionContext, connection: KafkaConnection): Promise<Producer> {
  const entry = client(ctx, connection);
  entry.producer ??= connectedOrForgotten(
    entry.kafka.producer({
      createPartitioner: kafkajs().Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: true,
      retry: RETRY,
    }),
    () => (entry.producer = undefined),
  );
  return entry.producer;
}

/** The execution's admin client for these brokers and credentials, connected on first use. */
export function adminFor(ctx: ActionContext, connection: KafkaConnection): Promise<Admin> {
  const entry = client(ctx, connection);
  entry.admin ??= connectedOrForgotten(entry.kafka.admin({ retry: RETRY }), () => (entry.admin = undefined));
  return entry.admin;
}

/** Connects a cached client; a failed connect is not kept (`forget`), so the next step tries again. */
function connectedOrForgotten<T extends { connect(): Promise<void> }>(kafkaClient: T, forget: () => void): Promise<T> {
  return kafkaClient.connect().then(
    () => kafkaClient,
    (err) => {
      forget();
      throw err;
    },
  );
}

/** A new consumer (one per step: its group membership ends with the step). */
export function newConsumer(ctx: ActionContext, connection: KafkaConnection, groupId: string): Consumer {
  return client(ctx, connection).kafka.consumer({
    groupId,
    allowAutoTopicCreation: true,
    retry: RETRY,
    // Short waits so a consumer notices the end of its step (count reached, timeout) quickly.
    maxWaitTimeInMs: 250,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    rebalanceTimeout: 10_000,
  });
}

/**
 * Disconnects a consumer (it leaves its group) once `after` has settled (a join in progress);
 * the execution's end waits until it has.
 */
export function leave(ctx: ActionContext, consumer: Consumer, after?: Promise<void>): Promise<void> {
  const leaving = state(ctx).leaving;
  const done: Promise<void> = Promise.resolve(after)
    .then(() => consumer.disconnect())
    .catch(() => undefined)
    .finally(() => leaving.delete(done));
  leaving.add(done);
  return done;
}

/** One line for a KafkaJS error: its message and, when there is one, its cause. */
export function kafkaErrorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause =
    (err as { cause?: unknown; originalError?: unknown }).originalError ?? (err as { cause?: unknown }).cause;
  const causeText = cause instanceof Error && !err.message.includes(cause.message) ? ` (${cause.message})` : '';
  return `${err.message}${causeText}`;
}

/** Kafka headers (Buffer or string values, possibly repeated) as a name -> text map. */
export function headersToText(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
    out[name] = Array.isArray(value) ? value.map(text).join(',') : text(value);
  }
  return out;
}

/** A message value: JSON text is parsed (as TestMesh's users read `messages[0].value.field`), other text stays text. */
export function decodeValue(value: Buffer | null): unknown {
  if (value === null) return null;
  const text = value.toString('utf8');
  const first = text.trimStart()[0];
  if (first === '{' || first === '[' || first === '"') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** A payload as message text: strings as they are, anything else as JSON. */
export function encodePayload(payload: unknown): string {
  return typeof payload === 'string' ? payload : JSON.stringify(payload);
}
