/**
 * Nested config keys of the data-store and mock actions (db_poll's condition, mock endpoints and
 * their match/response/state, verify checks, postgresql.assert's assertions) are checked when the
 * flow loads, with did-you-mean hints at the key's line and column.
 */
import assert from 'node:assert/strict';
import { diagnosticsOf, lines } from './helpers';

describe('nested config keys of data-store and mock actions', () => {
  it('warns about unknown keys in a db_poll condition and in mock endpoints, with did-you-mean', () => {
    assert.deepEqual(
      diagnosticsOf(
        lines(
          'flow:',
          '  name: x',
          '  steps:',
          '    - action: db_poll',
          '      config:',
          '        connection: postgres://u@h/db',
          '        query: select 1',
          '        condition: {type: value_equals, colum: status, value: done}',
          '    - action: mock_server_start',
          '      config:',
          '        endpoints:',
          '          - path: /a',
          '            respnse: {status: 200}',
          '          - path: /b',
          '            match: {query_param: {a: b}}',
          '            response: {status: 200, delay_msec: 5}',
          '            state: {state_key: n, update_rul: increment}',
          '    - action: mock_server_verify',
          '      config:',
          '        assertions:',
          '          - {path: /a, cuont: 1}',
          '    - action: postgresql.assert',
          '      config:',
          '        query: select 1',
          '        assertions:',
          '          - {feild: a, operator: eq, value: 1}',
        ),
      ),
      [
        "f.yaml:8:41: warning: step 'steps_0': config 'condition': unknown key 'colum' (did you mean 'column'?)",
        "f.yaml:13:13: warning: step 'steps_1': config 'endpoints'[0]: unknown key 'respnse' (did you mean 'response'?)",
        "f.yaml:15:21: warning: step 'steps_1': config 'endpoints'[1].match: unknown key 'query_param' (did you mean 'query_params'?)",
        "f.yaml:16:37: warning: step 'steps_1': config 'endpoints'[1].response: unknown key 'delay_msec' (did you mean 'delay_ms'?)",
        "f.yaml:17:35: warning: step 'steps_1': config 'endpoints'[1].state: unknown key 'update_rul' (did you mean 'update_rule'?)",
        "f.yaml:21:24: warning: step 'steps_2': config 'assertions'[0]: unknown key 'cuont' (did you mean 'count'?)",
        "f.yaml:26:14: warning: step 'steps_3': config 'assertions'[0]: unknown key 'feild' (did you mean 'field'?)",
      ],
    );
  });

  it('accepts both spellings TestMesh uses and placeholders instead of maps', () => {
    assert.deepEqual(
      diagnosticsOf(
        lines(
          'flow:',
          '  name: x',
          '  steps:',
          '    - action: mock_server_start',
          '      config:',
          '        endpoints:',
          '          - path: /a',
          '            match: {query: {a: b}, query_params: {c: d}, body: {x: 1}, body_json: {y: 2}}',
          '            response: {status: 200, status_code: 200, delay: 1s, delay_ms: 5, body_from_file: a.json}',
          '    - action: db_poll',
          '      config:',
          '        connection: postgres://u@h/db',
          '        query: select 1',
          '        condition: "{{POLL_CONDITION}}"',
        ),
      ),
      [],
    );
  });
});
