/**
 * The environment runs use, and the secrets the user enters with `testmesh.setSecret`.
 * An environment is a `.env` file of the workspace or a named environment of `.testmesh.yaml`,
 * picked from the status bar (kept per workspace). Until the user picks, the one obvious choice
 * picks itself: `.testmesh.yaml`'s default environment, else the workspace's only `.env` file; the
 * status bar says so. Secrets live in VS Code's SecretStorage only: never in settings, never in
 * history (runs get them as variables AND as values to redact, so events, details and history
 * show `***`).
 */
import { basename, relative } from 'node:path';
import { walkFiles } from '../core/discovery';
import { readDotenv } from '../core/dotenv';
import { TestMeshError } from '../core/errors';
import { PROJECT_FILE_NAME, projectEnvironment } from '../core/projectFile';
import type { FlowIndex } from './discovery';
import type { Log } from './log';
import type { RunInputs } from './runs';
import type { VSCode, vscode } from './vscodeTypes';

const SELECTED_KEY = 'testmesh.environmentFile';
const PROJECT_SELECTED_KEY = 'testmesh.projectEnvironment';
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ENV_FILE_NAME = /^(\.env|\.env\..+|.+\.env)$/;
/** Prefix of a `testmesh.selectEnvironment` argument naming a `.testmesh.yaml` environment. */
export const PROJECT_ENVIRONMENT_PREFIX = 'testmesh:';

/** What runs start from: a .env file, a named environment of a project file, or nothing. */
export type EnvironmentChoice =
  | { kind: 'file'; path: string; auto: boolean }
  | { kind: 'project'; file: string; name: string; auto: boolean }
  | { kind: 'none'; auto: boolean };

export class Environments {
  readonly statusItem: vscode.StatusBarItem;
  private readonly emitter: vscode.EventEmitter<void>;
  readonly onDidChange: vscode.Event<void>;
  /** `.env` files of the workspace (absolute paths), as last listed. */
  private envFiles: string[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly vscode: VSCode,
    private readonly context: Pick<vscode.ExtensionContext, 'workspaceState' | 'secrets'>,
    private readonly log: Log,
    private readonly index?: FlowIndex,
  ) {
    this.emitter = new vscode.EventEmitter<void>();
    this.onDidChange = this.emitter.event;
    this.statusItem = vscode.window.createStatusBarItem('testmesh.environment', vscode.StatusBarAlignment.Left, 40);
    this.statusItem.name = 'TestMesh environment';
    this.statusItem.command = 'testmesh.selectEnvironment';
    this.render();
    if (index) this.disposables.push(index.onDidChangeProject(() => this.changed()));
  }

  /** Lists the workspace's .env files and watches for new ones; call once the workspace is known to use TestMesh. */
  async start(): Promise<void> {
    await this.listEnvFiles();
    for (const folder of this.vscode.workspace.workspaceFolders ?? []) {
      const watcher = this.vscode.workspace.createFileSystemWatcher(
        new this.vscode.RelativePattern(folder, '**/{.env,.env.*,*.env}'),
      );
      const relist = () => void this.listEnvFiles().then(() => this.changed());
      this.disposables.push(watcher, watcher.onDidCreate(relist), watcher.onDidDelete(relist));
    }
    this.changed();
    this.statusItem.show();
  }

  /** The environment runs use now, and whether it picked itself. */
  current(): EnvironmentChoice {
    const project = this.context.workspaceState.get<{ file?: unknown; name?: unknown }>(PROJECT_SELECTED_KEY);
    if (project && typeof project.file === 'string' && typeof project.name === 'string')
      return { kind: 'project', file: project.file, name: project.name, auto: false };
    const value = this.context.workspaceState.get<string>(SELECTED_KEY);
    if (typeof value === 'string' && value) return { kind: 'file', path: value, auto: false };
    if (value === '') return { kind: 'none', auto: false };
    // Nothing picked yet: the one obvious choice.
    for (const { project: file } of this.index?.projectFiles() ?? []) {
      if (file.defaultEnvironment)
        return { kind: 'project', file: file.file, name: file.defaultEnvironment, auto: true };
    }
    if (this.envFiles.length === 1) return { kind: 'file', path: this.envFiles[0], auto: true };
    return { kind: 'none', auto: true };
  }

  /** Absolute path of the file the environment comes from (a .env file or the project file). */
  selected(): string | undefined {
    const choice = this.current();
    return choice.kind === 'file' ? choice.path : choice.kind === 'project' ? choice.file : undefined;
  }

  /** A short name for messages: `.env`, `development (.testmesh.yaml)`, or undefined. */
  label(): string | undefined {
    const choice = this.current();
    if (choice.kind === 'file') return this.display(choice.path);
    if (choice.kind === 'project') return `${choice.name} (${this.display(choice.file)})`;
    return undefined;
  }

