// The editing providers (completion, hover, definition, references, rename, symbols, quick fixes,
// inlay hints) against the fake `vscode`, with a real ExecutionManager whose history holds a real
// run of the flow against a real HTTP server on 127.0.0.1.
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionManager } from '../../../src/core/executions';
import { LanguageFeatures } from '../../../src/extension/languageFeatures';
import { LanguageServices } from '../../../src/extension/languageServices';
import { SchemaCompletion, YAML_EXTENSION_ID } from '../../../src/extension/schemaCompletion';
import { json, startServer, tempWorkspace, waitFor, type TestServer } from '../helpers';
import {
  CodeAction,
  CompletionItem,
  Diagnostic,
  DocumentSymbol,
  FakeTextDocument,
  FakeVSCode,
  Hover,
  InlayHint,
  Location,
  Position,
  Range,
  SymbolInformation,
  Uri,
  WorkspaceEdit,
} from './fakeVscode';

const FLOW = `flow:
  name: Users
  env:
    API_VERSION: v1
  steps:
    - id: create_user
      name: Create user
      action: http_request
      config:
        method: POST
        url: "{{BASE_URL}}/users"
      assert:
        - status == 201
      output:
        user_id: $.body.id
        api_token: $.body.token
    - id: get_user
      action: http_request
      config:
        url: "{{BASE_URL}}/users/{{create_user.user_id}}"
        headers:
          x-user: "{{user_id}}"
      assert:
        - body.name == 'Ann'
`;

const CALLER = `flow:
  name: Caller
  steps:
    - id: call
      action: run_flow
      config:
        flow: users.flow.yaml
    - id: after
      action: log
      config:
        message: "{{call.user_id}}"
`;

function positionOf(text: string, needle: string, delta = 0): Position {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `'${needle}' not in the text`);
  const before = text.slice(0, at + delta).split('\n');
  return new Position(before.length - 1, before[before.length - 1].length);
}

