/**
 * Config specs of the Kafka and gRPC actions (TestMesh's keys), merged into ACTION_SPECS. Kept in
 * their own file so the action tables of other protocols grow without touching each other.
 */
import type { ActionSpec, ConfigKeySpec } from './actionSpecs';

const DURATION_EXAMPLES = 'like "500ms", "2s" or "1m"';

const BROKERS: ConfigKeySpec = {
  type: 'any',
  required: true,
  description: 'Kafka brokers: a list of `host:port` or one comma-separated string (`"${KAFKA_BROKERS}"`).',
};
const PLUGIN_BROKERS: ConfigKeySpec = {
  type: 'any',
  default: 'localhost:9092',
  description: 'Kafka brokers: `host:port`, comma-separated, or a list.',
};
const SASL: ConfigKeySpec = {
  type: 'map',
  description:
    'SASL authentication: `{mechanism: PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512, username, password}`. The password never shows in results, logs or reports.',
};
const TLS: ConfigKeySpec = {
  type: 'map',
  description:
    'TLS: `{enabled, insecure_skip_verify, ca_file, cert_file, key_file}` (files relative to this flow file) or inline PEM `ca`, `cert`, `key`; `password` for an encrypted key. Key material never shows in results, logs or reports.',
};
const CONNECTION_TIMEOUT: ConfigKeySpec = {
  type: 'number',
  min: 1,
  default: 5000,
  description: 'Milliseconds to wait for a broker connection.',
};

const GRPC_COMMON: Readonly<Record<string, ConfigKeySpec>> = {
  address: {
    type: 'string',
    required: true,
    description: 'host:port of the gRPC server (`dns:`, `unix:` and `ipv6:` targets work too).',
  },
  service: {
    type: 'string',
    required: true,
    description: 'Fully qualified service name, like `shop.v1.OrderService`.',
  },
  method: { type: 'string', required: true, description: 'Method name, like `GetOrder`.' },
  metadata: { type: 'map', description: 'Request metadata (headers): name -> value.' },
  proto_file: {
    type: 'string',
    description:
      'The `.proto` file defining the service, relative to this flow file and inside the workspace (its imports are found next to it). Without it, server reflection is used.',
  },
  use_reflection: {
    type: 'boolean',
    description:
      "Ask the server for the service's descriptors (gRPC server reflection). The default when no proto_file is given.",
  },
  use_tls: { type: 'boolean', default: false, description: 'Connect with TLS (system CAs) instead of plaintext.' },
  tls: {
    type: 'map',
    description:
      'TLS settings: `{insecure_skip_verify, ca_file, cert_file, key_file}` or inline PEM `ca`, `cert`, `key`. Key material never shows in results, logs or reports.',
  },
  timeout: {
    type: 'duration',
    default: '30s',
    description: `Deadline of the call, ${DURATION_EXAMPLES}; a call past it fails with DEADLINE_EXCEEDED.`,
  },
  expected_status: {
    type: 'any',
    default: 'OK',
    description:
      'Status name(s) the call is expected to end with (`NOT_FOUND`, or a list); any other status fails the step. The result then carries the status for assertions.',
  },
};

