/**
 * Finding flow files in a folder, the same way for the CLI, the local server and the extension:
 * by content. Every `.yaml`/`.yml` file (the include globs; `node_modules` and dot-folders
 * skipped unless a glob names them) is a flow when its root has `flow:` (or TestMesh's bare
 * `name` + `steps`). Deciding that costs one read of the file's first bytes (a sniff), so a
 * large repository of other YAML (Kubernetes manifests, CI files) costs little.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { firstError, TestMeshError } from './errors';
import { allowed, resolveFlowFile } from './fileAccess';
import { isGlob, matchesGlob } from './glob';
import { DEFAULT_MAX_BYTES, looksLikeFlowFile } from './flow/load';
import { loadFlowFileOffThread } from './flow/loadOffThread';
import type { FlowDef } from './flow/types';
import type { FlowResolver } from './engine/types';

/** Which files discovery looks into: every YAML file; the content decides. */
export const DEFAULT_FLOW_GLOBS = ['**/*.{yaml,yml}'];
/** Bytes read to decide whether a file is a flow; a flow's root keys come first in practice. */
export const SNIFF_BYTES = 8 * 1024;
const YAML_FILE = /\.ya?ml$/i;
const MAX_FILES = 50_000;

export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** A folder discovery never walks into by itself: `node_modules` and dot-folders (`.git`, `.venv`, …). */
function isSkippedFolderName(name: string): boolean {
  return name === 'node_modules' || name.startsWith('.');
}

/** The glob's folders before its first wildcard (`.ci/flows/*.yaml` -> `.ci/flows`). */
function staticPrefix(glob: string): string[] {
  const parts = glob.split('/');
  const out: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (isGlob(part)) break;
    out.push(part);
  }
  return out;
}

/** A glob that names a skipped folder literally (`.ci/flows/**`) opts that folder in. */
function namesSkippedFolder(glob: string): boolean {
  return staticPrefix(glob).some(isSkippedFolderName);
}

export interface DiscoveryRules {
  /** Globs (relative to the folder, `/`-separated) of the files looked into. */
  include: readonly string[];
  /** Globs of files never listed, even when they are flows. */
  exclude: readonly string[];
}

export const DEFAULT_RULES: DiscoveryRules = { include: DEFAULT_FLOW_GLOBS, exclude: [] };

/** Why a path is not looked into, or undefined when it is. */
export type PathVerdict =
  | { listed: true }
  | { listed: false; reason: 'skipped_folder'; folder: string }
  | { listed: false; reason: 'excluded'; glob: string }
  | { listed: false; reason: 'not_included' };

/** Whether discovery looks into `rel` (a folder-relative `/` path), and if not, why. */
export function pathVerdict(rel: string, rules: DiscoveryRules): PathVerdict {
  const excludedBy = rules.exclude.find((glob) => matchesGlob(rel, glob));
  if (excludedBy) return { listed: false, reason: 'excluded', glob: excludedBy };
  const folders = rel.split('/').slice(0, -1);
  const skipped = folders.findIndex(isSkippedFolderName);
  if (skipped >= 0) {
    if (rules.include.some((glob) => namesSkippedFolder(glob) && matchesGlob(rel, glob))) return { listed: true };
    return { listed: false, reason: 'skipped_folder', folder: folders.slice(0, skipped + 1).join('/') };
  }
  if (rules.include.some((glob) => matchesGlob(rel, glob))) return { listed: true };
  return { listed: false, reason: 'not_included' };
}

/** Whether a walk may enter the folder `relDir`: not a skipped one, unless a glob names it. */
function mayEnter(relDir: string, name: string, rules: DiscoveryRules): boolean {
  if (!isSkippedFolderName(name)) return true;
  const dir = relDir.split('/');
  return rules.include.some((glob) => {
    const prefix = staticPrefix(glob);
    return namesSkippedFolder(glob) && dir.every((part, i) => i >= prefix.length || prefix[i] === part);
  });
}

export interface FoundFile {
  /** Folder-relative, `/`-separated. */
  rel: string;
  file: string;
  size: number;
  mtimeMs: number;
}

/** Every file under `root` that `accept` takes, with its size and time; skipped folders left out. */
export async function walkFiles(
  root: string,
  accept: (relativePath: string) => boolean,
  rules: DiscoveryRules = DEFAULT_RULES,
): Promise<string[]> {
  return (await walkFileInfo(root, accept, rules)).map((f) => f.rel);
}

/**
 * Synchronous file system calls in slices, with a turn of the event loop between slices: for
 * thousands of small files this is several times faster than one promise per call (each of which
 * waits for the thread pool), and the host (the editor's extension host) still gets its turns.
 */