describe('extension: editing providers', function () {
  let server: TestServer;
  let root: string;
  let fake: FakeVSCode;
  let manager: ExecutionManager;
  let features: LanguageFeatures;
  let doc: FakeTextDocument;
  let file: string;
  const token = new (class {
    isCancellationRequested = false;
  })();

  before(async () => {
    server = await startServer((req, res) => {
      if (req.method === 'POST') json(res, 201, { id: 7, token: 'tok-very-secret', name: 'Ann' });
      else json(res, 200, { id: 7, name: 'Ann' });
    });
    root = tempWorkspace({
      'flows/users.flow.yaml': FLOW,
      'flows/caller.flow.yaml': CALLER,
      '.env': `BASE_URL=${server.url}\nAPI_KEY=key-123\n`,
    });
    file = join(root, 'flows', 'users.flow.yaml');
    manager = new ExecutionManager({ workspace: root, environment: { BASE_URL: server.url } });
    const started = await manager.start({ flow_id: 'flows/users.flow.yaml' });
    const finished = await manager.whenFinished(started.id);
    assert.equal(finished?.status, 'completed', JSON.stringify(finished));
  });

  after(async () => {
    await manager.close();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  beforeEach(() => {
    fake = new FakeVSCode();
    fake.addFolder(root, 'ws');
    const services = new LanguageServices({
      vscode: fake.vscode,
      log: fake.vscode.window.createOutputChannel('TestMesh', { log: true }),
      manager: () => manager,
      selectedEnvironment: () => join(root, '.env'),
      secretValues: async () => [],
      flowFiles: () => [
        { file, name: 'Users' },
        { file: join(root, 'flows', 'caller.flow.yaml'), name: 'Caller' },
      ],
    });
    features = new LanguageFeatures(services, new SchemaCompletion(fake.vscode), () => join(root, '.env'));
  });

  afterEach(() => features.dispose());

  function open(text = FLOW): FakeTextDocument {
    doc = fake.open(file, text).document;
    return doc;
  }

  it('registers lazily: nothing for plain YAML, everything once a flow document opens', () => {
    fake.open(join(root, 'other.yaml'), 'key: value\n');
    assert.equal(features.isRegistered, false);
    assert.equal(fake.providers.completion.length, 0);
    open();
    assert.equal(features.isRegistered, true);
    for (const [feature, list] of Object.entries(fake.providers)) assert.equal(list.length, 1, feature);
    assert.deepEqual(fake.providers.completion[0].triggers, ['{', '$', '.']);
  });

  it('completes {{ after a step that captured user_id with user_id and its last value; secrets masked', async () => {
    const text = FLOW.replace('x-user: "{{user_id}}"', 'x-user: "{{}}"');
    open(text);
    const items: CompletionItem[] = await fake.providers.completion[0].provider.provideCompletionItems(
      doc,
      positionOf(text, 'x-user: "{{', 11),
      token,
    );
    const byLabel = new Map(items.map((i) => [i.label, i]));
    assert.match(byLabel.get('user_id')!.detail!, /output of step 'create_user' \(\$\.body\.id\) = 7$/);
    assert.match(byLabel.get('create_user.user_id')!.detail!, /= 7$/);
    assert.match(byLabel.get('api_token')!.detail!, /= \*\*\*$/);
    assert.match(byLabel.get('BASE_URL')!.detail!, /^environment = "http:\/\/127\.0\.0\.1:\d+"$/);
    assert.match(byLabel.get('API_KEY')!.detail!, /= \*\*\*$/);
    assert.ok(!JSON.stringify(items).includes('tok-very-secret') && !JSON.stringify(items).includes('key-123'));
    assert.equal(byLabel.get('user_id')!.insertText, 'user_id', 'the closing braces are already there');
    assert.deepEqual(
      byLabel.get('user_id')!.range,
      new Range(positionOf(text, 'x-user: "{{', 11), positionOf(text, 'x-user: "{{', 11)),
    );
  });

  it('offers action names only without an active schema completion (Red Hat YAML): no duplicates', async () => {
    const text = FLOW.replace(
      'action: http_request\n      config:\n        url',
      'action: \n      config:\n        url',
    );
    open(text);
    const at = positionOf(text, 'action: \n', 8);
    const provider = fake.providers.completion[0].provider;
    const without: CompletionItem[] = await provider.provideCompletionItems(doc, at, token);
    assert.ok(without.some((i) => i.label === 'http_request'));
    fake.installedExtensions.add(YAML_EXTENSION_ID);
    assert.deepEqual(await provider.provideCompletionItems(doc, at, token), []);
    fake.settings.set('yaml.completion', false);
    assert.ok(((await provider.provideCompletionItems(doc, at, token)) as CompletionItem[]).length > 0);
  });

  it('hovers a placeholder with its last value and origin; a step with its last result', async () => {
    open();
    const hover: Hover = await fake.providers.hover[0].provideHover(
      doc,
      positionOf(FLOW, 'create_user.user_id}}', 14),
      token,
    );
    assert.match(hover.contents[0].value, /output \*\*user_id\*\* of step `create_user`[\s\S]*```json\n7\n```/);
    const step: Hover = await fake.providers.hover[0].provideHover(doc, positionOf(FLOW, 'id: create_user', 5), token);
    assert.match(step.contents[0].value, /Last run: \*\*completed\*\* · \d+ ms · HTTP 201/);
    assert.match(step.contents[0].value, /"api_token": "\*\*\*"/);
    assert.ok(!step.contents[0].value.includes('tok-very-secret'));
  });

  it('goes to definition: an output, a variable of the .env file, a run_flow target', async () => {
    open();
    const toOutput: Location[] = await fake.providers.definition[0].provideDefinition(
      doc,
      positionOf(FLOW, 'create_user.user_id}}', 14),
      token,
    );
    assert.deepEqual(
      toOutput.map((l) => [l.uri.fsPath, (l.range as Range).start]),
      [[file, positionOf(FLOW, 'user_id: $.body.id')]],
    );
    const toEnv: Location[] = await fake.providers.definition[0].provideDefinition(
      doc,
      positionOf(FLOW, 'BASE_URL', 2),
      token,
    );
    assert.deepEqual(
      toEnv.map((l) => [l.uri.fsPath, (l.range as Range).start]),
      [[join(root, '.env'), new Position(0, 0)]],
    );
    const caller = fake.open(join(root, 'flows', 'caller.flow.yaml'), CALLER).document;
    const toFlow: Location[] = await fake.providers.definition[0].provideDefinition(
      caller,
      positionOf(CALLER, 'users.flow.yaml', 2),
      token,
    );
    assert.deepEqual(
      toFlow.map((l) => [l.uri.fsPath, (l.range as Range).start]),
      [[file, positionOf(FLOW, 'Users')]],
    );
  });

  it('finds references and renames a step id with its references; renaming an output reaches run_flow callers', async () => {
    open();
    const refs: Location[] = fake.providers.references[0].provideReferences(
      doc,
      positionOf(FLOW, 'user_id: $'),
      { includeDeclaration: true },
      token,
    );
    assert.equal(refs.length, 3);
    const rename = fake.providers.rename[0];
    const prepared = rename.prepareRename(doc, positionOf(FLOW, 'id: create_user', 6), token);
    assert.equal(prepared.placeholder, 'create_user');
    const edit: WorkspaceEdit = await rename.provideRenameEdits(
      doc,
      positionOf(FLOW, 'id: create_user', 6),
      'make_user',
      token,
    );
    const renamed = edit.apply(FLOW, Uri.file(file));
    assert.ok(renamed.includes('- id: make_user') && renamed.includes('{{make_user.user_id}}'), renamed);
    await assert.rejects(
      async () => rename.provideRenameEdits(doc, positionOf(FLOW, 'id: create_user', 6), 'get_user', token),
      /already exists/,
    );
    assert.throws(() => rename.prepareRename(doc, positionOf(FLOW, 'BASE_URL', 1), token), /environment/);
    const outputEdit: WorkspaceEdit = await rename.provideRenameEdits(
      doc,
      positionOf(FLOW, 'user_id: $'),
      'uid',
      token,
    );
    assert.ok(outputEdit.apply(FLOW, Uri.file(file)).includes('{{create_user.uid}}'));
    assert.equal(
      outputEdit.apply(CALLER, Uri.file(join(root, 'flows', 'caller.flow.yaml'))).includes('"{{call.uid}}"'),
      true,
    );
  });

  it('outlines the flow and lists workspace symbols for every flow and step', async () => {
    open();
    const symbols: DocumentSymbol[] = fake.providers.documentSymbols[0].provideDocumentSymbols(doc, token);
    assert.equal(symbols[0].name, 'Users');
    assert.deepEqual(
      symbols[0].children.map((c) => c.name),
      ['env', 'steps'],
    );
    assert.deepEqual(
      symbols[0].children[1].children.map((c) => c.name),
      ['Create user (create_user)', 'get_user'],
    );
    const all: SymbolInformation[] = await fake.providers.workspaceSymbols[0].provideWorkspaceSymbols('', token);
    assert.deepEqual(all.map((s) => `${s.containerName}/${s.name}`).sort(), [
      '/Caller',
      '/Users',
      'Caller/after',
      'Caller/call',
      'Users/Create user (create_user)',
      'Users/get_user',
    ]);
    const some: SymbolInformation[] = await fake.providers.workspaceSymbols[0].provideWorkspaceSymbols('getu', token);
    assert.deepEqual(
      some.map((s) => s.name),
      ['get_user'],
    );
  });

  it('shows the last captured value after each output (inlay hints), masked, and not when switched off', async () => {
    open();
    const range = new Range(0, 0, 100, 0);
    const hints: InlayHint[] = await fake.providers.inlayHints[0].provideInlayHints(doc, range, token);
    assert.deepEqual(
      hints.map((h) => [h.position.line, h.label]),
      [
        [positionOf(FLOW, 'user_id: $').line, '= 7'],
        [positionOf(FLOW, 'api_token: $').line, '= ***'],
      ],
    );
    fake.settings.set('testmesh.inlayHints.lastValues', false);
    assert.equal(await fake.providers.inlayHints[0].provideInlayHints(doc, range, token), undefined);
  });

  it('reports unknown variables and offers did-you-mean, add to the environment, add to the flow env', async () => {
    const text = FLOW.replace('x-user: "{{user_id}}"', 'x-user: "{{usr_id}}"');
    open(text);
    await waitFor(
      () => (fake.diagnosticsOf(file, 'testmesh-variables') ?? []).length > 0,
      5000,
      'variable diagnostics',
    );
    const [diagnostic] = fake.diagnosticsOf(file, 'testmesh-variables')!;
    assert.match(diagnostic.message, /unknown variable 'usr_id'.*did you mean 'user_id'/);
    const actions: CodeAction[] = fake.providers.codeActions[0].provideCodeActions(
      doc,
      diagnostic.range,
      { diagnostics: [diagnostic] },
      token,
    );
    assert.deepEqual(
      actions.map((a) => a.title),
      ["Change to 'user_id'", "Add 'usr_id' to the selected environment (.env)", "Add 'usr_id' to the flow env"],
    );
    assert.ok(actions[0].edit!.apply(text, Uri.file(file)).includes('x-user: "{{user_id}}"'));
    assert.ok(actions[2].edit!.apply(text, Uri.file(file)).includes('    API_VERSION: v1\n    usr_id: ""\n'));
    await fake.vscode.commands.executeCommand(actions[1].command!.command, ...actions[1].command!.arguments!);
    assert.ok(readFileSync(join(root, '.env'), 'utf8').endsWith('API_KEY=key-123\nusr_id=\n'));
  });

  it("fixes the validator's findings: did-you-mean actions and keys, duplicate ids", () => {
    const text = FLOW.replace('id: get_user', 'id: create_user');
    open(text);
    const quick = (message: string, range: Range) => {
      const d = new Diagnostic(range, message, 0);
      d.source = 'testmesh';
      return fake.providers.codeActions[0].provideCodeActions(doc, range, { diagnostics: [d] }, token) as CodeAction[];
    };
    const typo = quick(
      "step 'x': unknown action 'http_reqest' (did you mean 'http_request'?)",
      new Range(7, 14, 7, 26),
    );
    assert.deepEqual(
      typo.map((a) => a.title),
      ["Change to 'http_request'"],
    );
    const duplicate = quick(
      "step 'create_user': duplicate step id 'create_user' (first used at line 6)",
      new Range(17, 10, 17, 21),
    );
    assert.deepEqual(
      duplicate.map((a) => a.title),
      ["Make this id unique ('create_user_2')"],
    );
    assert.equal(duplicate[0].edit!.edits[0].newText, 'create_user_2');
  });
});
