// The Test Explorer tree built from a real workspace folder: file -> flow -> steps (with a folder
// row per folder only in a multi-root workspace), setup/teardown groups, nested steps, ranges,
// stable ids, broken files, edits from the editor.
import * as assert from 'node:assert';
import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowIndex } from '../../../src/extension/discovery';
import { descendants, RUNNABLE_TAG_ID, TestTree } from '../../../src/extension/testing';
import { tempWorkspace, waitFor } from '../helpers';
import { FakeTestController, FakeTestItem, FakeVSCode, Uri } from './fakeVscode';

const USERS = `# users
flow:
  name: Users
  tags: [smoke]
  setup:
    - id: login
      action: log
      config: { message: hi }
  steps:
    - id: create
      name: Create a user
      action: log
      config: { message: create }
      assert:
        - message == 'create'
    - id: check
      action: condition
      config:
        condition: "true"
        then:
          - id: yes
            action: log
            config: { message: yes }
        else:
          - action: log
            config: { message: no }
    - id: fan
      action: parallel
      config:
        branches:
          - steps:
              - id: left
                action: log
                config: { message: l }
          - steps:
              - id: right
                action: log
                config: { message: r }
  teardown:
    - id: cleanup
      action: log
      config: { message: bye }
`;

/** A step without an action: refused as a whole, as TestMesh's own loader refuses it. */
const BROKEN = `flow:
  name: Broken
  steps:
    - id: a
      acton: no_such_action
`;

const SIMPLE = `name: Simple
steps:
  - action: log
    config: { message: ok }
`;

/** 0-based line of the first line containing `text`. */
function lineOf(source: string, text: string): number {
  return source.split('\n').findIndex((line) => line.includes(text));
}

