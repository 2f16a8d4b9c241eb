/**
 * The execution manager of this window, and the local REST + WebSocket server in front of it
 * (settings `testmesh.server.enabled`, `testmesh.server.port`; 0 = any free port). Editor runs and
 * REST runs go through the same manager, so each sees the other's. History is kept in the
 * extension's per-workspace storage, opened by the composition root's `openHistory` on first use
 * (see executionHistory.ts); the session token is written to a file (mode 0600) in the
 * extension's global storage, for tools that want to call the API.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { errorMessage } from '../core/errors';
import type { ExecutionManager } from '../core/executions';
import type { HistoryStore } from '../core/history/store';
import type { RunningServer } from '../server/server';
import type { ExecutionHistory } from './executionHistory';
import type { Log } from './log';
import { readSettings } from './settings';
import type { VSCode, vscode } from './vscodeTypes';

export interface LocalApiState {
  enabled: boolean;
  /** `http://127.0.0.1:<port>` while the server is up. */
  url?: string;
  port?: number;
  tokenFile?: string;
  /** Why the server is not up, when it should be. */
  error?: string;
  workspace?: string;
  historyDir?: string;
}

export class LocalApi {
  private managerPromise: Promise<ExecutionManager> | undefined;
  private manager: ExecutionManager | undefined;
  private store: HistoryStore | undefined;
  private server: RunningServer | undefined;
  private error: string | undefined;
  private historyDir: string | undefined;
  private serverTask: Promise<void> = Promise.resolve();
  private readonly emitter: vscode.EventEmitter<void>;
  readonly onDidChange: vscode.Event<void>;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    private readonly vscode: VSCode,
    private readonly context: Pick<vscode.ExtensionContext, 'storageUri' | 'globalStorageUri' | 'extensionUri'>,
    private readonly log: Log,
    /** Opens the manager and its history store (given by the composition root; called once, on first use). */
    private readonly openHistory: () => Promise<ExecutionHistory>,
  ) {
    this.emitter = new vscode.EventEmitter<void>();
    this.onDidChange = this.emitter.event;
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('testmesh.server')) void this.restartServer();
      }),
    );
  }

  /** The manager, created on first use (history opened from storage). */
  getManager(): Promise<ExecutionManager> {
    this.managerPromise ??= this.createManager();
    return this.managerPromise;
  }

  /** The manager if it exists already. */
  currentManager(): ExecutionManager | undefined {
    return this.manager;
  }

  /** Creates the manager and starts the server when enabled. */
  async start(): Promise<void> {
    await this.getManager();
    await this.restartServer();
  }

  state(): LocalApiState {
    const enabled = readSettings(this.vscode).serverEnabled;
    return {
      enabled,
      url: this.server?.url,
      port: this.server?.port,
      tokenFile: this.server?.tokenFile,
      error: this.error,
      workspace: this.manager?.workspace,
      historyDir: this.historyDir,
    };
  }

  url(): string | undefined {
    return this.server?.url;
  }

  token(): string | undefined {
    return this.server?.token;
  }

  /** Stops the server, cancels running executions (teardowns run) and flushes history. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const d of this.disposables) d.dispose();
    await this.serverTask.catch(() => undefined);
    await this.server?.close().catch(() => undefined);
    this.server = undefined;
    await this.manager?.close().catch(() => undefined);
    await this.store?.close().catch(() => undefined);
    this.emitter.dispose();
  }

  private async createManager(): Promise<ExecutionManager> {
    const history = await this.openHistory();
    this.store = history.store;
    this.historyDir = history.historyDir;
    this.manager = history.manager;
    this.emitter.fire();
    return this.manager;
  }

  private restartServer(): Promise<void> {
    this.serverTask = this.serverTask.then(() => this.applyServerSettings()).catch(() => undefined);
    return this.serverTask;
  }

  private async applyServerSettings(): Promise<void> {
    if (this.disposed) return;
    const settings = readSettings(this.vscode);
    if (
      this.server &&
      (!settings.serverEnabled || (settings.serverPort !== 0 && settings.serverPort !== this.server.port))
    ) {
      await this.server.close().catch(() => undefined);
      this.log.info('local API stopped');
      this.server = undefined;
    }
    this.error = undefined;
    if (settings.serverEnabled && !this.server) {
      const manager = await this.getManager();
      const tokenFile = join(
        this.context.globalStorageUri.fsPath,
        `server-${createHash('sha256').update(manager.workspace).digest('hex').slice(0, 16)}.token`,
      );
      try {
        const { startServer } = await import('../server/server');
        this.server = await startServer({
          workspace: manager.workspace,
          port: settings.serverPort,
          manager,
          tokenFile,
          staticDir: this.vscode.Uri.joinPath(this.context.extensionUri, 'media').fsPath,
        });
        this.log.info(`local API listening on ${this.server.url} (token in ${tokenFile})`);
      } catch (err) {
        this.error = errorMessage(err);
        this.log.error(`local API did not start: ${this.error}`);
      }
    }
    this.emitter.fire();
  }
}
