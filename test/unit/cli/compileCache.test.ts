/**
 * dist/cli.js starts the CLI bundle with a V8 code cache (src/cli/bootstrap.ts): written by the
 * first run, used by the next, rewritten when V8 refuses it, never where others could write it,
 * and never in the way of the command.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_SUITE_TIMEOUT_MS, REPO_ROOT, runCli } from '../../support/cli';

const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

describe('CLI code cache', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);
  let home: string;
  let folder: string;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'testmesh-cache-'));
    folder = join(home, 'testmesh', 'v8');
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const versionRun = async (env: Record<string, string> = {}) => {
    const result = await runCli(['--version'], { cwd: home, env: { XDG_CACHE_HOME: home, ...env } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), version);
    assert.equal(result.stderr, '');
  };
  const files = () => {
    try {
      return readdirSync(folder);
    } catch {
      return [];
    }
  };

  it('is written by the first run, in a folder only the user can open, and used as it is by the next', async () => {
    await versionRun();
    const written = files();
    assert.equal(written.length, 1, `one cache file: ${written.join(', ')}`);
    const file = join(folder, written[0]);
    if (process.platform !== 'win32') {
      assert.equal(statSync(folder).mode & 0o777, 0o700);
      assert.equal(statSync(file).mode & 0o777, 0o600);
    }
    const first = statSync(file).mtimeMs;
    const bytes = readFileSync(file);
    await versionRun();
    assert.equal(statSync(file).mtimeMs, first, 'accepted by V8, so not written again');
    assert.deepEqual(readFileSync(file), bytes);
  });

  it('a damaged cache changes nothing for the command, and is replaced', async () => {
    await versionRun();
    const file = join(folder, files()[0]);
    writeFileSync(file, Buffer.from('not a V8 code cache'));
    await versionRun();
    assert.notEqual(readFileSync(file).toString(), 'not a V8 code cache');
  });

  it('keeps the caches of the three builds used last beside its own, and removes older ones', async () => {
    await versionRun();
    const own = files()[0];
    await versionRun();
    // Caches of earlier builds: the newest three stay, the rest go when a build writes its own.
    const now = Date.now() / 1000;
    for (let i = 1; i <= 5; i++) {
      const name = join(folder, `cli-v0.0.${i}-x64-1000-${i}.bin`);
      writeFileSync(name, 'old');
      utimesSync(name, now - i * 3600, now - i * 3600);
    }
    writeFileSync(join(folder, 'notes.txt'), 'not a cache');
    rmSync(join(folder, own));
    await versionRun();
    assert.deepEqual(
      files().sort(),
      [own, 'cli-v0.0.1-x64-1000-1.bin', 'cli-v0.0.2-x64-1000-2.bin', 'cli-v0.0.3-x64-1000-3.bin', 'notes.txt'].sort(),
    );
  });

  it('is not kept where others could write, nor when TESTMESH_NO_COMPILE_CACHE is set', async function () {
    await versionRun({ TESTMESH_NO_COMPILE_CACHE: '1' });
    assert.deepEqual(files(), []);
    if (process.platform === 'win32') this.skip();
    await versionRun();
    for (const name of files()) rmSync(join(folder, name));
    chmodSync(folder, 0o777);
    await versionRun();
    assert.deepEqual(files(), [], 'nothing written to a folder others can write');
  });
});
