import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importText } from '../../../src/core/import';
import { CLI_SUITE_TIMEOUT_MS } from '../../support/cli';
import { tempDir } from '../helpers';
import { cli } from './importHelpers';
import { loadedFlows, startDemoApi } from './importHelpers';

const ROOT = resolve(__dirname, '../../../..');
const FIXTURES = join(ROOT, 'test/fixtures/import/openapi');
const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

describe('import: OpenAPI and Swagger', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);

  it('OpenAPI 3.0 (YAML), 3.1 (JSON) and Swagger 2.0 Petstore: a flow per tag, a valid step per operation', () => {
    for (const file of ['petstore-3.0.yaml', 'petstore-3.1.json', 'petstore-swagger-2.0.yaml']) {
      const result = importText({ text: read(file), fileName: file });
      assert.equal(result.format, 'openapi');
      const flows = loadedFlows(result);
      assert.deepEqual(
        flows.map((f) => f.name),
        ['Swagger Petstore: pet', 'Swagger Petstore: store', 'Swagger Petstore: user'],
        file,
      );
      const steps = result.flows.flatMap((f) => f.steps);
      assert.ok(steps.length >= 18, `${file}: ${steps.length} operations`);
      const byId = steps.find((s) => s.id === 'get_pet_by_id')!;
      assert.match(byId.request.url, /^\$\{BASE_URL\}\/pet\/\d+$/, file);
      assert.equal(byId.assert[0], 'status == 200');
      assert.ok(byId.assert.includes('body.name != nil'), `${file}: required properties are checked`);
      assert.match(byId.request.headers.api_key ?? '', /^\$\{API_KEY\}$/, `${file}: the api_key scheme`);
      const add = steps.find((s) => s.id === 'add_pet')!;
      assert.equal(add.request.method, 'POST');
      assert.equal((add.request.body as { name?: unknown }).name, 'doggie', `${file}: the schema's example`);
      assert.match(add.request.headers.Authorization ?? '', /^Bearer \$\{PETSTORE_AUTH\}$/, `${file}: OAuth 2 token`);
      const base = result.variables.find((v) => v.name === 'BASE_URL')!;
      assert.match(
        base.value,
        /^https?:\/\/petstore\.swagger\.io\/v2$|^https?:\/\/petstore\.swagger\.io\/api\/v3$|^http/,
      );
      assert.ok(result.variables.filter((v) => v.secret).every((v) => v.value === ''));
    }
  });

  it('a real public API (USPTO), server variables, circular $refs and --no-schema-checks', () => {
    const uspto = importText({ text: read('uspto-3.0.yaml') });
    loadedFlows(uspto);
    assert.equal(uspto.variables.find((v) => v.name === 'BASE_URL')!.value, 'https://developer.uspto.gov/ds-api');
    const search = uspto.flows.flatMap((f) => f.steps).find((s) => s.request.method === 'POST')!;
    assert.match(search.request.url, /^\$\{BASE_URL\}\/oa_citations\/v1\/records$|^\$\{BASE_URL\}\/\w+\/\w+\/records$/);
    assert.match(search.request.body as string, /criteria=/, 'a form body from the schema');
    const circular = importText({ text: read('circular-3.0.yaml') });
    loadedFlows(circular);
    const plain = importText({ text: read('petstore-3.0.yaml'), schemaChecks: false });
    assert.ok(plain.flows.flatMap((f) => f.steps).every((s) => s.assert.length === 1));
  });

  it('refuses what it cannot read and names dangling references', () => {
    assert.throws(() => importText({ text: 'openapi: 4.0.0\npaths: {}\n' }), /version "4.0.0" is not supported/);
    assert.throws(() => importText({ text: 'openapi: 3.0.0\npaths: {}\n' }), /has no operations/);
    const dangling = importText({
      text: JSON.stringify({
        openapi: '3.0.3',
        info: { title: 'x', version: '1' },
        paths: { '/a': { get: { responses: { '200': { $ref: 'other.yaml#/x' } } } } },
      }),
    });
    assert.deepEqual(dangling.notTranslated, ['$ref other.yaml#/x (only references inside the document are followed)']);
  });

  it("the demo API's own document: the imported flows run green against the real demo API", async () => {
    const dir = tempDir();
    const imported = await cli(['import', join(ROOT, 'examples/demo-api/openapi.yaml'), '--out', 'flows'], dir);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /Imported 5 flows from openapi \(TestMesh demo API\)/);
    const validated = await cli(['validate', 'flows'], dir);
    assert.equal(validated.code, 0, validated.stdout);
    const api = await startDemoApi(ROOT);
    try {
      // What a user does: log in, then pass the token and password the .env file leaves empty.
      const login = await fetch(`${api.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'admin-password' }),
      });
      const { token } = (await login.json()) as { token: string };
      const run = await cli(
        [
          'run',
          'flows',
          '--env-file',
          'flows/testmesh-demo-api.env',
          '--var',
          `BASE_URL=${api.url}`,
          '--secret',
          'PASSWORD=admin-password',
          '--secret',
          `BEARER_AUTH=${token}`,
          '--reporter',
          'json',
        ],
        dir,
      );
      const report = JSON.parse(run.stdout) as {
        flows: Array<{ name: string; status: string }>;
        summary: { passed: number };
      };
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(
        report.flows.map((f) => [f.name, f.status]),
        [
          ['TestMesh demo API: auth', 'passed'],
          ['TestMesh demo API: health', 'passed'],
          ['TestMesh demo API: jobs', 'passed'],
          ['TestMesh demo API: tools', 'passed'],
          ['TestMesh demo API: users', 'passed'],
        ].sort(),
      );
    } finally {
      api.stop();
    }
  });
});
