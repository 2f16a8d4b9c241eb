/**
 * `POST /api/v1/bulk/flows/*` against a real workspace on disk: every operation's preview (the
 * files untouched), its application (the files as expected, comments kept), undo (and its refusal
 * once a file changed), the path policy of the flow routes, and the token.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { startServer, type RunningServer } from '../../../src/server/server';
import { tempDir, tempWorkspace } from '../helpers';
import { call } from './fixtures';

const LOGIN = `# Logs in.
flow:
  name: Login
  description: Logs in as the demo user
  tags:
    - auth
    - smoke
  steps:
    - id: hello
      action: log
      config: { message: "hello from login" } # keep me
`;
const ORDERS = `flow:
  name: Orders
  steps:
    - id: list
      action: log
      config: { message: "orders of the demo user" }
`;
const LEGACY = `flow:
  name: Legacy
  tags: [old]
  steps:
    - id: one
      action: log
      config: { message: legacy }
`;

describe('REST bulk flow operations', () => {
  let workspace: string;
  let outside: string;
  let server: RunningServer;
  const files = {
    'flows/login.flow.yaml': LOGIN,
    'flows/orders.flow.yaml': ORDERS,
    'examples/legacy.yaml': LEGACY,
    'config/app.yaml': 'port: 8080\n',
  };
  const read = (id: string) => readFileSync(join(workspace, id), 'utf8');
  const post = (op: string, body: unknown, token = server.token) =>
    call(server.url, `/api/v1/bulk/flows/${op}`, { method: 'POST', token, body });
  const reset = () => {
    for (const folder of ['flows', 'examples', 'config', 'auth', 'shop'])
      rmSync(join(workspace, folder), { recursive: true, force: true });
    for (const [id, text] of Object.entries(files)) {
      mkdirSync(dirname(join(workspace, id)), { recursive: true });
      writeFileSync(join(workspace, id), text);
    }
  };

  before(async () => {
    workspace = tempWorkspace(files);
    outside = tempWorkspace({ 'stolen.flow.yaml': ORDERS });
    symlinkSync(outside, join(workspace, 'linked'));
    server = await startServer({ workspace, historyDir: tempDir() });
  });
  after(async () => {
    await server.close();
  });
  beforeEach(reset);

  it('refuses a request without the token', async () => {
    const res = await post('tags/add', { flow_ids: ['flows/login.flow.yaml'], tags: ['x'] }, '');
    assert.equal(res.status, 401);
    assert.equal(read('flows/login.flow.yaml'), LOGIN);
  });

  it('adds tags: the preview lists the change and writes nothing, applying keeps comments and layout', async () => {
    const body = {
      flow_ids: ['flows/login.flow.yaml', 'flows/orders.flow.yaml', 'examples/legacy.yaml'],
      tags: ['nightly', 'auth'],
    };
    const preview = await post('tags/add', { ...body, preview: true });
    assert.equal(preview.status, 200, preview.text);
    assert.equal(preview.json.preview, true);
    assert.equal(preview.json.total, 3);
    assert.equal(preview.json.succeeded, 3);
    assert.equal(preview.json.undoable, false);
    const loginChange = preview.json.changes.find((c: { flow_id: string }) => c.flow_id === 'flows/login.flow.yaml');
    assert.deepEqual(loginChange.diff, [{ line: 8, removed: [], added: ['    - nightly'] }]);
    assert.equal(read('flows/login.flow.yaml'), LOGIN, 'a preview writes nothing');

    const applied = await post('tags/add', body);
    assert.equal(applied.status, 200, applied.text);
    assert.equal(applied.json.preview, false);
    assert.equal(applied.json.undoable, true);
    assert.deepEqual(
      applied.json.results.map((r: { status: string }) => r.status),
      ['updated', 'updated', 'updated'],
    );
    assert.equal(read('flows/login.flow.yaml'), LOGIN.replace('    - smoke\n', '    - smoke\n    - nightly\n'));
    assert.equal(
      read('flows/orders.flow.yaml'),
      ORDERS.replace('  name: Orders\n', '  name: Orders\n  tags: [nightly, auth]\n'),
    );
    assert.equal(read('examples/legacy.yaml'), LEGACY.replace('[old]', '[old, nightly, auth]'));
  });

  it('removes tags, leaving flows without them unchanged', async () => {
    const res = await post('tags/remove', {
      flow_ids: ['flows/login.flow.yaml', 'flows/orders.flow.yaml'],
      tags: ['smoke', 'auth'],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.json.results.map((r: { status: string }) => r.status),
      ['updated', 'unchanged'],
    );
    assert.deepEqual(parse(read('flows/login.flow.yaml')).flow.tags, []);
    assert.match(read('flows/login.flow.yaml'), /^# Logs in\.\n/);
    assert.equal(read('flows/orders.flow.yaml'), ORDERS);
  });

  it('moves flows to a folder, refusing names the flow routes would refuse, and undoes the move', async () => {
    const res = await post('move', { flow_ids: ['flows/login.flow.yaml', 'examples/legacy.yaml'], folder: 'auth' });
    assert.equal(res.status, 200, res.text);
    const [login, legacy] = res.json.results;
    assert.deepEqual(login, { flow_id: 'flows/login.flow.yaml', status: 'moved', new_flow_id: 'auth/login.flow.yaml' });
    // `auth/legacy.yaml` is neither *.flow.yaml nor under flows/: the API does not create such files.
    assert.equal(legacy.status, 'error');
    assert.match(legacy.error, /would not be a flow file name/);
    assert.equal(res.json.failed, 1);
    assert.equal(read('auth/login.flow.yaml'), LOGIN);
    assert.equal(existsSync(join(workspace, 'flows/login.flow.yaml')), false);
    assert.equal(read('examples/legacy.yaml'), LEGACY);

    const undo = await call(server.url, '/api/v1/bulk/flows/undo', { method: 'POST', token: server.token, body: {} });
    assert.equal(undo.status, 200, undo.text);
    assert.equal(read('flows/login.flow.yaml'), LOGIN);
    assert.equal(existsSync(join(workspace, 'auth/login.flow.yaml')), false);
    const again = await call(server.url, '/api/v1/bulk/flows/undo', { method: 'POST', token: server.token });
    assert.equal(again.status, 409);
    assert.match(again.json.error, /no bulk change to undo/);
  });

  it('moves keep run_flow working: paths to and from the moved flows are rewritten, listed, run and undone', async () => {
    const checkout = `flow:
  name: Checkout
  setup:
    - action: run_flow
      config: { flow: ./login.flow.yaml } # log in first
  steps:
    - id: orders
      action: run_flow
      config:
        flow: "../shop/orders.flow.yaml"
    - id: by_name
      action: run_flow
      config: { flow: Login }
`;
    const orders = `flow:
  name: Shop orders
  steps:
    - action: run_flow
      config: { flow: ../flows/login.flow.yaml }
`;
    writeFileSync(join(workspace, 'flows/checkout.flow.yaml'), checkout);
    mkdirSync(join(workspace, 'shop'));
    writeFileSync(join(workspace, 'shop/orders.flow.yaml'), orders);
    const run = async (id: string) => {
      const created = await call(server.url, '/api/v1/executions', {
        token: server.token,
        method: 'POST',
        body: { flow_id: id },
      });
      assert.equal(created.status, 201, created.text);
      await server.manager.whenFinished(created.json.id);
      return (await call(server.url, `/api/v1/executions/${created.json.id}`, { token: server.token })).json;
    };
    assert.equal((await run('flows/checkout.flow.yaml')).status, 'completed', 'the flows work before the move');

    const body = { flow_ids: ['flows/login.flow.yaml', 'flows/checkout.flow.yaml'], folder: 'auth' };
    const preview = await post('move', { ...body, preview: true });
    assert.equal(preview.status, 200, preview.text);
    assert.deepEqual(
      preview.json.results.map((r: { flow_id: string; status: string }) => [r.flow_id, r.status]),
      [
        ['flows/login.flow.yaml', 'moved'],
        ['flows/checkout.flow.yaml', 'moved'],
        ['shop/orders.flow.yaml', 'updated'],
      ],
    );
    const diffs = Object.fromEntries(
      preview.json.changes.map((c: { flow_id: string; diff: unknown }) => [c.flow_id, c.diff]),
    );
    assert.deepEqual(diffs['flows/login.flow.yaml'], [], 'login names no other flow');
    assert.equal(
      preview.json.changes.find((c: { flow_id: string }) => c.flow_id === 'shop/orders.flow.yaml').reason,
      'run_flow paths',
    );
    assert.deepEqual(diffs['shop/orders.flow.yaml'], [
      {
        line: 5,
        removed: ['      config: { flow: ../flows/login.flow.yaml }'],
        added: ['      config: { flow: ../auth/login.flow.yaml }'],
      },
    ]);
    // Checkout moves beside login: `./login` stays right, and `../shop` reads the same from auth/.
    assert.deepEqual(diffs['flows/checkout.flow.yaml'], []);
    assert.equal(read('shop/orders.flow.yaml'), orders, 'a preview writes nothing');

    const applied = await post('move', body);
    assert.equal(applied.status, 200, applied.text);
    assert.equal(applied.json.failed, 0, applied.text);
    assert.equal(read('auth/checkout.flow.yaml'), checkout);
    assert.equal(read('shop/orders.flow.yaml'), orders.replace('../flows/login', '../auth/login'));
    const after = await run('auth/checkout.flow.yaml');
    assert.equal(after.status, 'completed', JSON.stringify(after));
    assert.equal((await run('shop/orders.flow.yaml')).status, 'completed');

    // Moving the caller alone rewrites what it names, from its new folder.
    const again = await post('move', { flow_ids: ['auth/checkout.flow.yaml'], folder: 'shop' });
    assert.equal(again.status, 200, again.text);
    assert.equal(
      read('shop/checkout.flow.yaml'),
      checkout
        .replace('./login.flow.yaml', '../auth/login.flow.yaml')
        .replace('"../shop/orders.flow.yaml"', '"orders.flow.yaml"'),
    );
    assert.equal((await run('shop/checkout.flow.yaml')).status, 'completed');

    const undo = await call(server.url, '/api/v1/bulk/flows/undo', { method: 'POST', token: server.token, body: {} });
    assert.equal(undo.status, 200, undo.text);
    assert.equal(read('auth/checkout.flow.yaml'), checkout);
    assert.equal(existsSync(join(workspace, 'shop/checkout.flow.yaml')), false);
  });

  it('duplicates flows beside the original with "(Copy)" names, in TestMesh shape', async () => {
    const res = await post('duplicate', { flow_ids: ['flows/login.flow.yaml', 'examples/legacy.yaml'] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.new_flows, [
      { original_id: 'flows/login.flow.yaml', new_id: 'flows/login-copy.flow.yaml', name: 'Login (Copy)' },
      { original_id: 'examples/legacy.yaml', new_id: 'examples/legacy-copy.flow.yaml', name: 'Legacy (Copy)' },
    ]);
    assert.equal(read('flows/login-copy.flow.yaml'), LOGIN.replace('name: Login', 'name: Login (Copy)'));
    const second = await post('duplicate', { flow_ids: ['flows/login.flow.yaml'] });
    assert.equal(second.json.new_flows[0].new_id, 'flows/login-copy-2.flow.yaml');
    // Undo takes back the last change only.
    assert.equal(
      (await call(server.url, '/api/v1/bulk/flows/undo', { method: 'POST', token: server.token })).status,
      200,
    );
    assert.equal(existsSync(join(workspace, 'flows/login-copy-2.flow.yaml')), false);
    assert.equal(existsSync(join(workspace, 'flows/login-copy.flow.yaml')), true);
  });

  it('deletes flows and undo restores them, whatever their names', async () => {
    const res = await post('delete', {
      flow_ids: ['examples/legacy.yaml', 'flows/orders.flow.yaml', 'flows/nope.flow.yaml'],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.json.results.map((r: { status: string }) => r.status),
      ['deleted', 'deleted', 'error'],
    );
    assert.match(res.json.errors[0], /flows\/nope\.flow\.yaml: no flow/);
    assert.equal(existsSync(join(workspace, 'examples/legacy.yaml')), false);
    const status = await call(server.url, '/api/v1/bulk/flows/undo', { token: server.token });
    assert.deepEqual(status.json, { last: { operation: 'delete', files: 2 } });
    const undo = await call(server.url, '/api/v1/bulk/flows/undo', { method: 'POST', token: server.token });
    assert.equal(undo.status, 200, undo.text);
    assert.equal(read('examples/legacy.yaml'), LEGACY);
    assert.equal(read('flows/orders.flow.yaml'), ORDERS);
  });

  it('finds and replaces: preview with lines and columns, whole words, case, one field', async () => {
    const preview = await post('find-replace', { find: 'demo user', replace: 'test user', preview: true });
    assert.equal(preview.status, 200, preview.text);
    const where = preview.json.matches.map(
      (m: { flow_id: string; line: number; column: number }) => `${m.flow_id}:${m.line}:${m.column}`,
    );
    assert.deepEqual(where.sort(), ['flows/login.flow.yaml:4:31', 'flows/orders.flow.yaml:6:41']);
    assert.equal(read('flows/login.flow.yaml'), LOGIN);

    const onlyName = await post('find-replace', {
      find: 'login',
      replace: 'Sign-in',
      in_field: 'name',
      flow_ids: ['flows/login.flow.yaml'],
    });
    assert.equal(onlyName.status, 200, onlyName.text);
    assert.equal(read('flows/login.flow.yaml'), LOGIN.replace('name: Login', 'name: Sign-in'));

    const caseSensitive = await post('find-replace', { find: 'ORDERS', replace: 'x', match_case: true, preview: true });
    assert.equal(caseSensitive.json.matches.length, 0);
    const whole = await post('find-replace', { find: 'order', replace: 'x', whole_word: true, preview: true });
    assert.equal(whole.json.matches.length, 0, 'order is part of orders, not a whole word');

    // A replacement that breaks the flow is refused for that file and writes nothing.
    const broken = await post('find-replace', {
      find: 'steps:',
      replace: 'stops:',
      flow_ids: ['flows/orders.flow.yaml'],
    });
    assert.equal(broken.json.results[0].status, 'error');
    assert.match(broken.json.results[0].error, /not a valid flow/);
    assert.equal(read('flows/orders.flow.yaml'), ORDERS);
  });

  it('refuses undo when a file changed since, and undoes nothing', async () => {
    await post('tags/add', { flow_ids: ['flows/login.flow.yaml', 'flows/orders.flow.yaml'], tags: ['x'] });
    const edited = read('flows/orders.flow.yaml') + '# edited by hand\n';
    writeFileSync(join(workspace, 'flows/orders.flow.yaml'), edited);
    const undo = await call(server.url, '/api/v1/bulk/flows/undo', { method: 'POST', token: server.token });
    assert.equal(undo.status, 409);
    assert.deepEqual(undo.json.conflicts, ['flows/orders.flow.yaml']);
    assert.match(read('flows/login.flow.yaml'), /- x\n/);
    assert.equal(read('flows/orders.flow.yaml'), edited);
  });

  it('stays inside the workspace and on flow files, like the flow routes', async () => {
    const escapes = await post('tags/add', {
      flow_ids: [
        '../outside.flow.yaml',
        '/etc/passwd.yaml',
        'linked/stolen.flow.yaml',
        'config/app.yaml',
        '.github/x.yaml',
      ],
      tags: ['x'],
    });
    assert.equal(escapes.status, 200, escapes.text);
    assert.equal(escapes.json.failed, 5);
    const errors = escapes.json.results.map((r: { error: string }) => r.error).join('\n');
    assert.match(errors, /leaves the workspace/);
    assert.match(errors, /absolute path/);
    assert.match(errors, /symbolic link/);
    assert.match(errors, /not a flow file/);
    assert.match(errors, /dot-folder/);
    assert.equal(read('config/app.yaml'), 'port: 8080\n');
    assert.equal(readFileSync(join(outside, 'stolen.flow.yaml'), 'utf8'), ORDERS);

    for (const folder of ['../up', 'linked', '.github/workflows', '/tmp']) {
      const res = await post('move', { flow_ids: ['flows/orders.flow.yaml'], folder });
      assert.equal(res.status, 403, `${folder}: ${res.text}`);
    }
    assert.equal(read('flows/orders.flow.yaml'), ORDERS);
  });

  it('answers 400 for malformed requests and 404 for unknown operations', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['tags/add', { flow_ids: [], tags: ['x'] }, /at least one flow/],
      ['tags/add', { flow_ids: ['flows/login.flow.yaml'] }, /tags must be/],
      ['tags/add', { flow_ids: ['flows/login.flow.yaml'], tags: ['a\nb'] }, /control characters/],
      ['tags/add', { flow_ids: 'flows/login.flow.yaml', tags: ['x'] }, /flow_ids must be a list/],
      ['move', { flow_ids: ['flows/login.flow.yaml'], folder: 3 }, /folder must be text/],
      ['find-replace', { find: '' }, /find must not be empty/],
      ['find-replace', { find: 'a', in_field: 'steps' }, /in_field must be/],
      ['delete', { flow_ids: ['flows/login.flow.yaml'], tags: ['x'] }, /unknown field 'tags'/],
      ['delete', { flow_ids: ['flows/login.flow.yaml'], preview: 'yes' }, /preview must be true or false/],
    ];
    for (const [op, body, message] of cases) {
      const res = await post(op, body);
      assert.equal(res.status, 400, `${op} ${JSON.stringify(body)}: ${res.text}`);
      assert.match(res.json.error, message);
    }
    assert.equal((await post('rename', { flow_ids: ['flows/login.flow.yaml'] })).status, 404);
    const get = await call(server.url, '/api/v1/bulk/flows/delete', { token: server.token });
    assert.equal(get.status, 405);
    assert.equal(read('flows/login.flow.yaml'), LOGIN);
  });
});
