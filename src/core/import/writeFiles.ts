/**
 * Writes an import's files into one output folder: every path stays inside it (also through
 * symbolic links), every flow is checked by the same loader `testmesh validate` uses before
 * anything is written, and existing files are kept unless the caller says to overwrite them.
 */
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { formatDiagnostic, type FlowDiagnostic } from '../errors';
import { isInside } from '../fileAccess';
import { parseFlowText } from '../flow/load';
import { planFiles, type PlannedFile } from './flowWriter';
import { ImportError, type ImportResult } from './model';

export interface WrittenFile extends PlannedFile {
  /** Absolute path. */
  absolute: string;
  status: 'created' | 'kept';
}

/** Every problem the loader finds in the generated flows (empty when all are valid). */
function checkPlannedFlows(files: readonly PlannedFile[], outDir: string): FlowDiagnostic[] {
  const problems: FlowDiagnostic[] = [];
  for (const file of files) {
    if (file.kind !== 'flow') continue;
    const { diagnostics } = parseFlowText(file.text, resolve(outDir, file.path));
    problems.push(...diagnostics.filter((d) => d.severity === 'error').map((d) => ({ ...d, file: file.path })));
  }
  return problems;
}

/** The absolute path of a planned file, refused when it would leave the output folder. */
function confined(outDir: string, rel: string): string {
  const path = resolve(outDir, rel);
  if (rel.includes('\0') || !isInside(path, outDir) || path === outDir)
    throw new ImportError(`refusing to write ${JSON.stringify(rel)}: outside the output folder ${outDir}`);
  return path;
}

export async function writeImport(
  result: ImportResult,
  outDir: string,
  options: { force?: boolean; header?: string[] } = {},
): Promise<WrittenFile[]> {
  const root = resolve(outDir);
  const files = planFiles(result, options.header);
  const problems = checkPlannedFlows(files, root);
  if (problems.length)
    throw new ImportError(`the generated flows do not validate (a bug):\n${problems.map(formatDiagnostic).join('\n')}`);
  await mkdir(root, { recursive: true });
  const realRoot = await realpath(root);
  const written: WrittenFile[] = [];
  for (const file of files) {
    const absolute = confined(root, file.path);
    await mkdir(dirname(absolute), { recursive: true });
    const realParent = await realpath(dirname(absolute));
    if (!isInside(realParent, realRoot) && realParent !== realRoot)
      throw new ImportError(`refusing to write ${file.path}: its folder leads outside ${root}${sep}`);
    try {
      await writeFile(absolute, file.text, { flag: options.force ? 'w' : 'wx' });
      written.push({ ...file, absolute, status: 'created' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      written.push({ ...file, absolute, status: 'kept' });
    }
  }
  return written;
}