const SLICE_OPERATIONS = 200;
export const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function walkFileInfo(
  root: string,
  accept: (relativePath: string) => boolean,
  rules: DiscoveryRules = DEFAULT_RULES,
): Promise<FoundFile[]> {
  const found: FoundFile[] = [];
  const folders: Array<{ dir: string; relDir: string }> = [{ dir: root, relDir: '' }];
  let operations = 0;
  while (folders.length > 0 && found.length < MAX_FILES) {
    const { dir, relDir } = folders.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (found.length >= MAX_FILES) break;
      const full = join(dir, entry.name);
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (mayEnter(rel, entry.name, rules)) folders.push({ dir: full, relDir: rel });
      } else if (entry.isFile() && accept(rel)) {
        try {
          const info = statSync(full);
          found.push({ rel, file: full, size: info.size, mtimeMs: info.mtimeMs });
        } catch {
          // Gone since the listing: not a file any more.
        }
        if (++operations % SLICE_OPERATIONS === 0) await yieldTurn();
      }
    }
    if (++operations % SLICE_OPERATIONS === 0) await yieldTurn();
  }
  return found.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

export type Sniff =
  /** The root has `flow:` or `name` + `steps`; `text` is the whole file. */
  { kind: 'flow'; text: string } | { kind: 'too_big'; size: number; limit: number } | { kind: 'other' };

/**
 * Reads the first bytes of a YAML file and says whether it is a flow; only a flow (or a file whose
 * first bytes are not conclusive, e.g. a `name:` with `steps:` further down) is read whole.
 * Synchronous (see walkFileInfo): callers run it in slices.
 */
function sniffFlowFileSync(file: string, size: number, maxBytes = DEFAULT_MAX_BYTES): Sniff {
  const fd = openSync(file, 'r');
  let head: string;
  let bytesRead: number;
  try {
    const buffer = Buffer.alloc(Math.min(SNIFF_BYTES, Math.max(size, 1)));
    bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    head = buffer.toString('utf8', 0, bytesRead).replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
  const complete = bytesRead >= size;
  const verdict = sniffText(head, complete);
  if (verdict === 'other') return { kind: 'other' };
  if (size > maxBytes) return verdict === 'flow' ? { kind: 'too_big', size, limit: maxBytes } : { kind: 'other' };
  if (complete) return verdict === 'flow' ? { kind: 'flow', text: head } : { kind: 'other' };
  const whole = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  return looksLikeFlowFile(whole) ? { kind: 'flow', text: whole } : { kind: 'other' };
}

export async function sniffFlowFile(file: string, size: number, maxBytes = DEFAULT_MAX_BYTES): Promise<Sniff> {
  return sniffFlowFileSync(file, size, maxBytes);
}

/** Sniffs files in slices; `onFile` gets each file's verdict (a file that cannot be read counts as 'other'). */
async function sniffAll(
  files: readonly FoundFile[],
  onFile: (file: FoundFile, sniff: Sniff) => void,
  maxBytes = DEFAULT_MAX_BYTES,
): Promise<void> {
  for (let i = 0; i < files.length; i++) {
    let sniff: Sniff;
    try {
      sniff = sniffFlowFileSync(files[i].file, files[i].size, maxBytes);
    } catch {
      sniff = { kind: 'other' };
    }
    onFile(files[i], sniff);
    if ((i + 1) % SLICE_OPERATIONS === 0) await yieldTurn();
  }
}

const ROOT_NAME_OR_STEPS = /^(?:name|steps|"name"|"steps"|'name'|'steps')[ \t]*:/m;

/** 'flow' or 'other' when the head decides; 'maybe' when only the rest of the file can. */
function sniffText(head: string, complete: boolean): 'flow' | 'other' | 'maybe' {
  if (looksLikeFlowFile(head)) return 'flow';
  if (complete) return 'other';
  return ROOT_NAME_OR_STEPS.test(head) ? 'maybe' : 'other';
}

/** Flow files of a folder, by content (absolute paths, sorted). */
export async function discoverFlowFiles(
  root: string,
  globsOrRules: readonly string[] | DiscoveryRules = DEFAULT_FLOW_GLOBS,
): Promise<string[]> {
  const rules: DiscoveryRules = Array.isArray(globsOrRules)
    ? { include: globsOrRules as string[], exclude: [] }
    : (globsOrRules as DiscoveryRules);
  const candidates = await walkFileInfo(root, (rel) => YAML_FILE.test(rel) && pathVerdict(rel, rules).listed, rules);
  const out: string[] = [];
  await sniffAll(candidates, (candidate, sniff) => {
    if (sniff.kind === 'flow') out.push(candidate.file);
  });
  return out.sort();
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
      for (const file of await discoverFlowFiles(full)) files.add(file);
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
  if (!flowShaped)
    throw new TestMeshError(
      `run_flow: '${reference}' is not a flow file (no 'flow:', or 'name' and 'steps', at its root)`,
    );
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
    const exists = await stat(relativeFile).then(
      () => true,
      () => false,
    );
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
    if (!file)
      throw new TestMeshError(
        `run_flow: no flow file '${reference}' next to ${relative(workspaceRoot, fromFile) || fromFile} and no flow named '${reference}' in the workspace`,
      );
    return loadReferencedFlow(file, reference);
  };
}
