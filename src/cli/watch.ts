/**
 * `testmesh watch [paths] [run options]`: runs the flows once, then re-runs the ones a saved file
 * affects (the file itself, flows that reach it through `run_flow`, flows whose `env_file` it
 * is; `.testmesh.yaml` or an `--env-file`: all of them), debounced, redrawing the terminal each
 * time. A failing run never ends it; Ctrl-C stops the run in flight (teardown runs) and exits 0.
 *
 * Watches folders, not files (editors save by rename): the folders of the given paths, of every
 * flow and of every file a flow depends on, recomputed after each run.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { expandPaths, toPosix } from '../core/discovery';
import { errorMessage } from '../core/errors';
import { parseFlowText } from '../core/flow/load';
import type { FlowDef } from '../core/flow/types';
import { dependenciesOf, type FlowLookup } from '../core/flowDependencies';
import { PROJECT_FILE_NAME } from '../core/projectFile';
import { parseArgs, UsageError, type RunArgs } from './args';
import { EXIT_INVALID, runCommand, type Io } from './run';

/** How long a burst of saves is collected before one re-run. */
export const WATCH_DEBOUNCE_MS = 200;

export const WATCH_USAGE = 'testmesh watch [files|dirs|globs...] [run options]';

export function parseWatchArgs(argv: readonly string[]): RunArgs {
  let args: RunArgs;
  try {
    args = parseArgs(['run', ...argv], 'watch') as RunArgs;
  } catch (err) {
    // No paths: the current folder.
    if (!(err instanceof UsageError) || !/needs at least one/.test(err.message)) throw err;
    args = parseArgs(['run', '.', ...argv], 'watch') as RunArgs;
  }
  if (args.reporters.some((r) => r !== 'pretty'))
    throw new UsageError('watch shows its runs on the terminal only (--reporter pretty)');
  return args;
}

interface Suite {
  files: string[];
  flows: FlowDef[];
  lookup: FlowLookup;
}

async function loadSuite(args: RunArgs, cwd: string): Promise<Suite> {
  const files = await expandPaths(args.paths, cwd);
  const flows: FlowDef[] = [];
  await Promise.all(
    files.map(async (file) => {
      try {
        const { flow } = parseFlowText(await readFile(file, 'utf8'), file);
        if (flow) flows.push(flow);
      } catch {
        // unreadable now (being saved): the run reports it
      }
    }),
  );
  const byPath = new Map(flows.map((f) => [f.file, f]));
  const byName = new Map(flows.map((f) => [f.name, f]));
  return { files, flows, lookup: { byPath: (p) => byPath.get(p), byName: (n) => byName.get(n) } };
}

/** The flow files of `suite` that a change of `changed` (absolute paths) should re-run. */
function affectedFiles(suite: Suite, changed: ReadonlySet<string>, everything: ReadonlySet<string>): string[] {
  if ([...changed].some((file) => everything.has(file))) return suite.files;
  const out = new Set<string>();
  for (const file of suite.files) if (changed.has(file)) out.add(file);
  for (const flow of suite.flows) {
    const deps = dependenciesOf(flow, suite.lookup);
    if ([...changed].some((file) => deps.has(file))) out.add(flow.file);
  }
  return suite.files.filter((f) => out.has(f));
}

export async function watchCommand(args: RunArgs, io: Io, stop: AbortSignal): Promise<number> {
  const tty = Boolean(io.stdout.isTTY);
  const everything = new Set([
    resolve(io.cwd, args.config ?? PROJECT_FILE_NAME),
    ...args.envFiles.map((f) => resolve(io.cwd, f)),
  ]);
  const watchers = new Map<string, FSWatcher>();
  const pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The debounce ran out: the pending changes are due for a run. */
  let due = false;
  let wake: (() => void) | undefined;

  const onChange = (dir: string) => (_event: string, name: string | Buffer | null) => {
    if (name === null) return;
    const file = resolve(dir, name.toString());
    if (basename(file).startsWith('.') && !everything.has(file)) return; // editor swap files
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      due = true;
      wake?.();
    }, WATCH_DEBOUNCE_MS);
  };

  const watchFolders = (suite: Suite | undefined) => {
    const folders = new Set<string>([...everything].map((f) => dirname(f)));
    for (const path of args.paths) folders.add(resolve(io.cwd, path));
    for (const flow of suite?.flows ?? [])
      for (const dep of dependenciesOf(flow, suite!.lookup)) folders.add(dirname(dep));
    for (const file of suite?.files ?? []) folders.add(dirname(file));
    for (const folder of folders) {
      if (watchers.has(folder)) continue;
      try {
        const watcher = watch(folder, { persistent: true }, onChange(folder));
        watcher.on('error', () => {
          watcher.close();
          watchers.delete(folder);
        });
        watchers.set(folder, watcher);
      } catch {
        // a path that is a file, or does not exist (yet): its folder is watched instead
      }
    }
  };

  const show = (files: readonly string[], changed: readonly string[]) => {
    if (tty) io.stdout.write('\x1b[2J\x1b[3J\x1b[H');
    else io.stdout.write(`\n${'─'.repeat(60)}\n`);
    const time = new Date().toTimeString().slice(0, 8);
    const because = changed.length ? ` (changed: ${changed.map((f) => toPosix(relative(io.cwd, f))).join(', ')})` : '';
    io.stdout.write(
      `testmesh watch · ${time} · running ${files.length} flow${files.length === 1 ? '' : 's'}${because}\n\n`,
    );
  };

  const runOnce = async (changed: Set<string>) => {
    let suite: Suite | undefined;
    try {
      suite = await loadSuite(args, io.cwd);
    } catch (err) {
      show([], [...changed]);
      io.stdout.write(`testmesh: ${errorMessage(err)}\n`);
    }
    watchFolders(suite);
    if (!suite) return;
    const files = changed.size ? affectedFiles(suite, changed, everything) : suite.files;
    if (changed.size && files.length === 0) return;
    show(files, [...changed]);
    try {
      await runCommand({ ...args, paths: files }, io, stop);
    } catch (err) {
      io.stdout.write(`testmesh: ${errorMessage(err)}\n`);
    }
    if (!stop.aborted) io.stdout.write(`\nWaiting for changes… (Ctrl-C to stop)\n`);
  };

  try {
    await runOnce(new Set());
    while (!stop.aborted) {
      // Saves made during a run are due as soon as it ends.
      if (!due)
        await new Promise<void>((done) => {
          wake = done;
          stop.addEventListener('abort', () => done(), { once: true });
          if (stop.aborted) done();
        });
      wake = undefined;
      if (stop.aborted) break;
      due = false;
      const changed = new Set(pending);
      pending.clear();
      await runOnce(changed);
    }
  } catch (err) {
    io.stderr.write(`testmesh watch: ${errorMessage(err)}\n`);
    return EXIT_INVALID;
  } finally {
    clearTimeout(timer);
    for (const watcher of watchers.values()) watcher.close();
  }
  io.stderr.write('testmesh watch: stopped\n');
  return 0;
}
