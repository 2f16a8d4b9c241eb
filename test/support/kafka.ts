/**
 * A throwaway Apache Kafka broker for tests: the jars fetched by .ci/install-kafka.sh (Maven, into
 * ~/.cache/testmesh-tools/kafka-<version>/libs), one JVM in KRaft mode (broker + controller) on
 * 127.0.0.1 and free ports, a new log folder in a temp dir. Started ONCE per test process (the
 * first `sharedKafka()` starts it, later calls get the same one) and killed by its PID when the
 * process exits; the folder is removed.
 *
 * Listeners: PLAINTEXT (`brokers`) and SASL_PLAINTEXT with PLAIN (`saslBrokers`, user
 * `KAFKA_SASL_USER` / `KAFKA_SASL_PASSWORD`), so SASL settings are tested against the real thing.
 *
 * `TESTMESH_KAFKA_BROKERS=host:port` uses a broker that is already running instead (a developer
 * keeps one around between runs), with `TESTMESH_KAFKA_SASL_BROKERS` for its SASL listener (the
 * SASL tests are skipped without it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './ports';
import { requireOrSkip } from './required';

export const KAFKA_VERSION = process.env.TESTMESH_KAFKA_VERSION || '4.1.1';
export const KAFKA_SASL_USER = 'tm-user';
export const KAFKA_SASL_PASSWORD = 'tm-Kafka-pw-5517';

export interface KafkaBroker {
  /** `127.0.0.1:port` of the PLAINTEXT listener. */
  brokers: string;
  /** `127.0.0.1:port` of the SASL_PLAINTEXT (PLAIN) listener; undefined for an external broker. */
  saslBrokers?: string;
  /** The JVM's process id (undefined for an external broker). */
  pid?: number;
  /** How long the broker took from spawn to answering metadata requests. */
  startMs: number;
}

/** Folder of the broker's jars, or undefined when .ci/install-kafka.sh has not fetched them. */
export function findKafkaLibs(): string | undefined {
  const dir = join(
    process.env.TESTMESH_TOOLS_DIR || join(homedir(), '.cache', 'testmesh-tools'),
    `kafka-${KAFKA_VERSION}`,
  );
  return existsSync(join(dir, '.installed')) ? join(dir, 'libs') : undefined;
}

function hasJava(): boolean {
  return spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
}

const HOW_TO_GET_IT = 'bash .ci/install-kafka.sh (needs Java 17+ and Maven; npm test runs it in pretest)';

/**
 * Why the Kafka tests cannot run here, or undefined when they can. In CI that is an error for the
 * caller to throw; locally the caller skips with the message.
 */
export function kafkaUnavailable(): string | undefined {
  if (process.env.TESTMESH_KAFKA_BROKERS) return undefined;
  if (!hasJava()) return `Java is not installed: Apache Kafka needs Java 17+ (${HOW_TO_GET_IT})`;
  if (!findKafkaLibs()) return `Apache Kafka ${KAFKA_VERSION} is not fetched: run ${HOW_TO_GET_IT}`;
  return undefined;
}

/** Throws in CI, skips the mocha context locally, when the broker cannot run. */
export function requireKafkaOrSkip(ctx: Mocha.Context, what: string): void {
  requireOrSkip(ctx, what, kafkaUnavailable());
}

/** For a mocha `before` hook: the test process's broker (see sharedKafka), or the suite skipped. */
export function sharedKafkaOrSkip(ctx: Mocha.Context, what: string): Promise<KafkaBroker> {
  requireKafkaOrSkip(ctx, what);
  return sharedKafka();
}

let shared: Promise<KafkaBroker> | undefined;

/** The test process's broker, started on first use. */
export function sharedKafka(): Promise<KafkaBroker> {
  shared ??= process.env.TESTMESH_KAFKA_BROKERS
    ? Promise.resolve({
        brokers: process.env.TESTMESH_KAFKA_BROKERS,
        saslBrokers: process.env.TESTMESH_KAFKA_SASL_BROKERS || undefined,
        startMs: 0,
      })
    : startKafka();
  return shared;
}

