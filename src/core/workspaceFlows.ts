/**
 * Flows as files of a workspace folder, addressed by id: the workspace-relative path with `/`
 * separators (`flows/login.flow.yaml`). Every id is checked before any file is touched: no `..`,
 * no absolute paths, no backslashes, only `.yaml`/`.yml` names, and the real path (symlinks
 * resolved) must stay inside the workspace. Writes validate first and replace files atomically.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DEFAULT_FLOW_GLOBS, discoverFlowFiles, toPosix } from './discovery';
import { matchesGlob } from './glob';
import { firstError, TestMeshError, type FlowDiagnostic } from './errors';
import { formatBytes } from './format';
import { looksLikeFlowFile } from './flow/load';
import { parseFlowTextOffThread } from './flow/loadOffThread';
import { allSteps, type FlowDef } from './flow/types';
import { applyDefaultStepTimeout, readProjectFile } from './projectFile';

export type FlowFileErrorKind = 'invalid_id' | 'forbidden' | 'not_found' | 'exists' | 'invalid_flow';

export class FlowFileError extends TestMeshError {
  constructor(
    message: string,
    readonly kind: FlowFileErrorKind,
    /** For `invalid_flow`: what is wrong, with positions; `file` is the flow id. */
    readonly diagnostics: FlowDiagnostic[] = [],
  ) {
    super(message);
    this.name = 'FlowFileError';
  }
}

export interface FlowInfo {
  id: string;
  /** The workspace-relative path (the same text as the id). */
  file: string;
  name?: string;
  description?: string;
  suite?: string;
  tags: string[];
  /** Steps of all phases, nested ones included. */
  step_count: number;
  valid: boolean;
  errors: number;
  warnings: number;
}

export interface FlowDocument extends FlowInfo {
  content: string;
  diagnostics: FlowDiagnostic[];
}

const MAX_ID_LENGTH = 1024;
/** Longest file or folder name most file systems take (longer ones fail with ENAMETOOLONG). */
const MAX_SEGMENT_BYTES = 255;
const FLOW_EXTENSION = /\.ya?ml$/i;
/** Names a NEW flow file may have through the API: `*.flow.yaml` anywhere, or any YAML under `flows/`. */
const NEW_FLOW_NAME = /(^|\/)[^/]+\.flow\.ya?ml$|^flows\/.+\.ya?ml$/i;

/** The id of a flow file: workspace-relative with `/`, or the absolute path for files outside it. */
export function flowIdFor(workspace: string, file: string): string {
  const rel = relative(resolve(workspace), resolve(file));
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return toPosix(resolve(file));
  return toPosix(rel);
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Checks the id's shape; returns its path segments. */
function checkIdShape(id: unknown): string[] {
  if (typeof id !== 'string' || id.length === 0)
    throw new FlowFileError('a flow id is a workspace-relative path such as flows/login.flow.yaml', 'invalid_id');
  if (id.length > MAX_ID_LENGTH)
    throw new FlowFileError(`flow id longer than ${MAX_ID_LENGTH} characters`, 'invalid_id');
  if (id.includes('\0')) throw new FlowFileError('flow id contains a NUL character', 'invalid_id');
  if (id.includes('\\'))
    throw new FlowFileError(`flow id ${JSON.stringify(id)} contains a backslash; use / between folders`, 'forbidden');
  if (id.startsWith('/') || isAbsolute(id) || /^[A-Za-z]:/.test(id))
    throw new FlowFileError(
      `flow id ${JSON.stringify(id)} is an absolute path; ids are relative to the workspace`,
      'forbidden',
    );
  const segments = id.split('/');
  if (segments.some((s) => s === '..'))
    throw new FlowFileError(`flow id ${JSON.stringify(id)} leaves the workspace ('..' is not allowed)`, 'forbidden');
  if (segments.some((s) => s === '' || s === '.'))
    throw new FlowFileError(`flow id ${JSON.stringify(id)} has an empty or '.' path segment`, 'forbidden');
  if (segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES))
    throw new FlowFileError(
      `flow id has a file or folder name longer than ${formatBytes(MAX_SEGMENT_BYTES)}`,
      'invalid_id',
    );
  if (!FLOW_EXTENSION.test(id))
    throw new FlowFileError(`flow id ${JSON.stringify(id)} does not name a .yaml or .yml file`, 'invalid_id');
  // Dot-folders (.github, .git, .vscode) and dot-files (.pre-commit-config.yaml) hold hooks and CI
  // jobs: a "flow" written there could run code on the next commit or push. Discovery skips them too.
  if (segments.some((s) => s.startsWith('.')))
    throw new FlowFileError(
      `flow id ${JSON.stringify(id)} is inside a dot-folder or names a dot-file; flows live elsewhere`,
      'forbidden',
    );
  if (segments.slice(0, -1).includes('node_modules'))
    throw new FlowFileError(`flow id ${JSON.stringify(id)} is inside node_modules`, 'forbidden');
  return segments;
}

