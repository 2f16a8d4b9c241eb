/**
 * The execution detail panel: the web UI (media/index.html + webview.js + webview.css) inside a
 * webview, with a strict CSP (scripts only with this load's nonce, nothing fetched from the
 * network), `localResourceRoots` limited to media/, and the VS Code theme's CSS variables.
 * The page talks to the host by messages (src/webview/protocol.ts); this is the host side,
 * answering from the ExecutionManager and pushing live events. A serializer brings the panel back
 * after a window reload, on the view it showed.
 */
import { answerAnalytics, isAnalyticsKind } from '../core/analytics/answer';
import { bulkExecutions } from '../core/bulkExecutions';
import { bulkFlows, parseBulkFlowRequest, undoBulkFlows } from '../core/bulkFlows';
import { parseRunFilter } from '../core/history/runFilter';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ExecutionEvent } from '../core/events';
import type { ExecutionManager } from '../core/executions';
import { TestMeshError } from '../core/errors';
import { follow } from '../core/follow';
import { flowIdFor } from '../core/workspaceFlows';
import { formatRoute } from '../webview/route';
import { answerRequest, isRequestMessage, type HostToWebviewMessage, type RequestHandlers } from '../webview/protocol';
import type { FlowIndex } from './discovery';
import type { Log } from './log';
import type { RunInputs } from './runs';
import type { VSCode, vscode } from './vscodeTypes';

export const PANEL_VIEW_TYPE = 'testmesh.execution';

export interface PanelDependencies {
  vscode: VSCode;
  extensionUri: vscode.Uri;
  log: Log;
  manager: () => Promise<ExecutionManager>;
  index: FlowIndex;
  inputs: () => Promise<RunInputs>;
  /** Copies a step of an execution as curl (copyAsCurl.ts). */
  copyAsCurl?: (executionId: string, stepId: string, attempt?: number) => Promise<unknown>;
}

