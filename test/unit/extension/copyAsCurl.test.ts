// Copy as curl against the fake vscode: a real run on a real server, then the step copied from a
// CodeLens, a Test Explorer item, the palette and the panel, in each mode.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { COMMAND_COPY_AS_CURL, CopyAsCurl, CurlCodeLens } from '../../../src/extension/copyAsCurl';
import { ExecutionPanel } from '../../../src/extension/panel';
import { isRequestMessage } from '../../../src/webview/protocol';
import { json, readBody, startServer, type TestServer } from '../helpers';
import { FakeTextDocument, Position, Uri } from './fakeVscode';
import { createHarness, type Harness } from './harness';

const TOKEN = 'tok-5f1b2c9e77';
const PASSWORD = 's3cret-pa55';

const FLOW = `flow:
  name: Copy flow
  steps:
    - id: login
      name: Log in
      action: http_request
      config:
        method: POST
        url: \${BASE_URL}/login
        body: { user: ada, password: "\${PASSWORD}" }
      output:
        session_token: $.body.token
    - id: get_me
      name: Who am I
      action: http_request
      config:
        url: \${BASE_URL}/me
        query: { verbose: "1" }
        headers:
          Authorization: Bearer {{session_token}}
          X-Trace: trace-42
      assert:
        - status == 200
    - id: note
      action: log
      config: { message: done }
`;