async function realRoot(workspace: string): Promise<string> {
  try {
    return await realpath(workspace);
  } catch {
    throw new TestMeshError(`the workspace folder ${workspace} does not exist`);
  }
}

/** Real path of the deepest part of `path` that exists (the path itself, or an ancestor). */
async function deepestRealAncestor(path: string): Promise<string> {
  let current = path;
  for (;;) {
    try {
      return await realpath(current);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENAMETOOLONG')
        throw new FlowFileError('flow id names a path too long for the file system', 'invalid_id');
      const parent = dirname(current);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) throw err;
      current = parent;
    }
  }
}

export interface ResolvedFlowPath {
  id: string;
  /** Where to read and write: the real path when the file exists, else the path under the real workspace. */
  file: string;
  exists: boolean;
}

/** Turns an id into a path inside the workspace, or throws a FlowFileError saying why not. */
export async function resolveFlowPath(workspace: string, id: unknown): Promise<ResolvedFlowPath> {
  const segments = checkIdShape(id);
  const root = await realRoot(workspace);
  const full = join(root, ...segments);
  if (!isInside(root, full)) throw new FlowFileError(`flow id ${JSON.stringify(id)} leaves the workspace`, 'forbidden');
  const real = await deepestRealAncestor(full);
  if (!isInside(root, real))
    throw new FlowFileError(
      `flow id ${JSON.stringify(id)} leads outside the workspace through a symbolic link`,
      'forbidden',
    );
  const link = await lstat(full).catch(() => undefined);
  if (!link) return { id: id as string, file: full, exists: false };
  // The name exists; only a broken symbolic link has no real path.
  const target = await realpath(full).catch(() => undefined);
  if (target === undefined)
    throw new FlowFileError(`flow id ${JSON.stringify(id)} is a broken symbolic link`, 'forbidden');
  if (!(await stat(target)).isFile())
    throw new FlowFileError(`flow id ${JSON.stringify(id)} is not a file`, 'invalid_id');
  return { id: id as string, file: target, exists: true };
}

/**
 * Discovery's notion of a flow file, for one existing file: its path matches the flow globs and
 * its content looks like a flow. The local API reads, replaces, deletes and runs only such files.
 */
function isWorkspaceFlowFile(id: string, text: string): boolean {
  return DEFAULT_FLOW_GLOBS.some((glob) => matchesGlob(id, glob)) && looksLikeFlowFile(text);
}

/** Reads an existing file the API was asked about, refusing any that is not a flow. */
async function readFlowFile(target: ResolvedFlowPath): Promise<string> {
  const text = await readFile(target.file, 'utf8');
  if (!isWorkspaceFlowFile(target.id, text))
    throw new FlowFileError(
      `${JSON.stringify(target.id)} is not a flow file of the workspace; the API reads, writes and deletes flow files only`,
      'forbidden',
    );
  return text;
}

/** Whether the API may create a file named `id`: `*.flow.yaml` (or `.yml`) anywhere, or a YAML file under `flows/`. */
export function isNewFlowName(id: string): boolean {
  return NEW_FLOW_NAME.test(id);
}

function checkNewFlowName(id: string): void {
  if (!isNewFlowName(id))
    throw new FlowFileError(
      `a new flow file must be named *.flow.yaml or live under flows/, not ${JSON.stringify(id)}`,
      'forbidden',
    );
}

async function describe(id: string, text: string, file: string): Promise<FlowDocument> {
  const { flow, diagnostics } = await parseFlowTextOffThread(text, file);
  const shown = diagnostics.map((d) => ({ ...d, file: id }));
  return {
    id,
    file: id,
    name: flow?.name,
    description: flow?.description,
    suite: flow?.suite,
    tags: flow?.tags ?? [],
    step_count: flow ? allSteps(flow).length : 0,
    valid: flow !== undefined,
    errors: shown.filter((d) => d.severity === 'error').length,
    warnings: shown.filter((d) => d.severity === 'warning').length,
    content: text,
    diagnostics: shown,
  };
}

