/**
 * What each action accepts in `config`: the single source of truth for validation, editor
 * completion and the generated JSON Schema. Keep it plain data with descriptions.
 */

export type ConfigValueType =
  | 'string'
  | 'number'
  | 'boolean'
  | 'map'
  | 'list'
  | 'any'
  /** `"500ms"`, `"2s"`, `"1m30s"` or a number of milliseconds. */
  | 'duration'
  /** An expression (`status == 200 && len(body.items) > 0`, see core/expr), checked when the flow loads. */
  | 'expression'
  /** A list of nested steps. */
  | 'steps'
  /** One of `values`. */
  | 'enum';

export interface ConfigKeySpec {
  readonly type: ConfigValueType;
  readonly description: string;
  readonly required?: boolean;
  /** The allowed values of an `enum`. */
  readonly values?: readonly string[];
  /** Used when the key is absent (documentation; actions apply it themselves). */
  readonly default?: unknown;
  /** A `number` that must be a whole number. */
  readonly integer?: boolean;
  /** Smallest allowed `number`. */
  readonly min?: number;
  /** A `list` key that also takes a string, read as an expression or placeholder yielding the list. */
  readonly orExpression?: boolean;
  /** A `list` whose entries are expressions (strings or `{expression, message}`), checked when the flow loads. */
  readonly listOf?: 'expression';
  /**
   * The key holds nested steps: `steps` = a list of steps (`then`, `else`, `steps`);
   * `branches` = a list of `{steps: [...]}` objects (parallel). These are taken out of `config`
   * into `StepDef.blocks`.
   */
  readonly nested?: 'steps' | 'branches';
  /**
   * The keys a `map` value (or each map of a `list`) may have, checked when the flow loads with
   * did-you-mean hints; a key's own shape checks its value the same way.
   */
  readonly shape?: ShapeSpec;
}

/** Known keys of a nested map, each with the shape of its own value (null: any value). */
export interface ShapeSpec {
  readonly keys: Readonly<Record<string, ShapeSpec | null>>;
}

/** A shape from key names, with the shapes of some of them. */
function shapeOf(names: readonly string[], nested: Readonly<Record<string, ShapeSpec>> = {}): ShapeSpec {
  return { keys: Object.fromEntries(names.map((n) => [n, nested[n] ?? null])) };
}

const MOCK_MATCH_SHAPE = shapeOf([
  'headers',
  'query',
  'query_params',
  'path_pattern',
  'body_pattern',
  'body_json',
  'body',
]);
const MOCK_ENDPOINT_SHAPE = shapeOf(
  ['method', 'path', 'priority', 'match', 'response', 'state', 'name', 'description'],
  {
    match: MOCK_MATCH_SHAPE,
    response: shapeOf([
      'status',
      'status_code',
      'headers',
      'body',
      'body_json',
      'body_text',
      'body_file',
      'body_from_file',
      'delay',
      'delay_ms',
    ]),
    state: shapeOf(['state_key', 'initial_value', 'update_rule', 'update_value']),
  },
);
const MOCK_CHECK_SHAPE = shapeOf(['method', 'path', 'match', 'count', 'count_min', 'count_max'], {
  match: MOCK_MATCH_SHAPE,
});

export interface ActionSpec {
  readonly description: string;
  readonly config: Readonly<Record<string, ConfigKeySpec>>;
}

import { GRPC_ACTION_SPECS, MESSAGING_ACTION_SPECS } from './actionSpecs.messaging';

const DURATION_EXAMPLES = 'like "500ms", "2s" or "1m"';

const MOCK_ENDPOINTS_HELP =
  'Endpoints, each `{method, path, match: {headers, query, path_pattern, body_pattern, body_json}, response: {status, headers, body, body_json, body_text, body_file, delay}, priority, state}`. `path` may hold `:name` segments and `*`; higher `priority` wins. Response strings may use `{{request.path.id}}`, `{{request.query.x}}`, `{{request.headers.x}}`, `{{request.body.x}}` and `{{state.key}}`.';

