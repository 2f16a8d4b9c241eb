/**
 * `kafka_consumer` (TestMesh's action) and `kafka.consume` (its Kafka plugin's form): joins a
 * consumer group for the step, waits for messages and leaves the group when the step ends —
 * count reached, timeout, failure or cancel (a cancel rejects at once; the group is left in the
 * background and the execution's end waits for it).
 *
 * kafka_consumer waits for `count` messages (default 1) within `timeout` (default 30s); with
 * `filter` only matching messages count: an expression over `key`, `value`, `headers` (and
 * `topic`, `partition`, `offset`, `timestamp`), or TestMesh's map form (`key`, `key_pattern`,
 * `headers`, `json_path` + `json_value`). Unlike TestMesh, which passes with fewer messages, the
 * step FAILS when fewer than `count` arrived, and says how many it saw with the last few.
 * `count: 0` collects whatever arrives within the timeout and passes.
 * Result: `success`, `messages` (`topic`, `partition`, `offset`, `key`, `value` — JSON parsed —,
 * `headers`, `timestamp`), `count`, `duration_ms`.
 *
 * kafka.consume reads up to `maxMessages` (default 10) within `timeout` (milliseconds, default
 * 5000) in a group of its own and passes with what it got: result `topic`, `messages_received`,
 * `messages`.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { formatDuration } from '../format';
import { TestMeshError } from '../errors';
import { parseOutputPath, readPath } from '../path';
import { messagePreview } from '../engine/streamMessages';
import { abortReason } from '../cancellation';
import {
  optionalBoolean,
  optionalDuration,
  optionalNumber,
  optionalString,
  requireString,
  type Config,
} from './config';
import { decodeValue, headersToText, kafkaErrorMessage, leave, newConsumer, readConnection } from './kafkaClient';
import { matchesExpected } from './jsonMatch';
import { registerAction } from './registry';
import type { ActionContext } from './types';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_GROUP_ID = 'testmesh';
/** Longest wait for a join in progress before leaving the group (the broker's session timeout). */
const JOIN_WAIT_ON_LEAVE_MS = 10_000;
/** How many of the last messages seen a failure shows. */
const SHOWN_ON_FAILURE = 3;

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: unknown;
  headers: Record<string, string>;
  timestamp: string;
}

type Filter = (message: ConsumedMessage) => boolean;

interface ConsumeOptions {
  topic: string;
  groupId: string;
  fromBeginning: boolean;
  /** 0 = collect until the timeout. */
  count: number;
  timeoutMs: number;
  filter?: Filter;
  /** Commit what was taken, so the group does not see it again (TestMesh marks messages). */
  commit: boolean;
}

interface ConsumeOutcome {
  matched: ConsumedMessage[];
  seen: number;
  lastSeen: ConsumedMessage[];
  timedOut: boolean;
}

function toConsumed(topic: string, partition: number, message: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key ? message.key.toString('utf8') : '',
    value: decodeValue(message.value),
    headers: headersToText(message.headers as Record<string, unknown> | undefined),
    timestamp: new Date(Number(message.timestamp)).toISOString(),
  };
}

