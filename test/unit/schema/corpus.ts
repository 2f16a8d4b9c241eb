/**
 * Flows for holding the JSON Schema against the validator: valid ones (also with every lenient
 * corner the validator allows) and invalid ones (one mistake each).
 */

export interface CorpusCase {
  name: string;
  yaml: string;
  valid: boolean;
  /** Invalid for the validator only: a rule JSON Schema cannot express (the reason). */
  validatorOnly?: string;
  /** Unknown keys both sides must flag (warnings), in any order. */
  unknownKeys?: string[];
}

/** A flow around step YAML (indented as list items under `steps:`). */
function flow(steps: string, head = ''): string {
  return `flow:\n  name: Corpus flow\n${head}  steps:\n${indent(steps, 4)}`;
}

/** One step with the given action and config YAML. */
function step(action: string, config: string, extra = ''): string {
  const configBlock = config ? `  config:\n${indent(config, 4)}` : '';
  return flow(`- id: s\n  action: ${action}\n${configBlock}${extra ? indent(extra, 2) : ''}`);
}

function indent(text: string, by: number): string {
  const pad = ' '.repeat(by);
  return text
    .split('\n')
    .map((line) => (line ? pad + line : line))
    .join('\n')
    .replace(/\n*$/, '\n');
}

const valid = (name: string, yaml: string, unknownKeys?: string[]): CorpusCase => ({
  name,
  yaml,
  valid: true,
  unknownKeys,
});
const invalid = (name: string, yaml: string): CorpusCase => ({ name, yaml, valid: false });
const validatorOnly = (name: string, yaml: string, reason: string): CorpusCase => ({
  name,
  yaml,
  valid: false,
  validatorOnly: reason,
});

