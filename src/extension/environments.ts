/**
 * The environment runs use: a `.env` file of the workspace, picked from the status bar (kept per
 * workspace), plus secrets the user enters with `testmesh.setSecret`. Secrets live in VS Code's
 * SecretStorage only: never in settings, never in history (runs get them as variables AND as
 * values to redact, so events, details and history show `***`).
 */
import { relative } from 'node:path';
import { readDotenv } from '../core/dotenv';
import { TestMeshError } from '../core/errors';
import type { Log } from './log';
import type { RunInputs } from './runs';
import type { VSCode, vscode } from './vscodeTypes';

const SELECTED_KEY = 'testmesh.environmentFile';
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ENV_FILES = '**/{.env,.env.*,*.env}';

export class Environments {
  readonly statusItem: vscode.StatusBarItem;
  private readonly emitter: vscode.EventEmitter<void>;
  readonly onDidChange: vscode.Event<void>;

  constructor(
    private readonly vscode: VSCode,
    private readonly context: Pick<vscode.ExtensionContext, 'workspaceState' | 'secrets'>,
    private readonly log: Log,
  ) {
    this.emitter = new vscode.EventEmitter<void>();
    this.onDidChange = this.emitter.event;
    this.statusItem = vscode.window.createStatusBarItem('testmesh.environment', vscode.StatusBarAlignment.Left, 40);
    this.statusItem.name = 'TestMesh environment';
    this.statusItem.command = 'testmesh.selectEnvironment';
    this.render();
    this.statusItem.show();
  }

  /** Absolute path of the selected .env file. */
  selected(): string | undefined {
    const value = this.context.workspaceState.get<string>(SELECTED_KEY);
    return typeof value === 'string' && value ? value : undefined;
  }

  /** `testmesh.selectEnvironment [path]`: a path (absolute or workspace-relative; '' for none) selects without asking. */
  async select(path?: string): Promise<string | undefined> {
    let chosen: string | undefined;
    if (typeof path === 'string') {
      chosen = path === '' ? undefined : this.absolute(path);
    } else {
      const files = await this.vscode.workspace.findFiles(ENV_FILES, '**/node_modules/**', 500);
      const current = this.selected();
      const items: Array<vscode.QuickPickItem & { path?: string }> = [
        { label: '$(circle-slash) No environment', description: current ? undefined : 'selected', path: undefined },
        ...files
          .map((uri) => uri.fsPath)
          .sort()
          .map((file) => ({ label: this.display(file), description: file === current ? 'selected' : undefined, path: file })),
      ];
      const picked = await this.vscode.window.showQuickPick(items, { title: 'TestMesh environment', placeHolder: 'The .env file whose values every run starts from' });
      if (!picked) return this.selected();
      chosen = picked.path;
    }
    await this.context.workspaceState.update(SELECTED_KEY, chosen);
    this.log.info(chosen ? `environment: ${chosen}` : 'environment: none');
    this.render();
    this.emitter.fire();
    return chosen;
  }

  /**
   * `testmesh.setSecret [name] [value]`: asks for what is missing. An empty value removes the
   * secret. Returns the names of the stored secrets (never their values).
   */
  async setSecret(name?: string, value?: string): Promise<string[]> {
    if (typeof name !== 'string') {
      name = await this.vscode.window.showInputBox({
        title: 'TestMesh secret: name',
        prompt: 'Variable name runs will see (e.g. API_TOKEN)',
        validateInput: (text) => (SECRET_NAME.test(text) ? undefined : 'letters, digits, _ . - ; starting with a letter or _'),
      });
      if (name === undefined) return this.secretNames();
    }
    if (!SECRET_NAME.test(name)) throw new TestMeshError(`'${name}' is not a valid variable name`);
    if (typeof value !== 'string') {
      value = await this.vscode.window.showInputBox({ title: `TestMesh secret: value of ${name}`, prompt: 'Kept in VS Code secret storage; leave empty to remove', password: true });
      if (value === undefined) return this.secretNames();
    }
    const secrets = await this.readSecrets();
    if (value === '') delete secrets[name];
    else secrets[name] = value;
    await this.context.secrets.store(this.secretsKey(), JSON.stringify(secrets));
    this.log.info(value === '' ? `secret ${name} removed` : `secret ${name} stored`);
    this.render();
    this.emitter.fire();
    return Object.keys(secrets).sort();
  }

  async secretNames(): Promise<string[]> {
    return Object.keys(await this.readSecrets()).sort();
  }

  /** What a run gets: the selected file's values, the secrets as variables, and the values to redact. */
  async inputs(): Promise<RunInputs> {
    const file = this.selected();
    const environment: Record<string, string> = file ? { ...(await readDotenv(file)) } : {};
    const secrets = await this.readSecrets();
    return { environment, variables: { ...secrets }, secrets: Object.values(secrets), environmentFile: file };
  }

  dispose(): void {
    this.statusItem.dispose();
    this.emitter.dispose();
  }

  private async readSecrets(): Promise<Record<string, string>> {
    const text = await this.context.secrets.get(this.secretsKey());
    if (!text) return {};
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      return {};
    }
  }

  /** Secrets are kept per workspace: the same name may mean different values in different projects. */
  private secretsKey(): string {
    const workspace = this.vscode.workspace.workspaceFile ?? this.vscode.workspace.workspaceFolders?.[0]?.uri;
    return `testmesh.secrets:${workspace?.toString() ?? 'no-workspace'}`;
  }

  private absolute(path: string): string {
    const folder = this.vscode.workspace.workspaceFolders?.[0];
    if (/^([A-Za-z]:)?[\\/]/.test(path) || !folder) return path;
    return this.vscode.Uri.joinPath(folder.uri, ...path.split('/')).fsPath;
  }

  private display(file: string): string {
    const folder = this.vscode.workspace.workspaceFolders?.find((f) => !relative(f.uri.fsPath, file).startsWith('..'));
    return folder ? relative(folder.uri.fsPath, file).split('\\').join('/') : file;
  }

  private render(): void {
    const file = this.selected();
    this.statusItem.text = `$(symbol-variable) ${file ? this.display(file) : 'no env'}`;
    this.statusItem.tooltip = file ? `TestMesh environment: ${file}\nClick to change` : 'TestMesh: no environment file selected. Click to pick a .env file';
  }
}