const REDIS_SERVER_KEYS: Readonly<Record<string, ConfigKeySpec>> = {
  host: { type: 'string', default: 'localhost', description: 'Redis host.' },
  port: { type: 'any', default: 6379, description: 'Redis port (a number or text).' },
  url: {
    type: 'string',
    description: 'Instead of host/port: `redis://[user][:password]@host:6379/0` (`rediss://` for TLS).',
  },
  username: { type: 'string', description: 'ACL user name.' },
  password: { type: 'string', description: 'Password; it never shows in results, logs or reports.' },
  db: { type: 'number', integer: true, min: 0, default: 0, description: 'Database number.' },
  timeout: { type: 'duration', default: '10s', description: `Time limit of the command, ${DURATION_EXAMPLES}.` },
};

/** TestMesh's built-in Prometheus plugin (actions/prometheus.ts). */
function prometheusSpecs(): Record<string, ActionSpec> {
  const common: Record<string, ConfigKeySpec> = {
    url: { type: 'string', required: true, description: 'The Prometheus server, e.g. `http://prometheus:9090`.' },
    query: {
      type: 'string',
      required: true,
      description: 'A PromQL instant query, e.g. `sum(rate(http_requests_total[1m]))`.',
    },
    time: {
      type: 'string',
      default: 'now',
      description: 'Evaluation time: `now`, Unix seconds or RFC 3339.',
    },
  };
  return {
    'prometheus.query': {
      description:
        "Runs an instant PromQL query. Result: `value` (the first series' value as a number, null when nothing matches) and `metric` (its labels).",
      config: common,
    },
    'prometheus.assert': {
      description:
        'Runs the query every 500 ms until the `assert` expressions hold on its result (`value`, `metric`), or fails after `within`. Result: the last query result.',
      config: {
        ...common,
        assert: { type: 'list', description: 'Expressions on the result, e.g. `value > 0`, `metric.job == "api"`.' },
        within: { type: 'duration', default: '15s', description: `How long to keep trying, ${DURATION_EXAMPLES}.` },
      },
    },
  };
}

function redisSpecs(): Record<string, ActionSpec> {
  const key: ConfigKeySpec = { type: 'string', required: true, description: 'The key.' };
  return {
    'redis.get': {
      description: 'Reads a Redis key. Result: `value` (text, null when missing), `exists`.',
      config: { key, ...REDIS_SERVER_KEYS },
    },
    'redis.set': {
      description: 'Writes a Redis key, optionally with an expiry. Result: `ok`.',
      config: {
        key,
        value: {
          type: 'any',
          required: true,
          description: 'The value: text as is, numbers as text, maps and lists as JSON.',
        },
        ttl: { type: 'duration', description: `Expiry, ${DURATION_EXAMPLES} (none when absent).` },
        ...REDIS_SERVER_KEYS,
      },
    },
    'redis.del': {
      description: 'Deletes a Redis key. Result: `deleted` (0 or 1).',
      config: { key, ...REDIS_SERVER_KEYS },
    },
    'redis.exists': {
      description: 'Checks whether a Redis key exists. Result: `exists`, `count`.',
      config: { key, ...REDIS_SERVER_KEYS },
    },
  };
}

const POSTGRESQL_SERVER_KEYS: Readonly<Record<string, ConfigKeySpec>> = {
  connectionString: {
    type: 'string',
    description: "PostgreSQL DSN (as database_query's `connection`); else the parts below.",
  },
  connection: { type: 'string', description: 'Same as connectionString.' },
  host: { type: 'string', default: 'localhost', description: 'Server host.' },
  port: { type: 'number', integer: true, min: 1, default: 5432, description: 'Server port.' },
  database: { type: 'string', default: 'postgres', description: 'Database name.' },
  user: { type: 'string', default: 'postgres', description: 'User name.' },
  password: { type: 'string', description: 'Password; it never shows in results, logs or reports.' },
  sslmode: {
    type: 'enum',
    values: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'],
    default: 'disable',
    description: 'TLS, as libpq reads it.',
  },
  connectionTimeout: { type: 'number', min: 0, description: 'Connect timeout in milliseconds.' },
  timeout: { type: 'duration', default: '30s', description: `Time limit of the statement(s), ${DURATION_EXAMPLES}.` },
};

