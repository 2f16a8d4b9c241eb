/**
 * `testmesh serve`: the local REST + WebSocket API and the web UI outside VS Code. Runs until
 * SIGINT/SIGTERM (or `stop` aborts), then cancels running executions (teardown runs), flushes
 * history and exits 0.
 */
import { join, resolve } from 'node:path';
import { closeSharedDispatcher } from '../core/engine/dispatcher';
import { readDotenv } from '../core/dotenv';
import { secretValues } from '../core/secrets';
import { errorMessage, TestMeshError } from '../core/errors';
import { defaultHistoryDir } from '../core/history/location';
import { startServer } from '../server/server';
import type { ServeArgs } from './args';
import { EXIT_INVALID, type Io } from './run';

export async function serveCommand(args: ServeArgs, io: Io, stop?: AbortSignal): Promise<number> {
  const workspace = resolve(io.cwd, args.workspace);
  const historyDir = args.historyDir ? resolve(io.cwd, args.historyDir) : defaultHistoryDir(workspace);
  const environment: Record<string, string> = {};
  for (const envFile of args.envFiles) {
    try {
      for (const [name, value] of Object.entries(await readDotenv(resolve(io.cwd, envFile)))) environment[name] = value;
    } catch (err) {
      io.stderr.write(`testmesh: ${err instanceof TestMeshError ? err.describe() : errorMessage(err)}\n`);
      return EXIT_INVALID;
    }
  }

  const secrets = secretValues({ environment });
  let server;
  try {
    server = await startServer({
      workspace,
      port: args.port,
      historyDir,
      tokenFile: join(historyDir, 'token'),
      environment,
      secrets,
      allowOutside: args.allowOutside.map((p) => resolve(io.cwd, p)),
      limits: args.limits,
    });
  } catch (err) {
    io.stderr.write(`testmesh: cannot start the server: ${errorMessage(err)}\n`);
    return EXIT_INVALID;
  }

  io.stdout.write(
    [
      `TestMesh server for ${workspace}`,
      `  URL:        ${server.url}`,
      `  Token:      ${server.token}`,
      `  Token file: ${server.tokenFile}`,
      `  History:    ${historyDir}`,
      `  Web UI:     ${server.url}/#token=${server.token}`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  await new Promise<void>((done) => {
    const finish = () => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      stop?.removeEventListener('abort', finish);
      done();
    };
    process.on('SIGINT', finish);
    process.on('SIGTERM', finish);
    stop?.addEventListener('abort', finish, { once: true });
    if (stop?.aborted) finish();
  });

  io.stderr.write('testmesh: stopping (running executions are cancelled; teardown runs)\n');
  await server.close();
  await closeSharedDispatcher();
  io.stderr.write('testmesh: stopped\n');
  return 0;
}