/** Fills media/index.html for a webview: asset URIs, nonce on scripts, CSP, the first route. */
export function webviewHtml(
  template: string,
  options: { cspSource: string; nonce: string; asset: (name: string) => string; route?: string },
): string {
  const { cspSource, nonce } = options;
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
  let html = template.replace(/<meta\s+http-equiv=["']Content-Security-Policy["'][^>]*>\s*/gi, '');
  // Relative asset references (no scheme, no leading / or #) point into media/.
  html = html.replace(
    /\b(src|href)="(?![a-z][a-z0-9+.-]*:|\/|#)([^"]+)"/gi,
    (_m, attr: string, name: string) => `${attr}="${escapeAttribute(options.asset(name))}"`,
  );
  html = html.replace(/<script\b(?![^>]*\bnonce=)/gi, `<script nonce="${nonce}"`);
  html = html.replace(/<head([^>]*)>/i, `<head$1>\n    <meta http-equiv="Content-Security-Policy" content="${csp}" />`);
  if (options.route) html = html.replace(/<body([^>]*)>/i, `<body$1 data-route="${escapeAttribute(options.route)}">`);
  return html;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function executionRoute(executionId: string | undefined, stepId?: string): string {
  return executionId ? formatRoute({ view: 'execution', executionId, stepId }) : formatRoute({ view: 'list' });
}

export class ExecutionPanel {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private pendingRoute: string | undefined;
  private readonly subscriptions = new Map<number, () => void>();
  private panelDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  /** The route shown now, for the test hook. */
  route: string | undefined;

  constructor(private readonly deps: PanelDependencies) {
    const self = this;
    this.disposables.push(
      deps.vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
          const hash = (state as { hash?: unknown } | undefined)?.hash;
          await self.adopt(panel, typeof hash === 'string' ? hash : undefined);
        },
      }),
    );
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Opens (or reveals) the panel on an execution (and one of its steps), or on the list when no id is given. */
  async show(executionId?: string, options: { preserveFocus?: boolean; stepId?: string } = {}): Promise<void> {
    const route = executionRoute(executionId, options.stepId);
    if (this.panel) {
      this.panel.reveal(undefined, options.preserveFocus);
      this.navigate(route);
      return;
    }
    const panel = this.deps.vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      'TestMesh execution',
      { viewColumn: this.deps.vscode.ViewColumn.Beside, preserveFocus: options.preserveFocus ?? false },
      this.webviewOptions(),
    );
    await this.adopt(panel, route);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      retainContextWhenHidden: true,
      localResourceRoots: [this.mediaUri()],
    };
  }

  private mediaUri(): vscode.Uri {
    return this.deps.vscode.Uri.joinPath(this.deps.extensionUri, 'media');
  }

  private async adopt(panel: vscode.WebviewPanel, route: string | undefined): Promise<void> {
    this.panel?.dispose();
    this.panel = panel;
    this.ready = false;
    this.pendingRoute = undefined;
    this.route = route;
    panel.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [this.mediaUri()] };
    this.panelDisposables = [
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      panel.onDidDispose(() => this.closed(panel)),
    ];
    panel.webview.html = await this.html(panel.webview, route);
  }

  private async html(webview: vscode.Webview, route: string | undefined): Promise<string> {
    const indexFile = this.deps.vscode.Uri.joinPath(this.mediaUri(), 'index.html');
    let template: string;
    try {
      template = await readFile(indexFile.fsPath, 'utf8');
    } catch {
      template =
        '<!doctype html><html><head><meta charset="utf-8"></head><body><p>The TestMesh web UI is not built (media/index.html is missing).</p></body></html>';
    }
    const nonce = randomBytes(18).toString('base64');
    return webviewHtml(template, {
      cspSource: webview.cspSource,
      nonce,
      route,
      asset: (name) =>
        webview.asWebviewUri(this.deps.vscode.Uri.joinPath(this.mediaUri(), ...name.split('/'))).toString(),
    });
  }

  private closed(panel: vscode.WebviewPanel): void {
    if (this.panel !== panel) return;
    for (const off of this.subscriptions.values()) off();
    this.subscriptions.clear();
    for (const d of this.panelDisposables) d.dispose();
    this.panelDisposables = [];
    this.panel = undefined;
    this.route = undefined;
  }

  private navigate(route: string): void {
    this.route = route;
    if (this.ready) this.post({ kind: 'navigate', route });
    else this.pendingRoute = route;
  }

  private post(message: HostToWebviewMessage): void {
    void this.panel?.webview.postMessage(message).then(undefined, () => undefined);
  }

  private receive(message: unknown): void {
    if (typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === 'ready') {
      this.ready = true;
      if (this.pendingRoute) this.post({ kind: 'navigate', route: this.pendingRoute });
      this.pendingRoute = undefined;
      return;
    }
    if (!isRequestMessage(message)) return;
    void answerRequest(this.handlers(), message).then((response) => this.post(response));
  }

  /** The host side of the protocol, answered from the manager. */
  handlers(): RequestHandlers {
    const { manager: getManager, index, inputs } = this.deps;
    return {
      analytics: async ({ kind, query }) => {
        if (!isAnalyticsKind(kind)) throw new TestMeshError(`unknown analytics ${JSON.stringify(kind)}`);
        return answerAnalytics((await getManager()).store.runs, kind, query);
      },
      listExecutions: async ({ limit, offset, ...filter }) => {
        const page = await (await getManager()).search({ ...parseRunFilter(filter), limit, offset });
        return { executions: page.executions, total: page.total };
      },
      bulkExecutions: async ({ action, body }) => bulkExecutions(await getManager(), action, body, 'editor'),
      bulkFlows: async ({ operation, body }) => {
        const workspace = (await getManager()).workspace;
        return bulkFlows(workspace, operation, parseBulkFlowRequest(operation, body));
      },
      undoBulkFlows: async ({ preview }) => undoBulkFlows((await getManager()).workspace, preview === true),
      getSummary: async ({ execution_id }) => {
        const execution = (await getManager()).get(execution_id);
        if (!execution) throw new TestMeshError(`no execution ${execution_id}`);
        return execution;
      },
      getExecution: async ({ execution_id }) => {
        const manager = await getManager();
        const execution = manager.get(execution_id);
        if (!execution) throw new TestMeshError(`no execution ${execution_id}`);
        return {
          execution,
          steps: (await manager.steps(execution_id)) ?? [],
          logs: (await manager.logs(execution_id)) ?? [],
        };
      },
      getStepDetail: async ({ execution_id, step_id }) => {
        const details = await (await getManager()).stepDetail(execution_id, step_id);
        if (!details) throw new TestMeshError(`no execution ${execution_id}`);
        return details;
      },
      listFlows: async () => {
        const manager = await getManager();
        return index
          .all()
          .filter((f) => f.flow)
          .map((f) => ({
            id: flowIdFor(manager.workspace, f.uri.fsPath),
            name: f.flow!.name,
            file: f.relativePath,
            tags: f.flow!.tags ?? [],
            errors: f.diagnostics.filter((d) => d.severity === 'error').length,
          }));
      },
      trigger: async ({ flow_id, variables }) => {
        const manager = await getManager();
        const file = index.all().find((f) => f.flow && flowIdFor(manager.workspace, f.uri.fsPath) === flow_id);
        const run = await inputs();
        // The editor's text of the flow (it may be unsaved), the picked environment and the secrets.
        return manager.start({
          ...(file?.flow ? { flow: file.flow, flow_id } : { flow_id }),
          environment: run.environment,
          variables: { ...run.variables, ...(variables ?? {}) },
          secrets: run.secrets,
          trigger: 'editor',
        });
      },
      cancel: async ({ execution_id }) => {
        const manager = await getManager();
        if (!manager.cancel(execution_id)) throw new TestMeshError(`no execution ${execution_id}`);
        return null;
      },
      subscribe: async ({ subscription, execution_id, since }) => {
        const manager = await getManager();
        this.subscriptions.get(subscription)?.();
        const send = (event: ExecutionEvent) => this.post({ kind: 'event', subscription, event });
        if (execution_id === undefined) {
          this.subscriptions.set(
            subscription,
            manager.subscribe((event) => send(event)),
          );
          return null;
        }
        if (!manager.get(execution_id)) throw new TestMeshError(`no execution ${execution_id}`);
        // The answer goes out before the events (follow delivers on a later turn), so the page knows the subscription is live.
        const following = follow(manager, execution_id, since, send);
        this.subscriptions.set(subscription, following.stop);
        await following.ready;
        return null;
      },
      copyAsCurl: async ({ execution_id, step_id, attempt }) => {
        if (typeof execution_id !== 'string' || typeof step_id !== 'string')
          throw new TestMeshError('copyAsCurl needs execution_id and step_id');
        if (attempt !== undefined && !(Number.isInteger(attempt) && attempt >= 0))
          throw new TestMeshError('copyAsCurl: attempt must be a whole number');
        if (!this.deps.copyAsCurl) throw new TestMeshError('copy as curl is not available here');
        // The extension says why in a message when it copied nothing; the page shows "Not copied".
        if (!(await this.deps.copyAsCurl(execution_id, step_id, attempt)))
          throw new TestMeshError('nothing was copied');
        return null;
      },
      unsubscribe: async ({ subscription }) => {
        this.subscriptions.get(subscription)?.();
        this.subscriptions.delete(subscription);
        return null;
      },
    };
  }
}
