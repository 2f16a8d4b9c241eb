// A TestMesh repository opened with default settings: flows found by content wherever they are,
// `.testmesh.yaml`'s environments and timeout, the obvious environment picking itself, a repository
// of other YAML leaving the extension dormant, re-parsing only what changed, and the reason a
// flow-looking file is not listed.
import * as assert from 'node:assert';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_MAX_BYTES } from '../../../src/core/flow/load';
import { FlowIndex } from '../../../src/extension/discovery';
import { Environments } from '../../../src/extension/environments';
import { TestMeshExtension } from '../../../src/extension/testMeshExtension';
import { tempWorkspace, waitFor } from '../helpers';
import { FakeVSCode, Uri } from './fakeVscode';

const REPO = join(__dirname, '..', '..', '..', '..');
const FIXTURE = join(REPO, 'test', 'fixtures', 'testmesh-repo');
const FLOW = (name: string) =>
  `flow:\n  name: ${name}\n  steps:\n    - id: hi\n      action: log\n      config: { message: hi }\n`;

/** The fixture's flows, decided independently of discovery: YAML whose root has `flow` or `name` + `steps`. */
function fixtureFlows(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') walk(full);
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) {
        let doc: unknown;
        try {
          doc = parse(readFileSync(full, 'utf8'));
        } catch {
          continue;
        }
        if (doc && typeof doc === 'object' && ('flow' in doc || ('name' in doc && 'steps' in doc)))
          out.push(relative(root, full));
      }
    }
  };
  walk(root);
  return out.sort();
}

