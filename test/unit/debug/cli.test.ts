import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { CLI } from '../../support/cli';
import { tempWorkspace } from '../helpers';
import { stdioClient } from './dapClient';
import {
  MAIN_FLOW,
  SUB_FLOW,
  debugWorkspace,
  lineOf,
  scopeVariables,
  startDebugApi,
  startSession,
  topFrame,
  type DebugApi,
} from './fixtures';

describe('testmesh debug-adapter (DAP over stdio)', () => {
  let api: DebugApi;
  let ws: ReturnType<typeof debugWorkspace>;
  let child: ChildProcessWithoutNullStreams | undefined;

  before(async () => {
    assert.ok(existsSync(CLI), 'dist/cli.js is built (npm test builds it first)');
    api = await startDebugApi();
    ws = debugWorkspace();
  });
  after(() => api.close());
  afterEach(() => {
    if (child && child.exitCode === null) child.kill();
  });

  const spawnAdapter = (cwd = ws.root) => {
    child = spawn(process.execPath, [CLI, 'debug-adapter'], { cwd });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; stderr: string }>((done) =>
      child!.on('exit', (code) => done({ code, stderr })),
    );
    return { client: stdioClient(child), exited };
  };

  it('debugs a flow named relative to its working directory, then exits when the client disconnects', async () => {
    const { client, exited } = spawnAdapter();
    const stopped = client.waitForEvent<DebugProtocol.StoppedEvent>('stopped');
    const { launched } = await startSession(
      client,
      { flow: 'main.flow.yaml', variables: { base_url: api.url, user_name: 'nvim' } },
      [{ file: ws.main, breakpoints: [{ line: lineOf(ws.main, '- id: check') }] }],
    );
    assert.equal((await launched).success, true);
    assert.equal((await stopped).body.reason, 'breakpoint');
    const frames = await topFrame(client);
    assert.equal(frames[0].source?.path, ws.main);
    const vars = await scopeVariables(client, frames[0].id);
    assert.equal(vars.Outputs.find((v) => v.name === 'user_id')?.value, '42');
    const exitedEvent = client.waitForEvent<DebugProtocol.ExitedEvent>('exited');
    await client.request('continue', { threadId: 1 });
    assert.equal((await exitedEvent).body.exitCode, 0);
    await client.request('disconnect', {});
    const { code, stderr } = await exited;
    assert.equal(code, 0, stderr);
  });

  it('answers a misspelt launch argument with a did-you-mean and ends the session', async () => {
    const { client, exited } = spawnAdapter();
    const terminated = client.waitForEvent('terminated');
    const { launched } = await startSession(client, {
      type: 'testmesh',
      request: 'launch',
      name: 'nvim',
      flow: 'main.flow.yaml',
      stopOnEnty: true,
    });
    const response = await launched;
    assert.equal(response.success, false);
    assert.match(response.message ?? '', /did you mean 'stopOnEntry'/);
    await terminated;
    await client.request('disconnect', {});
    assert.equal((await exited).code, 0);
  });
  it("takes `environment` from .testmesh.yaml's named environments, as `testmesh run --env` does", async () => {
    // No .env.staging anywhere: the values can only come from the project file; envFile goes over them.
    const root = tempWorkspace({
      '.testmesh.yaml': `environment: development
environments:
  development:
    base_url: http://127.0.0.1:1
  staging:
    base_url: ${api.url}
    user_name: from-project
`,
      'local.env': 'user_name=from-env-file\n',
      'flows/main.yaml': MAIN_FLOW,
      'flows/sub.flow.yaml': SUB_FLOW,
    });
    const main = join(root, 'flows', 'main.yaml');
    const { client, exited } = spawnAdapter(root);
    const stopped = client.waitForEvent<DebugProtocol.StoppedEvent>('stopped');
    const { launched } = await startSession(
      client,
      { flow: 'flows/main.yaml', environment: 'staging', envFile: 'local.env' },
      [{ file: main, breakpoints: [{ line: lineOf(main, '- id: check') }] }],
    );
    assert.equal((await launched).success, true);
    assert.equal((await stopped).body.reason, 'breakpoint');
    const frames = await topFrame(client);
    const vars = await scopeVariables(client, frames[0].id);
    const baseUrl = vars.Variables.find((v) => v.name === 'base_url');
    assert.equal(baseUrl?.value, JSON.stringify(api.url));
    assert.equal(baseUrl?.type, 'environment');
    assert.equal(vars.Variables.find((v) => v.name === 'user_name')?.value, '"from-env-file"');
    assert.equal(vars.Outputs.find((v) => v.name === 'user_id')?.value, '42', 'the request went to the staging URL');
    const exitedEvent = client.waitForEvent<DebugProtocol.ExitedEvent>('exited');
    await client.request('continue', { threadId: 1 });
    assert.equal((await exitedEvent).body.exitCode, 0);
    await client.request('disconnect', {});
    assert.equal((await exited).code, 0);
  });

  it('names the known environments when `environment` is not in .testmesh.yaml', async () => {
    const root = tempWorkspace({
      '.testmesh.yaml': 'environments:\n  staging:\n    base_url: http://x\n',
      'main.flow.yaml': MAIN_FLOW,
    });
    const { client, exited } = spawnAdapter(root);
    const terminated = client.waitForEvent('terminated');
    const { launched } = await startSession(client, { flow: 'main.flow.yaml', environment: 'prod' });
    const response = await launched;
    assert.equal(response.success, false);
    assert.match(response.message ?? '', /prod/);
    assert.match(response.message ?? '', /staging/);
    await terminated;
    await client.request('disconnect', {});
    assert.equal((await exited).code, 0);
  });
});
