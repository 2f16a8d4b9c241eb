/**
 * What every `testmesh` command says when it cannot run, so each says it the same way: a
 * command-line mistake with the command's usage after it, any other problem on one line
 * `testmesh: …` (with file, line and column where it has them); exit code 2 for both.
 */
import { resolve } from 'node:path';
import { errorMessage, TestMeshError } from '../core/errors';
import { readDotenv } from '../core/dotenv';
import { UsageError } from './flags';
import { EXIT_INVALID, EXIT_OK, type Io } from './run';

/**
 * A command's parsed arguments, or the exit code when there is nothing to run: `--help` prints
 * the usage on standard output; a mistake prints it after the problem.
 */
export function parseCommand<T extends object>(
  argv: readonly string[],
  io: Io,
  usage: string,
  parse: (argv: readonly string[]) => T,
): T | number {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${usage}\n`);
    return EXIT_OK;
  }
  try {
    return parse(argv);
  } catch (err) {
    return usageMistake(io, err, usage);
  }
}

/** A command-line mistake: the problem, then the usage; anything else is not one and is thrown on. */
export function usageMistake(io: Io, err: unknown, usage: string): number {
  if (!(err instanceof UsageError)) throw err;
  io.stderr.write(`testmesh: ${err.message}\n\n${usage}\n`);
  return EXIT_INVALID;
}

/** A problem that keeps the command from running (a path, a file, the project file). */
export function cannotRun(io: Io, err: unknown): number {
  io.stderr.write(`testmesh: ${err instanceof TestMeshError ? err.describe() : errorMessage(err)}\n`);
  return EXIT_INVALID;
}

/** The variables of `--env-file` files, read in order (a later file wins); relative paths from the working folder. */
export async function readEnvFiles(files: readonly string[], io: Io): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const file of files) Object.assign(values, await readDotenv(resolve(io.cwd, file)));
  return values;
}
