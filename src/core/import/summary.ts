/**
 * What an import reports once its files are written: each file (created or kept), what was not
 * translated, and how to run the result. The CLI prints it; the editor writes it to its log.
 */
import { relative, resolve } from 'node:path';
import { toPosix } from '../discovery';
import { MAX_SUMMARY_LINES } from './limits';
import type { ImportResult } from './model';
import type { WrittenFile } from './writeFiles';

export interface SummaryWording {
  /** Said after a file that existed and was kept. */
  kept: string;
  /** Ends with the `testmesh run` line to try the flows. */
  nextRun: boolean;
}

const CLI_WORDING: SummaryWording = { kept: 'it exists; --force overwrites', nextRun: true };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The summary, one line each, paths relative to `cwd`. */
export function importSummary(
  result: ImportResult,
  files: readonly WrittenFile[],
  cwd: string,
  wording: SummaryWording = CLI_WORDING,
): string {
  const shown = (file: WrittenFile) => toPosix(relative(cwd, file.absolute)) || file.path;
  const lines: string[] = [];
  const flows = files.filter((f) => f.kind === 'flow');
  lines.push(`Imported ${plural(result.flows.length, 'flow')} from ${result.format} (${result.title}):`);
  for (const file of files) {
    const flow = file.kind === 'flow' ? result.flows.find((f) => f.name === file.flowName) : undefined;
    const what = flow
      ? `${flow.name}: ${plural(flow.steps.length, 'step')}`
      : `${plural(result.variables.length, 'variable')}, ${result.variables.filter((v) => v.secret).length} secret left empty`;
    lines.push(
      `  ${file.status === 'created' ? 'created' : 'kept   '} ${shown(file)}  (${what})${file.status === 'kept' ? ` - ${wording.kept}` : ''}`,
    );
  }
  if (result.notTranslated.length) {
    lines.push(`Not translated (${result.notTranslated.length}; kept as comments at their steps):`);
    for (const note of result.notTranslated.slice(0, MAX_SUMMARY_LINES)) lines.push(`  - ${note}`);
    if (result.notTranslated.length > MAX_SUMMARY_LINES)
      lines.push(`  ... and ${result.notTranslated.length - MAX_SUMMARY_LINES} more`);
  } else lines.push('Everything was translated.');
  const env = files.find((f) => f.kind === 'environment');
  if (wording.nextRun && flows.length) {
    const folder = toPosix(relative(cwd, resolve(flows[0].absolute, '..'))) || '.';
    lines.push(`Next: testmesh run ${folder}${env ? ` --env-file ${shown(env)}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
