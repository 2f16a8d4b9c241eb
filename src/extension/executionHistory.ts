/**
 * Opens this window's history store and execution manager (the composition root hands this to
 * LocalApi, which calls it on first use). History lives in the extension's per-workspace storage;
 * its long history can go to a team's PostgreSQL (`testmesh.history.postgres`). Settings
 * `testmesh.history.maxRuns` / `maxAgeDays` bound the long history.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../core/errors';
import type { ExecutionManager } from '../core/executions';
import type { RunRetention } from '../core/history/runArchive';
import type { HistoryStore } from '../core/history/store';
import type { Log } from './log';
import { readSettings, SECTION } from './settings';
import type { VSCode, vscode } from './vscodeTypes';

export interface ExecutionHistory {
  manager: ExecutionManager;
  store: HistoryStore;
  /** Folder of the event logs, when on disk. */
  historyDir?: string;
  /** Where the long history is (folder file, `memory`, or the PostgreSQL address without password). */
  runsLocation: string;
}

export interface HistorySettings {
  retention: RunRetention;
  /** `postgres://…` of a shared long history, or undefined. */
  postgres?: string;
}

function readHistorySettings(vscode: VSCode): HistorySettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const maxRuns = config.get<unknown>('history.maxRuns');
  const maxAgeDays = config.get<unknown>('history.maxAgeDays');
  const postgres = config.get<unknown>('history.postgres');
  const whole = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);
  return {
    retention: { maxRuns: whole(maxRuns), maxAgeDays: whole(maxAgeDays) },
    postgres: typeof postgres === 'string' && postgres.trim() ? postgres.trim() : undefined,
  };
}

/** The first workspace folder; without one, a folder of the extension's own storage. */
async function workspaceFolder(
  vscode: VSCode,
  context: Pick<vscode.ExtensionContext, 'globalStorageUri'>,
): Promise<string> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (folder) return folder.uri.fsPath;
  const fallback = join(context.globalStorageUri.fsPath, 'no-workspace');
  await mkdir(fallback, { recursive: true });
  return fallback;
}

export async function openExecutionHistory(
  vscode: VSCode,
  context: Pick<vscode.ExtensionContext, 'storageUri' | 'globalStorageUri'>,
  log: Log,
): Promise<ExecutionHistory> {
  // Loaded here, not at activation: the engine (HTTP client, database driver) and the server
  // are most of the bundle's start-up cost.
  const [{ ExecutionManager }, { HistoryStore }, { openRunArchive }] = await Promise.all([
    import('../core/executions'),
    import('../core/history/store'),
    import('../core/history/openRunArchive'),
  ]);
  const workspace = await workspaceFolder(vscode, context);
  const settings = readHistorySettings(vscode);
  const onError = (err: Error) => log.warn(`history: ${err.message}`);
  let runs;
  if (settings.postgres) {
    try {
      runs = await openRunArchive(settings.postgres, settings.retention, onError);
    } catch (err) {
      log.error(`cannot open the shared history (testmesh.history.postgres): ${errorMessage(err)}; keeping it locally`);
    }
  }
  let store: HistoryStore;
  let historyDir: string | undefined;
  if (context.storageUri) {
    historyDir = join(context.storageUri.fsPath, 'history');
    try {
      store = await HistoryStore.open(historyDir, {
        holder: 'the TestMesh VS Code extension',
        onError,
        runRetention: settings.retention,
        runs,
      });
    } catch (err) {
      log.error(`cannot open history in ${historyDir}: ${errorMessage(err)}; keeping it in memory`);
      historyDir = undefined;
      store = HistoryStore.memory({ runRetention: settings.retention, runs });
    }
  } else {
    store = HistoryStore.memory({ runRetention: settings.retention, runs });
  }
  const manager = new ExecutionManager({
    workspace,
    store,
    allowOutside: () => readSettings(vscode).allowOutsideWorkspace,
  });
  log.info(`executions of ${workspace}; history ${historyDir ?? 'in memory'}; long history ${store.runs.location}`);
  return { manager, store, historyDir, runsLocation: store.runs.location };
}