function postgresqlSpecs(): Record<string, ActionSpec> {
  const table: ConfigKeySpec = {
    type: 'string',
    required: true,
    description: 'Table name (`orders` or `shop.orders`), quoted as an identifier.',
  };
  const query: ConfigKeySpec = { type: 'string', required: true, description: 'The SQL; use $1, $2, ... for params.' };
  const params: ConfigKeySpec = { type: 'list', description: 'Values for $1, $2, ... in order.' };
  const returning: ConfigKeySpec = { type: 'list', description: 'Columns returned (default all: `*`).' };
  const data: ConfigKeySpec = {
    type: 'map',
    required: true,
    description: 'Column -> value; the values are sent as parameters.',
  };
  const where: ConfigKeySpec = {
    type: 'string',
    required: true,
    description: 'The WHERE clause (required, so no step changes every row by accident), with $1, $2, ... params.',
  };
  const statements: ConfigKeySpec = {
    type: 'list',
    required: true,
    description: 'Statements: SQL text, or `{query, params}`.',
  };
  const s = POSTGRESQL_SERVER_KEYS;
  return {
    'postgresql.query': {
      description: 'Runs a query. Result: `rows`, `rowCount` (and `row_count`), `first_row`, `fields`, `duration_ms`.',
      config: { query, params, ...s },
    },
    'postgresql.insert': {
      description: 'Inserts one row. Result: `inserted`, `rows` (RETURNING), `first_row`.',
      config: { table, data, returning, ...s },
    },
    'postgresql.update': {
      description: 'Updates rows. Result: `updated`, `rows` (RETURNING).',
      config: {
        table,
        data,
        where,
        whereParams: { type: 'list', description: 'Values for $1, $2, ... in `where`.' },
        returning,
        ...s,
      },
    },
    'postgresql.delete': {
      description: 'Deletes rows. Result: `deleted` (and `rows` with `returning`).',
      config: {
        table,
        where,
        params,
        returning: { type: 'list', description: 'Columns of the deleted rows to return.' },
        ...s,
      },
    },
    'postgresql.assert': {
      description: 'Runs a query and checks its first row. Result: `passed`, `assertions_checked`, `row`.',
      config: {
        query,
        params,
        assertions: {
          type: 'list',
          shape: shapeOf(['field', 'operator', 'value']),
          description:
            'Checks `{field, operator, value}`; operators eq, neq, gt, gte, lt, lte, contains, isNull, isNotNull (or ==, !=, >, >=, <, <=).',
        },
        ...s,
      },
    },
    'postgresql.execute': {
      description:
        'Runs statements one after the other (no transaction). Result: `executed`, `results` (`rowCount` each).',
      config: {
        statements: { ...statements, required: false },
        statement: { type: 'string', description: 'One statement, instead of statements.' },
        ...s,
      },
    },
    'postgresql.transaction': {
      description:
        'Runs statements in one transaction, rolled back when one fails. Result: `committed`, `results` (`rowCount`, `rows` each).',
      config: { statements, ...s },
    },
    'postgresql.tables': {
      description: 'Lists the tables of a schema. Result: `schema`, `tables` (`table_name`, `table_type`).',
      config: { schema: { type: 'string', default: 'public', description: 'Schema name.' }, ...s },
    },
    'postgresql.columns': {
      description:
        'Describes the columns of a table. Result: `table`, `schema`, `columns` (`column_name`, `data_type`, `is_nullable`, `column_default`, `character_maximum_length`).',
      config: {
        table: { ...table, description: 'Table name, as stored (lower case unless created quoted).' },
        schema: { type: 'string', default: 'public', description: 'Schema name.' },
        ...s,
      },
    },
  };
}

