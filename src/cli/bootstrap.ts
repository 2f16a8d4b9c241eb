/**
 * `testmesh` (dist/cli.js): starts the CLI bundle (dist/cli-main.js) with a V8 code cache, so a
 * run does not compile the megabyte bundle again: the first run of a build writes what V8
 * compiled, the next ones start from it (`--version`: about 0.26 -> 0.20 s on these machines). V8 runs a code cache as code, so it is kept only where the user alone can write:
 * `$XDG_CACHE_HOME/testmesh/v8` or the platform's cache folder, a folder made 0700 and owned by
 * the user; anywhere else, or with TESTMESH_NO_COMPILE_CACHE set, the bundle is compiled as usual.
 * V8 itself refuses a cache made for another source, flags or Node version (then it is rewritten).
 * Nothing here may fail the command: every cache problem means compiling as usual.
 */
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

const bundle = join(__dirname, 'cli-main.js');

function cacheFolder(): string | undefined {
  if (process.env.TESTMESH_NO_COMPILE_CACHE) return undefined;
  const base =
    process.env.XDG_CACHE_HOME ||
    (process.platform === 'win32'
      ? process.env.LOCALAPPDATA
      : process.platform === 'darwin'
        ? join(homedir(), 'Library', 'Caches')
        : join(homedir(), '.cache'));
  if (!base) return undefined;
  const folder = join(base, 'testmesh', 'v8');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') {
    const stat = lstatSync(folder);
    const mine = stat.uid === process.getuid?.();
    if (!stat.isDirectory() || !mine || (stat.mode & 0o077) !== 0) return undefined;
  }
  return folder;
}

/** The cache file for this build of the bundle under this Node: other builds keep their own. */
function cacheFile(): string | undefined {
  try {
    const folder = cacheFolder();
    if (!folder) return undefined;
    const stat = statSync(bundle);
    return join(folder, `cli-${process.version}-${process.arch}-${stat.size}-${Math.trunc(stat.mtimeMs)}.bin`);
  } catch {
    return undefined;
  }
}

function readCache(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Caches of other builds kept beside this one's: a few installs side by side each keep theirs. */
const KEEP_OTHER_BUILDS = 3;

function writeCache(file: string, data: Buffer): void {
  // Written whole, then renamed: CLI processes started side by side never read half a file.
  const partial = `${file}.${process.pid}`;
  try {
    writeFileSync(partial, data, { mode: 0o600 });
    renameSync(partial, file);
  } catch {
    // A cache that cannot be written only means compiling again next time.
    return;
  }
  pruneOtherBuilds(file);
}

/**
 * Each build (and Node version) gets its own file, so without pruning the folder would grow by
 * one file (~0.5 MB) per upgrade. Done only when this build's cache is new, so once per build.
 */
function pruneOtherBuilds(file: string): void {
  try {
    const folder = dirname(file);
    const others = readdirSync(folder)
      .filter((name) => /^cli-.*\.bin$/.test(name) && join(folder, name) !== file)
      .map((name) => ({ path: join(folder, name), used: statSync(join(folder, name)).mtimeMs }))
      .sort((a, b) => b.used - a.used);
    for (const old of others.slice(KEEP_OTHER_BUILDS)) unlinkSync(old.path);
  } catch {
    // Another process pruning at the same time, or a file gone: nothing to do.
  }
}

const file = cacheFile();
const cached = readCache(file);
const source = readFileSync(bundle, 'utf8');
const script = new Script(Module.wrap(source), { filename: bundle, cachedData: cached });
if (file && (!cached || script.cachedDataRejected)) {
  // At exit the cache also holds the functions compiled while the command ran.
  process.once('exit', () => writeCache(file, script.createCachedData()));
}
const start = script.runInThisContext() as (...args: unknown[]) => void;
// The bundle sees this module as its own: `require.main === module` starts the command.
start.call(module.exports, module.exports, createRequire(bundle), module, bundle, __dirname);