/** Joins the group, collects messages until `count` matched or the timeout, then leaves the group. */
async function consume(
  ctx: ActionContext,
  config: Config,
  options: ConsumeOptions,
  brokersFallback?: string,
): Promise<ConsumeOutcome> {
  const connection = await readConnection(config, ctx, brokersFallback);
  const consumer: Consumer = newConsumer(ctx, connection, options.groupId);
  const outcome: ConsumeOutcome = { matched: [], seen: 0, lastSeen: [], timedOut: false };
  const signal = ctx.signal;

  let settle!: (error?: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error?: unknown) => (error === undefined ? resolve() : reject(error));
  });
  let done = false;
  const finish = (error?: unknown) => {
    if (done) return;
    done = true;
    settle(error);
  };

  const timer = setTimeout(() => {
    outcome.timedOut = true;
    finish();
  }, options.timeoutMs);
  const onAbort = () => finish(abortReason(signal));
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  // A consumer stopped while it is still joining would not leave (KafkaJS leaves only a member
  // whose fetch loop runs): leaving waits for its first fetch first.
  let joined = false;
  let markJoined!: () => void;
  const joinDone = new Promise<void>((resolve) => (markJoined = resolve));
  let joining: Promise<void> | undefined;
  let left = false;
  let leftAgain = false;
  consumer.on(consumer.events.FETCH_START, () => {
    joined = true;
    markJoined();
    // A join that finished only after the step left (slower than JOIN_WAIT_ON_LEAVE_MS) starts a
    // fetch loop nobody owns: leave once more, so no member stays and nothing keeps the process up.
    if (left && !leftAgain) {
      leftAgain = true;
      void leave(ctx, consumer);
    }
  });
  consumer.on(consumer.events.CRASH, (event) => {
    // Retriable failures (a group coordinator still starting, a rebalance) restart the consumer
    // within the step's timeout; only a consumer that gives up ends the step.
    if (event.payload.restart) {
      ctx.log(
        'debug',
        `kafka: the consumer of '${options.topic}' restarts after: ${kafkaErrorMessage(event.payload.error)}`,
      );
      return;
    }
    finish(
      new TestMeshError(`kafka: the consumer of '${options.topic}' stopped: ${kafkaErrorMessage(event.payload.error)}`),
    );
  });

  const take = (message: ConsumedMessage) => {
    outcome.seen++;
    outcome.lastSeen.push(message);
    if (outcome.lastSeen.length > SHOWN_ON_FAILURE) outcome.lastSeen.shift();
    let matches = true;
    if (options.filter) {
      try {
        matches = options.filter(message);
      } catch (err) {
        finish(
          new TestMeshError(
            `kafka_consumer: filter failed on ${describe(message)}: ${err instanceof Error ? err.message : String(err)}`,
          ),
        );
        return;
      }
    }
    ctx.recordMessage({
      direction: 'received',
      channel: `${message.topic}[${message.partition}]@${message.offset}${matches ? '' : ' (filtered out)'}`,
      key: message.key,
      headers: message.headers,
      body: message.value,
    });
    if (!matches) return;
    outcome.matched.push(message);
    if (options.count > 0 && outcome.matched.length >= options.count) finish();
  };

  const run = (async () => {
    await consumer.connect();
    // A step that ended meanwhile (cancel, timeout) must not join a group after it has left.
    if (done) return;
    await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning });
    if (done) return;
    if (!joined)
      joining = Promise.race([
        joinDone,
        new Promise<void>((resolve) => setTimeout(resolve, JOIN_WAIT_ON_LEAVE_MS).unref()),
      ]);
    await consumer.run({
      autoCommit: options.commit,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, isRunning, isStale, commitOffsetsIfNecessary }) => {
        for (const message of batch.messages) {
          // Messages after the last one taken stay unread for the group.
          if (done || !isRunning() || isStale()) break;
          take(toConsumed(batch.topic, batch.partition, message));
          resolveOffset(message.offset);
        }
        if (options.commit) await commitOffsetsIfNecessary();
      },
    });
  })();
  run.catch((err) =>
    finish(
      new TestMeshError(
        `kafka: consuming '${options.topic}' on ${connection.brokers.join(',')} failed: ${kafkaErrorMessage(err)}`,
      ),
    ),
  );

  try {
    await finished;
  } catch (err) {
    // Cancelled or failed: answer now, leave the group in the background (the execution waits).
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    left = true;
    void leave(ctx, consumer, joining);
    throw err;
  }
  clearTimeout(timer);
  signal.removeEventListener('abort', onAbort);
  // Leaving commits what was taken; a cancel during it still answers at once.
  left = true;
  await Promise.race([
    leave(ctx, consumer, joined ? undefined : joining),
    new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
  ]);
  if (signal.aborted) throw abortReason(signal);
  return outcome;
}

function describe(message: ConsumedMessage): string {
  return `${message.topic}[${message.partition}]@${message.offset}${message.key ? ` key=${message.key}` : ''} ${messagePreview(message.value)}`;
}

