/**
 * Which files a flow may read. A flow file is hostile input (it arrives in pull requests and
 * cloned repositories), so every path it names (`env_file`, `run_flow`, `proto_file`,
 * `body_file`, and whatever comes later) goes through `resolveFlowFile`: the path must resolve,
 * symlinks followed, to a regular file inside the workspace root or inside a folder or file the
 * user allowed explicitly (`--allow-outside`, the `testmesh.allowOutsideWorkspace` setting).
 */
import { realpathSync, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { TestMeshError } from './errors';

/** Files that mark a workspace root, nearest first wins. */
export const ROOT_MARKERS = ['.testmesh.yaml', 'package.json', '.git'] as const;

export interface FileAccess {
  /** The workspace root (absolute, symlinks resolved). */
  root: string;
  /** Further files or folders the user allowed (absolute). */
  allowOutside: readonly string[];
}

/** A path a flow named that it may not read: the message names the path and the rule. */
export class FileAccessError extends TestMeshError {
  constructor(message: string) {
    super(message);
    this.name = 'FileAccessError';
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** The nearest folder at or above `start` holding `.testmesh.yaml`, `package.json` or `.git`; `start` itself when none does. */
export function findWorkspaceRoot(start: string): string {
  const first = realOrSelf(start);
  for (let dir = first; ; dir = dirname(dir)) {
    for (const marker of ROOT_MARKERS) {
      try {
        statSync(join(dir, marker));
        return dir;
      } catch {
        // not here
      }
    }
    if (dirname(dir) === dir) return first;
  }
}

/** The access of a run: `root` (default: found from `near`), plus what the user allowed. */
export function fileAccessFor(options: { root?: string; near?: string; allowOutside?: readonly string[] }): FileAccess {
  const root = options.root !== undefined ? realOrSelf(options.root) : findWorkspaceRoot(options.near ?? process.cwd());
  return { root, allowOutside: (options.allowOutside ?? []).map((p) => realOrSelf(resolve(p))) };
}

/** True when `path` is `folder` or inside it (both absolute, resolved). */
export function isInside(path: string, folder: string): boolean {
  if (path === folder) return true;
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * Resolves `reference` (relative to the flow file `fromFile`) for reading by the key `what`
 * (`env_file`, `run_flow`, ...). Returns the real path of a regular file inside the workspace
 * root or an allowed path; otherwise throws FileAccessError. Never reads the file.
 */
export async function resolveFlowFile(access: FileAccess, fromFile: string, reference: string, what: string): Promise<string> {
  if (typeof reference !== 'string' || reference.trim() === '') throw new FileAccessError(`${what}: an empty path`);
  if (reference.includes('\0')) throw new FileAccessError(`${what}: a path with a NUL character`);
  const wanted = resolve(dirname(fromFile), reference);
  let real: string;
  try {
    real = await realpath(wanted);
  } catch (err) {
    throw new FileAccessError(`${what} '${reference}': no such file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}) at ${wanted}`);
  }
  if (!allowed(access, real)) {
    throw new FileAccessError(
      `${what} '${reference}' resolves to ${real}, outside the workspace root ${access.root}: flows may read only files inside the workspace ` +
        `(allow more with --allow-outside PATH or the testmesh.allowOutsideWorkspace setting)`,
    );
  }
  const info = await stat(real);
  if (!info.isFile()) throw new FileAccessError(`${what} '${reference}' is not a regular file (${real}): flows may read only regular files`);
  return real;
}

/** Same rule as resolveFlowFile for a path that is already absolute and real (e.g. from discovery). */
export function allowed(access: FileAccess, real: string): boolean {
  return isInside(real, access.root) || access.allowOutside.some((p) => isInside(real, p));
}
