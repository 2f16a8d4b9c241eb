// Moving flow files or folders in the editor rewrites the run_flow paths that lead to them and
// those written in them, in the same edit as the move; the setting turns it off.
import * as assert from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestMeshExtension } from '../../../src/extension/testMeshExtension';
import { tempWorkspace } from '../helpers';
import { FakeVSCode, Uri, type WorkspaceEdit } from './fakeVscode';

const REPO = join(__dirname, '..', '..', '..', '..');

const LOGIN = 'flow:\n  name: Login\n  steps:\n    - id: hi\n      action: log\n      config: { message: hi }\n';
const CHECKOUT = `flow:
  name: Checkout
  setup:
    - action: run_flow
      config: { flow: ./login.flow.yaml } # first
  steps:
    - id: orders
      action: run_flow
      config:
        flow: "../shop/orders.flow.yaml"
    - id: by_name
      action: run_flow
      config: { flow: Login }
`;
const ORDERS = `flow:
  name: Orders
  steps:
    - action: run_flow
      config: { flow: ../flows/login.flow.yaml }
`;

describe('extension: moving flows keeps run_flow paths right', function () {
  this.timeout(20_000);
  let root: string;
  let storage: string;
  let fake: FakeVSCode;
  let ext: TestMeshExtension;

  before(async () => {
    root = tempWorkspace({
      'flows/login.flow.yaml': LOGIN,
      'flows/checkout.flow.yaml': CHECKOUT,
      'shop/orders.flow.yaml': ORDERS,
    });
    storage = mkdtempSync(join(tmpdir(), 'testmesh-ext-storage-'));
    fake = new FakeVSCode();
    fake.addFolder(root, 'repo');
    const context = fake.extensionContext(REPO, storage);
    ext = new TestMeshExtension(fake.vscode, context as never);
    ext.startInBackground();
    await ext.ready;
    assert.strictEqual(ext.index.all().length, 3);
  });
  after(async () => {
    await ext.dispose();
    rmSync(root, { recursive: true, force: true });
    rmSync(storage, { recursive: true, force: true });
  });

  /** Each file's text with the edits applied, for the files they touch. */
  const applied = (edits: WorkspaceEdit[]) => {
    const out: Record<string, string> = {};
    for (const edit of edits)
      for (const uri of new Set(edit.edits.map((e) => e.uri.fsPath))) {
        const rel = uri.slice(root.length + 1);
        out[rel] = edit.apply(out[rel] ?? readFileSync(uri, 'utf8'), Uri.file(uri));
      }
    return out;
  };

  it('renaming a folder rewrites the paths into it from other folders, and none inside it', async () => {
    const edits = await fake.willRename([[join(root, 'flows'), join(root, 'auth')]]);
    assert.deepStrictEqual(applied(edits), {
      'shop/orders.flow.yaml': ORDERS.replace('../flows/login', '../auth/login'),
    });
    assert.match(
      fake.logs[0].lines.join('\n'),
      /run_flow paths in shop\/orders\.flow\.yaml: \.\.\/flows\/login\.flow\.yaml -> \.\.\/auth\/login\.flow\.yaml/,
    );
  });

  it('moving a caller rewrites the paths it names from its new folder, keeping quotes, comments and names', async () => {
    const edits = await fake.willRename([
      [join(root, 'flows/checkout.flow.yaml'), join(root, 'shop/checkout.flow.yaml')],
    ]);
    assert.deepStrictEqual(applied(edits), {
      'flows/checkout.flow.yaml': CHECKOUT.replace(
        '{ flow: ./login.flow.yaml } # first',
        '{ flow: ../flows/login.flow.yaml } # first',
      ).replace('"../shop/orders.flow.yaml"', '"orders.flow.yaml"'),
    });
  });

  it('moving a file that no flow names, or a non-flow file, edits nothing; the setting turns it all off', async () => {
    assert.deepStrictEqual(
      applied(await fake.willRename([[join(root, 'shop/orders.flow.yaml'), join(root, 'shop/all-orders.flow.yaml')]])),
      {
        'flows/checkout.flow.yaml': CHECKOUT.replace('"../shop/orders.flow.yaml"', '"../shop/all-orders.flow.yaml"'),
      },
    );
    assert.deepStrictEqual(
      applied(await fake.willRename([[join(root, 'README.md'), join(root, 'docs/README.md')]])),
      {},
    );
    fake.setSetting('testmesh.updateRunFlowPathsOnMove', false);
    try {
      assert.deepStrictEqual(await fake.willRename([[join(root, 'flows'), join(root, 'auth')]]), []);
    } finally {
      fake.setSetting('testmesh.updateRunFlowPathsOnMove', true);
    }
  });
});