/** The workspace's flow files (found by content, as the editor finds them) with their texts, unparsed. */
export async function workspaceFlowTexts(workspace: string): Promise<{ id: string; file: string; text: string }[]> {
  const root = await realRoot(workspace);
  const out: { id: string; file: string; text: string }[] = [];
  for (const file of await discoverFlowFiles(root)) {
    try {
      out.push({ id: flowIdFor(root, file), file, text: await readFile(file, 'utf8') });
    } catch {
      // Gone or unreadable since discovery: not listed.
    }
  }
  return out;
}

/** The workspace's flows, each parsed for its name and validity. */
export async function listWorkspaceFlows(workspace: string): Promise<FlowInfo[]> {
  const out: FlowInfo[] = [];
  for (const { id, file, text } of await workspaceFlowTexts(workspace)) {
    const { content: _content, diagnostics: _diagnostics, ...info } = await describe(id, text, file);
    out.push(info);
  }
  return out;
}

export async function readWorkspaceFlow(workspace: string, id: unknown): Promise<FlowDocument> {
  const target = await resolveFlowPath(workspace, id);
  if (!target.exists) throw new FlowFileError(`no flow ${JSON.stringify(id)} in the workspace`, 'not_found');
  return await describe(target.id, await readFlowFile(target), target.file);
}

/** Loads a flow for running; invalid flows throw with their diagnostics. */
export async function loadWorkspaceFlow(workspace: string, id: unknown): Promise<FlowDef> {
  const target = await resolveFlowPath(workspace, id);
  if (!target.exists) throw new FlowFileError(`no flow ${JSON.stringify(id)} in the workspace`, 'not_found');
  const text = await readFlowFile(target);
  const { flow, diagnostics } = await parseFlowTextOffThread(text, target.file);
  if (!flow) throw invalidFlow(target.id, diagnostics);
  // The project's default step timeout applies to runs started through the API too.
  return applyDefaultStepTimeout(flow, (await readProjectFile(await realRoot(workspace)))?.defaultStepTimeoutMs);
}

function invalidFlow(id: string, diagnostics: FlowDiagnostic[]): FlowFileError {
  const shown = diagnostics.map((d) => ({ ...d, file: id }));
  const where = firstError(shown) ?? 'invalid flow';
  return new FlowFileError(`${id} is not a valid flow: ${where}`, 'invalid_flow', shown);
}

export type WriteMode = 'create' | 'replace' | 'upsert';

/**
 * Validates `content` and writes it as flow `id` (temp file + rename in the same folder).
 * `create` refuses an existing file, `replace` a missing one; `upsert` takes either.
 */
export async function writeWorkspaceFlow(
  workspace: string,
  id: unknown,
  content: string,
  mode: WriteMode,
  /** `anyFlowName`: put back a flow file this API removed (a bulk undo), whatever its name. */
  options: { anyFlowName?: boolean } = {},
): Promise<{ created: boolean; flow: FlowDocument }> {
  if (typeof content !== 'string') throw new FlowFileError('flow content must be YAML text', 'invalid_flow');
  const target = await resolveFlowPath(workspace, id);
  if (mode === 'create' && target.exists)
    throw new FlowFileError(`flow ${JSON.stringify(id)} already exists`, 'exists');
  if (mode === 'replace' && !target.exists)
    throw new FlowFileError(`no flow ${JSON.stringify(id)} in the workspace`, 'not_found');
  if (target.exists) await readFlowFile(target);
  else if (!options.anyFlowName) checkNewFlowName(target.id);
  const document = await describe(target.id, content, target.file);
  if (!document.valid) throw invalidFlow(target.id, document.diagnostics);

  const folder = dirname(target.file);
  await mkdir(folder, { recursive: true });
  // Folders just created are real folders, but check again: the tree may have changed meanwhile.
  const root = await realRoot(workspace);
  if (!isInside(root, await realpath(folder)))
    throw new FlowFileError(
      `flow id ${JSON.stringify(id)} leads outside the workspace through a symbolic link`,
      'forbidden',
    );
  const tmp = join(folder, `.${randomBytes(6).toString('hex')}.testmesh-tmp`);
  try {
    await writeFile(tmp, content, { flag: 'wx' });
    await rename(tmp, target.file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return { created: !target.exists, flow: document };
}

export async function deleteWorkspaceFlow(workspace: string, id: unknown): Promise<void> {
  const target = await resolveFlowPath(workspace, id);
  if (!target.exists) throw new FlowFileError(`no flow ${JSON.stringify(id)} in the workspace`, 'not_found');
  await readFlowFile(target);
  await unlink(target.file);
}

/** An id for a new flow named `name`: `flows/<slug>.flow.yaml`. */
export function flowIdFromName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `flows/${slug || 'flow'}.flow.yaml`;
}
