/**
 * Named environments of a workspace for API-triggered runs: `"staging"` means the `staging`
 * environment of the workspace's `.testmesh.yaml` when it has one, else `.env.staging` (or
 * `staging.env`) in the workspace folder; a name with a `/` or a `.env` in it is taken as a
 * workspace-relative path. Never reads outside the workspace.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, join, sep } from 'node:path';
import { readDotenv } from './dotenv';
import { TestMeshError } from './errors';
import { readProjectFile } from './projectFile';

function candidates(name: string): string[] {
  if (name.includes('/') || name.includes('.env')) return [name];
  return [`.env.${name}`, `${name}.env`];
}

export async function readWorkspaceEnvironment(workspace: string, name: string): Promise<Record<string, string>> {
  if (typeof name !== 'string' || !name || name.length > 256 || name.includes('\0') || name.includes('\\')) {
    throw new TestMeshError(`invalid environment name ${JSON.stringify(name)}`);
  }
  if (isAbsolute(name) || name.split('/').some((s) => s === '..'))
    throw new TestMeshError(`environment ${JSON.stringify(name)} must be inside the workspace`);
  const root = await realpath(workspace);
  let known: string[] = [];
  if (!name.includes('/') && !name.includes('.env')) {
    const project = await readProjectFile(root);
    known = project?.environments.map((e) => e.name) ?? [];
    const found = project?.environments.find((e) => e.name === name);
    if (found) return { ...found.variables };
  }
  for (const rel of candidates(name)) {
    let real: string;
    try {
      real = await realpath(join(root, ...rel.split('/')));
    } catch {
      continue;
    }
    if (!real.startsWith(root + sep))
      throw new TestMeshError(`environment ${JSON.stringify(name)} must be inside the workspace`);
    return readDotenv(real);
  }
  const listed = known.length ? ` (it has: ${known.join(', ')})` : '';
  throw new TestMeshError(
    `unknown environment ${JSON.stringify(name)}: no environment of that name in .testmesh.yaml${listed} and no ${candidates(name).join(' or ')} in the workspace`,
  );
}