/** TestMesh's map filter: `key`, `key_pattern`, `headers`, `json_path` + `json_value`. */
function mapFilter(spec: Config): Filter {
  const key = optionalString(spec, 'key');
  const patternText = optionalString(spec, 'key_pattern');
  let pattern: RegExp | undefined;
  if (patternText) {
    try {
      pattern = new RegExp(patternText);
    } catch (err) {
      throw new TestMeshError(`config.filter.key_pattern is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  const headers =
    spec.headers && typeof spec.headers === 'object' ? (spec.headers as Record<string, unknown>) : undefined;
  const jsonPathText = optionalString(spec, 'json_path');
  const jsonPath = jsonPathText ? parseOutputPath(jsonPathText) : undefined;
  const hasJsonValue = Object.prototype.hasOwnProperty.call(spec, 'json_value');
  const known = new Set(['key', 'key_pattern', 'headers', 'json_path', 'json_value']);
  for (const name of Object.keys(spec))
    if (!known.has(name))
      throw new TestMeshError(
        `config.filter: unknown key '${name}' (a map filter takes key, key_pattern, headers, json_path, json_value; or write an expression)`,
      );
  return (message) => {
    if (key !== undefined && message.key !== key) return false;
    if (pattern && !pattern.test(message.key)) return false;
    if (headers)
      for (const [name, value] of Object.entries(headers)) if (message.headers[name] !== String(value)) return false;
    if (jsonPath) {
      const found = readPath(message.value, jsonPath);
      if (hasJsonValue ? !matchesExpected(spec.json_value, found) : found === undefined) return false;
    }
    return true;
  };
}

function readFilter(config: Config, ctx: ActionContext): Filter | undefined {
  const raw = config.filter;
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'string') {
    return (message) =>
      Boolean(
        ctx.evaluate(raw, {
          key: message.key,
          value: message.value,
          headers: message.headers,
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          timestamp: message.timestamp,
        }),
      );
  }
  if (typeof raw === 'object' && !Array.isArray(raw)) return mapFilter(ctx.interpolate(raw) as Config);
  throw new TestMeshError(
    'config.filter must be an expression over key, value and headers, or a map (key, key_pattern, headers, json_path, json_value)',
  );
}

function readOffsetReset(config: Config): boolean {
  const fromBeginning = optionalBoolean(config, 'from_beginning');
  const reset = optionalString(config, 'auto_offset_reset');
  if (reset !== undefined && reset !== 'earliest' && reset !== 'latest')
    throw new TestMeshError(`config.auto_offset_reset must be earliest or latest, got ${JSON.stringify(reset)}`);
  return fromBeginning === true || reset === 'earliest';
}

registerAction({
  name: 'kafka_consumer',
  honoursSignal: true,
  rawConfigKeys: ['filter'],
  async run(config, ctx) {
    const started = performance.now();
    const topic = requireString(config, 'topic');
    const count = optionalNumber(config, 'count') ?? 1;
    if (!Number.isInteger(count) || count < 0)
      throw new TestMeshError(`config.count must be a whole number >= 0, got ${JSON.stringify(config.count)}`);
    const timeoutMs = optionalDuration(config, 'timeout') ?? DEFAULT_TIMEOUT_MS;
    const groupId = optionalString(config, 'group_id') || DEFAULT_GROUP_ID;
    const options: ConsumeOptions = {
      topic,
      groupId,
      fromBeginning: readOffsetReset(config),
      count,
      timeoutMs,
      filter: readFilter(config, ctx),
      commit: true,
    };
    const outcome = await consume(ctx, config, options);
    if (count > 0 && outcome.matched.length < count) {
      const what = options.filter
        ? `${outcome.matched.length} of ${count} matching message(s) (${outcome.seen} seen in all)`
        : `${outcome.matched.length} of ${count} message(s)`;
      const last = outcome.lastSeen.length
        ? `; the last ${outcome.lastSeen.length} seen: ${outcome.lastSeen.map(describe).join(' | ')}`
        : '';
      throw new TestMeshError(
        `kafka_consumer: got ${what} from '${topic}' (group '${groupId}') within ${formatDuration(timeoutMs)}${last}`,
      );
    }
    return {
      success: true,
      messages: outcome.matched,
      count: outcome.matched.length,
      duration_ms: Math.round(performance.now() - started),
    };
  },
});

registerAction({
  name: 'kafka.consume',
  honoursSignal: true,
  async run(config, ctx) {
    const topic = requireString(config, 'topic');
    const maxMessages = optionalNumber(config, 'maxMessages') ?? 10;
    const timeoutMs = optionalDuration(config, 'timeout') ?? 5_000;
    const options: ConsumeOptions = {
      topic,
      groupId: `testmesh-${randomUUID()}`,
      fromBeginning: optionalBoolean(config, 'fromBeginning') === true,
      count: Math.max(1, Math.floor(maxMessages)),
      timeoutMs,
      commit: false,
    };
    const outcome = await consume(ctx, config, options, 'localhost:9092');
    return { topic, messages_received: outcome.matched.length, messages: outcome.matched };
  },
});