/**
 * Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding. One in 64 of those
 * starts with '-', which kafka-storage's argument parser takes for an option (CI failed on one):
 * Kafka's own generator never makes such an id, and neither does this one.
 */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

// Small heap, serial GC and the C1 compiler only: a test broker starts faster and leaves the
// machine's cores to the tests.
const JVM_OPTIONS = [
  '-Xms128m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
];

async function startKafka(): Promise<KafkaBroker> {
  const libs = findKafkaLibs();
  if (!libs) throw new Error(`Apache Kafka ${KAFKA_VERSION} is not fetched: run ${HOW_TO_GET_IT}`);
  const classpath = join(libs, '*');
  const dir = mkdtempSync(join(tmpdir(), 'testmesh-kafka-'));
  const [plainPort, saslPort, controllerPort] = await freePorts(3);
  const properties = join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${plainPort},SASL_PLAINTEXT://127.0.0.1:${saslPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${plainPort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
      'sasl.enabled.mechanisms=PLAIN',
      `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${KAFKA_SASL_USER}" password="${KAFKA_SASL_PASSWORD}" user_${KAFKA_SASL_USER}="${KAFKA_SASL_PASSWORD}";`,
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=1',
      'auto.create.topics.enable=true',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'log.flush.interval.messages=1000000',
      '',
    ].join('\n'),
  );

  const started = performance.now();
  const format = spawnSync(
    'java',
    [
      ...JVM_OPTIONS,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      `--cluster-id=${clusterId()}`,
      '-c',
      properties,
    ],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  if (format.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`kafka-storage format failed:\n${format.stdout}${format.stderr}${format.error ?? ''}`);
  }

  const logFile = join(dir, 'broker.log');
  const child: ChildProcess = spawn('java', [...JVM_OPTIONS, '-cp', classpath, 'kafka.Kafka', properties], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pid = child.pid!;
  // Whatever happens to the test process, the broker goes with it (by its PID), and its folder.
  process.once('exit', () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  });
  // Neither the broker nor its output pipes may keep the test process alive at the end.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();

  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const deadline = Date.now() + 150_000;
  while (!(await answersMetadata(plainPort))) {
    if (exited !== undefined)
      throw new Error(
        `the Kafka broker exited (code ${exited}) before it was ready:\n${output || readIfThere(logFile)}`,
      );
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      throw new Error(`the Kafka broker did not answer within 150 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const startMs = Math.round(performance.now() - started);
  console.log(
    `      (Apache Kafka ${KAFKA_VERSION} broker, KRaft, pid ${pid}, ready in ${(startMs / 1000).toFixed(1)} s on 127.0.0.1:${plainPort})`,
  );
  return { brokers: `127.0.0.1:${plainPort}`, saslBrokers: `127.0.0.1:${saslPort}`, pid, startMs };
}

function readIfThere(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/**
 * True when the broker answers an ApiVersions request (v0: no tagged fields) on the port: the
 * socket server is up and the request handlers run. Metadata readiness is then checked by the
 * first client call, which retries itself.
 */
function answersMetadata(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => {
      const clientId = Buffer.from('testmesh-probe');
      // size, api_key 18 (ApiVersions), api_version 0, correlation_id 1, client_id (int16 length + bytes)
      const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
      body.writeInt16BE(18, 0);
      body.writeInt16BE(0, 2);
      body.writeInt32BE(1, 4);
      body.writeInt16BE(clientId.length, 8);
      clientId.copy(body, 10);
      const size = Buffer.alloc(4);
      size.writeInt32BE(body.length, 0);
      socket.write(Buffer.concat([size, body]));
    });
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      // size(4) correlation_id(4) error_code(2): error 0 means the broker serves requests.
      if (received.length >= 10) done(received.readInt32BE(4) === 1 && received.readInt16BE(8) === 0);
    });
  });
}