describe('extension: Test Explorer tree', () => {
  let root: string;
  let fake: FakeVSCode;
  let index: FlowIndex;
  let tree: TestTree;
  let controller: FakeTestController;

  beforeEach(async () => {
    root = tempWorkspace({
      'flows/users.flow.yaml': USERS,
      'flows/broken.flow.yaml': BROKEN,
      'flows/simple.yaml': SIMPLE,
      'flows/not-a-flow.yaml': 'just: data\n',
      'node_modules/pkg/x.flow.yaml': USERS,
      'other/readme.md': '# nothing',
    });
    fake = new FakeVSCode();
    fake.addFolder(root, 'ws');
    const log = fake.vscode.window.createOutputChannel('TestMesh', { log: true });
    index = new FlowIndex(fake.vscode, log, { fileDebounceMs: 10, typingDebounceMs: 10 });
    controller = fake.vscode.tests.createTestController('testmesh', 'TestMesh') as unknown as FakeTestController;
    tree = new TestTree(fake.vscode, controller as never);
    index.onDidChange((change) => tree.apply(change, index.all()));
    await index.start();
  });

  afterEach(() => {
    index.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  const key = (rel: string) => Uri.file(join(root, rel)).toString();

  it('lists files -> flow -> steps at the top of a single-folder workspace, skipping node_modules and non-flows', () => {
    assert.deepStrictEqual(
      controller.items.all().map((f) => f.label),
      ['flows/broken.flow.yaml', 'flows/simple.yaml', 'flows/users.flow.yaml'],
      'no lone folder row',
    );
    const users = controller.items.get(key('flows/users.flow.yaml'))!;
    assert.strictEqual(
      controller.renderTestTree({ from: users }),
      `flows/users.flow.yaml #runnable
  Users #smoke
    setup — 1 step
      login — log
    Create a user — log
    check — condition
      yes — log · then
      check.else_0 — log · else
    fan — parallel
      left — log · branches[0]
      right — log · branches[1]
    teardown — 1 step
      cleanup — log`,
    );
  });

  it('groups setup and teardown and nests steps under their parent, with stable ids', () => {
    const k = key('flows/users.flow.yaml');
    // Every item inherits its flow's tags (none shows `-#smoke`), so a tag filter in the Test Explorer keeps whole flows.
    assert.strictEqual(
      controller.renderTestTree({ from: controller.items.get(k), ids: (id) => id.replace(k, '<file>') }),
      `flows/users.flow.yaml [<file>] #runnable
  Users [<file>#flow] #smoke
    setup [<file>#setup] — 1 step
      login [<file>#step:login] — log
    Create a user [<file>#step:create] — log
    check [<file>#step:check] — condition
      yes [<file>#step:yes] — log · then
      check.else_0 [<file>#step:check.else_0] — log · else
    fan [<file>#step:fan] — parallel
      left [<file>#step:left] — log · branches[0]
      right [<file>#step:right] — log · branches[1]
    teardown [<file>#teardown] — 1 step
      cleanup [<file>#step:cleanup] — log`,
    );
    // The tree's lookups find those items.
    assert.strictEqual(tree.groupItem(k, 'setup')!.id, `${k}#setup`);
    assert.strictEqual(tree.groupItem(k, 'teardown')!.id, `${k}#teardown`);
    assert.strictEqual(tree.stepItem(k, 'left')!.parent, tree.stepItem(k, 'fan'));
  });

  it('gives every item its uri and source range (0-based lines) for gutter icons', () => {
    const k = key('flows/users.flow.yaml');
    const flow = tree.flowItem(k)!;
    assert.strictEqual(flow.uri!.toString(), k);
    // Lines as the editor numbers them: the flow on its `name:` mapping, a step on its `- id:` line,
    // a group on its `setup:` / `teardown:` key; the file row has none.
    assert.strictEqual(
      controller.renderTestTree({ from: controller.items.get(k) as unknown as FakeTestItem, lines: true }),
      `flows/users.flow.yaml #runnable
  Users #smoke (line ${lineOf(USERS, 'name: Users') + 1})
    setup — 1 step (line ${lineOf(USERS, 'setup:') + 1})
      login — log (line ${lineOf(USERS, '- id: login') + 1})
    Create a user — log (line ${lineOf(USERS, '- id: create') + 1})
    check — condition (line ${lineOf(USERS, '- id: check') + 1})
      yes — log · then (line ${lineOf(USERS, '- id: yes') + 1})
      check.else_0 — log · else (line ${lineOf(USERS, '- action: log') + 1})
    fan — parallel (line ${lineOf(USERS, '- id: fan') + 1})
      left — log · branches[0] (line ${lineOf(USERS, '- id: left') + 1})
      right — log · branches[1] (line ${lineOf(USERS, '- id: right') + 1})
    teardown — 1 step (line ${lineOf(USERS, 'teardown:') + 1})
      cleanup — log (line ${lineOf(USERS, '- id: cleanup') + 1})`,
    );
    assert.strictEqual(flow.range!.start.line, 2); // `name: Users` (the flow mapping) is line 3
    for (const id of tree.allIds()) assert.ok(id.startsWith('file://'), id);
  });

  it('tags every item of a valid flow as runnable (file, flow, groups, steps, nested steps)', () => {
    const k = key('flows/users.flow.yaml');
    const items = descendants(tree.fileItem(k)! as never) as unknown as FakeTestItem[];
    assert.ok(items.length > 6);
    for (const item of items)
      assert.ok(
        item.tags.some((t) => t.id === RUNNABLE_TAG_ID),
        `${item.id} has the runnable tag`,
      );
  });

  it('shows a broken file with its error and no range (no gutter run icon), and the other flows still', () => {
    const broken = tree.fileItem(key('flows/broken.flow.yaml'))! as unknown as FakeTestItem;
    assert.match(String(broken.error), /^line 4: step 'a': the step has no 'action'/);
    // No children, no line, and no runnable tag: the Run and Debug profiles (tagged) do not apply, so no Run button on its row.
    assert.strictEqual(
      controller.renderTestTree({ from: broken, lines: true }),
      `flows/broken.flow.yaml — invalid flow
  ⚠ ${broken.error}`,
    );
    assert.ok(tree.flowItem(key('flows/users.flow.yaml')));
    assert.ok(tree.flowItem(key('flows/simple.yaml')));
  });

  it('re-parses an open document from the editor text, keeping item objects', async () => {
    const k = key('flows/users.flow.yaml');
    const before = tree.stepItem(k, 'create')!;
    const editor = fake.open(join(root, 'flows/users.flow.yaml'), USERS);
    fake.edit(
      editor.document,
      USERS.replace('name: Create a user', 'name: Create a person').replace(
        '  teardown:',
        '    - id: extra\n      action: log\n      config: { message: x }\n  teardown:',
      ),
    );
    await waitFor(() => tree.stepItem(k, 'extra') !== undefined, 2000, 'the edit to reach the tree');
    assert.strictEqual(tree.stepItem(k, 'create'), before, 'the same TestItem object is updated in place');
    assert.strictEqual(
      controller.renderTestTree({ from: controller.items.get(k) }),
      `flows/users.flow.yaml #runnable
  Users #smoke
    setup — 1 step
      login — log
    Create a person — log
    check — condition
      yes — log · then
      check.else_0 — log · else
    fan — parallel
      left — log · branches[0]
      right — log · branches[1]
    extra — log
    teardown — 1 step
      cleanup — log`,
    );
    // Unsaved: the disk still has the old text.
    assert.strictEqual(index.get(k)!.text.includes('Create a person'), true);
  });

  it('follows files created, broken, fixed and deleted on disk', async () => {
    const file = join(root, 'flows/new.flow.yaml');
    const newFile = () => controller.items.get(key('flows/new.flow.yaml'))!;
    writeFileSync(file, SIMPLE.replace('Simple', 'New one'));
    fake.fileEvent('created', file);
    await waitFor(() => tree.flowItem(key('flows/new.flow.yaml'))?.label === 'New one', 2000, 'the new flow');

    writeFileSync(file, 'flow:\n  name: [oops\n');
    fake.fileEvent('changed', file);
    await waitFor(() => tree.fileItem(key('flows/new.flow.yaml'))?.error !== undefined, 2000, 'the error');
    assert.strictEqual(tree.flowItem(key('flows/new.flow.yaml')), undefined);
    // No flow under it, and no runnable tag: no Run button while broken.
    assert.strictEqual(
      controller.renderTestTree({ from: newFile() }),
      `flows/new.flow.yaml — invalid flow
  ⚠ ${newFile().error}`,
    );
    assert.ok(tree.flowItem(key('flows/users.flow.yaml')), 'other flows stay');

    // Fixed: the error and the "invalid flow" note go at once, the Run button is back.
    writeFileSync(file, SIMPLE.replace('Simple', 'Fixed one'));
    fake.fileEvent('changed', file);
    await waitFor(() => tree.flowItem(key('flows/new.flow.yaml'))?.label === 'Fixed one', 2000, 'the fix');
    assert.strictEqual(
      controller.renderTestTree({ from: newFile() }),
      `flows/new.flow.yaml #runnable
  Fixed one
    steps_0 — log`,
    );
    assert.strictEqual(
      newFile().description,
      '',
      "'' and not undefined: VS Code drops undefined and would keep the note",
    );

    unlinkSync(file);
    fake.fileEvent('deleted', file);
    await waitFor(() => tree.fileItem(key('flows/new.flow.yaml')) === undefined, 2000, 'the removal');
    const files = controller.items.all().map((f) => f.label);
    assert.ok(!files.includes('flows/new.flow.yaml'));
  });

  it('lists a flow with a faulty step as runnable, the step marked with its error until it is fixed', async () => {
    const file = join(root, 'flows/faulty.flow.yaml');
    const k = key('flows/faulty.flow.yaml');
    const faulty =
      'flow:\n  name: Faulty\n  steps:\n    - id: ok\n      action: log\n      config: { message: hi }\n    - id: publish\n      action: kafka_publish\n';
    writeFileSync(file, faulty);
    fake.fileEvent('created', file);
    await waitFor(() => tree.flowItem(k)?.label === 'Faulty', 2000, 'the flow');
    const publish = tree.stepItem(k, 'publish') as unknown as FakeTestItem;
    assert.match(String(publish.error), /^step 'publish': unknown action 'kafka_publish'/);
    assert.strictEqual(tree.stepItem(k, 'ok')!.error, undefined);
    assert.strictEqual(tree.fileItem(k)!.error, undefined, 'the file is not broken');
    assert.ok(
      publish.tags.some((t) => t.id === RUNNABLE_TAG_ID),
      'it runs (and fails at once, as in TestMesh)',
    );

    writeFileSync(file, faulty.replace('kafka_publish', 'log\n      config: { message: fixed }'));
    fake.fileEvent('changed', file);
    await waitFor(() => tree.stepItem(k, 'publish')?.error === undefined, 2000, 'the error gone once fixed');
  });

  it('ignores events under node_modules and uses the flowGlobs setting', async () => {
    const ignored = join(root, 'node_modules/pkg/x.flow.yaml');
    fake.fileEvent('changed', ignored);
    await index.whenIdle();
    assert.strictEqual(index.get(Uri.file(ignored).toString()), undefined);

    writeFileSync(join(root, 'other/api.yaml'), SIMPLE);
    fake.setSetting('testmesh.flowGlobs', ['other/*.yaml']);
    await waitFor(() => index.all().length === 1, 2000, 'the rescan with the new globs');
    await index.whenIdle();
    assert.deepStrictEqual(
      index.all().map((f) => f.relativePath),
      ['other/api.yaml'],
    );
    assert.strictEqual(
      controller.renderTestTree(),
      `other/api.yaml #runnable
  Simple
    steps_0 — log`,
    );
  });
});

describe('extension: Test Explorer tree in a multi-root workspace', () => {
  it('keeps one row per workspace folder, with its files under it', async () => {
    const first = tempWorkspace({ 'a.flow.yaml': SIMPLE });
    const second = tempWorkspace({ 'flows/b.flow.yaml': SIMPLE.replace('Simple', 'Second') });
    const fake = new FakeVSCode();
    fake.addFolder(first, 'api');
    fake.addFolder(second, 'web');
    const log = fake.vscode.window.createOutputChannel('TestMesh', { log: true });
    const index = new FlowIndex(fake.vscode, log, { fileDebounceMs: 10, typingDebounceMs: 10 });
    const controller = fake.vscode.tests.createTestController('testmesh', 'TestMesh') as unknown as FakeTestController;
    const tree = new TestTree(fake.vscode, controller as never);
    index.onDidChange((change) => tree.apply(change, index.all()));
    try {
      await index.start();
      // A folder row keeps its Run button (the runnable tag, which its files inherit).
      assert.strictEqual(
        controller.renderTestTree(),
        `api #runnable
  a.flow.yaml
    Simple
      steps_0 — log
web #runnable
  flows/b.flow.yaml
    Second
      steps_0 — log`,
      );
    } finally {
      index.dispose();
      rmSync(first, { recursive: true, force: true });
      rmSync(second, { recursive: true, force: true });
    }
  });
});
