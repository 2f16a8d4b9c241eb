// The whole extension wired as `activate` does, against the fake `vscode`: activation returns
// before discovery and the server start; the commands; the local API with its token; a REST run
// showing in the Test Explorer; the state hook; shutdown.
import { COMMAND_IMPORT } from '../../../src/extension/importFlows';
import { COMMAND_COPY_AS_CURL } from '../../../src/extension/copyAsCurl';
import * as assert from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../../src/extension/commands';
import { TestMeshExtension } from '../../../src/extension/testMeshExtension';
import { tempWorkspace, waitFor } from '../helpers';
import { FakeVSCode, Uri, type FakeTestController } from './fakeVscode';
import { COMMAND_DEBUG_FLOW } from '../../../src/extension/codelens';
import { COMMAND_LIST_FILE } from '../../../src/extension/unlistedFiles';
import { COMMAND_OPEN_ENVIRONMENT } from '../../../src/extension/variableHelp';

const REPO = join(__dirname, '..', '..', '..', '..');

const FLOW = `flow:
  name: Hello
  steps:
    - id: hi
      action: log
      config: { message: "hi {{WHO}}" }
    - id: check
      action: assert
      config:
        data: { who: "{{WHO}}" }
        assertions:
          - who == 'world'
`;

describe('extension: activation, commands and the local API', function () {
  let root: string;
  let storage: string;
  let fake: FakeVSCode;
  let ext: TestMeshExtension;

  beforeEach(() => {
    root = tempWorkspace({
      'flows/hello.flow.yaml': FLOW,
      'flows/bad.flow.yaml': 'flow:\n  name: Bad\n  steps: nope\n',
      '.env': 'WHO=world\n',
    });
    storage = mkdtempSync(join(tmpdir(), 'testmesh-ext-storage-'));
    fake = new FakeVSCode();
    fake.addFolder(root, 'ws');
    const context = fake.extensionContext(REPO, storage);
    ext = new TestMeshExtension(fake.vscode, context as never);
  });

  afterEach(async () => {
    await ext.dispose();
    rmSync(root, { recursive: true, force: true });
    rmSync(storage, { recursive: true, force: true });
  });

  it('registers everything at once and starts discovery and the server only after activation', async () => {
    const controller = fake.controllers[0] as FakeTestController;
    assert.strictEqual(controller.id, 'testmesh');
    assert.deepStrictEqual(
      [...fake.commands.keys()].sort(),
      [
        ...Object.values(COMMANDS),
        COMMAND_DEBUG_FLOW,
        COMMAND_LIST_FILE,
        COMMAND_OPEN_ENVIRONMENT,
        COMMAND_IMPORT,
        COMMAND_COPY_AS_CURL,
      ].sort(),
    );
    ext.startInBackground();
    // Nothing discovered, no server yet: that happens after activate returned.
    assert.strictEqual(controller.items.size, 0);
    assert.strictEqual(ext.api.url(), undefined);
    await ext.ready;
    // The two flow files, at the top (one folder: no folder row).
    assert.strictEqual(
      controller.renderTestTree(),
      `flows/bad.flow.yaml — invalid flow
  ⚠ line 3: 'steps' must be a list of steps, got "nope"
flows/hello.flow.yaml #runnable
  Hello
    hi — log
    check — assert`,
    );
    assert.match(ext.api.url()!, /^http:\/\/127\.0\.0\.1:\d+$/);
    const state = (await fake.vscode.commands.executeCommand(COMMANDS.internalState)) as Record<string, any>;
    assert.strictEqual(state.ready, true);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(state)), state, 'JSON-serializable');
    assert.deepStrictEqual(
      state.flows.map((f: { file: string; valid: boolean }) => `${f.file} ${f.valid}`),
      ['flows/bad.flow.yaml false', 'flows/hello.flow.yaml true'],
    );
    assert.ok(state.testItemIds.includes(`${Uri.file(join(root, 'flows/hello.flow.yaml')).toString()}#step:check`));
    assert.strictEqual(state.server.historyDir, join(storage, 'workspace', 'history'));
  });

  it('serves the local API with the token (file mode 0600 in global storage) and refuses without it', async () => {
    ext.startInBackground();
    await ext.ready;
    const { url, tokenFile } = ext.api.state();
    assert.ok(tokenFile!.startsWith(join(storage, 'global')));
    assert.strictEqual(statSync(tokenFile!).mode & 0o777, 0o600);
    const token = readFileSync(tokenFile!, 'utf8').trim();
    assert.strictEqual(
      (await fetch(`${url}/api/v1/executions`, { headers: { authorization: `Bearer ${token}` } })).status,
      200,
    );
    assert.strictEqual((await fetch(`${url}/api/v1/executions`)).status, 401);

    await fake.vscode.commands.executeCommand(COMMANDS.copyServerUrl);
    await fake.vscode.commands.executeCommand(COMMANDS.copyServerToken);
    assert.deepStrictEqual(fake.clipboard, [url, token]);
    assert.match(
      fake.statusItems.find((i) => i.id === 'testmesh.server')!.text,
      new RegExp(`:${ext.api.state().port}`),
    );

    await ext.dispose();
    assert.ok(!existsSync(tokenFile!), 'the token file goes with the server');
    await assert.rejects(fetch(`${url}/health`));
  });

  it('runs a flow by command with the picked environment, and shows a REST run in the Test Explorer', async () => {
    ext.startInBackground();
    await ext.ready;
    const controller = fake.controllers[0] as FakeTestController;
    await fake.vscode.commands.executeCommand(COMMANDS.selectEnvironment, '.env');
    const key = Uri.file(join(root, 'flows/hello.flow.yaml')).toString();
    const result = (await fake.vscode.commands.executeCommand(COMMANDS.runFlow, key)) as { execution_ids: string[] };
    assert.strictEqual(result.execution_ids.length, 1);
    const manager = await ext.api.getManager();
    const summary = await manager.whenFinished(result.execution_ids[0]);
    assert.strictEqual(summary?.status, 'completed', JSON.stringify(summary));
    assert.strictEqual(summary?.trigger, 'editor');
    await waitFor(() => controller.runs.length === 1 && controller.runs[0].ended, 5000, 'the editor run to end');
    const hello = controller.items.get(key)!;
    assert.strictEqual(
      controller.renderTestTree({ from: hello, run: controller.runs[0] }),
      `· flows/hello.flow.yaml #runnable
  ✓ Hello
    ✓ hi — log
    ✓ check — assert`,
    );

    const step = (await fake.vscode.commands.executeCommand(COMMANDS.runStep, key, 'check')) as {
      execution_ids: string[];
    };
    assert.strictEqual((await manager.whenFinished(step.execution_ids[0]))?.only_step, 'check');

    // Through REST, as another tool would.
    const token = ext.api.token()!;
    const response = await fetch(`${ext.api.url()}/api/v1/executions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ flow_id: 'flows/hello.flow.yaml', variables: { WHO: 'REST' } }),
    });
    assert.strictEqual(response.status, 201);
    const rest = (await response.json()) as { id: string };
    await manager.whenFinished(rest.id);
    await waitFor(
      () => controller.runs.some((r) => r.ended && /Hello \(api\)/.test(r.name ?? '')),
      5000,
      'the REST run in the Test Explorer',
    );
    const restRun = controller.runs.find((r) => /Hello \(api\)/.test(r.name ?? ''))!;
    // WHO=REST fails the assertion.
    assert.strictEqual(
      controller.renderTestTree({ from: hello, run: restRun }),
      `· flows/hello.flow.yaml #runnable
  ✗ Hello
    ✓ hi — log
    ✗ check — assert`,
    );

    const state = (await fake.vscode.commands.executeCommand(COMMANDS.internalState)) as Record<string, any>;
    assert.strictEqual(state.lastExecutions[key], rest.id);
    assert.strictEqual(state.environment, join(root, '.env'));
    assert.deepStrictEqual(state.activeRuns, []);

    await fake.vscode.commands.executeCommand(COMMANDS.showLastExecution, key);
    assert.match(fake.panels[0].webview.html, new RegExp(`data-route="#/executions/${rest.id}"`));
  });

  it('says so when a command names something that is not a flow', async () => {
    ext.startInBackground();
    await ext.ready;
    assert.strictEqual(await fake.vscode.commands.executeCommand(COMMANDS.runFlow, join(root, '.env')), undefined);
    assert.match(fake.messages.join('\n'), /not a discovered flow: a flow is a YAML file whose root has `flow:`/);
    const key = Uri.file(join(root, 'flows/hello.flow.yaml')).toString();
    assert.strictEqual(await fake.vscode.commands.executeCommand(COMMANDS.runStep, key, 'nope'), undefined);
    assert.match(fake.messages.join('\n'), /no step 'nope'/);
  });

  it('stops the server when disabled by setting and starts it again when enabled', async () => {
    ext.startInBackground();
    await ext.ready;
    const first = ext.api.state().port!;
    fake.setSetting('testmesh.server.enabled', false);
    await waitFor(() => ext.api.url() === undefined, 5000, 'the server to stop');
    assert.match(fake.statusItems.find((i) => i.id === 'testmesh.server')!.text, /TestMesh/);
    await assert.rejects(fetch(`http://127.0.0.1:${first}/health`));
    fake.setSetting('testmesh.server.enabled', true);
    await waitFor(() => ext.api.url() !== undefined, 5000, 'the server to start again');
  });
});