function extensionIn(root: string, fake = new FakeVSCode()) {
  fake.addFolder(root, 'repo');
  const storage = mkdtempSync(join(tmpdir(), 'testmesh-ext-storage-'));
  const context = fake.extensionContext(REPO, storage);
  const ext = new TestMeshExtension(fake.vscode, context as never);
  return {
    fake,
    ext,
    async dispose() {
      await ext.dispose();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}

describe('extension: a TestMesh repository with default settings', function () {
  this.timeout(20_000);

  it('finds every flow of the fixture repository, in every folder, and uses its .testmesh.yaml', async () => {
    const root = mkdtempSync(join(tmpdir(), 'testmesh-repo-'));
    cpSync(FIXTURE, root, { recursive: true });
    const { fake, ext, dispose } = extensionIn(root);
    try {
      ext.startInBackground();
      await ext.ready;
      const expected = fixtureFlows(root);
      assert.ok(expected.length >= 2, 'the fixture has flows');
      assert.ok(new Set(expected.map((f) => f.split('/')[0])).size >= 2, 'in several folders');
      assert.deepStrictEqual(
        ext.index
          .all()
          .map((f) => f.relativePath)
          .sort(),
        expected,
      );
      for (const file of ext.index.all())
        assert.ok(file.flow, `${file.relativePath} is valid: ${file.diagnostics.map((d) => d.message).join('; ')}`);
      // In the Test Explorer, and the server started (it is a TestMesh workspace).
      assert.strictEqual(ext.tree.fileKeys().length, expected.length);
      assert.match(ext.api.url()!, /^http:\/\/127\.0\.0\.1:\d+$/);
      // .testmesh.yaml: its default environment picked itself; its timeout is every step's default.
      const status = fake.statusItems.find((i) => i.id === 'testmesh.environment')!;
      assert.strictEqual(status.text, '$(symbol-variable) development (auto)');
      assert.match(String(status.tooltip), /default environment of \.testmesh\.yaml/);
      assert.strictEqual((await ext.environments.inputs()).environment.BASE_URL, 'http://127.0.0.1:3000');
      const leaf = ext.index.all()[0].flow!.steps[0];
      assert.strictEqual(leaf.timeoutMs, 30_000);
      // Picking another of its environments (the way the picker's argument names it).
      await fake.vscode.commands.executeCommand('testmesh.selectEnvironment', 'testmesh:staging');
      assert.strictEqual(status.text, '$(symbol-variable) staging');
      assert.strictEqual((await ext.environments.inputs()).environment.BASE_URL, 'https://staging.example.com');
    } finally {
      await dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('stays dormant in a repository of other YAML (no server, no status bar), and wakes up when a flow appears', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++)
      files[`k8s/app-${i}/deploy.yaml`] =
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\nspec:\n  replicas: 1\n`;
    const root = tempWorkspace(files);
    const { fake, ext, dispose } = extensionIn(root);
    try {
      ext.startInBackground();
      await ext.ready;
      assert.strictEqual(ext.index.all().length, 0);
      assert.strictEqual(ext.index.stats.parsed, 0, 'nothing parsed, only sniffed');
      assert.strictEqual(ext.index.stats.sniffed, 50);
      assert.strictEqual(ext.api.url(), undefined, 'no local API in a workspace without flows');
      writeFileSync(join(root, 'k8s/smoke.yaml'), FLOW('Smoke'));
      fake.fileEvent('created', join(root, 'k8s/smoke.yaml'));
      await waitFor(() => ext.api.url() !== undefined, 10_000, 'the server once a flow shows up');
      assert.deepStrictEqual(
        ext.index.all().map((f) => f.relativePath),
        ['k8s/smoke.yaml'],
      );
    } finally {
      await dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('extension: discovery re-reads only what changed, and says why a flow is not listed', function () {
  this.timeout(20_000);
  let root: string;
  let fake: FakeVSCode;
  let index: FlowIndex;

  beforeEach(async () => {
    root = tempWorkspace({
      'a/one.yaml': FLOW('One'),
      'b/two.yml': FLOW('Two'),
      'c/notes.yaml': 'title: not a flow\n',
      'ci/azure-pipelines.yml': 'name: build\nsteps:\n  - script: make\n',
      'deploy/flow.yaml': FLOW('Deploy'),
      '.github/flows/hidden.yaml': FLOW('Hidden'),
    });
    fake = new FakeVSCode();
    fake.addFolder(root, 'ws');
    fake.setSetting('testmesh.excludeGlobs', ['deploy/**']);
    index = new FlowIndex(fake.vscode, fake.vscode.window.createOutputChannel('t', { log: true }) as never, {
      fileDebounceMs: 10,
      typingDebounceMs: 10,
    });
    await index.start();
  });

  afterEach(() => {
    index.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('parses each flow once, and after a change only the changed file', async () => {
    assert.deepStrictEqual(
      index.all().map((f) => f.relativePath),
      ['a/one.yaml', 'b/two.yml'],
    );
    const parsed = index.stats.parsed;
    // A rescan (a folder or settings change) reads nothing that did not change...
    fake.setSetting('testmesh.codeLens.flow', false);
    fake.setSetting('testmesh.excludeGlobs', ['deploy/**', 'nothing/**']);
    await waitFor(() => index.stats.scans === 2, 2000, 'the rescan');
    await index.whenIdle();
    assert.strictEqual(index.stats.parsed, parsed);
    // ...and a changed file alone is parsed again.
    writeFileSync(join(root, 'a/one.yaml'), FLOW('One again'));
    fake.fileEvent('changed', join(root, 'a/one.yaml'));
    await waitFor(() => index.all()[0].flow?.name === 'One again', 2000, 'the change');
    assert.strictEqual(index.stats.parsed, parsed + 1);
  });

  it('says why a file that looks like a flow is not listed', async () => {
    const why = (rel: string, text = readFileSync(join(root, rel), 'utf8')) =>
      index.whyUnlisted(Uri.file(join(root, rel)) as never, text);
    assert.deepStrictEqual(why('deploy/flow.yaml'), { reason: 'excluded', glob: 'deploy/**' });
    assert.deepStrictEqual(why('.github/flows/hidden.yaml'), { reason: 'skipped_folder', folder: '.github' });
    const pipeline = why('ci/azure-pipelines.yml');
    assert.strictEqual(pipeline?.reason, 'not_a_flow');
    assert.strictEqual(why('a/one.yaml'), undefined, 'listed');
    assert.strictEqual(why('c/notes.yaml'), undefined, 'not a flow at all: nothing to say');

    mkdirSync(join(root, 'big'));
    const big = FLOW('Big') + `# ${'x'.repeat(1000)}\n`.repeat(Math.ceil(DEFAULT_MAX_BYTES / 1000));
    writeFileSync(join(root, 'big/huge.yaml'), big);
    fake.fileEvent('created', join(root, 'big/huge.yaml'));
    await waitFor(() => why('big/huge.yaml', FLOW('Big')) !== undefined, 2000, 'the big file to be seen');
    assert.deepStrictEqual(why('big/huge.yaml', FLOW('Big')), {
      reason: 'too_big',
      size: statSync(join(root, 'big/huge.yaml')).size,
      limit: DEFAULT_MAX_BYTES,
    });
    assert.strictEqual(index.get(Uri.file(join(root, 'big/huge.yaml')).toString()), undefined);
  });
});

describe('extension: the environment that picks itself', () => {
  async function environments(files: Record<string, string>) {
    const root = tempWorkspace(files);
    const fake = new FakeVSCode();
    fake.addFolder(root, 'ws');
    const log = fake.vscode.window.createOutputChannel('t', { log: true }) as never;
    const index = new FlowIndex(fake.vscode, log, { fileDebounceMs: 10, typingDebounceMs: 10 });
    await index.start();
    const env = new Environments(
      fake.vscode,
      { workspaceState: fake.memento(), secrets: fake.secretStorage() } as never,
      log,
      index,
    );
    await env.start();
    return {
      root,
      env,
      index,
      done: () => (index.dispose(), env.dispose(), rmSync(root, { recursive: true, force: true })),
    };
  }

  it('takes the only .env file, says so, and stays with what the user picks (none included)', async () => {
    const { env, done } = await environments({ 'tests/api/a.yaml': FLOW('A'), '.env': 'BASE_URL=http://x\n' });
    try {
      assert.deepStrictEqual(env.current(), { kind: 'file', path: env.selected(), auto: true });
      assert.strictEqual(env.statusItem.text, '$(symbol-variable) .env (auto)');
      assert.match(String(env.statusItem.tooltip), /the only \.env file in the workspace/);
      assert.strictEqual((await env.inputs()).environment.BASE_URL, 'http://x');
      await env.select('');
      assert.deepStrictEqual(env.current(), { kind: 'none', auto: false });
      assert.deepStrictEqual((await env.inputs()).environment, {});
    } finally {
      done();
    }
  });

  it('does not guess between several .env files', async () => {
    const { env, done } = await environments({ 'a.yaml': FLOW('A'), '.env.dev': 'X=1\n', '.env.prod': 'X=2\n' });
    try {
      assert.deepStrictEqual(env.current(), { kind: 'none', auto: true });
      assert.strictEqual(env.statusItem.text, '$(symbol-variable) no env');
    } finally {
      done();
    }
  });
});
