import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCommand, type Io } from '../../../src/cli/run';
import { parseArgs, type RunArgs } from '../../../src/cli/args';
import { runFlow } from '../../../src/core/engine/executor';
import { fileAccessFor, findWorkspaceRoot, FileAccessError, resolveFlowFile } from '../../../src/core/fileAccess';
import { ExecutionManager } from '../../../src/core/executions';
import { loadFlowFile } from '../../../src/core/flow/load';
import type { FlowDef } from '../../../src/core/flow/types';
import { tempDir } from '../helpers';

const SUB = 'flow:\n  name: Sub\n  steps:\n    - id: s\n      action: log\n      config: { message: sub ran }\n';

/** A workspace (with package.json) and a sibling folder outside it holding a .env and a flow. */
function layout(): { base: string; ws: string; outside: string } {
  const base = realpathSync(tempDir('testmesh-confine-'));
  const ws = join(base, 'ws');
  const outside = join(base, 'outside');
  mkdirSync(join(ws, 'flows'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(ws, 'package.json'), '{}');
  writeFileSync(join(outside, '.env'), 'LEAKED=outside-value-123\n');
  writeFileSync(join(outside, 'x.flow.yaml'), SUB);
  writeFileSync(join(ws, 'flows', 'inside.flow.yaml'), SUB);
  writeFileSync(join(ws, '.env'), 'INSIDE=inside-value\n');
  return { base, ws, outside };
}

async function flowIn(ws: string, name: string, yaml: string): Promise<FlowDef> {
  const file = join(ws, 'flows', name);
  writeFileSync(file, yaml);
  const { flow, diagnostics } = await loadFlowFile(file);
  assert.ok(flow, JSON.stringify(diagnostics));
  return flow;
}

const envFileFlow = (path: string) => `flow:\n  name: E\n  env_file: ${JSON.stringify(path)}\n  steps:\n    - id: show\n      action: log\n      config: { message: "value=\${LEAKED}" }\n`;
const runFlowFlow = (path: string) => `flow:\n  name: R\n  steps:\n    - id: call\n      action: run_flow\n      config: { flow: ${JSON.stringify(path)} }\n`;

function io(cwd: string): Io & { out: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (c) => (text += c));
  stderr.on('data', (c) => (text += c));
  return { stdout, stderr, cwd, out: () => text };
}

