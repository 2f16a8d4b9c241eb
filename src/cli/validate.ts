/** `testmesh validate`: every problem of every file, each with file:line:column. */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { expandPaths, toPosix } from '../core/discovery';
import { errorMessage, formatDiagnostic, type FlowDiagnostic } from '../core/errors';
import { parseFlowText } from '../core/flow/load';
import type { ValidateArgs } from './args';
import { cannotRun } from './commandLine';
import { EXIT_INVALID, EXIT_OK, type Io } from './run';

export async function validateCommand(args: ValidateArgs, io: Io): Promise<number> {
  let files: string[];
  try {
    files = await expandPaths(args.paths, io.cwd);
  } catch (err) {
    return cannotRun(io, err);
  }
  const all: FlowDiagnostic[] = [];
  let invalid = 0;
  /** Of the invalid files, those refused outright; the others run, their faulty steps failing (FlowDiagnostic.step). */
  let refused = 0;
  for (const file of files) {
    const display = toPosix(relative(io.cwd, file)) || file;
    let diagnostics: FlowDiagnostic[];
    try {
      diagnostics = parseFlowText(await readFile(file, 'utf8'), file).diagnostics.map((d) => ({ ...d, file: display }));
    } catch (err) {
      diagnostics = [
        {
          file: display,
          range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
          severity: 'error',
          message: `cannot read file: ${errorMessage(err)}`,
        },
      ];
    }
    if (diagnostics.some((d) => d.severity === 'error')) invalid++;
    if (diagnostics.some((d) => d.severity === 'error' && d.step === undefined)) refused++;
    all.push(...diagnostics);
    if (!args.json) {
      for (const d of diagnostics) io.stdout.write(`${formatDiagnostic(d)}\n`);
    }
  }
  if (args.json)
    io.stdout.write(`${JSON.stringify({ files: files.length, invalid, refused, diagnostics: all }, null, 2)}\n`);
  else {
    const runs = invalid - refused;
    const how =
      invalid === 0
        ? ''
        : ` (${refused} refused, ${runs} ${runs === 1 ? 'runs' : 'run'} with ${runs === 1 ? 'its' : 'their'} faulty steps failing)`;
    io.stdout.write(
      `${files.length} file${files.length === 1 ? '' : 's'} checked: ${files.length - invalid} valid, ${invalid} invalid${how}\n`,
    );
  }
  return invalid ? EXIT_INVALID : EXIT_OK;
}
