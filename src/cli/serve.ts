/**
 * `testmesh serve`: the local REST + WebSocket API and the web UI outside VS Code. Runs until
 * SIGINT/SIGTERM (or `stop` aborts), then cancels running executions (teardown runs), flushes
 * history and exits 0.
 */
import { realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { closeSharedDispatcher } from '../core/engine/dispatcher';
import { secretValues } from '../core/secrets';
import { errorMessage, TestMeshError } from '../core/errors';
import { ExecutionManager } from '../core/executions';
import { defaultHistoryDir } from '../core/history/location';
import { openRunArchive } from '../core/history/openRunArchive';
import type { RunArchive } from '../core/history/runArchive';
import { HistoryStore } from '../core/history/store';
import { startServer } from '../server/server';
import type { ServeArgs } from './args';
import { cannotRun, readEnvFiles } from './commandLine';
import { EXIT_INVALID, type Io } from './run';

export async function serveCommand(args: ServeArgs, io: Io, stop?: AbortSignal): Promise<number> {
  const workspace = resolve(io.cwd, args.workspace);
  const historyDir = args.historyDir ? resolve(io.cwd, args.historyDir) : defaultHistoryDir(workspace);
  let environment: Record<string, string>;
  try {
    environment = await readEnvFiles(args.envFiles, io);
  } catch (err) {
    return cannotRun(io, err);
  }

  const secrets = secretValues({ environment });
  const tokenFile = join(historyDir, 'token');
  const runRetention = { maxRuns: args.historyMaxRuns, maxAgeDays: args.historyMaxDays };
  const onError = (err: Error) => io.stderr.write(`testmesh: history: ${err.message}\n`);
  // The composition root: history store and execution manager are made here and handed to the server.
  let runs: RunArchive | undefined;
  let store: HistoryStore | undefined;
  let server;
  try {
    // Flow ids are relative to the real folder (as the server's own checks see it).
    const realWorkspace = await realpath(workspace).catch(() => {
      throw new TestMeshError(`the workspace folder ${workspace} does not exist`);
    });
    if (args.history) runs = await openRunArchive(args.history, runRetention, onError);
    store = await HistoryStore.open(historyDir, {
      holder: 'testmesh serve',
      staleFiles: [tokenFile],
      runRetention,
      runs,
      onError,
    });
    const manager = new ExecutionManager({
      workspace: realWorkspace,
      store,
      environment,
      secrets,
      allowOutside: args.allowOutside.map((p) => resolve(io.cwd, p)),
      limits: args.limits,
    });
    server = await startServer({ workspace, port: args.port, manager, tokenFile });
  } catch (err) {
    await (store ?? runs)?.close().catch(() => undefined);
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
      `  Long history: ${server.manager.store.runs.location}`,
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
  await server.manager.close();
  await store.close();
  await closeSharedDispatcher();
  io.stderr.write('testmesh: stopped\n');
  return 0;
}
