/** The `testmesh` command line: run, validate and serve flows. */
import { parseArgs, UsageError, USAGE } from './args';
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
      const stop = new AbortController();
      const onSigint = () => {
        if (stop.signal.aborted) process.exit(130);
        stop.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        return await watchCommand(watchArgs, io, stop.signal);
      } finally {
        process.off('SIGINT', onSigint);
      }
    }
    if (argv[0] === 'report') {
      const { reportCommand, parseReportArgs } = await import('./historyReport');
      return await reportCommand(parseReportArgs(argv.slice(1)), io);
    }
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`testmesh: ${err.message}\n\n${USAGE}\n`);
      return EXIT_INVALID;
    }
    throw err;
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
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        io.stderr.write('\ntestmesh: cancelling (teardown runs; Ctrl-C again to exit now)\n');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        return await runCommand(args, io, controller.signal);
      } finally {
        process.off('SIGINT', onSigint);
      }
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
