/**
 * Status bar: is the local API up (and on which port), and how many executions are running.
 * A click offers: copy the URL, copy the token, open the web UI in the browser, show the log.
 */
import type { LocalApi } from './localApi';
import type { Log } from './log';
import type { VSCode, vscode } from './vscodeTypes';

export const COMMAND_SERVER_ACTIONS = 'testmesh.serverActions';

export class ServerStatus {
  readonly item: vscode.StatusBarItem;
  private active = 0;

  constructor(
    private readonly vscode: VSCode,
    private readonly api: LocalApi,
    private readonly log: Log,
  ) {
    this.item = vscode.window.createStatusBarItem('testmesh.server', vscode.StatusBarAlignment.Left, 41);
    this.item.name = 'TestMesh local API';
    this.item.command = COMMAND_SERVER_ACTIONS;
    this.render();
    // Shown once the workspace turns out to use TestMesh (see TestMeshExtension.startInBackground).
  }

  setActiveRuns(count: number): void {
    this.active = count;
    this.render();
  }

  render(): void {
    const state = this.api.state();
    const running = this.active > 0 ? ` $(sync~spin) ${this.active}` : '';
    if (state.url) {
      this.item.text = `$(radio-tower) TestMesh :${state.port}${running}`;
      this.item.tooltip = `TestMesh local API on ${state.url}\n${this.active} execution(s) running\nClick to copy the URL or token, or open the web UI`;
      this.item.backgroundColor = undefined;
    } else if (state.enabled && state.error) {
      this.item.text = `$(warning) TestMesh API${running}`;
      this.item.tooltip = `TestMesh local API did not start: ${state.error}`;
      this.item.backgroundColor = new this.vscode.ThemeColor('statusBarItem.warningBackground');
    } else {
      this.item.text = `$(beaker) TestMesh${running}`;
      this.item.tooltip = state.enabled
        ? 'TestMesh local API is starting'
        : 'TestMesh local API is off (testmesh.server.enabled)';
      this.item.backgroundColor = undefined;
    }
  }

  /** The quick pick behind the status bar item. */
  async showActions(): Promise<void> {
    const url = this.api.url();
    type Action = vscode.QuickPickItem & { run: () => unknown };
    const actions: Action[] = [];
    if (url) {
      actions.push(
        {
          label: '$(copy) Copy server URL',
          description: url,
          run: () => this.vscode.commands.executeCommand('testmesh.copyServerUrl'),
        },
        {
          label: '$(key) Copy server token',
          run: () => this.vscode.commands.executeCommand('testmesh.copyServerToken'),
        },
        { label: '$(globe) Open the web UI in the browser', run: () => this.openInBrowser() },
      );
    } else {
      actions.push({
        label: '$(gear) Local API settings',
        run: () => this.vscode.commands.executeCommand('workbench.action.openSettings', 'testmesh.server'),
      });
    }
    actions.push(
      { label: '$(output) Show TestMesh log', run: () => this.log.show(true) },
      {
        label: '$(debug-stop) Cancel all running executions',
        run: () => this.vscode.commands.executeCommand('testmesh.cancelAll'),
      },
    );
    const picked = await this.vscode.window.showQuickPick(actions, { title: 'TestMesh' });
    await picked?.run();
  }

  /** The page reads the token from the fragment (never sent to a server or a log). */
  async openInBrowser(): Promise<void> {
    const url = this.api.url();
    const token = this.api.token();
    if (!url || !token) return;
    const external = await this.vscode.env.asExternalUri(this.vscode.Uri.parse(url));
    await this.vscode.env.openExternal(external.with({ fragment: `token=${token}` }));
  }

  dispose(): void {
    this.item.dispose();
  }
}
