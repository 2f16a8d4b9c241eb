/** Command-line parsing for `testmesh`: small, strict, and with messages that say what to type. */
import { parseDuration } from '../core/duration';
import type { RunLimits } from '../core/engine/runLimits';

export class UsageError extends Error {}

export const REPORTER_NAMES = ['pretty', 'json', 'junit', 'html', 'github', 'markdown'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

export interface RunArgs {
  command: 'run';
  paths: string[];
  envFiles: string[];
  /** `--env NAME`: an environment of `.testmesh.yaml`. */
  env?: string;
  /** `--config FILE`: the project file instead of `./.testmesh.yaml`. */
  config?: string;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  reporters: ReporterName[];
  output?: string;
  /** Every `--output`, in order: the i-th is the file of the i-th document reporter. */
  outputs?: string[];
  bail: boolean;
  jobs: number;
  grep?: string;
  tags: string[];
  shard?: { index: number; total: number };
  timeoutMs?: number;
  color?: boolean;
  /** Workspace root that confines the files flows read; default: found from each flow file. */
  root?: string;
  /** Files or folders outside the root that flows may read too. */
  allowOutside: string[];
  /** Bounds of each run (`--max-events`, `--max-iterations`). */
  limits: Partial<RunLimits>;
}

export interface ValidateArgs {
  command: 'validate';
  paths: string[];
  json: boolean;
}

export interface ServeArgs {
  command: 'serve';
  port: number;
  workspace: string;
  historyDir?: string;
  /** `postgres://…`: the long history goes to this shared PostgreSQL database. */
  history?: string;
  /** Bounds of the long history (default 20,000 executions, 90 days). */
  historyMaxRuns?: number;
  historyMaxDays?: number;
  envFiles: string[];
  allowOutside: string[];
  limits: Partial<RunLimits>;
}

export interface InitArgs {
  command: 'init';
  dir: string;
}

export type CliArgs = RunArgs | ValidateArgs | ServeArgs | InitArgs | { command: 'help' } | { command: 'version' };

export const USAGE = `Usage:
  testmesh run <files|dirs|globs...> [options]   run flows
  testmesh validate <paths...> [--json]          check flows without running them
  testmesh serve [--port P] [--workspace DIR]    local REST + WebSocket API and web UI
  testmesh init [DIR]                            write a starter project (.testmesh.yaml, flows/example.yaml)
  testmesh debug-adapter                         the flow debugger over DAP on stdio (nvim-dap, ...)
<<<<<<< HEAD
  testmesh merge-reports <dir> [--reporter NAME]... [--output FILE]...
                                                 merge the JSON reports of --shard jobs into one
  testmesh watch [paths...] [options for run]    re-run the flows a saved file affects (Ctrl-C stops)
  testmesh report [--execution ID | --last N | --flow FILE] [--history-dir DIR] [--workspace DIR]
                  [--reporter NAME]... [--output FILE]...
                                                 render past executions from the history
=======
  testmesh import <file|-> [--from FORMAT]       flows from curl, Postman, OpenAPI or HAR (import --help)
  testmesh export <paths...> --to FORMAT         flows as curl, Postman or OpenAPI (export --help)
>>>>>>> main

Options for run:
  --env NAME            use environment NAME of .testmesh.yaml (default: its 'environment:')
  --config FILE         the project file to read instead of ./.testmesh.yaml
  --env-file FILE       load variables from a .env file (repeatable)
  --var KEY=VALUE       set a variable (repeatable)
  --secret KEY=VALUE    set a variable whose value is redacted from output (repeatable)
  --reporter NAME       pretty (default), json, junit, html, github or markdown (repeatable)
  --output FILE         write the report to FILE instead of stdout (repeatable: the i-th --output
                        is the file of the i-th reporter other than pretty and github)
  --bail                stop after the first failed flow
  --jobs N              run up to N flows at once (default 1)
  --grep TEXT           only flows whose name or file contains TEXT
  --tag TAG             only flows with this tag (repeatable: any of them)
  --shard I/N           run the I-th of N deterministic slices of the flows (CI matrices)
  --timeout DURATION    fail a flow that runs longer (e.g. 30s, 2m)
  --no-color            plain output even on a terminal
  --root DIR            workspace root: flows read files (env_file, run_flow, ...) only inside it
                        (default: nearest folder with .testmesh.yaml, package.json or .git)
  --allow-outside PATH  let flows also read this file or folder outside the root (repeatable)
  --max-events N        fail a run that emits more than N events (default 100000)
  --max-iterations N    fail a run with more than N loop iterations or branches (default 10000)

Options for serve:
  --port P, --workspace DIR, --history-dir DIR, --env-file FILE, --allow-outside PATH,
  --max-events N, --max-iterations N
  --history postgres://USER@HOST/DB   keep the long history (analytics, search) in PostgreSQL
  --history-max-runs N, --history-max-days N   bound the long history (default 20000, 90)

Exit codes: 0 all passed, 1 a flow failed, 2 invalid input or usage.`;

/** `--reporter` values (repeatable, or comma-separated), checked against the known names. */
export function parseReporters(values: readonly string[]): ReporterName[] {
  const reporters = values.flatMap((r) => r.split(','));
  for (const r of reporters)
    if (!(REPORTER_NAMES as readonly string[]).includes(r))
      throw new UsageError(`unknown reporter '${r}' (${REPORTER_NAMES.join(', ')})`);
  return reporters as ReporterName[];
}

function keyValue(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} expects KEY=VALUE, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === '--version' || command === 'version') return { command: 'version' };

  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const booleans = new Set(['--bail', '--no-color', '--color', '--json']);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (booleans.has(name)) {
      flags.set(name, ['true']);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  const known: Record<string, string[]> = {
    run: [
      '--env',
      '--config',
      '--env-file',
      '--var',
      '--secret',
      '--reporter',
      '--output',
      '--bail',
      '--jobs',
      '--grep',
      '--tag',
      '--shard',
      '--timeout',
      '--no-color',
      '--color',
      '--root',
      '--allow-outside',
      '--max-events',
      '--max-iterations',
    ],
    validate: ['--json'],
    serve: [
      '--port',
      '--workspace',
      '--history-dir',
      '--env-file',
      '--allow-outside',
      '--max-events',
      '--max-iterations',
      '--history',
      '--history-max-runs',
      '--history-max-days',
    ],
    init: [],
  };
  if (!known[command]) throw new UsageError(`unknown command '${command}'`);
  for (const name of flags.keys())
    if (!known[command].includes(name)) throw new UsageError(`unknown option ${name} for '${command}'`);
  const one = (name: string) => flags.get(name)?.at(-1);
  const many = (name: string) => flags.get(name) ?? [];
  const limits: Partial<RunLimits> = {};
  for (const [flag, key] of [
    ['--max-events', 'maxEvents'],
    ['--max-iterations', 'maxIterations'],
  ] as const) {
    const text = one(flag);
    if (text === undefined) continue;
    if (!/^\d{1,9}$/.test(text) || Number(text) < 1)
      throw new UsageError(`${flag} must be a whole number >= 1, got ${JSON.stringify(text)}`);
    limits[key] = Number(text);
  }

  if (command === 'validate') {
    if (positional.length === 0) throw new UsageError('validate needs at least one file, folder or glob');
    return { command, paths: positional, json: flags.has('--json') };
  }
  if (command === 'init') {
    if (positional.length > 1) throw new UsageError('init takes at most one folder');
    return { command, dir: positional[0] ?? '.' };
  }
  if (command === 'serve') {
    const port = Number(one('--port') ?? 0);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535`);
    const wholeFlag = (flag: string) => {
      const text = one(flag);
      if (text === undefined) return undefined;
      if (!/^\d{1,9}$/.test(text) || Number(text) < 1)
        throw new UsageError(`${flag} must be a whole number >= 1, got ${JSON.stringify(text)}`);
      return Number(text);
    };
    const history = one('--history');
    if (history !== undefined && !/^postgres(ql)?:\/\//i.test(history))
      throw new UsageError('--history takes a PostgreSQL address: postgres://user:password@host:5432/db');
    return {
      command,
      port,
      workspace: one('--workspace') ?? process.cwd(),
      historyDir: one('--history-dir'),
      history,
      historyMaxRuns: wholeFlag('--history-max-runs'),
      historyMaxDays: wholeFlag('--history-max-days'),
      envFiles: many('--env-file'),
      allowOutside: many('--allow-outside'),
      limits,
    };
  }

  if (positional.length === 0) throw new UsageError('run needs at least one file, folder or glob');
  const reporters = parseReporters(many('--reporter'));
  const vars: Record<string, string> = {};
  for (const kv of many('--var')) {
    const [k, v] = keyValue(kv, '--var');
    vars[k] = v;
  }
  const secrets: Record<string, string> = {};
  for (const kv of many('--secret')) {
    const [k, v] = keyValue(kv, '--secret');
    secrets[k] = v;
  }
  const jobs = Number(one('--jobs') ?? 1);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256)
    throw new UsageError('--jobs must be a whole number from 1 to 256');
  let shard: RunArgs['shard'];
  const shardText = one('--shard');
  if (shardText !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(shardText);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2]))
      throw new UsageError(`--shard expects I/N with 1 <= I <= N, got ${shardText}`);
    shard = { index: Number(m[1]), total: Number(m[2]) };
  }
  let timeoutMs: number | undefined;
  const timeoutText = one('--timeout');
  if (timeoutText !== undefined) {
    try {
      timeoutMs = parseDuration(timeoutText, '--timeout');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return {
    command: 'run',
    paths: positional,
    envFiles: many('--env-file'),
    env: one('--env'),
    config: one('--config'),
    vars,
    secrets,
    reporters: reporters.length ? (reporters as ReporterName[]) : ['pretty'],
    output: one('--output'),
    outputs: many('--output'),
    bail: flags.has('--bail'),
    jobs,
    grep: one('--grep'),
    tags: many('--tag'),
    shard,
    timeoutMs,
    color: flags.has('--no-color') ? false : flags.has('--color') ? true : undefined,
    root: one('--root'),
    allowOutside: many('--allow-outside'),
    limits,
  };
}
