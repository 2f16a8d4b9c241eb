/**
 * Finding flow files in a folder, the same way for the CLI, the local server and the extension:
 * FLOW-FORMAT.md's default globs, `node_modules` and dot-folders skipped, a cheap content check.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { firstError, TestMeshError } from './errors';
import { allowed, resolveFlowFile } from './fileAccess';
import { isGlob, matchesGlob } from './glob';
import { looksLikeFlowFile } from './flow/load';
import { loadFlowFileOffThread } from './flow/loadOffThread';
import type { FlowDef } from './flow/types';
import type { FlowResolver } from './engine/types';

export const DEFAULT_FLOW_GLOBS = ['**/*.{flow.yaml,flow.yml}', 'flows/**/*.{yaml,yml}'];
const SKIPPED_DIRS = new Set(['node_modules']);
const MAX_FILES = 50_000;

export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** Every file under `root` (relative, `/`-separated), skipping node_modules and dot-folders. */
export async function walkFiles(root: string, accept: (relativePath: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dir: string) => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length >= MAX_FILES) return;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
        await visit(full);
      } else if (entry.isFile()) {
        const rel = toPosix(relative(root, full));
        if (accept(rel)) found.push(rel);
      }
    }
  };
  await visit(root);
  return found.sort();
}

/** Flow files of a workspace folder by globs, kept only when their content looks like a flow. */
export async function discoverFlowFiles(root: string, globs: readonly string[] = DEFAULT_FLOW_GLOBS): Promise<string[]> {
  const candidates = await walkFiles(root, (rel) => globs.some((g) => matchesGlob(rel, g)));
  const out: string[] = [];
  for (const rel of candidates) {
    const file = join(root, rel);
    try {
      if (looksLikeFlowFile(await readFile(file, 'utf8'))) out.push(file);
    } catch {
      // Unreadable files are not flows; the user sees nothing wrong with them here.
    }
  }
  return out;
}

/**
 * Expands CLI arguments: a file is taken as is, a folder yields every YAML flow under it,
 * a glob matches against paths relative to `cwd`.
 */
export async function expandPaths(args: readonly string[], cwd: string): Promise<string[]> {
  const files = new Set<string>();
  for (const arg of args) {
    if (isGlob(arg)) {
      const matches = await walkFiles(cwd, (rel) => matchesGlob(rel, toPosix(arg).replace(/^\.\//, '')));
      if (matches.length === 0) throw new TestMeshError(`no files match ${arg}`);
      for (const rel of matches) files.add(join(cwd, rel));
      continue;
    }
    const full = resolve(cwd, arg);
    let info;
    try {
      info = await stat(full);
    } catch {
      throw new TestMeshError(`no such file or folder: ${arg}`);
    }
    if (info.isDirectory()) {
      for (const rel of await walkFiles(full, (r) => /\.ya?ml$/i.test(r))) {
        const file = join(full, rel);
        try {
          if (looksLikeFlowFile(await readFile(file, 'utf8'))) files.add(file);
        } catch {
          // skip unreadable
        }
      }
    } else files.add(full);
  }
  return [...files].sort();
}

/**
 * Loads the flow a `run_flow` step names from an already confined file. A file that is not
 * flow-shaped is refused without quoting any of it (it could be /etc/passwd or a key file).
 */
export async function loadReferencedFlow(file: string, reference: string): Promise<FlowDef> {
  const { flow, diagnostics } = await loadFlowFileOffThread(file);
  if (flow) return flow;
  let flowShaped = true;
  try {
    flowShaped = looksLikeFlowFile(await readFile(file, 'utf8'));
  } catch {
    // The diagnostics already say why it could not be read.
  }
  if (!flowShaped) throw new TestMeshError(`run_flow: '${reference}' is not a flow file (no 'flow:', or 'name' and 'steps', at its root)`);
  const first = firstError(diagnostics);
  throw new TestMeshError(`run_flow: '${reference}' is not a valid flow${first ? ` (${first})` : ''}`);
}

/**
 * Resolves `run_flow` references: a path relative to the calling file first, else a flow of that
 * name in the workspace. Paths are confined by the run's FileAccess before anything is read.
 */
export function createFlowResolver(workspaceRoot: string, globs: readonly string[] = DEFAULT_FLOW_GLOBS): FlowResolver {
  let byName: Map<string, string> | undefined;
  return async (reference, fromFile, access) => {
    const relativeFile = resolve(fromFile, '..', reference);
    const exists = await stat(relativeFile).then(() => true, () => false);
    let file: string | undefined;
    if (exists) file = access ? await resolveFlowFile(access, fromFile, reference, 'run_flow') : relativeFile;
    if (!file) {
      if (!byName) {
        byName = new Map();
        for (const candidate of await discoverFlowFiles(workspaceRoot, globs)) {
          const { flow } = await loadFlowFileOffThread(candidate);
          if (flow && !byName.has(flow.name)) byName.set(flow.name, candidate);
        }
      }
      file = byName.get(reference);
      if (file && access && !allowed(access, file)) file = await resolveFlowFile(access, fromFile, file, 'run_flow');
    }
    if (!file) throw new TestMeshError(`run_flow: no flow file '${reference}' next to ${relative(workspaceRoot, fromFile) || fromFile} and no flow named '${reference}' in the workspace`);
    return loadReferencedFlow(file, reference);
  };
}
