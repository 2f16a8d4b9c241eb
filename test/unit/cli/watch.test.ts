/**
 * `testmesh watch` driven through real file changes: the first run takes every flow; saving a
 * sub-flow re-runs it and the flow that `run_flow`s it, saving an `env_file` the flow that reads
 * it, `.testmesh.yaml` every flow; a failing run does not end the watch; SIGINT ends it with 0.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../../support/cli';
import { tempWorkspace } from '../helpers';

const logFlow = (name: string, message: string, extra = '') => `flow:
  name: ${name}
${extra}  steps:
    - id: say
      action: log
      config: { message: "${message}" }
`;

class Watcher {
  stdout = '';
  stderr = '';
  private seen = 0;
  readonly exited: Promise<number>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d) => (this.stdout += d));
    child.stderr.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((done) => child.on('close', (code) => done(code ?? -1)));
  }

  /** Waits for the next completed run after the last one looked at; returns its output. */
  async nextRun(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.stdout.indexOf('Waiting for changes', this.seen);
      if (end >= 0) {
        const start = this.stdout.lastIndexOf('testmesh watch ·', end);
        const text = this.stdout.slice(start, end);
        this.seen = end + 1;
        return text;
      }
      if (Date.now() > deadline)
        throw new Error(`no run within ${timeoutMs} ms; output so far:\n${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('CLI watch (real file changes)', function () {
  this.timeout(120_000);
  let root: string;
  let watcher: Watcher;

  before(async () => {
    assert.ok(existsSync(CLI), 'dist/cli.js is built (npm test builds it first)');
    root = tempWorkspace({
      '.testmesh.yaml': 'version: "1.0"\n',
      'other.env': 'GREETING=hello\n',
      'flows/main.flow.yaml': `flow:
  name: Main
  steps:
    - id: login
      action: run_flow
      config: { flow: shared/login.flow.yaml }
`,
      'flows/shared/login.flow.yaml': logFlow('Login', 'logged in'),
      'flows/other.flow.yaml': logFlow('Other', '{{GREETING}} there', '  env_file: ../other.env\n'),
      'flows/solo.flow.yaml': logFlow('Solo', 'alone'),
    });
    watcher = new Watcher(
      spawn(process.execPath, [CLI, 'watch', 'flows'], { cwd: root, env: { ...process.env, NO_COLOR: '1' } }),
    );
  });

  after(() => {
    if (watcher.child.exitCode === null) watcher.child.kill('SIGKILL');
  });

  it('runs every flow first', async () => {
    const run = await watcher.nextRun();
    assert.match(run, /running 4 flows\n/);
    assert.match(run, /4 flows: 4 passed, 0 failed/);
  });

  it('a saved sub-flow re-runs it and the flow that calls it with run_flow', async () => {
    writeFileSync(join(root, 'flows/shared/login.flow.yaml'), logFlow('Login', 'logged in again'));
    const run = await watcher.nextRun();
    assert.match(run, /running 2 flows \(changed: flows\/shared\/login\.flow\.yaml\)/);
    assert.match(run, /▶ Main[\s\S]*▶ Login/);
    assert.doesNotMatch(run, /Solo|Other/);
    assert.match(run, /2 flows: 2 passed/);
  });

  it('a saved env_file re-runs the flow that reads it', async () => {
    writeFileSync(join(root, 'other.env'), 'GREETING=goodbye\n');
    const run = await watcher.nextRun();
    assert.match(run, /running 1 flow \(changed: other\.env\)/);
    assert.match(run, /goodbye there/);
  });

  it('a failing run does not end the watch; .testmesh.yaml re-runs everything', async () => {
    writeFileSync(
      join(root, 'flows/solo.flow.yaml'),
      'flow:\n  name: Solo\n  steps:\n    - id: check\n      action: assert\n      config: { data: { x: 1 }, assertions: [x == 2] }\n',
    );
    const failed = await watcher.nextRun();
    assert.match(failed, /running 1 flow \(changed: flows\/solo\.flow\.yaml\)/);
    assert.match(failed, /1 flow: 0 passed, 1 failed/);
    writeFileSync(join(root, '.testmesh.yaml'), 'version: "1.0"\ntimeout: 10s\n');
    const all = await watcher.nextRun();
    assert.match(all, /running 4 flows \(changed: \.testmesh\.yaml\)/);
  });

  it('Ctrl-C (SIGINT) ends it cleanly with exit code 0', async () => {
    watcher.child.kill('SIGINT');
    assert.equal(await watcher.exited, 0, watcher.stderr);
    assert.match(watcher.stderr, /testmesh watch: stopped/);
  });
});
