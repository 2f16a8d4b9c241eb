/**
 * `testmesh export <flow files or folders> --to curl|postman|openapi [--step ID] [--out FILE]`:
 * stdout by default. For curl, one command per http_request step (or the step named), with
 * placeholders filled from `--var` / `--env-file` and the rest kept as shell variables; secrets
 * masked unless `--show-secrets`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { stringify as toYaml } from 'yaml';
import { relative, resolve } from 'node:path';
import { expandPaths, toPosix } from '../core/discovery';
import { errorMessage, formatDiagnostic } from '../core/errors';
import { flowsToCurl } from '../core/export/curlScript';
import { lookupIn } from '../core/export/placeholders';
import { flowsToOpenApi } from '../core/export/openapi';
import { flowsToPostman } from '../core/export/postman';
import { parseFlowText } from '../core/flow/load';
import { allSteps, type FlowDef } from '../core/flow/types';
import { secretValues } from '../core/secrets';
import { UsageError } from './args';
import { keyValueFlags, parseFlags } from './flags';
import { parseCommand, readEnvFiles } from './commandLine';
import { EXIT_INVALID, EXIT_OK, type Io } from './run';

export const EXPORT_FORMATS = ['curl', 'postman', 'openapi'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_USAGE = `Usage: testmesh export <flow files or folders...> --to ${EXPORT_FORMATS.join('|')} [--step ID] [--out FILE]
                       [--var KEY=VALUE]... [--env-file FILE]... [--show-secrets]

  --to FORMAT        ${EXPORT_FORMATS.join(', ')}
  --step ID          only this step (curl)
  --out FILE         write to FILE instead of standard output (openapi: YAML when FILE ends in .yaml/.yml, else JSON)
  --var KEY=VALUE    fill in this placeholder (repeatable); the others stay variables ($BASE_URL)
  --env-file FILE    fill in placeholders from a .env file (repeatable)
  --show-secrets     show credentials in clear (default: masked as ***)`;

export interface ExportArgs {
  paths: string[];
  to: ExportFormat;
  step?: string;
  out?: string;
  vars: Record<string, string>;
  envFiles: string[];
  showSecrets: boolean;
}

export function parseExportArgs(argv: readonly string[]): ExportArgs {
  const flags = parseFlags('export', argv, {
    values: ['--to', '--step', '--out', '--var', '--env-file'],
    booleans: ['--show-secrets'],
    aliases: { '-o': '--out', '--output': '--out', '--format': '--to', '-f': '--to' },
  });
  if (!flags.positional.length) throw new UsageError('export needs at least one flow file or folder');
  const to = flags.one('--to');
  if (to === undefined) throw new UsageError(`export needs --to ${EXPORT_FORMATS.join('|')}`);
  if (!EXPORT_FORMATS.includes(to as ExportFormat))
    throw new UsageError(`--to must be one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(to)}`);
  return {
    paths: flags.positional,
    to: to as ExportFormat,
    step: flags.one('--step'),
    out: flags.one('--out'),
    vars: keyValueFlags(flags, '--var'),
    envFiles: flags.many('--env-file'),
    showSecrets: flags.has('--show-secrets'),
  };
}

/** Loads the flows; invalid files are an error naming file, line and column. */
async function loadFlows(paths: string[], io: Io): Promise<FlowDef[]> {
  const files = await expandPaths(paths, io.cwd);
  const flows: FlowDef[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const result = parseFlowText(await readFile(file, 'utf8'), file);
    const display = toPosix(relative(io.cwd, file)) || file;
    for (const d of result.diagnostics)
      if (d.severity === 'error') problems.push(formatDiagnostic({ ...d, file: display }));
    if (result.flow) flows.push(result.flow);
  }
  if (problems.length) throw new UsageError(`invalid flow files:\n${problems.join('\n')}`);
  if (!flows.length) throw new UsageError(`no flow files in ${paths.join(' ')}`);
  return flows;
}

/** The export on standard output, or in `--out FILE`. */
async function writeOut(args: ExportArgs, io: Io, text: string, what: string): Promise<number> {
  if (args.out === undefined) {
    io.stdout.write(text);
    return EXIT_OK;
  }
  await writeFile(resolve(io.cwd, args.out), text);
  io.stderr.write(`testmesh: wrote ${what} to ${args.out}\n`);
  return EXIT_OK;
}

export async function exportCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseCommand(argv, io, EXPORT_USAGE, parseExportArgs);
  if (typeof args === 'number') return args;
  try {
    const flows = await loadFlows(args.paths, io);
    if (args.step !== undefined && !flows.some((f) => allSteps(f).some((s) => s.id === args.step)))
      throw new UsageError(`no step '${args.step}' in ${flows.map((f) => f.name).join(', ')}`);
    if (args.to !== 'curl' && args.step !== undefined) throw new UsageError('--step is for --to curl');
    if (args.to === 'openapi') {
      const exported = flowsToOpenApi(flows);
      for (const skipped of exported.skipped)
        io.stderr.write(`testmesh: not exported (not an HTTP request): ${skipped}\n`);
      for (const merged of exported.merged)
        io.stderr.write(`testmesh: same operation as an earlier step (its statuses were added): ${merged}\n`);
      const yaml = args.out !== undefined && /\.ya?ml$/i.test(args.out);
      const text = yaml
        ? toYaml(exported.document, { lineWidth: 0, aliasDuplicateObjects: false })
        : `${JSON.stringify(exported.document, null, 2)}\n`;
      const operations = Object.values(exported.document.paths as Record<string, object>).reduce(
        (n, item) => n + Object.keys(item).length,
        0,
      );
      return await writeOut(args, io, text, `${operations} operation${operations === 1 ? '' : 's'}`);
    }
    if (args.to === 'postman') {
      const exported = flowsToPostman(flows);
      for (const skipped of exported.skipped)
        io.stderr.write(`testmesh: not exported (not an HTTP request): ${skipped}\n`);
      return await writeOut(
        args,
        io,
        `${JSON.stringify(exported.collection, null, 2)}\n`,
        `${flows.length} flow${flows.length === 1 ? '' : 's'}`,
      );
    }
    const values = Object.assign(await readEnvFiles(args.envFiles, io), args.vars);
    const secrets = secretValues({ variables: values });
    const exported = flowsToCurl(flows, {
      stepId: args.step,
      lookup: lookupIn(values),
      showSecrets: args.showSecrets,
      secrets,
    });
    for (const skipped of exported.skipped) io.stderr.write(`testmesh: not exported (no curl form): ${skipped}\n`);
    if (args.step !== undefined && exported.commands === 0)
      throw new UsageError(`step '${args.step}' is not an http_request step; it has no curl form`);
    return await writeOut(args, io, exported.text, `${exported.commands} command${exported.commands === 1 ? '' : 's'}`);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`testmesh: ${err.message}\n`);
      return EXIT_INVALID;
    }
    io.stderr.write(`testmesh: ${errorMessage(err)}\n`);
    return EXIT_INVALID;
  }
}
