/** Command-line parsing for `testmesh`: small, strict, and with messages that say what to type. */
import { parseDuration } from '../core/duration';
import type { RunLimits } from '../core/engine/runLimits';
import { colorFlag, keyValueFlags, parseFlags, UsageError, wholeNumberFlag, type FlagSpec } from './flags';

export { UsageError };

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
  /** What about TestMesh's own options this run does differently, said once before it starts. */
  notices?: string[];
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
  testmesh merge-reports <dir> [--reporter NAME]... [--output FILE]...
                                                 merge the JSON reports of --shard jobs into one
  testmesh watch [paths...] [options for run]    re-run the flows a saved file affects (Ctrl-C stops)
  testmesh report [--execution ID | --last N | --flow FILE] [--history-dir DIR] [--workspace DIR]
                  [--reporter NAME]... [--output FILE]...
                                                 render past executions from the history
  testmesh import <file|-> [--from FORMAT]       flows from curl, Postman, OpenAPI or HAR (import --help)
  testmesh export <paths...> --to FORMAT         flows as curl, Postman or OpenAPI (export --help)

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
  TestMesh's own options work as in its CLI: -e NAME (= --env; without a .testmesh.yaml it is
  ignored, as TestMesh's local runner ignores it), -v/--verbose and --api-url (no effect on a
  local run), --graph (not supported: said, then ignored); --remote is refused.

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

/** The options each command built into `parseArgs` takes. */
const COMMAND_FLAGS: Record<'run' | 'validate' | 'serve' | 'init', FlagSpec> = {
  run: {
    values: [
      '--env',
      '--config',
      '--env-file',
      '--var',
      '--secret',
      '--reporter',
      '--output',
      '--jobs',
      '--grep',
      '--tag',
      '--shard',
      '--timeout',
      '--root',
      '--allow-outside',
      '--max-events',
      '--max-iterations',
      '--api-url',
    ],
    // TestMesh's CLI options (its cli/cmd/run.go and root.go), so its users' scripts run unchanged.
    booleans: ['--bail', '--no-color', '--color', '--verbose', '--graph', '--remote'],
    aliases: { '-e': '--env', '-v': '--verbose' },
  },
  // --verbose, --config and --api-url: TestMesh's global options, accepted and without effect here.
  validate: { values: ['--config', '--api-url'], booleans: ['--json', '--verbose'], aliases: { '-v': '--verbose' } },
  serve: {
    values: [
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
  },
  init: { values: [] },
};

/** TestMesh's global options, which its CLI takes before the command too (`testmesh -v run x.yaml`). */
const GLOBAL_VALUES = ['--config', '--api-url'];
const GLOBAL_BOOLEANS = ['--verbose', '-v'];

/** Moves TestMesh's global options written before the command to after it, where each command reads them. */
function liftGlobalOptions(argv: readonly string[]): readonly string[] {
  let i = 0;
  for (;;) {
    const arg = argv[i] ?? '';
    if (GLOBAL_BOOLEANS.includes(arg) || GLOBAL_VALUES.some((name) => arg.startsWith(`${name}=`))) i += 1;
    else if (GLOBAL_VALUES.includes(arg) && i + 1 < argv.length) i += 2;
    else break;
  }
  return i === 0 ? argv : [...argv.slice(i), ...argv.slice(0, i)];
}

/** `shownAs` names the command in messages when another command reuses these options (`watch`). */
export function parseArgs(argv: readonly string[], shownAs?: string): CliArgs {
  const [command, ...rest] = liftGlobalOptions(argv);
  if (!command || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === '--version' || command === 'version') return { command: 'version' };
  if (!Object.hasOwn(COMMAND_FLAGS, command)) throw new UsageError(`unknown command '${command}'`);
  const flags = parseFlags(shownAs ?? command, rest, COMMAND_FLAGS[command as keyof typeof COMMAND_FLAGS]);
  const positional = flags.positional;
  const limits: Partial<RunLimits> = {};
  const maxEvents = wholeNumberFlag(flags, '--max-events');
  if (maxEvents !== undefined) limits.maxEvents = maxEvents;
  const maxIterations = wholeNumberFlag(flags, '--max-iterations');
  if (maxIterations !== undefined) limits.maxIterations = maxIterations;

  if (command === 'validate') {
    if (positional.length === 0) throw new UsageError('validate needs at least one file, folder or glob');
    return { command, paths: positional, json: flags.has('--json') };
  }
  if (command === 'init') {
    if (positional.length > 1) throw new UsageError('init takes at most one folder');
    return { command, dir: positional[0] ?? '.' };
  }
  if (command === 'serve') {
    const port = wholeNumberFlag(flags, '--port', { min: 0, max: 65535 }) ?? 0;
    const history = flags.one('--history');
    if (history !== undefined && !/^postgres(ql)?:\/\//i.test(history))
      throw new UsageError('--history takes a PostgreSQL address: postgres://user:password@host:5432/db');
    return {
      command,
      port,
      workspace: flags.one('--workspace') ?? process.cwd(),
      historyDir: flags.one('--history-dir'),
      history,
      historyMaxRuns: wholeNumberFlag(flags, '--history-max-runs'),
      historyMaxDays: wholeNumberFlag(flags, '--history-max-days'),
      envFiles: flags.many('--env-file'),
      allowOutside: flags.many('--allow-outside'),
      limits,
    };
  }

  if (positional.length === 0) throw new UsageError('run needs at least one file, folder or glob');
  if (flags.has('--remote'))
    throw new UsageError(
      "--remote sends the flow to a TestMesh API server to run; this runner runs flows itself: leave --remote out (the local API is 'testmesh serve')",
    );
  const notices: string[] = [];
  if (flags.has('--graph'))
    notices.push(
      '--graph (graph-aware execution: service: and endpoint: references) is not supported here; running without it',
    );
  const reporters = parseReporters(flags.many('--reporter'));
  const vars = keyValueFlags(flags, '--var');
  const secrets = keyValueFlags(flags, '--secret');
  const jobs = wholeNumberFlag(flags, '--jobs', { min: 1, max: 256 }) ?? 1;
  let shard: RunArgs['shard'];
  const shardText = flags.one('--shard');
  if (shardText !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(shardText);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2]))
      throw new UsageError(`--shard expects I/N with 1 <= I <= N, got ${shardText}`);
    shard = { index: Number(m[1]), total: Number(m[2]) };
  }
  let timeoutMs: number | undefined;
  const timeoutText = flags.one('--timeout');
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
    envFiles: flags.many('--env-file'),
    env: flags.one('--env'),
    config: flags.one('--config'),
    vars,
    secrets,
    reporters: reporters.length ? (reporters as ReporterName[]) : ['pretty'],
    output: flags.one('--output'),
    outputs: flags.many('--output'),
    bail: flags.has('--bail'),
    jobs,
    grep: flags.one('--grep'),
    tags: flags.many('--tag'),
    shard,
    timeoutMs,
    color: colorFlag(flags),
    root: flags.one('--root'),
    allowOutside: flags.many('--allow-outside'),
    limits,
    ...(notices.length ? { notices } : {}),
  };
}