describe('files a flow may read (workspace confinement)', () => {
  it('finds the workspace root: nearest folder with .testmesh.yaml, package.json or .git', () => {
    const { ws } = layout();
    mkdirSync(join(ws, 'flows', 'deep'), { recursive: true });
    assert.equal(findWorkspaceRoot(join(ws, 'flows', 'deep')), ws);
    writeFileSync(join(ws, 'flows', '.testmesh.yaml'), '');
    assert.equal(findWorkspaceRoot(join(ws, 'flows', 'deep')), join(ws, 'flows'));
  });

  it('refuses env_file: /proc/self/environ and never shows the environment', async () => {
    const { ws } = layout();
    const flow = await flowIn(ws, 'environ.flow.yaml', envFileFlow('/proc/self/environ'));
    const events: string[] = [];
    const result = await runFlow(flow, { onEvent: (e) => events.push(JSON.stringify(e)) });
    assert.equal(result.status, 'failed');
    assert.match(result.error!, /env_file '\/proc\/self\/environ' resolves to .*outside the workspace root/);
    assert.match(result.error!, /--allow-outside/);
    const all = events.join('\n');
    assert.ok(!all.includes(process.env.PATH!), 'the process environment must not appear');
  });

  it('refuses env_file and run_flow paths that leave the workspace (../, absolute, symlinks)', async () => {
    const { ws, outside } = layout();
    symlinkSync(join(outside, '.env'), join(ws, 'flows', 'linked.env'));
    symlinkSync(outside, join(ws, 'flows', 'linked-dir'));
    const cases: Array<[string, RegExp]> = [
      [envFileFlow('../../outside/.env'), /env_file '.*outside\/\.env' resolves to .*outside\/\.env, outside the workspace root/],
      [envFileFlow('linked.env'), /outside the workspace root/],
      [runFlowFlow('../../outside/x.flow.yaml'), /run_flow '\.\.\/\.\.\/outside\/x\.flow\.yaml' resolves to .*outside the workspace root/],
      [runFlowFlow(join(outside, 'x.flow.yaml')), /outside the workspace root/],
      [runFlowFlow('linked-dir/x.flow.yaml'), /outside the workspace root/],
    ];
    for (const [yaml, message] of cases) {
      const flow = await flowIn(ws, 'case.flow.yaml', yaml);
      const events: string[] = [];
      const result = await runFlow(flow, { onEvent: (e) => events.push(JSON.stringify(e)) });
      assert.equal(result.status, 'failed', yaml);
      assert.match(result.error!, message);
      assert.ok(!events.join('\n').includes('outside-value-123'), 'the outside .env must not be read');
      assert.ok(!events.join('\n').includes('sub ran'), 'the outside flow must not run');
    }
  });

  it('never quotes a file that is not a flow (run_flow: /etc/passwd, or a workspace file)', async () => {
    const { ws } = layout();
    writeFileSync(join(ws, 'flows', 'notes.txt'), 'root:x:0:0:root:/root:/bin/bash\nsecret-line\n');
    for (const [target, access] of [
      ['/etc/passwd', undefined],
      ['notes.txt', undefined],
      ['/etc/passwd', fileAccessFor({ root: ws, allowOutside: ['/etc/passwd'] })],
    ] as const) {
      const flow = await flowIn(ws, 'p.flow.yaml', runFlowFlow(target));
      const result = await runFlow(flow, access ? { fileAccess: access } : {});
      assert.equal(result.status, 'failed');
      assert.ok(!/root:|secret-line/.test(result.error!), result.error);
    }
    const flow = await flowIn(ws, 'p.flow.yaml', runFlowFlow('notes.txt'));
    assert.match((await runFlow(flow)).error!, /'notes.txt' is not a flow file/);
  });

  it('refuses what is not a regular file', async () => {
    const { ws } = layout();
    mkdirSync(join(ws, 'flows', 'adir'));
    const access = fileAccessFor({ root: ws });
    await assert.rejects(resolveFlowFile(access, join(ws, 'flows', 'a.flow.yaml'), 'adir', 'body_file'), (err: unknown) => err instanceof FileAccessError && /body_file 'adir' is not a regular file/.test(err.message));
    await assert.rejects(resolveFlowFile(access, join(ws, 'flows', 'a.flow.yaml'), 'missing.proto', 'proto_file'), /proto_file 'missing.proto': no such file/);
    assert.equal(await resolveFlowFile(access, join(ws, 'flows', 'a.flow.yaml'), '../.env', 'env_file'), join(ws, '.env'));
  });

  it('runs files inside the workspace, and outside ones the user allowed', async () => {
    const { ws, outside } = layout();
    const inside = await runFlow(await flowIn(ws, 'in.flow.yaml', runFlowFlow('inside.flow.yaml')));
    assert.equal(inside.status, 'completed', inside.error);
    const env = await flowIn(ws, 'env.flow.yaml', envFileFlow('../../outside/.env'));
    const allowed = await runFlow(env, { fileAccess: fileAccessFor({ near: ws, allowOutside: [outside] }) });
    assert.equal(allowed.status, 'completed', allowed.error);
  });

  it('the CLI confines to --root or the nearest marked folder, and --allow-outside widens it', async () => {
    const { ws, outside } = layout();
    await flowIn(ws, 'cli.flow.yaml', envFileFlow('../../outside/.env'));
    const refused = io(ws);
    assert.equal(await runCommand(parseArgs(['run', 'flows/cli.flow.yaml', '--no-color']) as RunArgs, refused), 1);
    assert.match(refused.out(), /outside the workspace root/);
    assert.ok(!refused.out().includes('outside-value-123'));
    const widened = io(ws);
    assert.equal(await runCommand(parseArgs(['run', 'flows/cli.flow.yaml', '--allow-outside', outside]) as RunArgs, widened), 0, widened.out());
    const rooted = io(ws);
    assert.equal(await runCommand(parseArgs(['run', 'flows/cli.flow.yaml', '--root', join(ws, '..')]) as RunArgs, rooted), 0, rooted.out());
  });

  it('the execution manager (server, editor) confines to its workspace, widened by allowOutside', async () => {
    const { ws, outside } = layout();
    await flowIn(ws, 'm.flow.yaml', envFileFlow('../../outside/.env'));
    const manager = new ExecutionManager({ workspace: ws });
    const started = await manager.start({ flow_id: 'flows/m.flow.yaml' });
    const done = await manager.whenFinished(started.id);
    assert.equal(done!.status, 'failed');
    assert.match(done!.error!, /outside the workspace root/);
    let allow: string[] = [];
    const widened = new ExecutionManager({ workspace: ws, allowOutside: () => allow });
    allow = [outside];
    const ok = await widened.whenFinished((await widened.start({ flow_id: 'flows/m.flow.yaml' })).id);
    assert.equal(ok!.status, 'completed', ok!.error);
    await manager.close();
    await widened.close();
  });
});