export const ACTION_SPECS: Readonly<Record<string, ActionSpec>> = {
  http_request: {
    description:
      'Sends an HTTP request. Result: status, headers (lower-case names), body (parsed JSON, else text), duration_ms, content_type.',
    config: {
      method: { type: 'string', default: 'GET', description: 'HTTP method (GET, POST, PUT, PATCH, DELETE, ...).' },
      url: { type: 'string', required: true, description: 'Absolute URL of the request.' },
      headers: { type: 'map', description: 'Request headers: name -> value.' },
      query: { type: 'map', description: 'Query parameters added to the URL: name -> value.' },
      body: { type: 'any', description: 'Request body: an object or list is sent as JSON, a string as is.' },
      timeout: { type: 'duration', description: `Request timeout, ${DURATION_EXAMPLES}.` },
    },
  },
  log: {
    description: 'Writes a message to the execution log.',
    config: {
      message: { type: 'string', required: true, description: 'The text to log; placeholders are filled in.' },
      level: { type: 'enum', values: ['debug', 'info', 'warn', 'error'], default: 'info', description: 'Log level.' },
    },
  },
  delay: {
    description: 'Waits for a while.',
    config: {
      duration: { type: 'duration', required: true, description: `How long to wait, ${DURATION_EXAMPLES}.` },
    },
  },
  assert: {
    description: 'Checks expressions against a piece of data.',
    config: {
      data: { type: 'any', description: 'The value the assertions see (its keys at top level).' },
      assertions: {
        type: 'list',
        listOf: 'expression',
        required: true,
        description: 'Expressions that must all be true.',
      },
    },
  },
  transform: {
    description: 'Builds new values from an input map.',
    config: {
      input: { type: 'map', description: 'The data to read from.' },
      transforms: {
        type: 'map',
        required: true,
        description: 'Result name -> `$.path` into the input, `$field`, or a literal value.',
      },
    },
  },
  condition: {
    description: 'Evaluates an expression and runs the `then` or the `else` steps.',
    config: {
      condition: { type: 'expression', required: true, description: 'The expression to evaluate.' },
      then: { type: 'steps', nested: 'steps', description: 'Steps run when the condition is true.' },
      else: { type: 'steps', nested: 'steps', description: 'Steps run when the condition is false.' },
    },
  },
  for_each: {
    description: 'Runs nested steps once for every item of a list.',
    config: {
      items: {
        type: 'list',
        orExpression: true,
        required: true,
        description: 'The list, or an expression or placeholder that yields one.',
      },
      item_name: {
        type: 'string',
        default: 'item',
        description: 'Variable name of the current item (`index` is set too).',
      },
      steps: { type: 'steps', nested: 'steps', description: 'Steps run for each item.' },
    },
  },
  parallel: {
    description: 'Runs branches of steps at the same time.',
    config: {
      branches: { type: 'list', nested: 'branches', required: true, description: 'Branches, each `{steps: [...]}`.' },
      max_concurrent: {
        type: 'number',
        integer: true,
        min: 0,
        default: 0,
        description: 'Most branches running at once (0 = no limit).',
      },
      fail_fast: { type: 'boolean', default: true, description: 'Stop the other branches when one fails.' },
    },
  },
  wait_for: {
    description: 'Waits until an HTTP endpoint answers as expected or a TCP port accepts connections.',
    config: {
      type: { type: 'enum', values: ['http', 'tcp'], default: 'http', description: 'What to wait for.' },
      url: { type: 'string', description: 'URL to poll (type http).' },
      method: { type: 'string', default: 'GET', description: 'HTTP method (type http).' },
      status_code: { type: 'number', integer: true, description: 'Expected HTTP status (type http).' },
      body_contains: { type: 'string', description: 'Text the response body must contain (type http).' },
      json_path: {
        type: 'string',
        description: 'Path into the JSON body (`$.status`) whose value is compared with json_value (type http).',
      },
      json_value: { type: 'any', description: 'Expected value at json_path (type http).' },
      headers: { type: 'map', description: 'Request headers (type http).' },
      host: { type: 'string', description: 'Host to connect to (type tcp).' },
      port: { type: 'number', integer: true, min: 1, description: 'Port to connect to (type tcp).' },
      timeout: { type: 'duration', description: `Give up after this long, ${DURATION_EXAMPLES}.` },
      interval: { type: 'duration', description: `Time between attempts, ${DURATION_EXAMPLES}.` },
      max_attempts: { type: 'number', integer: true, min: 1, description: 'Give up after this many attempts.' },
    },
  },
  wait_until: {
    description: 'Re-checks a condition until it is true or max_duration has passed.',
    config: {
      condition: { type: 'expression', required: true, description: 'The expression that must become true.' },
      max_duration: { type: 'duration', default: '30s', description: `Give up after this long, ${DURATION_EXAMPLES}.` },
      interval: { type: 'duration', default: '1s', description: `Time between checks, ${DURATION_EXAMPLES}.` },
      on_timeout: {
        type: 'enum',
        values: ['fail', 'continue'],
        default: 'fail',
        description: 'What happens when the time is up.',
      },
      steps: {
        type: 'steps',
        nested: 'steps',
        description: 'Steps run before each check (so a flow can poll an endpoint).',
      },
    },
  },
  run_flow: {
    description: 'Runs another flow.',
    config: {
      flow: {
        type: 'string',
        required: true,
        description: "Path of the flow file (relative to this file) or a flow's name in the workspace.",
      },
      input: { type: 'map', description: 'Variables passed to the flow.' },
      inherit_env: { type: 'boolean', default: true, description: "Whether the flow sees this flow's variables." },
    },
  },
  websocket: {
    description:
      'Opens a WebSocket connection, sends or receives a message, or closes the connection. Connections are named by `connection_id` and closed when the flow ends. Result: `connected`, `connection_id`, `received_message` (parsed JSON, else text; binary as base64), `message_type` (1 text, 2 binary), `latency_ms`, `metadata`.',
    config: {
      action: {
        type: 'enum',
        values: ['connect', 'send', 'receive', 'close'],
        required: true,
        description: 'What to do.',
      },
      url: { type: 'string', description: 'ws:// or wss:// URL (connect).' },
      headers: { type: 'map', description: 'Handshake headers (connect).' },
      message: { type: 'any', description: 'Message to send (send): text as is, a map, list or number as JSON.' },
      message_type: {
        type: 'enum',
        values: ['text', 'binary'],
        default: 'text',
        description: 'Send the message as a text or a binary frame (send).',
      },
      timeout: {
        type: 'duration',
        default: '30s',
        description: `How long to wait for the handshake or a message (close: 5s), ${DURATION_EXAMPLES}.`,
      },
      expected: {
        type: 'any',
        description:
          'What the received message must match (receive): a map matches a message holding at least those keys and values, text holding JSON compares as JSON. Messages that do not match are skipped until one does or the timeout passes.',
      },
      connection_id: {
        type: 'string',
        default: 'default',
        description: 'Names the connection, so later steps (and teardown) use the same one.',
      },
    },
  },
  database_query: {
    description:
      'Runs SQL on PostgreSQL, on a connection pool per DSN that is closed when the flow ends. Result: `rows`, `row_count`, `first_row` (null when none), `rows_affected`, `query_type` (SELECT, INSERT, UPDATE, DELETE or OTHER).',
    config: {
      connection: {
        type: 'string',
        description:
          "PostgreSQL DSN: `postgres://user:password@host:5432/db?sslmode=disable` or `host=... user=... password=... dbname=...`. The password never shows in results, logs or reports. Without it: the run variable `__rtov__database_query__connection` (TestMesh's environment default), else `DATABASE_URL`.",
      },
      query: {
        type: 'string',
        required: true,
        description:
          'The SQL to run; use $1, $2, ... for params. Several statements separated by `;` are allowed without params.',
      },
      params: { type: 'list', description: 'Values for $1, $2, ... in order; maps and lists are sent as JSON.' },
      timeout: {
        type: 'duration',
        default: '30s',
        description: `Cancel the query on the server after this long, ${DURATION_EXAMPLES}.`,
      },
      max_rows: {
        type: 'number',
        integer: true,
        min: 0,
        default: 0,
        description: 'Most rows returned in `rows` (0 = no limit).',
      },
    },
  },
  ...MESSAGING_ACTION_SPECS,
  ...GRPC_ACTION_SPECS,
  db_poll: {
    description:
      'Runs a query on PostgreSQL (the database_query pool for its DSN) until its rows satisfy `condition`, logging every poll. Result: `success`, `row_count`, `attempts`, `duration_ms`, `rows`, `first_row`. Fails with the last rows seen when the condition never holds.',
    config: {
      connection: {
        type: 'string',
        required: true,
        description: 'PostgreSQL DSN, as for database_query. The password never shows in results, logs or reports.',
      },
      query: { type: 'string', required: true, description: 'The SQL to poll; use $1, $2, ... for params.' },
      params: { type: 'list', description: 'Values for $1, $2, ... in order.' },
      condition: {
        type: 'map',
        shape: shapeOf(['type', 'column', 'value', 'min_count', 'pattern']),
        description:
          'When to stop: `{type: row_exists}` (default), `{type: row_count, min_count: 3}`, `{type: value_equals, column: status, value: done}`, `{type: value_not_null, column: shipped_at}` or `{type: value_matches, column: ref, pattern: "^ORD-"}`.',
      },
      interval: { type: 'duration', default: '1s', description: `Time between polls, ${DURATION_EXAMPLES}.` },
      timeout: {
        type: 'duration',
        default: '60s',
        description: `Give up after this long (a running query is cancelled), ${DURATION_EXAMPLES}.`,
      },
      max_attempts: {
        type: 'number',
        integer: true,
        min: 0,
        default: 100,
        description: 'Give up after this many polls.',
      },
    },
  },
  ...redisSpecs(),
  ...postgresqlSpecs(),
  mock_server_start: {
    description:
      'Starts an HTTP mock server on 127.0.0.1 for the rest of the run (stopped when the run ends, whatever happened). Result: `server_id`, `name`, `base_url`, `port`, `status`. A request no endpoint matches gets a 404 and a warning in the log.',
    config: {
      name: {
        type: 'string',
        description: 'Name of the mock, shown in logs (and usable as server_id by later steps).',
      },
      port: {
        type: 'number',
        integer: true,
        min: 0,
        default: 0,
        description: 'Port on 127.0.0.1 (0 = any free port).',
      },
      server_id: { type: 'string', description: 'Id later steps use; default a new UUID.' },
      endpoints: { type: 'list', required: true, shape: MOCK_ENDPOINT_SHAPE, description: MOCK_ENDPOINTS_HELP },
    },
  },
  mock_server_configure: {
    description:
      'Adds endpoints to a running mock server; an endpoint with the same method, path and match replaces the old one. Result: `server_id`, `endpoints_added`, `endpoints_replaced`, `status`.',
    config: {
      server_id: {
        type: 'string',
        description: 'The server_id (or name) mock_server_start gave; may be left out while only one mock runs.',
      },
      server: { type: 'string', description: "Same as server_id (the spelling of TestMesh's docs)." },
      endpoints: { type: 'list', required: true, shape: MOCK_ENDPOINT_SHAPE, description: MOCK_ENDPOINTS_HELP },
      reset_state: { type: 'boolean', default: false, description: "Also forget the stateful endpoints' state." },
    },
  },
  mock_server_verify: {
    description:
      'Checks the requests a mock server received. Result: `server_id`, `count` (requests that matched), `total_requests`, `unmatched_requests`, `requests` (the matching ones: method, path, query, headers, body).',
    config: {
      server_id: {
        type: 'string',
        description: 'The server_id (or name) mock_server_start gave; may be left out while only one mock runs.',
      },
      server: { type: 'string', description: "Same as server_id (the spelling of TestMesh's docs)." },
      method: { type: 'string', description: 'Only requests with this method.' },
      path: { type: 'string', description: 'Only requests to this path (`/users/:id` and `*` patterns work).' },
      match: {
        type: 'map',
        shape: MOCK_MATCH_SHAPE,
        description:
          'Further matchers, as for endpoints: headers, query (or query_params), path_pattern, body_pattern, body_json.',
      },
      count: { type: 'number', integer: true, min: 0, description: 'Exactly this many matching requests.' },
      count_min: {
        type: 'number',
        integer: true,
        min: 0,
        description: 'At least this many (default 1 when no count is given).',
      },
      count_max: { type: 'number', integer: true, min: 0, description: 'At most this many.' },
      assertions: {
        type: 'list',
        shape: MOCK_CHECK_SHAPE,
        description: 'Several checks at once, each `{method, path, match, count, count_min, count_max}`.',
      },
    },
  },
  mock_server_stop: {
    description:
      'Stops a mock server started by mock_server_start (every mock of the run when none is named and several run). Result: `server_id`, `status` (stopped), `requests_received`.',
    config: {
      server_id: {
        type: 'string',
        description: 'The server_id (or name) mock_server_start gave; may be left out while only one mock runs.',
      },
      server: { type: 'string', description: "Same as server_id (the spelling of TestMesh's docs)." },
    },
  },
  ...prometheusSpecs(),
  'otel.inject': {
    description:
      "Starts a trace to carry into requests as W3C Trace Context (TestMesh's built-in otel plugin). Result: `traceparent` (`00-<trace_id>-<span_id>-01`), `tracestate`, `trace_id`, `span_id`.",
    config: {
      span_name: { type: 'string', default: 'testmesh-step', description: 'Name of the span the trace starts with.' },
      service_name: { type: 'string', description: "The service the span is for (TestMesh's key; kept as written)." },
    },
  },
};

