/**
 * `testmesh debug-adapter`: the flow debugger over the Debug Adapter Protocol on stdin/stdout,
 * for DAP clients outside VS Code (nvim-dap, Emacs dap-mode, ...). Launch arguments are those of
 * a `testmesh` launch configuration; relative paths are taken from the working directory.
 * Nothing but protocol messages goes to stdout.
 */
import { directLauncher } from '../core/debug/launcher';
import { FlowDebugSession } from '../core/debug/adapter';
import type { Io } from './run';

export const DEBUG_ADAPTER_USAGE = `Usage: testmesh debug-adapter

Speaks the Debug Adapter Protocol on stdin/stdout. Launch arguments:
  flow          path of the flow file (required; relative to the working directory)
  envFile       a .env file whose values are the environment
  environment   a named environment of the workspace (.env.<name>)
  variables     run variables, an object
  stopOnEntry   stop before the first step (default false)
  stopAtStep    stop before the step with this id`;

export async function debugAdapterCommand(argv: readonly string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stderr.write(`${DEBUG_ADAPTER_USAGE}\n`);
    return 0;
  }
  if (argv.length) {
    io.stderr.write(
      `testmesh debug-adapter: unexpected argument '${argv[0]}' (launch arguments come from the DAP client)\n\n${DEBUG_ADAPTER_USAGE}\n`,
    );
    return 2;
  }
  const session = new FlowDebugSession(directLauncher(io.cwd));
  session.start(process.stdin, process.stdout);
  await session.closed;
  // The client may keep its end of the pipe open: stop reading so the process can exit.
  process.stdin.destroy();
  return 0;
}
