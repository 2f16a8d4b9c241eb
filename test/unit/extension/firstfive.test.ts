// What a newcomer meets first: a flow file that is not listed says why and lists itself in one
// click; a run that stops on an unresolved variable says where variables come from, with links.
import * as assert from 'node:assert';
import { join } from 'node:path';
import { UnlistedFileLens, unlistedText, listingFix } from '../../../src/extension/unlistedFiles';
import {
  COMMAND_OPEN_ENVIRONMENT,
  UnresolvedVariableNotices,
  unresolvedVariable,
  unresolvedVariableMessage,
} from '../../../src/extension/variableHelp';
import type { ExecutionEvent } from '../../../src/core/events';
import { waitFor } from '../helpers';
import { FakeTextDocument, MarkdownString, Uri } from './fakeVscode';
import { createHarness, type Harness } from './harness';

const FLOW = (name: string) =>
  `flow:\n  name: ${name}\n  steps:\n    - id: a\n      action: log\n      config: { message: hi }\n`;

describe('extension: no silent files', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await createHarness({
      'tests/api/listed.flow.yaml': FLOW('Listed'),
      'scratch/try.yaml': FLOW('Scratch'),
      'deploy/deploy.yaml': FLOW('Deploy'),
      'notes/readme.yaml': 'just: data\n',
    });
    h.fake.setSetting('testmesh.flowGlobs', ['tests/**/*.yaml', 'deploy/**']);
    h.fake.setSetting('testmesh.excludeGlobs', ['deploy/**']);
    await waitFor(() => h.index.all().length === 1, 2000, 'the rescan with the globs');
  });

  afterEach(async () => {
    await h.dispose();
  });

  const doc = (rel: string, text: string) => new FakeTextDocument(Uri.file(join(h.root, rel)), text, 'yaml');

  it('says why a flow-looking file is not listed, and offers the setting that lists it', () => {
    const lens = new UnlistedFileLens(h.fake.vscode, h.index);
    const scratch = lens.provideCodeLenses(doc('scratch/try.yaml', FLOW('Scratch')) as never);
    assert.deepStrictEqual(
      scratch.map((l) => l.command?.title),
      [
        '$(info) Not listed by TestMesh: outside the testmesh.flowGlobs setting (tests/**/*.yaml, deploy/**)',
        'Add scratch/try.yaml to testmesh.flowGlobs',
      ],
    );
    assert.strictEqual(scratch[1].command?.command, 'testmesh.listFile');
    const excluded = lens.provideCodeLenses(doc('deploy/deploy.yaml', FLOW('Deploy')) as never);
    assert.deepStrictEqual(
      excluded.map((l) => l.command?.title),
      [
        "$(info) Not listed by TestMesh: excluded by 'deploy/**' in the testmesh.excludeGlobs setting",
        "Remove 'deploy/**' from testmesh.excludeGlobs",
      ],
    );
    assert.deepStrictEqual(lens.provideCodeLenses(doc('notes/readme.yaml', 'just: data\n') as never), []);
    assert.deepStrictEqual(lens.provideCodeLenses(doc('tests/api/listed.flow.yaml', FLOW('Listed')) as never), []);
    lens.dispose();
  });

  it('lists the file in one click: the setting changes, discovery lists it, the lens goes', async () => {
    const lens = new UnlistedFileLens(h.fake.vscode, h.index);
    const editor = h.fake.open(join(h.root, 'scratch/try.yaml'), FLOW('Scratch'));
    const changed = await lens.listFile(editor.document.uri.toString());
    assert.deepStrictEqual(changed, {
      key: 'testmesh.flowGlobs',
      value: ['tests/**/*.yaml', 'deploy/**', 'scratch/try.yaml'],
    });
    await waitFor(
      () => h.index.all().some((f) => f.relativePath === 'scratch/try.yaml'),
      2000,
      'the file to be listed',
    );
    // Found by the tree's lookup, and in the Test Explorer.
    assert.ok(h.tree.flowItem(h.key('scratch/try.yaml')));
    assert.strictEqual(
      h.controller.renderTestTree(),
      `scratch/try.yaml #runnable
  Scratch
    a — log
tests/api/listed.flow.yaml #runnable
  Listed
    a — log`,
    );
    assert.deepStrictEqual(lens.provideCodeLenses(editor.document as never), []);
    lens.dispose();
  });

  it('words every reason, and offers a fix only where a setting is the reason', () => {
    const settings = { flowGlobs: ['a/**'], excludeGlobs: ['x/**', 'y/**'] };
    assert.match(unlistedText({ reason: 'skipped_folder', folder: '.github' }, []), /inside \.github\//);
    assert.match(unlistedText({ reason: 'too_big', size: 9, limit: 8 }, []), /9 B, more than the 8 B/);
    assert.match(unlistedText({ reason: 'not_a_flow', message: '1:1 no steps' }, []), /not a valid flow: 1:1 no steps/);
    assert.deepStrictEqual(listingFix({ reason: 'excluded', glob: 'x/**' }, 'x/f.yaml', settings)?.value, ['y/**']);
    assert.deepStrictEqual(listingFix({ reason: 'skipped_folder', folder: '.ci' }, '.ci/f.yaml', settings)?.value, [
      'a/**',
      '.ci/f.yaml',
    ]);
    assert.strictEqual(listingFix({ reason: 'too_big', size: 9, limit: 8 }, 'f.yaml', settings), undefined);
  });
});