/** A key of the flow mapping or of a step, for validation, completion and the JSON Schema. */
export interface KeySpec {
  readonly description: string;
  readonly required?: boolean;
}

export const FLOW_KEYS: Readonly<Record<string, KeySpec>> = {
  name: { required: true, description: 'Name of the flow, shown in the Test Explorer and reports.' },
  description: { description: 'What the flow checks.' },
  suite: { description: 'Suite the flow belongs to, for grouping.' },
  tags: { description: 'List of tags, for filtering runs (`--tag`).' },
  env: { description: 'Variables of this flow: name -> value.' },
  env_file: { description: 'Path of a .env file, relative to this flow file.' },
  setup: { description: 'Steps run before `steps`.' },
  steps: { required: true, description: 'The steps of the flow (at least one).' },
  teardown: { description: 'Steps run after `steps`, also after a failure or a cancel.' },
};

export const STEP_KEYS: Readonly<Record<string, KeySpec>> = {
  id: { description: 'Identifier later steps use (`{{id.body.id}}`); default `<phase>_<index>`.' },
  name: { description: 'Display name; default the id.' },
  action: { required: true, description: 'What the step does.' },
  config: { description: "The action's settings; every string in it is interpolated." },
  assert: { description: 'Expressions that must be true after the action: strings or `{expression, message}`.' },
  output: { description: 'Variable name -> path into the step result (`$.body.id`).' },
  retry: { description: '`{max_attempts, delay, backoff: fixed|exponential}`; re-runs the action and its assertions.' },
  timeout: { description: 'Time limit of the step, like "2s".' },
  when: { description: 'Expression; when false the step is skipped.' },
  on_error: { description: '`continue` or `fail` (default), or `{action: continue|fail}`.' },
};

