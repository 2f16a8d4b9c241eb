import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flowsToPostman } from '../../../src/core/export/postman';
import { importText } from '../../../src/core/import';
import { planFiles } from '../../../src/core/import/flowWriter';
import type { ImportResult } from '../../../src/core/import/model';
import { translateTestScript } from '../../../src/core/import/postmanScripts';
import { loadedFlows } from './importHelpers';

const FIXTURES = resolve(__dirname, '../../../../test/fixtures/import/postman');
const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** The flows of an import without what only the first import can know (notes). */
function comparable(result: ImportResult) {
  return result.flows.map((f) => ({
    name: f.name,
    description: f.description,
    suite: f.suite,
    env: f.env,
    steps: f.steps.map((s) => ({ id: s.id, name: s.name, request: s.request, assert: s.assert, output: s.output })),
  }));
}

describe('import: Postman', () => {
  it('v2.1 with an environment: folders become flows, auth headers, scripts assertions and outputs', () => {
    const result = importText({
      text: read('shop.postman_collection.json'),
      fileName: 'shop.postman_collection.json',
      environmentText: read('shop.postman_environment.json'),
    });
    assert.equal(result.format, 'postman');
    const files = planFiles(result);
    assert.deepEqual(
      files.map((f) => f.path),
      ['shop-api.flow.yaml', 'auth.flow.yaml', 'orders.flow.yaml', 'orders/admin.flow.yaml', 'shop-api.env'],
    );
    const flows = loadedFlows(result);
    assert.deepEqual(
      flows.map((f) => f.name),
      ['Shop API', 'Auth', 'Orders', 'Orders / Admin'],
    );
    const [, auth, orders, admin] = result.flows;
    const login = auth.steps[0];
    assert.equal(login.id, 'log_in');
    assert.deepEqual(login.request.body, { username: '{{username}}', password: '{{password}}' });
    assert.equal(login.request.headers.Authorization, undefined, 'noauth on the request');
    assert.deepEqual(login.assert, ['status == 200', 'body.token != nil', 'body.token_type == "Bearer"']);
    assert.deepEqual(login.output, { authToken: '$.body.token' });
    assert.deepEqual(login.notes, ["test script: console.log('logged in')"]);
    const [create, get] = orders.steps;
    assert.equal(create.request.headers.Authorization, 'Bearer {{authToken}}', 'the collection auth is inherited');
    assert.equal(create.request.url, '{{baseUrl}}/orders?notify=true', 'disabled query parameters are dropped');
    assert.equal(create.request.headers['X-Debug'], undefined, 'disabled headers are dropped');
    assert.deepEqual(create.request.body, {
      items: [{ sku: '{{sku}}', qty: 2 }],
      coupon: '{{coupon}}',
      requestId: '{{UUID}}',
    });
    assert.deepEqual(create.assert, ['status == 201', 'len(body.items) == 1', 'body.items[0].qty == 2']);
    assert.deepEqual(create.output, { orderId: '$.body.id' });
    assert.match(create.notes[0], /^pre-request script/);
    assert.equal(get.request.url, '{{baseUrl}}/orders/{{orderId}}', 'path variables');
    assert.deepEqual(get.assert, ['status in [200, 304]', "headers['content-type'] != nil", 'duration_ms < 500']);
    assert.equal(admin.steps[0].request.headers['X-Admin-Key'], '{{X_ADMIN_KEY}}', 'API keys are secrets');
    assert.equal(admin.steps[0].request.body, 'reason=damaged%20item&amount=12.50');
    assert.equal(admin.steps[1].request.headers.Authorization, 'Basic {{BASIC_AUTH}}');
    assert.deepEqual(admin.steps[1].notes, ['formdata body (http_request sends JSON or text bodies)']);
    const env = files.find((f) => f.kind === 'environment')!.text;
    assert.match(
      env,
      /^baseUrl=https:\/\/staging\.shop\.example\.com\/api$/m,
      'the environment wins over the collection',
    );
    assert.match(env, /^password=$/m);
    assert.match(env, /^authToken=$/m);
    const everything = files.map((f) => f.text).join('\n');
    for (const secret of [
      'staging-pa55word',
      'adm_9f8e7d6c5b4a',
      'hunter2-basic',
      'YWRtaW46aHVudGVyMi1iYXNpYw',
      'cs_live',
    ])
      assert.ok(!everything.includes(secret), `${secret} is not written`);
    assert.ok(!result.flows.some((f) => 'baseUrl' in f.env), 'the environment value is not shadowed by the flow env');
    assert.ok(result.notTranslated.length >= 3);
  });

  it('v2.0: header text, bearer auth objects and legacy tests[] checks', () => {
    const result = importText({ text: read('legacy-v2.0.postman_collection.json') });
    const [flow] = result.flows;
    const [list, ping] = flow.steps;
    assert.deepEqual(list.request.headers, {
      Accept: 'application/json',
      'X-Client': 'legacy',
      Authorization: 'Bearer {{API_TOKEN}}',
    });
    assert.deepEqual(list.assert, ['status == 200']);
    assert.equal(ping.request.url, 'https://api.example.com/ping');
    loadedFlows(result);
  });

  it("a collection made by Postman's own converter from the Petstore OpenAPI document", () => {
    const result = importText({ text: read('petstore-generated.postman_collection.json') });
    const flows = loadedFlows(result);
    assert.deepEqual(
      flows.map((f) => f.name),
      ['pet', 'store', 'user'],
    );
    const steps = result.flows.flatMap((f) => f.steps);
    assert.ok(steps.length >= 19, `${steps.length} requests`);
    const add = steps.find((s) => s.name === 'Add a new pet to the store')!;
    assert.equal(add.request.method, 'POST');
    assert.equal(add.request.url, '{{baseUrl}}/pet');
    assert.equal(typeof add.request.body, 'object');
    assert.ok(
      result.notTranslated.some((n) => /oauth2 auth/.test(n)),
      'OAuth 2 is listed as not translated',
    );
    const byId = steps.find((s) => s.name === 'Find pet by ID')!;
    assert.match(byId.request.url, /^\{\{baseUrl\}\}\/pet\/[^:]/, 'the :petId path variable is filled in');
  });

  it('round trip: a Postman export of an imported collection imports back to the same flows', () => {
    for (const [collection, environment] of [
      ['shop.postman_collection.json', 'shop.postman_environment.json'],
      ['legacy-v2.0.postman_collection.json', undefined],
      ['petstore-generated.postman_collection.json', undefined],
    ] as const) {
      const first = importText({ text: read(collection), environmentText: environment && read(environment) });
      const flows = loadedFlows(first);
      const exported = flowsToPostman(flows, first.title);
      assert.deepEqual(exported.skipped, []);
      const second = importText({
        text: JSON.stringify(exported.collection),
        environmentText: environment && read(environment),
      });
      assert.deepEqual(comparable(second), comparable(first), collection);
    }
  });

  it('translates the simple script forms and lists the rest', () => {
    const script = translateTestScript([
      'var jsonData = JSON.parse(responseBody);',
      'pm.expect(jsonData["user-name"]).to.equal(\'ada\');',
      'pm.expect(jsonData.ok).to.be.true;',
      'pm.expect(jsonData.missing).to.not.exist;',
      'pm.expect(jsonData.tags).to.include("new");',
      'pm.expect(pm.response.json().count).to.be.above(2);',
      'postman.setEnvironmentVariable("first", jsonData.items[0].id);',
      'pm.expect(someFunction()).to.eql(1);',
      `pm.expect(${'('.repeat(5000)}`,
    ]);
    assert.deepEqual(script.assert, [
      'body[\'user-name\'] == "ada"',
      'body.ok == true',
      'body.missing == nil',
      'body.tags contains "new"',
      'body.count > 2',
    ]);
    assert.deepEqual(script.output, { first: '$.body.items[0].id' });
    assert.equal(script.untranslated.length, 2);
  });

  it('refuses what is not a collection, and a Postman environment passed as the collection', () => {
    assert.throws(() => importText({ text: read('shop.postman_environment.json') }), /this is a Postman environment/);
    assert.throws(() => importText({ text: '{"info":{"name":"x"},"item":[]}' }), /has no requests/);
    assert.throws(() => importText({ text: '{"info":{"name":"x"},"item":[', from: 'postman' }), /the input/);
  });
});