describe('extension: where variables come from', () => {
  let h: Harness;

  afterEach(async () => {
    await h?.dispose();
  });

  it('a run stopped by an unresolved variable says where variables come from, with links', async () => {
    h = await createHarness({
      'flows/orders.flow.yaml': `flow:\n  name: Orders\n  steps:\n    - id: create\n      action: http_request\n      config:\n        url: "{{BASE_URL}}/orders"\n`,
    });
    const k = h.key('flows/orders.flow.yaml');
    const run = await h.run([h.tree.flowItem(k)]);
    const failed = run.calls.find((c) => c.kind === 'failed' && c.id === `${k}#step:create`);
    assert.ok(failed && failed.kind === 'failed', JSON.stringify(run.calls.map((c) => `${c.kind} ${c.id}`)));
    const message = failed.messages[0].message as unknown;
    assert.ok(message instanceof MarkdownString, 'a markdown message (links)');
    const text = (message as MarkdownString).value;
    assert.match(text, /unresolved variable 'BASE\\_URL'/);
    assert.match(text, /Variables come from the selected environment/);
    assert.match(text, /\[Pick an environment\]\(command:testmesh\.selectEnvironment\)/);
    assert.match(text, /\[Open the environment file\]\(command:testmesh\.openEnvironment\)/);
    assert.deepStrictEqual((message as unknown as { isTrusted: unknown }).isTrusted, {
      enabledCommands: ['testmesh.selectEnvironment', COMMAND_OPEN_ENVIRONMENT],
    });
  });

  it('notifies once per variable and environment, naming the environment, with the two actions', async () => {
    h = await createHarness({ 'flows/a.flow.yaml': FLOW('A') });
    const shown: Array<{ text: string; buttons: string[] }> = [];
    const fakeWindow = h.fake.vscode.window as unknown as { showWarningMessage: unknown };
    fakeWindow.showWarningMessage = async (text: string, ...buttons: string[]) => {
      shown.push({ text, buttons });
      return undefined;
    };
    let label: string | undefined = '.env';
    const notices = new UnresolvedVariableNotices(h.fake.vscode, () => label);
    const failure = (execution: string, error: string) =>
      ({
        type: 'step.failed',
        execution_id: execution,
        seq: 2,
        timestamp: '',
        data: { step_id: 's', step_name: 's', error_message: error, duration_ms: 1, attempt: 1 },
      }) as ExecutionEvent;
    notices.handle(failure('e1', "unresolved variable 'BASE_URL'"));
    notices.handle(failure('e2', "unresolved variable 'BASE_URL'"));
    notices.handle(failure('e3', 'status == 200 failed'));
    assert.deepStrictEqual(shown, [
      {
        text: "TestMesh: nothing sets the variable 'BASE_URL'. Variables come from the selected environment (.env), a .env file or .testmesh.yaml environment you pick, the flow's env:, and outputs of earlier steps.",
        buttons: ['Pick Environment', 'Open .env'],
      },
    ]);
    label = undefined;
    notices.reset();
    notices.handle(failure('e4', "unresolved variable 'BASE_URL'"));
    assert.match(shown[1].text, /\(none now\)/);
    assert.deepStrictEqual(shown[1].buttons, ['Pick Environment']);
    assert.strictEqual(unresolvedVariable("x: unresolved variable 'A.b' here"), 'A.b');
    assert.match(unresolvedVariableMessage(h.fake.vscode, 'e', undefined).value, /none now/);
  });
});