export const RETRY_KEYS: Readonly<Record<string, KeySpec>> = {
  max_attempts: { required: true, description: 'Total number of attempts, the first included (at least 1).' },
  delay: { description: 'Wait before the next attempt, like "200ms" (default 1s).' },
  backoff: { description: '`fixed` (default) or `exponential` (the delay doubles each time).' },
};

export const KNOWN_ACTIONS: readonly string[] = Object.keys(ACTION_SPECS);

/**
 * Plugins TestMesh's server registers itself (its api/internal/api/routes.go), whose actions
 * (`neo4j.query`, `minio.put`, ...) this runner does not have. Other dotted actions come from
 * plugins a TestMesh installation loads from its plugin folder.
 */
const TESTMESH_BUILTIN_PLUGINS = new Set(['neo4j', 'minio', 'otel', 'loki']);
/** Actions of TestMesh's own runner that this runner does not have. */
const TESTMESH_ONLY_ACTIONS = new Set(['contract_generate', 'contract_verify']);

/** Where TestMesh would have found an action this runner does not know; undefined when nowhere (a typo). */
export function unknownActionReason(action: string): string | undefined {
  if (TESTMESH_ONLY_ACTIONS.has(action)) return 'a TestMesh action this runner does not have';
  const dot = action.indexOf('.');
  const plugin = dot > 0 ? action.slice(0, dot) : undefined;
  if (plugin !== undefined && TESTMESH_BUILTIN_PLUGINS.has(plugin)) {
    const here = KNOWN_ACTIONS.filter((known) => known.startsWith(`${plugin}.`));
    return here.length
      ? `it comes from TestMesh's built-in ${plugin} plugin, of which this runner has only ${here.join(', ')}`
      : `it comes from TestMesh's built-in ${plugin} plugin, which this runner does not have`;
  }
  if (plugin !== undefined && !KNOWN_ACTIONS.some((known) => known.startsWith(`${plugin}.`)))
    return `it would come from a TestMesh plugin '${plugin}', which this runner cannot load`;
  return undefined;
}

/** The keys of an action's config that hold nested steps, in table order. */
export function nestedKeys(action: string): string[] {
  const spec = Object.prototype.hasOwnProperty.call(ACTION_SPECS, action) ? ACTION_SPECS[action] : undefined;
  if (!spec) return [];
  return Object.keys(spec.config).filter((key) => spec.config[key].nested !== undefined);
}
