// Runs inside VS Code desktop's extension host (see ../runTest.ts): the extension's commands driven
// through the real `vscode` API, results read back from its local REST API. The workspace is a
// copy of examples/ with a .env for the demo API that runTest.ts started.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as vscode from 'vscode';

const EXTENSION_ID = 'testmesh.testmesh-vscode';

interface State {
  ready: boolean;
  server: { url?: string; tokenFile?: string };
  flows: Array<{ uri: string; file: string; valid: boolean }>;
  environment: string | null;
}

interface Execution {
  id: string;
  status: string;
  only_step?: string;
  error?: string;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const state = () => vscode.commands.executeCommand<State>('testmesh.internal.state');

describe('TestMesh in VS Code desktop', function () {
  let current: State;
  let token: string;

  const execution = async (id: string): Promise<Execution> => {
    const response = await fetch(`${current.server.url}/api/v1/executions/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.strictEqual(response.status, 200);
    return (await response.json()) as Execution;
  };
  const finished = (id: string) =>
    until(`execution ${id} to finish`, async () => {
      const summary = await execution(id);
      return ['completed', 'failed', 'cancelled'].includes(summary.status) ? summary : undefined;
    });
  const uriOf = (file: string) => {
    const flow = current.flows.find((f) => f.file === file);
    assert.ok(flow, `${file} was discovered`);
    return flow.uri;
  };

  before(async function () {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    await extension.activate();
    current = await until('discovery and the local API', async () => {
      const s = await state();
      return s.ready && s.server.url ? s : undefined;
    });
    token = fs.readFileSync(current.server.tokenFile!, 'utf8').trim();
    await vscode.commands.executeCommand('testmesh.selectEnvironment', '.env');
    current = await state();
    assert.ok(current.environment?.endsWith('.env'));
  });

  it('discovers the example flows', function () {
    const files = current.flows.map((f) => f.file);
    for (const file of ['flows/slow-steps.flow.yaml', 'flows/auth.flow.yaml', 'failing/checkout.flow.yaml'])
      assert.ok(files.includes(file), file);
    assert.ok(current.flows.every((f) => f.valid));
  });

  it('refuses the local API without the token', async function () {
    const response = await fetch(`${current.server.url}/api/v1/executions`);
    assert.strictEqual(response.status, 401);
  });

  it('runs a flow and reports it passed', async function () {
    const result = await vscode.commands.executeCommand<{ execution_ids: string[] }>(
      'testmesh.runFlow',
      uriOf('flows/slow-steps.flow.yaml'),
    );
    assert.strictEqual(result.execution_ids.length, 1);
    assert.strictEqual((await finished(result.execution_ids[0])).status, 'completed');
  });

  it('runs one step alone', async function () {
    const result = await vscode.commands.executeCommand<{ execution_ids: string[] }>(
      'testmesh.runStep',
      uriOf('flows/slow-steps.flow.yaml'),
      'slow_3',
    );
    const summary = await finished(result.execution_ids[0]);
    assert.strictEqual(summary.status, 'completed');
    assert.strictEqual(summary.only_step, 'slow_3');
  });

  it('reports the failing example with its assertion', async function () {
    const result = await vscode.commands.executeCommand<{ execution_ids: string[] }>(
      'testmesh.runFlow',
      uriOf('failing/checkout.flow.yaml'),
    );
    const summary = await finished(result.execution_ids[0]);
    assert.strictEqual(summary.status, 'failed');
    assert.match(summary.error ?? '', /total == 35: got total = 30/);
  });
});
