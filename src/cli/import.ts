/**
 * `testmesh import <file|-> [--from curl|postman|openapi|har] [--out DIR] [--environment FILE]`:
 * translates the input into flow files (and a `.env` file of its variables) in the output folder,
 * then lists what it wrote and what it could not translate.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { toPosix } from '../core/discovery';
import { errorMessage } from '../core/errors';
import { formatBytes } from '../core/format';
import { importText } from '../core/import';
import { MAX_IMPORT_BYTES } from '../core/import/limits';
import { ImportError, IMPORT_FORMATS, type ImportFormat } from '../core/import/model';
import { importSummary } from '../core/import/summary';
import { writeImport } from '../core/import/writeFiles';
import { UsageError } from './args';
import { parseFlags } from './flags';
import { parseCommand } from './commandLine';
import { EXIT_INVALID, EXIT_OK, type Io } from './run';

export const IMPORT_USAGE = `Usage: testmesh import <file|-> [--from curl|postman|openapi|har] [--out DIR]
                       [--environment FILE] [--force] [--keep-noise] [--no-schema-checks]

  <file|->              the file to import, or - for standard input
  --from FORMAT         the input's format (detected when left out)
  --out DIR             where to write the flows (default: the current folder); nothing is written outside it
  --environment FILE    a Postman environment file: its variables go to the .env file (secrets left empty)
  --force               overwrite files that exist (default: keep them)
  --keep-noise          HAR: keep static assets and analytics requests
  --no-schema-checks    OpenAPI: no assertions on required response properties`;

export interface ImportArgs {
  input: string;
  from?: ImportFormat;
  out: string;
  environment?: string;
  force: boolean;
  keepNoise: boolean;
  schemaChecks: boolean;
}

export function parseImportArgs(argv: readonly string[]): ImportArgs {
  const flags = parseFlags('import', argv, {
    values: ['--from', '--out', '--environment'],
    booleans: ['--force', '--keep-noise', '--no-schema-checks'],
    aliases: { '-o': '--out', '--output': '--out', '-f': '--from', '-e': '--environment' },
  });
  if (flags.positional.length !== 1) throw new UsageError('import needs exactly one file (or - for standard input)');
  const from = flags.one('--from');
  if (from !== undefined && !IMPORT_FORMATS.includes(from as ImportFormat))
    throw new UsageError(`--from must be one of ${IMPORT_FORMATS.join(', ')}, got ${JSON.stringify(from)}`);
  return {
    input: flags.positional[0],
    from: from as ImportFormat | undefined,
    out: flags.one('--out') ?? '.',
    environment: flags.one('--environment'),
    force: flags.has('--force'),
    keepNoise: flags.has('--keep-noise'),
    schemaChecks: !flags.has('--no-schema-checks'),
  };
}

/** Standard input, read up to the import size limit. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_IMPORT_BYTES)
      throw new ImportError(`standard input is larger than ${formatBytes(MAX_IMPORT_BYTES)}`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readInput(path: string, cwd: string, what: string): Promise<string> {
  if (path === '-') return readStdin();
  try {
    return await readFile(resolve(cwd, path), 'utf8');
  } catch (err) {
    throw new ImportError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
  }
}

export async function importCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseCommand(argv, io, IMPORT_USAGE, parseImportArgs);
  if (typeof args === 'number') return args;
  try {
    const text = await readInput(args.input, io.cwd, 'file');
    const environmentText = args.environment
      ? await readInput(args.environment, io.cwd, 'environment file')
      : undefined;
    const result = importText({
      text,
      fileName: args.input === '-' ? undefined : args.input,
      from: args.from,
      environmentText,
      keepNoise: args.keepNoise,
      schemaChecks: args.schemaChecks,
    });
    const files = await writeImport(result, resolve(io.cwd, args.out), {
      force: args.force,
      header: [
        `Imported from ${args.input === '-' ? 'standard input' : toPosix(args.input)} (${result.format}) by testmesh import.`,
      ],
    });
    io.stdout.write(importSummary(result, files, io.cwd));
    return EXIT_OK;
  } catch (err) {
    if (err instanceof ImportError) {
      io.stderr.write(`testmesh: ${err.message}\n`);
      return EXIT_INVALID;
    }
    throw err;
  }
}
