import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stepToCurl } from '../../../src/core/export/curl';
import { lookupIn } from '../../../src/core/export/placeholders';
import { parseFlowText } from '../../../src/core/flow/load';
import { importCurl } from '../../../src/core/import/curl';
import { splitCommands } from '../../../src/core/import/curlWords';
import { planFiles, renderFlow } from '../../../src/core/import/flowWriter';
import { loadedFlows } from './importHelpers';
import { importText } from '../../../src/core/import';

const FIXTURES = resolve(__dirname, '../../../../test/fixtures/import/curl');

describe('import: curl', () => {
  it("splits bash words: quotes, escapes, $'…', continuations, comments, separators and pipes", () => {
    const text = `# a comment\ncurl -H 'A: b c' "x\\"y" $'tab\\there' one\\ word \\\n  next; curl b && curl c | jq .x\ncurl d # trailing`;
    assert.deepEqual(splitCommands(text), [
      ['curl', '-H', 'A: b c', 'x"y', 'tab\there', 'one word', 'next'],
      ['curl', 'b'],
      ['curl', 'c'],
      ['curl', 'd'],
    ]);
  });

  it('turns shell variables into placeholders, and lists them in the environment', () => {
    const result = importCurl(`curl "$BASE_URL/users/\${USER_ID}" -H "X-Trace: $TRACE"`);
    const step = result.flows[0].steps[0];
    assert.equal(step.request.url, '${BASE_URL}/users/${USER_ID}');
    assert.equal(step.request.headers['X-Trace'], '${TRACE}');
    assert.deepEqual(
      result.variables.map((v) => v.name),
      ['BASE_URL', 'USER_ID', 'TRACE'],
    );
  });

  it('reads the options of real documentation examples; credentials become empty secret variables', () => {
    const result = importText({
      text: readFileSync(join(FIXTURES, 'documentation.sh'), 'utf8'),
      fileName: 'documentation.sh',
    });
    assert.equal(result.format, 'curl');
    const [flow] = loadedFlows(result);
    assert.equal(flow.steps.length, 5);
    const [github, stripe, slack, elastic, json] = result.flows[0].steps;
    assert.equal(github.id, 'get_repos_owner_repo_issues');
    assert.equal(github.request.headers.Authorization, 'Bearer ${API_TOKEN}');
    assert.equal(github.request.headers['X-GitHub-Api-Version'], '2022-11-28');
    assert.equal(stripe.request.method, 'POST');
    assert.equal(stripe.request.headers.Authorization, 'Basic ${BASIC_AUTH}');
    assert.equal(stripe.request.body, 'name=Jenny Rosen&email=jennyrosen%40example.com');
    assert.equal(slack.request.headers.Authorization, 'Bearer ${API_TOKEN_2}');
    assert.deepEqual(slack.request.body, { channel: 'C123ABC456', text: 'I hope the tour went well, Mr. Wonka.' });
    assert.equal(elastic.request.method, 'GET');
    assert.equal(elastic.request.url, 'http://localhost:9200/my-index-000001/_search?pretty');
    assert.deepEqual(elastic.request.body, { query: { term: { 'user.id': 'kimchy' } } });
    assert.deepEqual(json.request.body, { tool: 'curl' });
    assert.equal(json.request.headers.Accept, 'application/json');
    const written = planFiles(result)
      .map((f) => f.text)
      .join('\n');
    for (const secret of [
      'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
      'xoxb-1234-56789abcdefghijklmnop',
      '<YOUR-TOKEN>',
      'c2tfdGVzdF',
    ])
      assert.ok(!written.includes(secret), `${secret} is not written`);
    assert.ok(result.variables.every((v) => v.secret && v.value === ''));
  });

  it('reads Windows cmd quoting (Chromium "Copy as cURL (cmd)")', () => {
    const result = importText({ text: readFileSync(join(FIXTURES, 'chrome-cmd.txt'), 'utf8') });
    const [step] = result.flows[0].steps;
    assert.equal(step.request.url, 'https://api.example.com/v1/orders?limit=10');
    assert.equal(step.request.method, 'POST');
    assert.deepEqual(step.request.body, { item: 'book', qty: 2 });
    assert.equal(step.request.headers.accept, 'application/json');
    assert.deepEqual(result.notTranslated, []);
  });

  it('handles -G, -XPOST, bundled flags, -b, -A, -m, -I and lists what it cannot translate', () => {
    const result = importCurl(
      [
        `curl -G https://x.test/search -d q=books -d limit=5`,
        `curl -sSLXPOST https://x.test/a -b 'session=abc123' -A agent/1 -m 2.5`,
        `curl -I https://x.test/head`,
        `curl -F file=@photo.jpg --proxy http://p:8080 --frobnicate https://x.test/upload`,
      ].join('\n'),
    );
    const [search, post, head, upload] = result.flows[0].steps;
    assert.equal(search.request.url, 'https://x.test/search?q=books&limit=5');
    assert.equal(search.request.method, 'GET');
    assert.equal(post.request.method, 'POST');
    assert.equal(post.request.headers.Cookie, '${COOKIE}');
    assert.equal(post.request.headers['User-Agent'], 'agent/1');
    assert.equal(post.request.timeout, '2500ms');
    assert.equal(head.request.method, 'HEAD');
    assert.equal(upload.notes.length, 3);
    assert.equal(result.notTranslated.length, 3);
    assert.match(renderFlow(result.flows[0]), /# Not translated:\n\s+#\s+-F "file=@photo.jpg"/);
    loadedFlows(result);
  });

  it('says what is wrong with input that is no curl command', () => {
    assert.throws(() => importCurl('wget https://x.test'), /no curl command found/);
    assert.throws(() => importCurl('curl -H'), /curl command 1: -H needs a value/);
    assert.throws(() => importCurl('curl -s'), /no URL/);
  });

  it('stays linear on hostile input (unclosed quotes, long escapes, many commands)', () => {
    const size = 2_000_000;
    const unclosed = importCurl(`curl 'https://x.test/${'a'.repeat(size)}`).flows[0].steps[0];
    assert.equal(unclosed.request.url.length, 'https://x.test/'.length + size, 'an unclosed quote is read to the end');
    const words = splitCommands(`curl ${'\\'.repeat(size)}`);
    assert.equal(words[0][1].length, size / 2);
    assert.equal(splitCommands(`curl ${'^"'.repeat(size / 2)}`, 'cmd')[0].length, 2);
    assert.throws(() => importCurl('curl https://x.test/a\n'.repeat(3000)), /more than 2000 curl commands/);
  });
});

describe('export: curl', () => {
  const flow = parseFlowText(
    `flow:
  name: Export
  steps:
    - id: login
      action: http_request
      config:
        method: POST
        url: \${BASE_URL}/auth/login
        body: { username: demo, password: "\${PASSWORD}" }
    - id: me
      action: http_request
      config:
        url: "{{BASE_URL}}/users/{{login.body.user.id}}"
        query: { q: "a b", who: "\${login.token}" }
        headers:
          Authorization: Bearer \${login.token}
          X-Quote: "it's"
        timeout: 5s
    - id: literal
      action: http_request
      config:
        url: https://x.test/
        headers: { X-Api-Key: abcdef123456 }
    - id: note
      action: log
      config: { message: hi }
`,
    '/tmp/export.flow.yaml',
  ).flow!;
  const step = (id: string) => flow.steps.find((s) => s.id === id)!;

  it('keeps unknown placeholders as shell variables', () => {
    assert.equal(
      stepToCurl(step('me')),
      [
        `curl "\${BASE_URL}/users/\${login_body_user_id}?q=a%20b&who=\${login_token}"`,
        `-H "Authorization: Bearer \${login_token}"`,
        `-H 'X-Quote: it'\\''s'`,
        '--max-time 5',
      ].join(' \\\n  '),
    );
  });

  it('fills in known values and masks secrets unless asked to show them', () => {
    const lookup = lookupIn({
      BASE_URL: 'http://127.0.0.1:3000',
      PASSWORD: 'demo-password',
      login: { token: 'tok-123456', body: { user: { id: 7 } } },
    });
    const masked = stepToCurl(step('me'), { lookup });
    assert.match(masked, /^curl 'http:\/\/127\.0\.0\.1:3000\/users\/7\?q=a%20b&who=\*\*\*'/, 'a token is a secret');
    assert.match(stepToCurl(step('me'), { lookup, showSecrets: true }), /who=tok-123456/);
    assert.match(masked, /-H 'Authorization: Bearer \*\*\*'/);
    const login = stepToCurl(step('login'), { lookup });
    assert.ok(!login.includes('demo-password'), login);
    assert.match(login, /"password":"\*\*\*"/);
    assert.match(stepToCurl(step('login'), { lookup, showSecrets: true }), /"password":"demo-password"/);
    assert.match(stepToCurl(step('literal')), /-H 'X-Api-Key: \*\*\*'/);
    assert.match(stepToCurl(step('literal'), { showSecrets: true }), /X-Api-Key: abcdef123456/);
    assert.throws(() => stepToCurl(step('note')), /only http_request steps have a curl form/);
  });

  it('round-trips: an exported command imports back to the same request', () => {
    for (const id of ['login', 'me']) {
      const text = stepToCurl(step(id));
      const [back] = importCurl(text).flows[0].steps;
      const original = step(id).config;
      assert.equal(back.request.method, String(original.method ?? 'GET'));
      if (id === 'login') {
        assert.equal(back.request.url, '${BASE_URL}/auth/login');
        assert.deepEqual(back.request.body, { username: 'demo', password: '${PASSWORD}' });
      } else {
        assert.equal(back.request.url, '${BASE_URL}/users/${login_body_user_id}?q=a%20b&who=${login_token}');
        assert.equal(back.request.headers.Authorization, 'Bearer ${login_token}');
        assert.equal(back.request.headers['X-Quote'], "it's");
      }
    }
  });
});