describe('editor: Copy as curl', () => {
  let api: TestServer;
  let h: Harness;
  let copy: CopyAsCurl;
  const seen: string[] = [];

  before(async () => {
    api = await startServer(async (req: IncomingMessage, res: ServerResponse) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''} ${await readBody(req)}`);
      if (req.url === '/login') json(res, 200, { token: TOKEN });
      else json(res, 200, { name: 'Ada' });
    });
  });

  after(() => api.close());

  beforeEach(async () => {
    h = await createHarness(
      { 'flows/copy.flow.yaml': FLOW },
      { environment: { BASE_URL: api.url }, variables: { PASSWORD }, secrets: [PASSWORD] },
    );
    copy = new CopyAsCurl({
      vscode: h.fake.vscode,
      log: h.fake.vscode.window.createOutputChannel('TestMesh', { log: true }),
      index: h.index,
      tree: h.tree,
      manager: async () => h.manager,
      planner: h.planner,
      inputs: async () => h.inputs,
    });
  });

  afterEach(() => h.dispose());

  const uri = () => h.key('flows/copy.flow.yaml');

  it('before any run: the step as written, placeholders as shell variables', async () => {
    const copied = await copy.command(uri(), 'get_me');
    assert.equal(copied?.mode, 'placeholders');
    assert.equal(
      copied.text,
      [
        `curl "\${BASE_URL}/me?verbose=1"`,
        `-H "Authorization: Bearer \${session_token}"`,
        `-H 'X-Trace: trace-42'`,
      ].join(' \\\n  '),
    );
    assert.deepEqual(h.fake.clipboard, [`${copied.text}\n`]);
    assert.match(h.fake.messages.at(-1) ?? '', /copied 'Who am I' as curl with its placeholders as shell variables/);
  });

  it('after a run: the request the execution sent, secrets masked; "secrets" mode shows them; placeholders on request', async () => {
    await h.run([h.item(h.tree.flowItem(uri())?.id)]);
    assert.equal(seen.filter((s) => s.startsWith('GET /me')).length, 1, 'the flow ran against the server');

    // From the Test Explorer's context menu: the step's item.
    const fromItem = await copy.command(h.tree.stepItem(uri(), 'get_me'));
    assert.equal(fromItem?.mode, 'lastExecution');
    assert.equal(
      fromItem.text,
      [`curl '${api.url}/me?verbose=1'`, `-H 'authorization: Bearer ***'`, `-H 'x-trace: trace-42'`].join(' \\\n  '),
    );
    const login = await copy.command(uri(), 'login');
    assert.ok(login?.text.includes(`-X POST ${api.url}/login`), login?.text);
    assert.ok(login!.text.includes(`--data-raw '{"user":"ada","password":"***"}'`), login!.text);
    for (const text of h.fake.clipboard) {
      assert.ok(!text.includes(TOKEN), 'no token in a masked copy');
      assert.ok(!text.includes(PASSWORD), 'no password in a masked copy');
    }

    const shown = await copy.command(uri(), 'get_me', 'secrets');
    assert.equal(shown?.mode, 'secrets');
    assert.ok(shown.text.includes(`-H 'Authorization: Bearer ${TOKEN}'`), shown.text);
    assert.ok(shown.text.startsWith(`curl '${api.url}/me?verbose=1'`), shown.text);
    const loginShown = await copy.command(uri(), 'login', 'secrets');
    assert.ok(loginShown?.text.includes(`"password":"${PASSWORD}"`), loginShown?.text);
    assert.match(h.fake.messages.at(-1) ?? '', /secrets in clear/);

    const kept = await copy.command(uri(), 'get_me', 'placeholders');
    assert.ok(kept?.text.includes('"${BASE_URL}/me?verbose=1"'), kept?.text);
  });

  it('from the palette: the step at the cursor; a step with no curl form and a line outside steps are refused', async () => {
    const editor = h.fake.open(join(h.root, 'flows/copy.flow.yaml'), FLOW);
    const lines = FLOW.split('\n');
    const at = (needle: string) => {
      const line = lines.findIndex((l) => l.includes(needle));
      editor.selection = { active: new Position(line, 0) };
    };
    at('X-Trace');
    assert.equal((await copy.command())?.stepId, 'get_me');
    at('message: done');
    assert.equal(await copy.command(), undefined);
    assert.match(h.fake.messages.at(-1) ?? '', /'note' is a log step; only http_request steps have a curl form/);
    at('name: Copy flow');
    assert.equal(await copy.command(), undefined);
    assert.match(h.fake.messages.at(-1) ?? '', /no step at the cursor in flows\/copy\.flow\.yaml/);
    assert.equal(await copy.command(uri(), 'missing'), undefined);
    assert.match(h.fake.messages.at(-1) ?? '', /no step 'missing'/);
  });

  it('from the panel: the request of the execution shown; the protocol carries the message', async () => {
    const run = await h.run([h.item(h.tree.flowItem(uri())?.id)]);
    assert.ok(run);
    const executionId = h.manager.list({ limit: 1 }).executions[0].id;
    const copied = await copy.fromExecution(executionId, 'login');
    assert.equal(copied?.executionId, executionId);
    assert.match(h.fake.messages.at(-1) ?? '', new RegExp(`as execution ${executionId.slice(0, 8)} sent it`));
    assert.equal(await copy.fromExecution(executionId, 'note'), undefined);
    // The panel's host side: the page's message copies, and says so when nothing was copied.
    const panel = new ExecutionPanel({
      vscode: h.fake.vscode,
      extensionUri: Uri.file(h.root) as never,
      log: h.fake.vscode.window.createOutputChannel('TestMesh', { log: true }),
      manager: async () => h.manager,
      index: h.index,
      inputs: async () => h.inputs,
      copyAsCurl: (execution, step) => copy.fromExecution(execution, step),
    });
    const before = h.fake.clipboard.length;
    assert.equal(await panel.handlers().copyAsCurl({ execution_id: executionId, step_id: 'get_me' }), null);
    assert.equal(h.fake.clipboard.length, before + 1);
    assert.match(h.fake.clipboard.at(-1) ?? '', /^curl '.*\/me\?verbose=1'/);
    await assert.rejects(
      panel.handlers().copyAsCurl({ execution_id: executionId, step_id: 'note' }),
      /nothing was copied/,
    );
    panel.dispose();
    assert.ok(
      isRequestMessage({
        kind: 'request',
        id: 1,
        method: 'copyAsCurl',
        params: { execution_id: executionId, step_id: 'login' },
      }),
    );
  });

  it('a CodeLens above each http_request step, switched off with the step lenses', () => {
    const lens = new CurlCodeLens(h.fake.vscode, h.index);
    const doc = new FakeTextDocument(Uri.file(join(h.root, 'flows/copy.flow.yaml')), FLOW);
    const lenses = lens.provideCodeLenses(doc as never);
    assert.deepEqual(
      lenses.map((l) => [l.range.start.line, l.command!.title, l.command!.command, l.command!.arguments]),
      [
        [
          FLOW.split('\n').findIndex((l) => l.includes('id: login')),
          'Copy as curl',
          COMMAND_COPY_AS_CURL,
          [uri(), 'login'],
        ],
        [
          FLOW.split('\n').findIndex((l) => l.includes('id: get_me')),
          'Copy as curl',
          COMMAND_COPY_AS_CURL,
          [uri(), 'get_me'],
        ],
      ],
    );
    h.fake.setSetting('testmesh.codeLens.step', false);
    assert.deepEqual(lens.provideCodeLenses(doc as never), []);
    lens.dispose();
  });
});
