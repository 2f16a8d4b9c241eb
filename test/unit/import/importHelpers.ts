import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlowText } from '../../../src/core/flow/load';
import { planFiles } from '../../../src/core/import/flowWriter';
import type { ImportResult } from '../../../src/core/import/model';
import { runCli } from '../../support/cli';

/** Every flow of an import, loaded by the same loader `testmesh validate` uses. */
export function loadedFlows(result: ImportResult) {
  return planFiles(result)
    .filter((f) => f.kind === 'flow')
    .map((f) => {
      const loaded = parseFlowText(f.text, join('/tmp', f.path));
      assert.deepEqual(
        loaded.diagnostics.filter((d) => d.severity === 'error'),
        [],
        `${f.path} validates:\n${f.text}`,
      );
      return loaded.flow!;
    });
}

/** The demo API (examples/demo-api/server.mjs) in its own process on a free port; stopped by its PID. */
export function startDemoApi(root: string): Promise<{ url: string; stop: () => void }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [realpathSync(join(root, 'examples/demo-api/server.mjs')), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let seen = '';
    const onData = (text: string) => {
      seen += text;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (!m) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      done({ url: m[1], stop: () => process.kill(child.pid!) });
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (seen += t));
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`demo API exited early with code ${code}: ${seen}`)));
  });
}

/** Runs the built CLI, optionally with standard input. */
export const cli = (args: string[], cwd: string, input?: string) => runCli(args, { cwd, input });