  /**
   * `testmesh.selectEnvironment [choice]`: a path (absolute or workspace-relative; '' for none)
   * or `testmesh:NAME` (an environment of `.testmesh.yaml`) selects without asking.
   */
  async select(path?: string): Promise<string | undefined> {
    let chosen: { file?: string; project?: { file: string; name: string } } | undefined;
    if (typeof path === 'string') {
      if (path.startsWith(PROJECT_ENVIRONMENT_PREFIX)) {
        const name = path.slice(PROJECT_ENVIRONMENT_PREFIX.length);
        const found = (this.index?.projectFiles() ?? []).find(({ project }) =>
          project.environments.some((e) => e.name === name),
        );
        if (!found) throw new TestMeshError(`no environment '${name}' in ${PROJECT_FILE_NAME}`);
        chosen = { project: { file: found.project.file, name } };
      } else chosen = path === '' ? {} : { file: this.absolute(path) };
    } else {
      await this.listEnvFiles();
      const current = this.current();
      type Item = vscode.QuickPickItem & { choice?: { file?: string; project?: { file: string; name: string } } };
      const mark = (is: boolean) =>
        is ? (current.auto ? 'selected (picked itself: the only choice)' : 'selected') : undefined;
      const items: Item[] = [
        { label: '$(circle-slash) No environment', description: mark(current.kind === 'none'), choice: {} },
      ];
      for (const { project } of this.index?.projectFiles() ?? []) {
        if (project.environments.length === 0) continue;
        items.push({ label: this.display(project.file), kind: this.vscode.QuickPickItemKind?.Separator ?? -1 } as Item);
        for (const env of project.environments) {
          const vars = Object.keys(env.variables);
          items.push({
            label: `$(symbol-namespace) ${env.name}`,
            description:
              mark(current.kind === 'project' && current.file === project.file && current.name === env.name) ??
              (env.name === project.defaultEnvironment ? 'default' : undefined),
            detail: vars.length ? vars.join(', ') : 'no variables',
            choice: { project: { file: project.file, name: env.name } },
          });
        }
      }
      if (this.envFiles.length)
        items.push({ label: '.env files', kind: this.vscode.QuickPickItemKind?.Separator ?? -1 } as Item);
      for (const file of this.envFiles)
        items.push({
          label: `$(file) ${this.display(file)}`,
          description: mark(current.kind === 'file' && current.path === file),
          choice: { file },
        });
      const picked = await this.vscode.window.showQuickPick(items, {
        title: 'TestMesh environment',
        placeHolder: 'The variables every run starts from (a .testmesh.yaml environment or a .env file)',
      });
      if (!picked || !picked.choice) return this.selected();
      chosen = picked.choice;
    }
    await this.context.workspaceState.update(PROJECT_SELECTED_KEY, chosen.project);
    await this.context.workspaceState.update(SELECTED_KEY, chosen.project ? undefined : (chosen.file ?? ''));
    this.log.info(`environment: ${this.label() ?? 'none'}`);
    this.changed();
    return this.selected();
  }

  /** Opens the file the current environment comes from (at the environment's line for a project file). */
  async openCurrent(): Promise<void> {
    const choice = this.current();
    if (choice.kind === 'none') return void (await this.select());
    const file = choice.kind === 'file' ? choice.path : choice.file;
    const doc = await this.vscode.workspace.openTextDocument(this.vscode.Uri.file(file));
    const editor = await this.vscode.window.showTextDocument(doc);
    if (choice.kind === 'project') {
      const env = this.index
        ?.projectFiles()
        .find(({ project }) => project.file === file)
        ?.project.environments.find((e) => e.name === choice.name);
      if (env && editor) {
        const position = new this.vscode.Position(env.line - 1, 0);
        editor.selection = new this.vscode.Selection(position, position);
        editor.revealRange(new this.vscode.Range(position, position));
      }
    }
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
        validateInput: (text) =>
          SECRET_NAME.test(text) ? undefined : 'letters, digits, _ . - ; starting with a letter or _',
      });
      if (name === undefined) return this.secretNames();
    }
    if (!SECRET_NAME.test(name)) throw new TestMeshError(`'${name}' is not a valid variable name`);
    if (typeof value !== 'string') {
      value = await this.vscode.window.showInputBox({
        title: `TestMesh secret: value of ${name}`,
        prompt: 'Kept in VS Code secret storage; leave empty to remove',
        password: true,
      });
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

  /** What a run gets: the environment's values, the secrets as variables, and the values to redact. */
  async inputs(): Promise<RunInputs> {
    const choice = this.current();
    let environment: Record<string, string> = {};
    if (choice.kind === 'file') environment = { ...(await readDotenv(choice.path)) };
    else if (choice.kind === 'project') {
      const project = this.index?.projectFiles().find((p) => p.project.file === choice.file)?.project;
      if (!project)
        throw new TestMeshError(
          `the environment '${choice.name}' comes from ${choice.file}, which cannot be read now (see the TestMesh log)`,
        );
      environment = { ...projectEnvironment(project, choice.name).variables };
    }
    const secrets = await this.readSecrets();
    return {
      environment,
      variables: { ...secrets },
      secrets: Object.values(secrets),
      environmentFile: this.selected(),
    };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.statusItem.dispose();
    this.emitter.dispose();
  }

  private changed(): void {
    this.render();
    this.emitter.fire();
  }

  private async listEnvFiles(): Promise<void> {
    const found: string[] = [];
    for (const folder of this.vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      for (const rel of await walkFiles(
        folder.uri.fsPath,
        (r) => ENV_FILE_NAME.test(basename(r)) && !r.endsWith('.yaml') && !r.endsWith('.yml'),
      )) {
        found.push(this.vscode.Uri.joinPath(folder.uri, ...rel.split('/')).fsPath);
      }
    }
    this.envFiles = found.sort();
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
    const choice = this.current();
    const label = this.label();
    this.statusItem.text = `$(symbol-variable) ${label ? (choice.kind === 'project' ? choice.name : label) : 'no env'}${choice.auto && label ? ' (auto)' : ''}`;
    if (!label) {
      this.statusItem.tooltip =
        "TestMesh: runs use no environment (variables come from --var, the flow's env and outputs). Click to pick a .env file or a .testmesh.yaml environment";
    } else if (choice.auto) {
      const why =
        choice.kind === 'project'
          ? `the default environment of ${this.display(choice.file)}`
          : 'the only .env file in the workspace';
      this.statusItem.tooltip = `TestMesh environment: ${label}, picked itself as ${why}.\nClick to choose another`;
    } else this.statusItem.tooltip = `TestMesh environment: ${label}\nClick to change`;
  }
}
