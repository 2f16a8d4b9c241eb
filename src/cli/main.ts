/** The `testmesh` command line: run, validate and serve flows. */
import { parseArgs, USAGE } from './args';
import { usageMistake } from './commandLine';
import { EXIT_INVALID, runCommand, type Io } from './run';
import { validateCommand } from './validate';

declare const TESTMESH_VERSION: string | undefined;

export async function main(argv: readonly string[], io: Io): Promise<number> {
  if (argv[0] === 'debug-adapter') {
    const { debugAdapterCommand } = await import('./debugAdapter');
    return debugAdapterCommand(argv.slice(1), io);
  }
  if (argv[0] === 'import') {
    const { importCommand } = await import('./import');
    return importCommand(argv.slice(1), io);
  }
  if (argv[0] === 'export') {
    const { exportCommand } = await import('./export');
    return exportCommand(argv.slice(1), io);
  }
  let args;
  try {
    if (argv[0] === 'merge-reports') {
      const { mergeReportsCommand, parseMergeArgs } = await import('./mergeReports');
      return await mergeReportsCommand(parseMergeArgs(argv.slice(1)), io);
    }
    if (argv[0] === 'watch') {
      const { parseWatchArgs, watchCommand } = await import('./watch');
      const watchArgs = parseWatchArgs(argv.slice(1));
      // Ctrl-C stops the run in flight (teardown runs) and the watch; a second one exits at once.
      return await untilCtrlC((signal) => watchCommand(watchArgs, io, signal));
    }
    if (argv[0] === 'report') {
      const { reportCommand, parseReportArgs } = await import('./historyReport');
      return await reportCommand(parseReportArgs(argv.slice(1)), io);
    }
    args = parseArgs(argv);
  } catch (err) {
    return usageMistake(io, err, USAGE);
  }
  switch (args.command) {
    case 'help':
      io.stdout.write(`${USAGE}\n`);
      return 0;
    case 'version':
      io.stdout.write(`${typeof TESTMESH_VERSION === 'string' ? TESTMESH_VERSION : 'dev'}\n`);
      return 0;
    case 'validate':
      return validateCommand(args, io);
    case 'run': {
      // First Ctrl-C cancels the running flows (their teardown still runs); a second one exits.
      return untilCtrlC(
        (signal) => runCommand(args, io, signal),
        () => io.stderr.write('\ntestmesh: cancelling (teardown runs; Ctrl-C again to exit now)\n'),
      );
    }
    case 'init': {
      const { initCommand } = await import('./init');
      return initCommand(args, io);
    }
    case 'serve': {
      const { serveCommand } = await import('./serve');
      return serveCommand(args, io);
    }
  }
}

/** Runs a command that stops on its signal: the first Ctrl-C aborts it, a second one exits at once (130). */
async function untilCtrlC(command: (signal: AbortSignal) => Promise<number>, onFirst?: () => void): Promise<number> {
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    onFirst?.();
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await command(stop.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

if (require.main === module) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(
        `testmesh: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = EXIT_INVALID;
    },
  );
}