export const CORPUS: CorpusCase[] = [
  // ---- valid -------------------------------------------------------------------------------
  valid('minimal flow', flow('- action: log\n  config:\n    message: hi')),
  valid(
    'root form: name and steps at the top',
    'name: Root form\nsteps:\n  - action: delay\n    config:\n      duration: 10ms\n',
  ),
  valid(
    'every flow key',
    flow(
      '- action: log\n  config: {message: main}',
      '  description: all keys\n  suite: corpus\n  tags: [a, 1, true]\n  env:\n    BASE: http://x\n  env_file: .env\n  setup:\n    - action: log\n      config: {message: setup}\n  teardown:\n    - action: log\n      config: {message: down}\n',
    ),
  ),
  valid(
    'empty setup, teardown, tags, env and description',
    flow('- action: log\n  config: {message: x}', '  setup:\n  teardown:\n  tags:\n  env:\n  description:\n'),
  ),
  valid(
    'numbers and booleans where text is read',
    'flow:\n  name: 42\n  suite: 7\n  env_file: 1\n  steps:\n    - id: true\n      name: 3\n      action: log\n      config: {message: x}\n',
  ),
  valid(
    'http_request with every key',
    step(
      'http_request',
      'method: POST\nurl: https://example.test/users\nheaders: {Content-Type: application/json}\nquery: {limit: 2}\nbody: {name: Ada}\ntimeout: 5s',
    ),
  ),
  valid(
    'http_request: optional keys left empty',
    step('http_request', 'url: https://example.test\nheaders:\ntimeout:\nmethod:\nbody:'),
  ),
  valid(
    'placeholders for typed values',
    step(
      'parallel',
      'max_concurrent: "${N}"\nfail_fast: "{{FAIL_FAST}}"\nbranches:\n  - steps:\n      - action: log\n        config: {message: x, level: "${LEVEL}"}',
    ),
  ),
  valid(
    'placeholder map, list and duration',
    step('http_request', 'url: ${BASE}/x\nheaders: "{{common_headers}}"\nquery: ${QUERY}\ntimeout: "{{T}}"'),
  ),
  valid(
    'assert action with string and object assertions',
    step(
      'assert',
      'data: {total: 3}\nassertions:\n  - total == 3\n  - expression: total > 0\n    message: positive\n    severity: high\n  - true',
    ),
  ),
  valid('assert action: assertions from a placeholder', step('assert', 'assertions: "{{checks}}"')),
  valid('transform', step('transform', 'input: {a: 1}\ntransforms: {b: $.a, c: literal}')),
  valid(
    'condition with nested then and else',
    step(
      'condition',
      'condition: status == 200 && body.ok\nthen:\n  - id: yes_branch\n    action: log\n    config: {message: yes}\nelse:\n  - action: delay\n    config: {duration: 1ms}',
    ),
  ),
  valid('condition with empty branches', step('condition', 'condition: "true"\nthen:\nelse:')),
  valid('condition: a number or boolean is an expression', step('condition', 'condition: true')),
  valid(
    'for_each over a list, an expression and a placeholder',
    flow(
      '- action: for_each\n  config:\n    items: [1, 2]\n    item_name: n\n    steps:\n      - action: log\n        config: {message: "{{n}}"}\n' +
        '- action: for_each\n  config:\n    items: users.body.items\n    steps: []\n' +
        '- action: for_each\n  config:\n    items: "{{LIST}}"\n    steps:\n      - action: log\n        config: {message: "{{item}} {{index}}"}',
    ),
  ),
  valid(
    'parallel branches',
    step(
      'parallel',
      'max_concurrent: 0\nfail_fast: false\nbranches:\n  - steps:\n      - action: log\n        config: {message: a}\n  - steps: []',
    ),
  ),
  valid(
    'parallel branches written as steps (as TestMesh writes them), next to the {steps} form',
    step(
      'parallel',
      'branches:\n  - id: a\n    action: http_request\n    config: {url: "http://x/a"}\n  - action: log\n    config: {message: b}\n  - steps:\n      - action: log\n        config: {message: c}',
    ),
  ),
  valid(
    'wait_for http',
    step(
      'wait_for',
      'type: http\nurl: http://localhost/health\nmethod: GET\nstatus_code: 200\nbody_contains: ok\njson_path: $.status\njson_value: up\nheaders: {A: b}\ntimeout: 30s\ninterval: 500ms\nmax_attempts: 10',
    ),
  ),
  valid('wait_for tcp', step('wait_for', 'type: tcp\nhost: localhost\nport: 5432\ninterval: "1.5s"')),
  valid('wait_for with no config at all', step('wait_for', '')),
  valid(
    'wait_until with nested steps',
    step(
      'wait_until',
      "condition: job_status == 'done'\nmax_duration: 1m30s\ninterval: 250\non_timeout: continue\nsteps:\n  - id: poll\n    action: http_request\n    config: {url: http://x/jobs/1}\n    output: {job_status: $.body.status}",
    ),
  ),
  valid('run_flow', step('run_flow', 'flow: ./shared/login.flow.yaml\ninput: {user: ada}\ninherit_env: false')),
  valid(
    'websocket',
    step(
      'websocket',
      'action: connect\nurl: ws://localhost/ws\nheaders: {A: b}\nmessage: {hello: 1}\ntimeout: 2s\nexpected: {ok: true}\nconnection_id: main',
    ),
  ),
  valid(
    'database_query',
    step(
      'database_query',
      'connection: postgres://u@localhost/db\nquery: select 1 where id = $1\nparams: [1]\ntimeout: 1s\nmax_rows: 10',
    ),
  ),
  valid(
    'db_poll',
    step(
      'db_poll',
      'connection: postgres://u@localhost/db\nquery: select 1\nparams: [1]\ncondition: {type: value_equals, column: status, value: done}\ninterval: 500ms\ntimeout: 1m\nmax_attempts: 10',
    ),
  ),
  valid(
    'redis.set',
    step(
      'redis.set',
      'host: localhost\nport: "6379"\npassword: pw\ndb: 1\nkey: k\nvalue: {a: 1}\nttl: 10s\ntimeout: 2s',
    ),
  ),
  valid('redis.get by url', step('redis.get', 'url: redis://localhost:6379/0\nkey: k')),
  valid(
    'postgresql.update',
    step(
      'postgresql.update',
      'host: db\nport: 5432\nuser: app\npassword: pw\ndatabase: shop\nsslmode: disable\ntable: users\ndata: {name: Ada}\nwhere: id = $1\nwhereParams: [1]\nreturning: [id]',
    ),
  ),
  valid(
    'postgresql.transaction',
    step(
      'postgresql.transaction',
      'connectionString: postgres://u@localhost/db\nstatements:\n  - select 1\n  - {query: select $1, params: [1]}',
    ),
  ),
  valid(
    'mock_server_start',
    step(
      'mock_server_start',
      'name: api\nport: 0\nendpoints:\n  - {method: GET, path: /users/:id, priority: 2, match: {query: {a: b}}, response: {status: 200, body: {id: "{{request.path.id}}"}, delay: 10ms}}',
    ),
  ),
  valid(
    'mock_server_verify',
    step(
      'mock_server_verify',
      'server_id: api\nmethod: POST\npath: /charge\nmatch: {body_json: {amount: 5}}\ncount_min: 1\ncount_max: 2',
    ),
  ),
  valid('mock_server_stop without config', step('mock_server_stop', '')),
  valid(
    'every step key',
    step(
      'http_request',
      'url: http://x',
      "name: Every key\nassert:\n  - status == 200\n  - expression: body.id != nil\n    message: has an id\noutput:\n  user_id: $.body.id\n  ctype: $.headers.content-type\nretry:\n  max_attempts: 3\n  delay: 200ms\n  backoff: exponential\ntimeout: 2s\nwhen: env == 'ci'\non_error: continue",
    ),
  ),
  valid('a single assertion instead of a list', step('log', 'message: x', 'assert: status == 200')),
  valid('a single assertion object', step('log', 'message: x', 'assert:\n  expression: ok\n  message: fine')),
  valid('on_error in the object form', step('log', 'message: x', 'on_error:\n  action: fail')),
  valid('empty assert, output and config', flow('- action: wait_for\n  config:\n  assert:\n  output:')),
  valid('retry without max_attempts (a warning only)', step('log', 'message: x', 'retry:\n  delay: 1s')),
  valid(
    'unknown keys everywhere are warnings',
    'flow:\n  name: Unknown keys\n  owner: me\n  steps:\n    - action: parallel\n      colour: red\n      config:\n        branches:\n          - steps: []\n            label: b\n        fail_fats: true\n      retry: {max_attempts: 2, jitter: 1}\n      on_error: {action: continue, why: because}\n      assert:\n        - expression: "true"\n          note: n\nextra: root\n',
    ['owner', 'colour', 'label', 'fail_fats', 'jitter', 'why', 'note', 'extra'],
  ),
  valid(
    'anchors, aliases and merge keys',
    'flow:\n  name: Shared config\n  env:\n    common: &common\n      url: http://x\n      timeout: 2s\n  steps:\n    - action: http_request\n      config:\n        <<: *common\n        method: GET\n    - action: http_request\n      config: *common\n',
  ),
  valid(
    'unknown key next to flow in root form',
    'name: Root\nsteps:\n  - action: log\n    config: {message: x}\nversion: 2\n',
    ['version'],
  ),

  // ---- invalid ---------------------------------------------------------------------------
  invalid('empty file', ''),
  invalid('root is a list', '- action: log\n'),
  invalid('neither flow nor name and steps', 'name: only a name\n'),
  invalid('flow is not a mapping', 'flow: hello\n'),
  invalid('flow is empty', 'flow:\n'),
  invalid('flow without name', 'flow:\n  steps:\n    - action: log\n      config: {message: x}\n'),
  invalid('blank name', 'flow:\n  name: "  "\n  steps:\n    - action: log\n      config: {message: x}\n'),
  invalid('flow without steps', 'flow:\n  name: x\n'),
  invalid('empty steps', 'flow:\n  name: x\n  steps: []\n'),
  invalid('steps with nothing', 'flow:\n  name: x\n  steps:\n'),
  invalid('tags is a string', flow('- action: log\n  config: {message: x}', '  tags: smoke\n')),
  invalid('env is a list', flow('- action: log\n  config: {message: x}', '  env: [A]\n')),
  invalid('env_file with nothing', flow('- action: log\n  config: {message: x}', '  env_file:\n')),
  invalid('description is a mapping', flow('- action: log\n  config: {message: x}', '  description: {a: b}\n')),
  invalid('setup is a mapping', flow('- action: log\n  config: {message: x}', '  setup: {action: log}\n')),
  invalid('a step that is a string', flow('- just text')),
  invalid('a step without action', flow('- name: no action\n  config: {message: x}')),
  invalid('unknown action', step('kafka_publish', 'topic: x')),
  invalid('action is a list', flow('- action: [log]')),
  invalid('step name with nothing', step('log', 'message: x', 'name:')),
  invalid('step id with a space', step('log', 'message: x').replace('id: s', 'id: bad id')),
  invalid('step id is a number', step('log', 'message: x').replace('id: s', 'id: 42')),
  invalid('http_request without config', flow('- action: http_request')),
  invalid('http_request without url', step('http_request', 'method: GET')),
  invalid('required key with nothing', step('http_request', 'url:')),
  invalid('config is a string', flow('- action: log\n  config: hello')),
  invalid('text key given a number', step('http_request', 'url: 5')),
  invalid('map key given plain text', step('http_request', 'url: http://x\nheaders: text')),
  invalid('whole number given text', step('parallel', 'max_concurrent: many\nbranches: []')),
  invalid('whole number below its minimum', step('parallel', 'max_concurrent: -1\nbranches: []')),
  invalid('whole number given a fraction', step('wait_for', 'max_attempts: 1.5')),
  invalid('boolean given text', step('parallel', 'fail_fast: yes\nbranches: []')),
  invalid('bad enum value', step('log', 'message: x\nlevel: verbose')),
  invalid('enum given a number', step('wait_for', 'type: 5')),
  invalid('bad duration in config', step('delay', 'duration: 2 seconds')),
  invalid('negative duration', step('delay', 'duration: -5')),
  invalid('bad step timeout', step('log', 'message: x', 'timeout: fast')),
  invalid('step timeout with nothing', step('log', 'message: x', 'timeout:')),
  invalid('retry with nothing', step('log', 'message: x', 'retry:')),
  invalid('retry max_attempts 0', step('log', 'message: x', 'retry: {max_attempts: 0}')),
  invalid('retry max_attempts as text', step('log', 'message: x', 'retry: {max_attempts: "3"}')),
  invalid('retry bad delay', step('log', 'message: x', 'retry: {max_attempts: 2, delay: soon}')),
  invalid('retry bad backoff', step('log', 'message: x', 'retry: {max_attempts: 2, backoff: linear}')),
  invalid('on_error bad value', step('log', 'message: x', 'on_error: ignore')),
  invalid('on_error object with a bad action', step('log', 'message: x', 'on_error: {action: maybe}')),
  invalid('on_error object without action', step('log', 'message: x', 'on_error: {}')),
  invalid('on_error with nothing', step('log', 'message: x', 'on_error:')),
  invalid('empty when', step('log', 'message: x', 'when: ""')),
  invalid('when with nothing', step('log', 'message: x', 'when:')),
  invalid('assertion with nothing', step('log', 'message: x', 'assert:\n  -')),
  invalid('assertion object without expression', step('log', 'message: x', 'assert:\n  - message: no expression')),
  invalid('assertion message is a list', step('log', 'message: x', 'assert:\n  - expression: ok\n    message: [a]')),
  invalid('output is a list', step('log', 'message: x', 'output: [a]')),
  invalid('output with an empty path', step('log', 'message: x', 'output: {a: ""}')),
  invalid('output with an empty variable name', step('log', 'message: x', 'output: {"": $.body}')),
  invalid('assert action without assertions', step('assert', 'data: {a: 1}')),
  invalid('assert action: assertion object without expression', step('assert', 'assertions:\n  - message: x')),
  invalid('assert action: assertions is plain text', step('assert', 'assertions: all good')),
  invalid('nested then is a string', step('condition', 'condition: ok\nthen: nothing')),
  invalid('nested step list given a placeholder', step('condition', 'condition: ok\nthen: "{{steps}}"')),
  invalid('nested step without action', step('condition', 'condition: ok\nelse:\n  - name: no action')),
  invalid('condition without condition', step('condition', 'then: []')),
  invalid('for_each without items', step('for_each', 'steps: []')),
  invalid('for_each items is a number', step('for_each', 'items: 5\nsteps: []')),
  invalid('for_each items is blank', step('for_each', 'items: " "\nsteps: []')),
  invalid('parallel branch without steps', step('parallel', 'branches:\n  - {}')),
  invalid(
    'parallel branch written as a step with a wrong config',
    step('parallel', 'branches:\n  - action: log\n    config: {level: info}'),
  ),
  invalid('parallel branch steps with nothing', step('parallel', 'branches:\n  - steps:')),
  invalid('parallel branch is a list', step('parallel', 'branches:\n  - [a]')),
  invalid('wait_until bad on_timeout', step('wait_until', 'condition: ok\non_timeout: retry')),
  invalid('websocket without action', step('websocket', 'url: ws://x')),
  invalid('websocket bad action', step('websocket', 'action: open')),
  invalid('database_query without query', step('database_query', 'connection: postgres://x')),
  invalid('db_poll without query', step('db_poll', 'connection: postgres://x')),
  invalid('redis.get without key', step('redis.get', 'host: localhost')),
  invalid('postgresql.delete without where', step('postgresql.delete', 'table: users')),
  invalid('mock_server_start without endpoints', step('mock_server_start', 'name: api')),
  invalid('mock_server_verify count not a number', step('mock_server_verify', 'count: many')),
  invalid('run_flow inherit_env as text', step('run_flow', 'flow: x.flow.yaml\ninherit_env: maybe')),
  invalid('unknown action inside a nested step', step('for_each', 'items: [1]\nsteps:\n  - action: sleep')),
  invalid(
    'bad config deep in a parallel branch',
    step('parallel', 'branches:\n  - steps:\n      - action: delay\n        config: {duration: later}'),
  ),

  // ---- rules only the validator checks -----------------------------------------------------
  validatorOnly(
    'expression syntax',
    step('log', 'message: x', 'assert:\n  - status =='),
    'expressions are parsed, JSON Schema sees a string',
  ),
  validatorOnly(
    'condition syntax',
    step('condition', 'condition: "a &&"'),
    'expressions are parsed, JSON Schema sees a string',
  ),
  validatorOnly(
    'output path syntax',
    step('log', 'message: x', 'output: {a: "$.body["}'),
    'output paths are parsed, JSON Schema sees a string',
  ),
];