export const MESSAGING_ACTION_SPECS: Readonly<Record<string, ActionSpec>> = {
  kafka_producer: {
    description:
      'Sends one message to a Kafka topic and waits for the broker to acknowledge it. Result: `success`, `topic`, `partition`, `offset`, `key`, `duration_ms`.',
    config: {
      brokers: BROKERS,
      topic: { type: 'string', required: true, description: 'The topic to write to.' },
      key: { type: 'string', description: 'Message key.' },
      payload: { type: 'any', required: true, description: 'Message value: text as is, a map or list as JSON.' },
      headers: { type: 'map', description: 'Message headers: name -> value.' },
      compression: {
        type: 'enum',
        values: ['none', 'gzip'],
        default: 'none',
        description: 'Compression of the message batch (snappy, lz4 and zstd need native codecs and are refused).',
      },
      sasl: SASL,
      tls: TLS,
      connectionTimeout: CONNECTION_TIMEOUT,
    },
  },
  kafka_consumer: {
    description:
      'Joins a consumer group and waits for messages on a topic; the step FAILS when fewer than `count` (matching) messages arrive within `timeout`. Result: `success`, `messages` (`topic`, `partition`, `offset`, `key`, `value` — JSON parsed —, `headers`, `timestamp`), `count`, `duration_ms`.',
    config: {
      brokers: BROKERS,
      topic: { type: 'string', required: true, description: 'The topic to read.' },
      group_id: {
        type: 'string',
        default: 'testmesh',
        description: 'Consumer group. Use a unique one (`"tests-{{RANDOM_ID}}"`) to read from the start on every run.',
      },
      from_beginning: {
        type: 'boolean',
        default: false,
        description: 'A group with no committed offset starts at the oldest message (else at the newest).',
      },
      auto_offset_reset: {
        type: 'enum',
        values: ['earliest', 'latest'],
        default: 'latest',
        description: '`earliest` is the same as from_beginning: true.',
      },
      count: {
        type: 'number',
        integer: true,
        min: 0,
        default: 1,
        description: 'How many (matching) messages to wait for; 0 collects whatever arrives within the timeout.',
      },
      timeout: { type: 'duration', default: '30s', description: `How long to wait for them, ${DURATION_EXAMPLES}.` },
      filter: {
        type: 'any',
        description:
          "Only matching messages count: an expression over `key`, `value` (parsed JSON), `headers` (and `topic`, `partition`, `offset`, `timestamp`), like `value.order_id == '{{order_id}}'`; or TestMesh's map `{key, key_pattern, headers, json_path, json_value}`.",
      },
      sasl: SASL,
      tls: TLS,
      connectionTimeout: CONNECTION_TIMEOUT,
    },
  },
  'kafka.produce': {
    description:
      "Sends messages to a Kafka topic (TestMesh's Kafka plugin). Result: `topic`, `messages_sent`, `partitions` (`[{partition, offset}]`).",
    config: {
      brokers: PLUGIN_BROKERS,
      topic: { type: 'string', required: true, description: 'The topic to write to.' },
      messages: { type: 'list', description: 'Messages to send: `[{key, value, headers}]`.' },
      key: { type: 'string', description: 'Key of the single message (without messages).' },
      value: {
        type: 'any',
        description: 'Value of the single message (without messages): text as is, a map or list as JSON.',
      },
      headers: { type: 'map', description: 'Headers of the single message.' },
      compression: {
        type: 'enum',
        values: ['none', 'gzip'],
        default: 'none',
        description: 'Compression of the message batch.',
      },
      sasl: SASL,
      tls: TLS,
      connectionTimeout: CONNECTION_TIMEOUT,
    },
  },
  'kafka.consume': {
    description:
      "Reads up to maxMessages from a topic within the timeout and passes with what arrived (TestMesh's Kafka plugin). Result: `topic`, `messages_received`, `messages`.",
    config: {
      brokers: PLUGIN_BROKERS,
      topic: { type: 'string', required: true, description: 'The topic to read.' },
      fromBeginning: {
        type: 'boolean',
        default: false,
        description: 'Start at the oldest message instead of the newest.',
      },
      maxMessages: {
        type: 'number',
        integer: true,
        min: 1,
        default: 10,
        description: 'Stop after this many messages.',
      },
      timeout: {
        type: 'duration',
        default: 5000,
        description: `How long to wait (a number is milliseconds), ${DURATION_EXAMPLES}.`,
      },
      sasl: SASL,
      tls: TLS,
      connectionTimeout: CONNECTION_TIMEOUT,
    },
  },
  'kafka.admin.topics': {
    description:
      'Lists the Kafka topics (internal ones left out). Result: `topics` (`[{name, partitions, replicationFactor}]`).',
    config: { brokers: PLUGIN_BROKERS, sasl: SASL, tls: TLS, connectionTimeout: CONNECTION_TIMEOUT },
  },
  'kafka.admin.createTopic': {
    description:
      'Creates a Kafka topic. Result: `topic`, `created` (false when it existed), `partitions`, `replicationFactor`.',
    config: {
      brokers: PLUGIN_BROKERS,
      topic: { type: 'string', required: true, description: 'The topic to create.' },
      partitions: { type: 'number', integer: true, min: 1, default: 1, description: 'Number of partitions.' },
      replicationFactor: {
        type: 'number',
        integer: true,
        min: 1,
        default: 1,
        description: 'Replicas of each partition.',
      },
      sasl: SASL,
      tls: TLS,
      connectionTimeout: CONNECTION_TIMEOUT,
    },
  },
  'kafka.admin.deleteTopic': {
    description: 'Deletes a Kafka topic. Result: `deleted` (`[topic]`).',
    config: {
      brokers: PLUGIN_BROKERS,
      topic: { type: 'string', required: true, description: 'The topic to delete.' },
      sasl: SASL,
      tls: TLS,
      connectionTimeout: CONNECTION_TIMEOUT,
    },
  },
};

export const GRPC_ACTION_SPECS: Readonly<Record<string, ActionSpec>> = {
  grpc: {
    description:
      'Calls a unary gRPC method (the same as grpc_call). Result: `status_code` (status name, "OK" on success), `status_message`, `response` and `body` (the reply as JSON), `metadata` (response headers and trailers: name -> value), `latency_ms`.',
    config: {
      ...GRPC_COMMON,
      request: { type: 'map', description: 'The request message as JSON (proto field names).' },
    },
  },
  grpc_call: {
    description:
      'Calls a unary gRPC method. Result: `status_code` (status name, "OK" on success), `status_message`, `response` and `body` (the reply as JSON), `metadata` (response headers and trailers: name -> value), `latency_ms`.',
    config: {
      ...GRPC_COMMON,
      request: { type: 'map', description: 'The request message as JSON (proto field names).' },
    },
  },
  grpc_stream: {
    description:
      'Calls a streaming gRPC method (server, client or bidirectional). Result: `status_code`, `status_message`, `body.messages` and `messages` (the replies), `response` (the single reply of a client stream, else the last reply), `metadata`, `latency_ms`.',
    config: {
      ...GRPC_COMMON,
      request: {
        type: 'map',
        description: 'The request message of a server stream (a client or bidirectional stream sends `requests`).',
      },
      requests: { type: 'list', description: 'The messages a client or bidirectional stream sends, in order.' },
      max_messages: {
        type: 'number',
        integer: true,
        min: 1,
        description: 'Stop reading (and cancel the call) after this many replies.',
      },
    },
  },
};
