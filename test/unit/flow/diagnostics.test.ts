import assert from 'node:assert/strict';
import { parseFlowText } from '../../../src/core/flow/load';
import { suggest } from '../../../src/core/flow/suggest';
import { KNOWN_ACTIONS } from '../../../src/core/flow/actionSpecs';
import { allSteps } from '../../../src/core/flow/types';
import { diagnosticsOf, lines, loadOk, span } from './helpers';

describe('flow diagnostics', () => {
  it('reports every problem at once, errors and warnings, in source order', () => {
    const text = lines(
      'flow:',
      '  name: x',
      '  tgas: [a]',
      '  steps:',
      '    - id: create_user',
      '      action: htp_request',
      '      config: {url: http://x}',
      '    - action: http_request',
      '      confg: {}',
      '      retry: {max_attempts: 2, dealy: 1s}',
      '    - id: 9lives',
      '      action: log',
      '      config: {message: hi, levle: info}',
    );
    assert.deepEqual(diagnosticsOf(text), [
      "f.yaml:3:3: warning: unknown flow key 'tgas' is ignored (did you mean 'tags'?)",
      "f.yaml:6:15: error: step 'create_user': unknown action 'htp_request' (did you mean 'http_request'?)",
      "f.yaml:8:15: error: step 'steps_1': http_request needs 'url' in its config",
      "f.yaml:9:7: warning: step 'steps_1': unknown step key 'confg' is ignored (did you mean 'config'?)",
      "f.yaml:10:32: warning: step 'steps_1': unknown retry key 'dealy' is ignored (did you mean 'delay'?)",
      "f.yaml:11:11: error: step id '9lives' is not valid: use letters, digits, '_' and '-', starting with a letter or '_'",
      "f.yaml:13:29: warning: step 'steps_2': unknown config key 'levle' for log (did you mean 'level'?)",
    ]);
    const { flow, diagnostics } = parseFlowText(text, 'f.yaml');
    assert.equal(flow, undefined, 'no flow when there are errors');
    const unknownAction = diagnostics[1];
    assert.deepEqual(span(unknownAction.range), [6, 15, 6, 26]);
  });

  it('loads the flow when there are only warnings', () => {
    const { flow, warnings } = loadOk(
      lines(
        'version: 2',
        'flow:',
        '  name: x',
        '  owner: me',
        '  steps:',
        '    - action: log',
        '      descripton: says hi',
        '      config: {message: hi, colour: red}',
        '      retry: {max_attempts: 2, jitter: true}',
        '      assert:',
        '        - {expression: "true", mesage: m}',
        '      on_error: {action: continue, retries: 1}',
        '    - action: parallel',
        '      config:',
        '        branches:',
        '          - steps: [{action: log, config: {message: a}}]',
        '            name: b',
      ),
    );
    assert.equal(flow.steps.length, 2);
    assert.deepEqual(flow.steps[0].config, { message: 'hi', colour: 'red' });
    assert.deepEqual(warnings, [
      "/flows/f.yaml:1:1: warning: unknown key 'version' next to 'flow:' is ignored",
      "/flows/f.yaml:4:3: warning: unknown flow key 'owner' is ignored",
      "/flows/f.yaml:7:7: warning: step 'steps_0': unknown step key 'descripton' is ignored",
      "/flows/f.yaml:8:29: warning: step 'steps_0': unknown config key 'colour' for log",
      "/flows/f.yaml:9:32: warning: step 'steps_0': unknown retry key 'jitter' is ignored",
      "/flows/f.yaml:11:32: warning: step 'steps_0': assert[0]: unknown key 'mesage' is ignored (did you mean 'message'?)",
      "/flows/f.yaml:12:36: warning: step 'steps_0': unknown on_error key 'retries' is ignored",
      "/flows/f.yaml:17:13: warning: step 'steps_1': branch 0: unknown key 'name' is ignored",
    ]);
  });

  it('checks expressions and points at the offending character', () => {
    assert.deepEqual(
      diagnosticsOf(
        lines(
          'flow:',
          '  name: x',
          '  steps:',
          '    - action: log',
          '      config: {message: hi}',
          '      when: status = = 200',
          '      assert:',
          '        - status == 200 &&',
          '        - "body.items[0 == 1"',
          "        - 'a'' == ''b'' &&'",
          '        - |',
          '          status ==',
          '        - expression: "1 +"',
          '          message: m',
          '    - action: condition',
          '      config: {condition: "(x"}',
          '    - action: wait_until',
          '      config:',
          '        condition: x >',
          '        max_duration: 10 seconds',
          '        on_timeout: contine',
        ),
      ),
      [
        "f.yaml:6:20: error: step 'steps_0': 'when': invalid expression: unexpected character '=': use '==' to compare",
        "f.yaml:8:26: error: step 'steps_0': assert[0]: invalid expression: unexpected end of expression: expected an expression",
        "f.yaml:9:29: error: step 'steps_0': assert[1]: invalid expression: unexpected end of expression: expected ']' to close the '[' at column 11",
        "f.yaml:10:22: error: step 'steps_0': assert[2]: invalid expression: unterminated string: expected a closing '",
        "f.yaml:11:11: error: step 'steps_0': assert[3]: invalid expression: unexpected end of expression: expected an expression",
        "f.yaml:13:27: error: step 'steps_0': assert[4]: invalid expression: unexpected end of expression: expected an expression",
        "f.yaml:16:30: error: step 'steps_1': config 'condition': invalid expression: unexpected end of expression: expected ')' to close the '(' at column 1",
        "f.yaml:19:22: error: step 'steps_2': config 'condition': invalid expression: unexpected end of expression: expected an expression",
        'f.yaml:20:23: error: step \'steps_2\': config \'max_duration\' must be a duration like "500ms", "2s" or "1m", got "10 seconds"',
        "f.yaml:21:21: error: step 'steps_2': config 'on_timeout' must be one of 'fail', 'continue', got \"contine\" (did you mean 'continue'?)",
      ],
    );
  });

  it('checks config value types against the action table', () => {
    assert.deepEqual(
      diagnosticsOf(
        lines(
          'flow:',
          '  name: x',
          '  steps:',
          '    - action: parallel',
          '      config: {max_concurrent: -1, fail_fast: "yes", branches: {steps: []}}',
          '    - action: http_request',
          '      config: {url: [a], headers: [a], body: 1, timeout: 5}',
          '    - action: wait_for',
          '      config: {port: 80.5, type: udp}',
          '    - action: websocket',
          '      config: {action: conect}',
          '    - action: for_each',
          '      config: {items: {a: 1}, steps: nope}',
          '    - action: delay',
          '    - action: assert',
          '      config: {assertions: ["a ==", {expression: "b >"}, {message: x}]}',
        ),
      ),
      [
        "f.yaml:5:32: error: step 'steps_0': config 'max_concurrent' must be at least 0, got the number -1",
        "f.yaml:5:47: error: step 'steps_0': config 'fail_fast' must be true or false, got \"yes\"",
        "f.yaml:5:64: error: step 'steps_0': config 'branches' must be a list of branches, each {steps: [...]}, got a mapping",
        "f.yaml:7:21: error: step 'steps_1': config 'url' must be text, got a list",
        "f.yaml:7:35: error: step 'steps_1': config 'headers' must be a mapping (key: value), got a list",
        "f.yaml:9:22: error: step 'steps_2': config 'port' must be a whole number, got the number 80.5",
        "f.yaml:9:34: error: step 'steps_2': config 'type' must be one of 'http', 'tcp', got \"udp\"",
        "f.yaml:11:24: error: step 'steps_3': config 'action' must be one of 'connect', 'send', 'receive', 'close', got \"conect\" (did you mean 'connect'?)",
        "f.yaml:13:23: error: step 'steps_4': config 'items' must be a list or an expression that yields one, got a mapping",
        "f.yaml:13:38: error: step 'steps_4': config 'steps' must be a list of steps, got \"nope\"",
        "f.yaml:14:15: error: step 'steps_5': delay needs 'duration' in its config",
        "f.yaml:16:34: error: step 'steps_6': config 'assertions'[0]: invalid expression: unexpected end of expression: expected an expression",
        "f.yaml:16:54: error: step 'steps_6': config 'assertions'[1]: invalid expression: unexpected end of expression: expected an expression",
        "f.yaml:16:58: error: step 'steps_6': config 'assertions'[2]: an assertion object needs an 'expression'",
      ],
    );
  });

  it('checks step fields: shape, outputs, timeout, on_error, retry', () => {
    assert.deepEqual(
      diagnosticsOf(
        lines(
          'flow:',
          '  name: x',
          '  steps:',
          '    - just a string',
          '    - action: log',
          '      config: {message: hi}',
          '      output: {a: "$.x[", b: "a..b", c: {x: 1}, d: "$[\'k\']"}',
          '      timeout: soon',
          '      on_error: ignore',
          '    - action: log',
          '      config: [a]',
          '      on_error: {acton: continue}',
          '      retry: 3',
          '    - action: log',
          '      config: {message: hi}',
          '      retry: {max_attempts: 0, backoff: linear}',
          '    - config: {message: hi}',
        ),
      ),
      [
        "f.yaml:4:7: error: step 'steps_0': a step must be a mapping with an 'action', got \"just a string\"",
        'f.yaml:7:24: error: step \'steps_1\': output \'a\': invalid path "$.x[": expected an index or a quoted key after "[" at position 5',
        'f.yaml:7:33: error: step \'steps_1\': output \'b\': invalid path "a..b": expected a property name after "." at position 3',
        "f.yaml:7:41: error: step 'steps_1': output 'c' must be text, got a mapping",
        'f.yaml:8:16: error: step \'steps_1\': \'timeout\' must be a duration like "500ms", "2s" or "1m", got "soon"',
        "f.yaml:9:17: error: step 'steps_1': 'on_error' must be 'continue' or 'fail', got 'ignore'",
        "f.yaml:11:15: error: step 'steps_2': 'config' must be a mapping, got a list",
        "f.yaml:12:17: error: step 'steps_2': 'on_error' needs 'action: continue' or 'action: fail'",
        "f.yaml:12:18: warning: step 'steps_2': unknown on_error key 'acton' is ignored (did you mean 'action'?)",
        "f.yaml:13:14: error: step 'steps_2': 'retry' must be a mapping like {max_attempts: 3, delay: \"1s\"}, got the number 3",
        "f.yaml:16:29: error: step 'steps_3': retry 'max_attempts' must be a whole number of at least 1, got the number 0",
        "f.yaml:16:41: error: step 'steps_3': retry 'backoff' must be 'fixed' or 'exponential', got 'linear'",
        "f.yaml:17:7: error: step 'steps_4': the step has no 'action'",
      ],
    );
  });

  it('requires well-formed step ids, and accepts repeated ones as TestMesh does', () => {
    assert.deepEqual(
      diagnosticsOf(
        lines(
          'flow:',
          '  name: x',
          '  setup:',
          '    - id: a',
          '      action: log',
          '      config: {message: hi}',
          '  steps:',
          '    - id: a',
          '      action: condition',
          '      config:',
          '        condition: "true"',
          '        then:',
          '          - action: log',
          '            config: {message: hi}',
          '    - id: "a.b"',
          '      action: log',
          '      config: {message: hi}',
          '    - action: log',
          '      config: {message: hi}',
          '    - id: steps_2',
          '      action: log',
          '      config: {message: hi}',
        ),
      ),
      [
        "f.yaml:15:11: error: step id 'a.b' is not valid: use letters, digits, '_' and '-', starting with a letter or '_'",
      ],
    );
  });

  it('checks the flow mapping', () => {
    assert.deepEqual(diagnosticsOf(lines('flow:', '  description: x')), [
      "f.yaml:2:3: error: the flow has no 'name'",
      "f.yaml:2:3: error: the flow has no 'steps': add a 'steps:' list with at least one step",
    ]);
    assert.deepEqual(diagnosticsOf(lines('flow:', '  name: x', '  steps: []')), [
      "f.yaml:3:10: error: 'steps' is empty: a flow needs at least one step",
    ]);
    assert.deepEqual(diagnosticsOf(lines('flow:', '  name: ""', '  tags: {a: 1}', '  env: [1]', '  steps: {}')), [
      "f.yaml:2:9: error: the flow's 'name' is empty",
      "f.yaml:3:9: error: 'tags' must be a list of strings, got a mapping",
      "f.yaml:4:8: error: 'env' must be a mapping of variable names to values, got a list",
      "f.yaml:5:10: error: 'steps' must be a list of steps, got a mapping",
    ]);
    assert.deepEqual(diagnosticsOf(lines('flow: [1]')), [
      "f.yaml:1:7: error: 'flow' must be a mapping with 'name' and 'steps', got a list",
    ]);
  });

  it('explains files that are not flows', () => {
    assert.deepEqual(diagnosticsOf(lines('foo: 1', 'bar: 2')), [
      "f.yaml:1:1: error: not a flow file: the root needs a 'flow:' key (or 'name' and 'steps')",
    ]);
    assert.deepEqual(diagnosticsOf(''), [
      "f.yaml:1:1: error: the file is empty: a flow file needs a 'flow:' mapping with 'name' and 'steps'",
    ]);
    assert.deepEqual(diagnosticsOf('# just a comment\n'), [
      "f.yaml:1:1: error: the file is empty: a flow file needs a 'flow:' mapping with 'name' and 'steps'",
    ]);
    assert.deepEqual(diagnosticsOf('- a\n- b\n'), [
      "f.yaml:1:1: error: a flow file must be a mapping with a 'flow:' key, got a list",
    ]);
  });

  it('reports YAML syntax errors with their line and column', () => {
    assert.deepEqual(
      diagnosticsOf(lines('flow:', '  name: x', '  steps:', '    - action: log', '     config: {message: hi}')),
      ['f.yaml:5:1: error: YAML syntax error: Sequence item without - indicator'],
    );
    assert.deepEqual(diagnosticsOf(lines('flow:', '  name: "unterminated', '  steps: []')), [
      'f.yaml:4:1: error: YAML syntax error: Missing closing "quote',
    ]);
    assert.deepEqual(diagnosticsOf(lines('flow:', '\tname: x')), [
      'f.yaml:2:1: error: YAML syntax error: Tabs are not allowed as indentation',
    ]);
    assert.deepEqual(
      diagnosticsOf(lines('flow:', '  name: x', '  steps:', '    - action: log', '      action: delay')),
      ["f.yaml:5:7: error: duplicate key 'action' in the same mapping"],
    );
  });

  it('uses the first YAML document and warns about the rest', () => {
    const text = lines(
      'flow:',
      '  name: x',
      '  steps:',
      '    - action: log',
      '      config: {message: hi}',
      '---',
      'other: [',
    );
    const { flow, diagnostics } = parseFlowText(text, 'f.yaml');
    assert.ok(flow);
    assert.deepEqual(
      diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.severity} ${d.message}`),
      ['6:1 warning only the first YAML document of the file is used; the rest (after ---) is ignored'],
    );
  });

  it('passes YAML warnings on', () => {
    assert.deepEqual(
      diagnosticsOf(lines('flow:', '  name: !custom x', '  steps: [{action: log, config: {message: hi}}]')),
      ['f.yaml:2:9: warning: YAML: Unresolved tag: !custom'],
    );
  });

  it('reports bad aliases', () => {
    assert.deepEqual(
      diagnosticsOf(lines('flow:', '  name: x', '  steps:', '    - action: log', '      config: {message: *nope}')),
      ["f.yaml:5:25: error: unknown alias '*nope': no '&nope' anchor before it"],
    );
    assert.deepEqual(
      diagnosticsOf(
        lines('flow: &f', '  name: x', '  steps:', '    - action: log', '      config: {message: hi, x: *f}'),
      ),
      [
        "f.yaml:5:29: warning: step 'steps_0': unknown config key 'x' for log",
        "f.yaml:5:32: error: alias '*f' refers to a node that contains it",
      ],
    );
  });

  it('checks parallel branches', () => {
    assert.deepEqual(
      diagnosticsOf(
        lines(
          'flow:',
          '  name: x',
          '  steps:',
          '    - action: parallel',
          '      config:',
          '        branches:',
          '          - stepz: []',
          '          - 5',
          '          - steps: [{action: lgo}]',
        ),
      ),
      [
        "f.yaml:7:13: warning: step 'steps_0': branch 0: unknown key 'stepz' is ignored (did you mean 'steps'?)",
        "f.yaml:7:13: error: step 'steps_0': branch 0 needs 'steps': a list of steps",
        "f.yaml:8:13: error: step 'steps_0': branch 1 must be a mapping {steps: [...]}, got the number 5",
        "f.yaml:9:30: error: step 'steps_0.branch2_0': unknown action 'lgo' (did you mean 'log'?)",
      ],
    );
  });

  it('lists the known actions when nothing is close', () => {
    assert.deepEqual(diagnosticsOf(lines('flow:', '  name: x', '  steps:', '    - action: zzz_unknown')), [
      `f.yaml:4:15: error: step 'steps_0': unknown action 'zzz_unknown' (known actions: ${KNOWN_ACTIONS.join(', ')})`,
    ]);
  });

  it('says where TestMesh finds the actions this runner does not have: its plugins and its contract actions', () => {
    const errors = (action: string) =>
      diagnosticsOf(lines('flow:', '  name: x', '  steps:', `    - action: ${action}`));
    assert.deepEqual(errors('minio.put'), [
      "f.yaml:4:15: error: step 'steps_0': unknown action 'minio.put': it comes from TestMesh's built-in minio plugin, which this runner does not have",
    ]);
    assert.deepEqual(errors('scraper.links'), [
      "f.yaml:4:15: error: step 'steps_0': unknown action 'scraper.links': it would come from a TestMesh plugin 'scraper', which this runner cannot load",
    ]);
    assert.deepEqual(errors('otel.assert'), [
      "f.yaml:4:15: error: step 'steps_0': unknown action 'otel.assert': it comes from TestMesh's built-in otel plugin, of which this runner has only otel.inject",
    ]);
    assert.deepEqual(errors('contract_verify'), [
      "f.yaml:4:15: error: step 'steps_0': unknown action 'contract_verify': a TestMesh action this runner does not have",
    ]);
    // A prefix this runner has (redis.*): a typo, with its did-you-mean.
    assert.deepEqual(errors('redis.gett'), [
      "f.yaml:4:15: error: step 'steps_0': unknown action 'redis.gett' (did you mean 'redis.get'?)",
    ]);
  });

  it('loads a flow whose errors are all inside steps, each faulty step carrying them; other errors refuse it', () => {
    const text = lines(
      'flow:',
      '  name: x',
      '  steps:',
      '    - id: ok',
      '      action: log',
      '      config: { message: hi }',
      '    - id: bad',
      '      action: kafka_publish',
      '      assert: ["a =="]',
      '    - id: branch',
      '      action: condition',
      '      config:',
      '        condition: "true"',
      '        then:',
      '          - id: inner',
      '            action: neo4j.query',
    );
    const { flow, diagnostics } = parseFlowText(text, 'f.yaml');
    assert.ok(flow, 'loads');
    assert.deepEqual(
      diagnostics.map((d) => [d.step, d.range.start.line]),
      [
        ['bad', 8],
        ['bad', 9],
        ['inner', 16],
      ],
    );
    const steps = Object.fromEntries(allSteps(flow).map((s) => [s.id, s.problem]));
    assert.equal(steps.ok, undefined);
    assert.equal(steps.branch, undefined);
    assert.match(
      steps.bad!,
      /^step 'bad': unknown action 'kafka_publish'.*; step 'bad': assert\[0\]: invalid expression/,
    );
    assert.match(steps.inner!, /unknown action 'neo4j.query': it comes from TestMesh's built-in neo4j plugin/);

    // What TestMesh's own loader refuses still refuses the file: no action, an http_request without url.
    for (const refused of [
      lines('flow:', '  name: x', '  steps:', '    - id: a'),
      lines('flow:', '  name: x', '  steps:', '    - action: http_request'),
      lines('flow:', '  name: x', '  steps:', '    - action: database_query', '      config: { connection: x }'),
    ]) {
      const result = parseFlowText(refused, 'f.yaml');
      assert.equal(result.flow, undefined, refused);
      assert.ok(
        result.diagnostics.some((d) => d.severity === 'error' && d.step === undefined),
        refused,
      );
    }
  });

  it('suggests close names, also for other spellings', () => {
    assert.equal(suggest('maxAttempts', ['max_attempts', 'delay']), " (did you mean 'max_attempts'?)");
    assert.equal(suggest('Max-Attempts', ['max_attempts']), " (did you mean 'max_attempts'?)");
    assert.equal(suggest('hedaers', ['headers', 'query']), " (did you mean 'headers'?)");
    assert.equal(suggest('xyz', ['headers', 'query']), '');
    assert.equal(suggest('a'.repeat(1000), ['headers']), '');
  });
});
