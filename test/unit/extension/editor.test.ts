// Editor help around flow files: CodeLens (and their settings), diagnostics while typing,
// step decorations during and after a run, the environment picker and secrets.
import * as assert from 'node:assert';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { FlowCodeLensProvider } from '../../../src/extension/codelens';
import { StepDecorations } from '../../../src/extension/decorations';
import { FlowDiagnostics } from '../../../src/extension/diagnostics';
import { Environments } from '../../../src/extension/environments';
import { json, startServer, waitFor, type TestServer } from '../helpers';
import { CancellationTokenSource, FakeTextDocument, Uri } from './fakeVscode';
import { createHarness, type Harness } from './harness';

const FLOW = `# a comment
flow:
  name: Editor flow
  extra_key: 1
  steps:
    - id: one
      action: log
      config: { message: one }
    - id: slow
      action: http_request
      config:
        url: \${BASE_URL}/slow
    - id: three
      action: assert
      config:
        data: { n: 1 }
        assertions:
          - n == 2
`;

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

describe('extension: editor help', () => {
  let api: TestServer;
  let h: Harness;
  let slow: ServerResponse[] = [];

  before(async () => {
    api = await startServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/slow') slow.push(res);
      else json(res, 404, {});
    });
  });

  after(async () => {
    await api.close();
  });

  beforeEach(async () => {
    slow = [];
    h = await createHarness(
      {
        'flows/editor.flow.yaml': FLOW,
        // A step without an action: refused as a whole, as TestMesh's loader refuses it.
        'flows/broken.flow.yaml': 'flow:\n  name: B\n  steps:\n    - id: nope\n',
        '.env.local': 'BASE_URL=http://from-env\nAPI_TOKEN=abc\n',
        'config/.env.staging': 'X=1\n',
      },
      { environment: { BASE_URL: api.url } },
    );
  });

  afterEach(async () => {
    for (const res of slow) res.destroy();
    await h.dispose();
  });

  describe('CodeLens', () => {
    it('offers Run flow, Debug flow and Show last execution above the flow, Run step above each step', () => {
      const provider = new FlowCodeLensProvider(h.fake.vscode, h.index);
      const doc = new FakeTextDocument(Uri.file(join(h.root, 'flows/editor.flow.yaml')), FLOW);
      const lenses = provider.provideCodeLenses(doc as never);
      const summary = lenses.map(
        (l) =>
          `${l.range.start.line} ${l.command!.title} ${l.command!.command} ${JSON.stringify(l.command!.arguments)}`,
      );
      const uri = doc.uri.toString();
      assert.deepStrictEqual(summary, [
        `1 ▶ Run flow testmesh.runFlow ${JSON.stringify([uri])}`,
        `1 Debug flow testmesh.debugFlow ${JSON.stringify([uri])}`,
        `1 Show last execution testmesh.showLastExecution ${JSON.stringify([uri])}`,
        `${lineOf(FLOW, 'id: one')} ▶ Run step testmesh.runStep ${JSON.stringify([uri, 'one'])}`,
        `${lineOf(FLOW, 'id: slow')} ▶ Run step testmesh.runStep ${JSON.stringify([uri, 'slow'])}`,
        `${lineOf(FLOW, 'id: three')} ▶ Run step testmesh.runStep ${JSON.stringify([uri, 'three'])}`,
      ]);
      provider.dispose();
    });

    it('switches each kind off by setting, and refreshes when the setting changes', () => {
      const provider = new FlowCodeLensProvider(h.fake.vscode, h.index);
      let changes = 0;
      provider.onDidChangeCodeLenses(() => changes++);
      const doc = new FakeTextDocument(Uri.file(join(h.root, 'flows/editor.flow.yaml')), FLOW);
      h.fake.setSetting('testmesh.codeLens.step', false);
      assert.deepStrictEqual(
        provider.provideCodeLenses(doc as never).map((l) => l.command!.command),
        ['testmesh.runFlow', 'testmesh.debugFlow', 'testmesh.showLastExecution'],
      );
      h.fake.setSetting('testmesh.codeLens.flow', false);
      assert.deepStrictEqual(provider.provideCodeLenses(doc as never), []);
      assert.strictEqual(changes, 2);
      const broken = new FakeTextDocument(Uri.file(join(h.root, 'flows/broken.flow.yaml')), '');
      h.fake.setSetting('testmesh.codeLens.flow', true);
      assert.deepStrictEqual(
        provider.provideCodeLenses(broken as never),
        [],
        'no lenses on a file that does not parse',
      );
      provider.dispose();
    });
  });

  describe('diagnostics', () => {
    it('publishes errors and warnings of discovered files, and follows typing', async () => {
      const diagnostics = new FlowDiagnostics(h.fake.vscode, h.index, 10);
      await h.index.refresh();
      const broken = h.fake.diagnosticsOf(join(h.root, 'flows/broken.flow.yaml'))!;
      assert.ok(
        broken.some((d) => d.severity === 0 && /nope/.test(d.message) && d.source === 'testmesh'),
        JSON.stringify(broken),
      );
      const warned = h.fake.diagnosticsOf(join(h.root, 'flows/editor.flow.yaml'))!;
      assert.ok(warned.length > 0 && warned.every((d) => d.severity === 1), 'an unknown key is a warning');
      assert.strictEqual(warned[0].range.start.line, lineOf(FLOW, 'extra_key'));

      const editor = h.fake.open(join(h.root, 'flows/editor.flow.yaml'), FLOW);
      h.fake.edit(editor.document, FLOW.replace('action: log', 'action: lgo'));
      await waitFor(
        () => (h.fake.diagnosticsOf(join(h.root, 'flows/editor.flow.yaml')) ?? []).some((d) => /lgo/.test(d.message)),
        2000,
        'the typing diagnostic',
      );
      diagnostics.dispose();
    });

    it('checks open flow documents outside the discovery globs too, and leaves other YAML alone', async () => {
      const diagnostics = new FlowDiagnostics(h.fake.vscode, h.index, 10);
      const outside = join(h.root, 'api/thing.yaml');
      const editor = h.fake.open(outside, 'flow:\n  name: Outside\n  steps: []\n');
      await waitFor(() => (h.fake.diagnosticsOf(outside) ?? []).length > 0, 2000, 'a diagnostic for the outside flow');
      h.fake.edit(editor.document, 'just: yaml\n');
      await waitFor(() => h.fake.diagnosticsOf(outside) === undefined, 2000, 'the diagnostics to go');
      diagnostics.dispose();
    });
  });

  describe('decorations', () => {
    it("shows the running step while it runs, then each step's outcome and duration", async () => {
      const decorations = new StepDecorations(h.fake.vscode, h.index);
      decorations.attach(h.manager);
      const editor = h.fake.open(join(h.root, 'flows/editor.flow.yaml'), FLOW);
      const k = h.key('flows/editor.flow.yaml');
      const token = new CancellationTokenSource();
      const run = h.run([h.tree.flowItem(k)], token);
      await waitFor(() => slow.length === 1, 5000, 'the slow step');
      await waitFor(() => editor.afterTexts().get(lineOf(FLOW, 'id: slow')) === '⟳ running…', 2000, 'the running mark');
      assert.match(editor.afterTexts().get(lineOf(FLOW, 'id: one'))!, /^✓ \d+(\.\d+)? ms$/);
      slow.shift()!.end('{}');
      await run;
      await waitFor(
        () => editor.afterTexts().get(lineOf(FLOW, 'id: three'))?.startsWith('✗') === true,
        2000,
        'the final marks',
      );
      // State and duration first, then the request in short (path only), once history has it.
      await waitFor(
        () =>
          /^✓ \d+(\.\d+)? (ms|s) · GET \/slow → 200 · \d+ B$/.test(
            editor.afterTexts().get(lineOf(FLOW, 'id: slow')) ?? '',
          ),
        2000,
        `the request summary after the duration: ${editor.afterTexts().get(lineOf(FLOW, 'id: slow'))}`,
      );
      assert.deepStrictEqual(Object.keys(decorations.marksOf(k)).sort(), ['one', 'slow', 'three']);
      decorations.dispose();
    });
  });

  describe('environments and secrets', () => {
    function environments() {
      const workspaceState = h.fake.memento();
      const secrets = h.fake.secretStorage();
      const env = new Environments(h.fake.vscode, { workspaceState, secrets } as never, h.fake.logs[0] as never);
      return { env, workspaceState, secrets };
    }

    it('picks a .env file (by argument or quick pick) and gives runs its values', async () => {
      const { env } = environments();
      assert.deepStrictEqual((await env.inputs()).environment, {});
      await env.select('.env.local');
      assert.strictEqual(env.selected(), join(h.root, '.env.local'));
      assert.deepStrictEqual((await env.inputs()).environment, { BASE_URL: 'http://from-env', API_TOKEN: 'abc' });
      assert.match(env.statusItem.text, /\.env\.local/);

      h.fake.answers.push((items: Array<{ label: string; path?: string }>) =>
        items.find((i) => i.label.includes('No environment')),
      );
      await env.select();
      assert.strictEqual(env.selected(), undefined);
      assert.match(env.statusItem.text, /no env/);
      env.dispose();
    });

    it('keeps secrets in SecretStorage only and passes them as variables to redact', async () => {
      const { env, workspaceState, secrets } = environments();
      assert.deepStrictEqual(await env.setSecret('API_TOKEN', 's3cr3t-value'), ['API_TOKEN']);
      h.fake.answers.push('PASSWORD', 'hunter22');
      assert.deepStrictEqual(await env.setSecret(), ['API_TOKEN', 'PASSWORD']);
      const inputs = await env.inputs();
      assert.deepStrictEqual(inputs.variables, { API_TOKEN: 's3cr3t-value', PASSWORD: 'hunter22' });
      assert.deepStrictEqual(inputs.secrets.sort(), ['hunter22', 's3cr3t-value']);
      assert.deepStrictEqual(workspaceState.keys(), [], 'nothing in workspace state');
      assert.strictEqual(h.fake.settings.size, 0, 'nothing in settings');
      assert.ok([...secrets.values.values()].some((v) => v.includes('s3cr3t-value')));
      assert.deepStrictEqual(await env.setSecret('API_TOKEN', ''), ['PASSWORD'], 'an empty value removes it');
      await assert.rejects(env.setSecret('bad name', 'x'), /not a valid variable name/);
      env.dispose();
    });
  });
});
