// TestMesh: Import… against the fake vscode: real files, real importers, the questions answered in order.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseFlowText } from '../../../src/core/flow/load';
import { COMMAND_IMPORT, importArgsOf, ImportFlows } from '../../../src/extension/importFlows';
import { tempWorkspace } from '../helpers';
import { FakeVSCode, Uri } from './fakeVscode';

const FIXTURES = resolve(__dirname, '../../../../test/fixtures/import');

interface Dialogs {
  /** Answers for showOpenDialog, in order (a path, or undefined for Cancel). */
  open: Array<string | undefined>;
  /** Options each showOpenDialog call got. */
  asked: Array<Record<string, unknown>>;
  clipboard: string;
  /** Button each warning message answers with. */
  button?: string;
  shown: number;
}

/** The fake, with the dialogs the import asks (showOpenDialog, the clipboard, message buttons) answered by the test. */
function setUp(files: Record<string, string> = {}) {
  const root = tempWorkspace({ 'README.md': '# project\n', ...files });
  const fake = new FakeVSCode();
  fake.addFolder(root, 'ws');
  const dialogs: Dialogs = { open: [], asked: [], clipboard: '', shown: 0 };
  const window = fake.api.window as Record<string, unknown>;
  window.showOpenDialog = async (options: Record<string, unknown>) => {
    dialogs.asked.push(options);
    const path = dialogs.open.shift();
    return path === undefined ? undefined : [Uri.file(path)];
  };
  const warn = window.showWarningMessage as (text: string) => Promise<unknown>;
  window.showWarningMessage = async (text: string) => {
    await warn(text);
    return dialogs.button;
  };
  const opened: string[] = [];
  window.showTextDocument = async (document: { uri: Uri }) => {
    opened.push(document.uri.fsPath);
    return undefined;
  };
  (fake.api.env as { clipboard: Record<string, unknown> }).clipboard.readText = async () => dialogs.clipboard;
  const log = fake.vscode.window.createOutputChannel('TestMesh', { log: true });
  let showLog = 0;
  (log as unknown as { show: () => void }).show = () => void showLog++;
  const importer = new ImportFlows(fake.vscode, log);
  return {
    root,
    fake,
    dialogs,
    opened,
    importer,
    logText: () => fake.logs[0].lines.join('\n'),
    shownLog: () => showLog,
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

function assertValidFlow(path: string): void {
  const loaded = parseFlowText(readFileSync(path, 'utf8'), path);
  assert.deepEqual(
    loaded.diagnostics.filter((d) => d.severity === 'error'),
    [],
    `${path} validates`,
  );
}

describe('editor: TestMesh: Import…', () => {
  it('imports a Postman collection picked in the file dialog into a picked folder, opens the first flow and lists what was not translated', async () => {
    const t = setUp();
    try {
      const collection = join(FIXTURES, 'postman/shop.postman_collection.json');
      t.fake.answers.push(
        (items: Array<{ id: string }>) => items.find((i) => i.id === 'file'),
        (items: Array<{ id: string }>) => items.find((i) => i.id === 'none'),
      );
      t.dialogs.open.push(collection, join(t.root, 'flows'));
      t.dialogs.button = 'Show List';
      // The folder is created by the import when the dialog names a new one inside the workspace.
      const result = await t.importer.run();
      assert.ok(result, t.fake.messages.join('\n'));
      assert.equal(result.format, 'postman');
      assert.ok(result.flows.length >= 2, 'folders became flows');
      for (const flow of result.flows) {
        assert.ok(flow.startsWith(join(t.root, 'flows')), `${flow} is in the picked folder`);
        assertValidFlow(flow);
      }
      assert.deepEqual(t.opened, [result.flows[0]], 'the first flow is opened');
      assert.equal(t.dialogs.asked[1].canSelectFolders, true);
      assert.equal((t.dialogs.asked[1].defaultUri as Uri).fsPath, t.root, 'the folder dialog starts at the workspace');
      assert.ok(result.notTranslated.length > 0, 'the shop collection has parts that do not translate');
      const message = t.fake.messages.find((m) => m.startsWith('warning: TestMesh: imported'));
      assert.match(
        message ?? '',
        new RegExp(
          `imported ${result.flows.length} flows from postman\\. ${result.notTranslated.length} parts were not translated`,
        ),
      );
      assert.equal(t.shownLog(), 1, '"Show List" opens the log');
      for (const note of result.notTranslated) assert.ok(t.logText().includes(note), `the log lists: ${note}`);
      assert.match(t.logText(), /created flows\//);
      assert.ok(result.environmentFile && existsSync(result.environmentFile), 'the .env file is written');
    } finally {
      t.dispose();
    }
  });

  it('imports curl commands from the clipboard (format detected) and keeps files that exist on a second import', async () => {
    const t = setUp();
    try {
      t.dialogs.clipboard = `curl -X POST "$BASE_URL/users" \\\n  -H 'Authorization: Bearer s3cr3t' \\\n  --json '{"name":"Ada"}'\n`;
      const pickClipboard = (items: Array<{ id: string }>) => items.find((i) => i.id === 'clipboard');
      t.fake.answers.push(pickClipboard);
      t.dialogs.open.push(t.root);
      const first = await t.importer.run();
      assert.ok(first, t.fake.messages.join('\n'));
      assert.equal(first.format, 'curl');
      assert.equal(first.created, 2);
      assert.deepEqual(first.notTranslated, []);
      assert.ok(t.fake.messages.includes('info: TestMesh: imported 1 flow from curl.'), t.fake.messages.join('\n'));
      const text = readFileSync(first.flows[0], 'utf8');
      assert.match(text, /method: POST/);
      assert.match(text, /Imported from the clipboard \(curl\) by TestMesh: Import…/);
      assert.ok(!text.includes('s3cr3t'), 'no credential written in clear');
      assertValidFlow(first.flows[0]);

      writeFileSync(first.flows[0], `${text}# edited by hand\n`);
      t.fake.answers.push(pickClipboard);
      t.dialogs.open.push(t.root);
      const second = await t.importer.run();
      assert.equal(second?.kept, 2);
      assert.match(readFileSync(first.flows[0], 'utf8'), /# edited by hand/, 'the edited file was kept');
      assert.match(t.fake.messages.at(-1) ?? '', /2 files already existed and were kept/);
    } finally {
      t.dispose();
    }
  });

  it('imports the active editor’s selection; asks the format when the text does not tell', async () => {
    const t = setUp();
    try {
      const editor = t.fake.open(join(t.root, 'notes.txt'), 'intro\nGET /health HTTP/1.1\nend\n', 'plaintext');
      const pick = (id: string) => (items: Array<{ id: string }>) => items.find((i) => i.id === id);
      t.fake.answers.push(pick('editor'), pick('curl'));
      t.dialogs.open.push(t.root);
      const result = await t.importer.run();
      // Not curl: the importer says what it is missing, with no file written.
      assert.equal(result, undefined);
      assert.match(t.fake.messages.at(-1) ?? '', /^error: TestMesh: import failed: /);
      assert.deepEqual(
        readdirSync(t.root).filter((f) => f.endsWith('.yaml')),
        [],
      );

      t.fake.edit(editor.document, 'see below\ncurl https://api.example.com/v1/status\n');
      t.fake.answers.push(pick('editor'));
      t.dialogs.open.push(join(t.root, 'imported'));
      const imported = await t.importer.run();
      assert.ok(imported, t.fake.messages.join('\n'));
      assert.match(readFileSync(imported.flows[0], 'utf8'), /url: https:\/\/api\.example\.com\/v1\/status/);
    } finally {
      t.dispose();
    }
  });

  it('refuses a folder outside the workspace and writes nothing there', async () => {
    const t = setUp();
    const outside = tempWorkspace({});
    try {
      const result = await t.importer.run({ text: 'curl https://x.test/a', folder: outside });
      assert.equal(result, undefined);
      assert.match(t.fake.messages.at(-1) ?? '', /is outside the workspace: pick a folder inside it/);
      assert.deepEqual(readdirSync(outside), []);
      // `..` out of the workspace is outside too.
      const sneaky = await t.importer.run({ text: 'curl https://x.test/a', folder: join(t.root, '..') });
      assert.equal(sneaky, undefined);
    } finally {
      t.dispose();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('says a Postman environment is not a collection; Cancel at any question stops without writing', async () => {
    const t = setUp();
    try {
      const environment = join(FIXTURES, 'postman/shop.postman_environment.json');
      assert.equal(await t.importer.run({ file: environment, folder: t.root }), undefined);
      assert.match(t.fake.messages.at(-1) ?? '', /is a Postman environment, not a collection/);

      t.fake.answers.push(undefined);
      assert.equal(await t.importer.run(), undefined, 'no source picked');
      t.fake.answers.push((items: Array<{ id: string }>) => items.find((i) => i.id === 'file'));
      t.dialogs.open.push(join(FIXTURES, 'openapi/petstore-3.0.yaml'), undefined);
      assert.equal(await t.importer.run(), undefined, 'no folder picked');
      assert.deepEqual(
        readdirSync(t.root).filter((f) => f !== 'README.md'),
        [],
      );
    } finally {
      t.dispose();
    }
  });

  it('imports an OpenAPI document given by command arguments, with the environment of a Postman collection too', async () => {
    const t = setUp();
    try {
      const api = await t.importer.run({
        file: join(FIXTURES, 'openapi/petstore-3.0.yaml'),
        folder: join(t.root, 'api'),
      });
      assert.equal(api?.format, 'openapi');
      for (const flow of api!.flows) assertValidFlow(flow);
      const shop = await t.importer.run({
        file: join(FIXTURES, 'postman/shop.postman_collection.json'),
        environment: join(FIXTURES, 'postman/shop.postman_environment.json'),
        folder: join(t.root, 'shop'),
      });
      assert.ok(shop?.environmentFile, t.fake.messages.join('\n'));
      const env = readFileSync(shop.environmentFile, 'utf8');
      const environment = JSON.parse(readFileSync(join(FIXTURES, 'postman/shop.postman_environment.json'), 'utf8')) as {
        values: Array<{ key: string; enabled: boolean }>;
      };
      for (const { key } of environment.values.filter((v) => v.enabled))
        assert.match(env, new RegExp(`^${key}=`, 'm'), `${key} in the .env`);
    } finally {
      t.dispose();
    }
  });

  it('takes only well-typed command arguments', () => {
    assert.deepEqual(importArgsOf({ file: 3, text: 'curl x', from: 'soap', folder: '/w' }), {
      file: undefined,
      text: 'curl x',
      folder: '/w',
      environment: undefined,
      from: undefined,
    });
    assert.deepEqual(importArgsOf('x'), {});
    assert.equal(COMMAND_IMPORT, 'testmesh.import');
    const contributed = (
      JSON.parse(readFileSync(resolve(__dirname, '../../../../package.json'), 'utf8')) as {
        contributes: { commands: Array<{ command: string; title: string }> };
      }
    ).contributes.commands.find((c) => c.command === COMMAND_IMPORT);
    assert.equal(contributed?.title, 'Import…');
  });
});
