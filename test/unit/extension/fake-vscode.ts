/**
 * A small fake of the `vscode` API: only what src/extension uses, with recorders so tests can see
 * what the extension did (test run states, decorations, diagnostics, status bar text). Handed to
 * the code under test as its `vscode` parameter (`fake.api as unknown as VSCode`).
 */
import { EventEmitter as NodeEmitter } from 'node:events';
import { join, posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { VSCode } from '../../../src/extension/vscodeTypes';

// ---------------------------------------------------------------- basic value classes

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    readonly fragment = '',
  ) {}

  static file(path: string): Uri {
    return new Uri('file', path);
  }

  static parse(text: string): Uri {
    if (text.startsWith('file:')) {
      const hash = text.indexOf('#');
      return new Uri('file', fileURLToPath(hash < 0 ? text : text.slice(0, hash)), hash < 0 ? '' : text.slice(hash + 1));
    }
    const m = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(text);
    return m ? new Uri(m[1], m[2]) : new Uri('file', text);
  }

  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, base.scheme === 'file' ? join(base.path, ...parts) : posix.join(base.path, ...parts));
  }

  get fsPath(): string {
    return this.path;
  }

  with(change: { fragment?: string }): Uri {
    return new Uri(this.scheme, this.path, change.fragment ?? this.fragment);
  }

  toString(): string {
    const base = this.scheme === 'file' ? pathToFileURL(this.path).href : `${this.scheme}:${this.path}`;
    return this.fragment ? `${base}#${this.fragment}` : base;
  }

  toJSON(): string {
    return this.toString();
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}

  isBefore(other: Position): boolean {
    return this.line < other.line || (this.line === other.line && this.character < other.character);
  }
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    if (typeof a === 'number') {
      this.start = new Position(a, b as number);
      this.end = new Position(c!, d!);
    } else {
      this.start = a;
      this.end = b as Position;
    }
  }
}

export class Location {
  constructor(
    readonly uri: Uri,
    readonly range: Range | Position,
  ) {}
}

export class Disposable {
  constructor(private readonly callback: () => void = () => undefined) {}
  dispose(): void {
    this.callback();
  }
}

export class EventEmitter<T> {
  private readonly emitter = new NodeEmitter();
  readonly event = (listener: (value: T) => void): Disposable => {
    this.emitter.on('e', listener);
    return new Disposable(() => this.emitter.off('e', listener));
  };
  fire(value: T): void {
    this.emitter.emit('e', value);
  }
  dispose(): void {
    this.emitter.removeAllListeners();
  }
}

export class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  readonly token = {
    isCancellationRequested: false,
    onCancellationRequested: this.emitter.event,
  };
  cancel(): void {
    if (this.token.isCancellationRequested) return;
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose(): void {}
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class TestTag {
  constructor(readonly id: string) {}
}

export class TestMessage {
  expectedOutput?: string;
  actualOutput?: string;
  location?: Location;
  constructor(readonly message: string) {}
  static diff(message: string, expected: string, actual: string): TestMessage {
    const m = new TestMessage(message);
    m.expectedOutput = expected;
    m.actualOutput = actual;
    return m;
  }
}

export class TestRunRequest {
  constructor(
    readonly include?: readonly FakeTestItem[],
    readonly exclude?: readonly FakeTestItem[],
    readonly profile?: unknown,
    readonly continuous?: boolean,
  ) {}
}

export class CodeLens {
  constructor(
    readonly range: Range,
    readonly command?: { title: string; command: string; arguments?: unknown[] },
  ) {}
}

export class Diagnostic {
  source?: string;
  code?: string | number;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: number,
  ) {}
}

export class RelativePattern {
  constructor(
    readonly base: { uri: Uri } | Uri,
    readonly pattern: string,
  ) {}
}

// ---------------------------------------------------------------- language features

export const CompletionItemKind = { Text: 0, Method: 1, Function: 2, Field: 4, Variable: 5, Module: 8, Property: 9, Keyword: 13, Constant: 20, EnumMember: 19 } as const;
export const SymbolKind = { File: 0, Module: 1, Namespace: 2, Function: 11, Variable: 12, Constant: 13, Object: 18 } as const;
export const InlayHintKind = { Type: 1, Parameter: 2 } as const;
export const CodeActionKind = { QuickFix: { value: 'quickfix' }, Empty: { value: '' } } as const;

export class MarkdownString {
  constructor(public value = '') {}
}

export class CompletionItem {
  detail?: string;
  documentation?: MarkdownString | string;
  insertText?: string;
  filterText?: string;
  sortText?: string;
  range?: Range;
  constructor(
    readonly label: string,
    readonly kind?: number,
  ) {}
}

export class Hover {
  readonly contents: MarkdownString[];
  constructor(
    contents: MarkdownString | MarkdownString[],
    readonly range?: Range,
  ) {
    this.contents = Array.isArray(contents) ? contents : [contents];
  }
}

export class Selection extends Range {
  constructor(
    readonly anchor: Position,
    readonly active: Position,
  ) {
    super(anchor, active);
  }
}

/** Records edits; `apply(text, uri)` applies those of one file to a text (for assertions). */
export class WorkspaceEdit {
  readonly edits: Array<{ uri: Uri; range: Range; newText: string }> = [];
  replace(uri: Uri, range: Range, newText: string): void {
    this.edits.push({ uri, range, newText });
  }
  insert(uri: Uri, position: Position, newText: string): void {
    this.edits.push({ uri, range: new Range(position, position), newText });
  }
  get size(): number {
    return new Set(this.edits.map((e) => e.uri.toString())).size;
  }
  /** The edits of one file applied to its text. */
  apply(text: string, uri: Uri): string {
    const lines = text.split('\n');
    const offset = (p: Position) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
    const mine = this.edits.filter((e) => e.uri.toString() === uri.toString()).sort((a, b) => offset(b.range.start) - offset(a.range.start));
    let out = text;
    for (const e of mine) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
    return out;
  }
}

export class DocumentSymbol {
  children: DocumentSymbol[] = [];
  constructor(
    readonly name: string,
    readonly detail: string,
    readonly kind: number,
    readonly range: Range,
    readonly selectionRange: Range,
  ) {}
}

export class SymbolInformation {
  constructor(
    readonly name: string,
    readonly kind: number,
    readonly containerName: string,
    readonly location: Location,
  ) {}
}

export class CodeAction {
  diagnostics?: Diagnostic[];
  edit?: WorkspaceEdit;
  command?: { title: string; command: string; arguments?: unknown[] };
  isPreferred?: boolean;
  constructor(
    readonly title: string,
    readonly kind?: unknown,
  ) {}
}

export class InlayHint {
  paddingLeft?: boolean;
  tooltip?: string;
  constructor(
    readonly position: Position,
    readonly label: string,
    readonly kind?: number,
  ) {}
}

/** Providers registered through `languages.register*`, by feature. */
export interface RegisteredProviders {
  completion: Array<{ provider: any; triggers: string[] }>;
  hover: any[];
  definition: any[];
  references: any[];
  rename: any[];
  documentSymbols: any[];
  workspaceSymbols: any[];
  codeActions: any[];
  inlayHints: any[];
}

// ---------------------------------------------------------------- testing API

export class FakeTestItemCollection {
  private readonly map = new Map<string, FakeTestItem>();
  constructor(private readonly owner: FakeTestItem | undefined) {}
  get size(): number {
    return this.map.size;
  }
  get(id: string): FakeTestItem | undefined {
    return this.map.get(id);
  }
  add(item: FakeTestItem): void {
    item.parent = this.owner;
    this.map.set(item.id, item);
  }
  delete(id: string): void {
    this.map.delete(id);
  }
  replace(items: readonly FakeTestItem[]): void {
    this.map.clear();
    for (const item of items) this.add(item);
  }
  forEach(callback: (item: FakeTestItem) => void): void {
    for (const item of this.map.values()) callback(item);
  }
  [Symbol.iterator](): Iterator<[string, FakeTestItem]> {
    return this.map[Symbol.iterator]();
  }
  all(): FakeTestItem[] {
    return [...this.map.values()];
  }
}

export class FakeTestItem {
  parent: FakeTestItem | undefined;
  readonly children: FakeTestItemCollection = new FakeTestItemCollection(this);
  tags: TestTag[] = [];
  canResolveChildren = false;
  busy = false;
  description?: string;
  sortText?: string;
  range: Range | undefined;
  error: string | undefined;
  constructor(
    readonly id: string,
    public label: string,
    readonly uri?: Uri,
  ) {}
}

export type RunCall =
  | { kind: 'enqueued' | 'started' | 'skipped' | 'passed'; id: string; duration?: number }
  | { kind: 'failed' | 'errored'; id: string; messages: TestMessage[]; duration?: number };

export class FakeTestRun {
  readonly calls: RunCall[] = [];
  readonly output: Array<{ text: string; location?: Location; id?: string }> = [];
  ended = false;
  /** The run's own token: what the Test Explorer's stop button cancels. */
  readonly stopButton = new CancellationTokenSource();
  readonly token = this.stopButton.token;
  readonly onDidDispose = new EventEmitter<void>().event;
  constructor(
    readonly request: TestRunRequest,
    readonly name: string | undefined,
  ) {}
  enqueued(item: FakeTestItem): void {
    this.record({ kind: 'enqueued', id: item.id });
  }
  started(item: FakeTestItem): void {
    this.record({ kind: 'started', id: item.id });
  }
  skipped(item: FakeTestItem): void {
    this.record({ kind: 'skipped', id: item.id });
  }
  passed(item: FakeTestItem, duration?: number): void {
    this.record({ kind: 'passed', id: item.id, duration });
  }
  failed(item: FakeTestItem, message: TestMessage | TestMessage[], duration?: number): void {
    this.record({ kind: 'failed', id: item.id, messages: Array.isArray(message) ? message : [message], duration });
  }
  errored(item: FakeTestItem, message: TestMessage | TestMessage[], duration?: number): void {
    this.record({ kind: 'errored', id: item.id, messages: Array.isArray(message) ? message : [message], duration });
  }
  appendOutput(text: string, location?: Location, item?: FakeTestItem): void {
    if (this.ended) throw new Error('appendOutput after end()');
    this.output.push({ text, location, id: item?.id });
  }
  end(): void {
    this.ended = true;
  }
  private record(call: RunCall): void {
    if (this.ended) throw new Error(`${call.kind}(${call.id}) after end()`);
    this.calls.push(call);
  }
  /** The last state reported for each item id. */
  finalStates(): Map<string, RunCall> {
    const out = new Map<string, RunCall>();
    for (const call of this.calls) if (call.kind !== 'enqueued') out.set(call.id, call);
    return out;
  }
  /** The order of state changes of one item. */
  statesOf(id: string): string[] {
    return this.calls.filter((c) => c.id === id).map((c) => c.kind);
  }
}

export class FakeTestController {
  readonly items = new FakeTestItemCollection(undefined);
  readonly runs: FakeTestRun[] = [];
  readonly profiles: Array<{ label: string; kind: number; runHandler: (request: TestRunRequest, token: unknown) => unknown; isDefault: boolean; supportsContinuousRun: boolean; dispose(): void }> = [];
  refreshHandler: (() => unknown) | undefined;
  readonly onDidCreateRun = new EventEmitter<FakeTestRun>();
  constructor(
    readonly id: string,
    readonly label: string,
  ) {}
  createTestItem(id: string, label: string, uri?: Uri): FakeTestItem {
    return new FakeTestItem(id, label, uri);
  }
  createRunProfile(label: string, kind: number, runHandler: (request: TestRunRequest, token: unknown) => unknown, isDefault = false, _tag?: unknown, supportsContinuousRun = false) {
    const profile = { label, kind, runHandler, isDefault, supportsContinuousRun, dispose: () => undefined };
    this.profiles.push(profile);
    return profile;
  }
  createTestRun(request: TestRunRequest, name?: string): FakeTestRun {
    const run = new FakeTestRun(request, name);
    this.runs.push(run);
    this.onDidCreateRun.fire(run);
    return run;
  }
  invalidateTestResults(): void {}
  dispose(): void {}
}

// ---------------------------------------------------------------- documents and editors

export class FakeTextDocument {
  isClosed = false;
  isDirty = false;
  version = 1;
  constructor(
    readonly uri: Uri,
    private text: string,
    readonly languageId = 'yaml',
  ) {}
  getText(): string {
    return this.text;
  }
  setText(text: string): void {
    this.text = text;
    this.isDirty = true;
    this.version++;
  }
  get lineCount(): number {
    return this.text.split('\n').length;
  }
  lineAt(line: number): { text: string; range: Range } {
    const text = this.text.split('\n')[line] ?? '';
    return { text, range: new Range(line, 0, line, text.length) };
  }
}

export class FakeTextEditor {
  readonly decorations = new Map<unknown, Array<{ range: Range; renderOptions?: { after?: { contentText?: string } } }>>();
  selection = { active: new Position(0, 0) };
  constructor(readonly document: FakeTextDocument) {}
  setDecorations(type: unknown, options: Array<{ range: Range; renderOptions?: { after?: { contentText?: string } } }>): void {
    this.decorations.set(type, options);
  }
  /** line -> text of every `after` decoration on it. */
  afterTexts(): Map<number, string> {
    const out = new Map<number, string>();
    for (const options of this.decorations.values()) for (const o of options) if (o.renderOptions?.after?.contentText) out.set(o.range.start.line, o.renderOptions.after.contentText);
    return out;
  }
}

export class FakeFileSystemWatcher {
  readonly created = new EventEmitter<Uri>();
  readonly changed = new EventEmitter<Uri>();
  readonly deleted = new EventEmitter<Uri>();
  readonly onDidCreate = this.created.event;
  readonly onDidChange = this.changed.event;
  readonly onDidDelete = this.deleted.event;
  disposed = false;
  constructor(readonly pattern: RelativePattern) {}
  dispose(): void {
    this.disposed = true;
  }
}

class FakeLog {
  readonly lines: string[] = [];
  show(): void {}
  info(text: string): void {
    this.lines.push(`info ${text}`);
  }
  warn(text: string): void {
    this.lines.push(`warn ${text}`);
  }
  error(text: string): void {
    this.lines.push(`error ${text}`);
  }
  debug(text: string): void {
    this.lines.push(`debug ${text}`);
  }
  trace(text: string): void {
    this.lines.push(`trace ${text}`);
  }
  appendLine(text: string): void {
    this.lines.push(text);
  }
  dispose(): void {}
}

class FakeMemento {
  private readonly values = new Map<string, unknown>();
  get<T>(key: string, fallback?: T): T | undefined {
    return this.values.has(key) ? (this.values.get(key) as T) : fallback;
  }
  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
  }
  keys(): string[] {
    return [...this.values.keys()];
  }
}

class FakeSecrets {
  readonly values = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }
  async store(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
}

export interface WorkspaceFolder {
  uri: Uri;
  name: string;
  index: number;
}

// ---------------------------------------------------------------- webviews

export class FakeWebviewPanel {
  readonly posted: unknown[] = [];
  readonly received = new EventEmitter<unknown>();
  readonly disposed = new EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  revealed = 0;
  isDisposed = false;
  readonly webview = {
    html: '',
    options: {} as Record<string, unknown>,
    cspSource: 'https://webview.test',
    asWebviewUri: (uri: Uri) => Uri.parse(`https://webview.test${uri.path}`),
    postMessage: async (message: unknown) => {
      this.posted.push(JSON.parse(JSON.stringify(message)));
      return true;
    },
    onDidReceiveMessage: this.received.event,
  };
  constructor(
    readonly viewType: string,
    readonly title: string,
    readonly options: Record<string, unknown>,
  ) {}
  reveal(): void {
    this.revealed++;
  }
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.disposed.fire();
  }
  /** The page sends a message to the host. */
  send(message: unknown): void {
    this.received.fire(message);
  }
}

// ---------------------------------------------------------------- the fake itself

function register<T>(list: T[], item: T): Disposable {
  list.push(item);
  return new Disposable(() => {
    const at = list.indexOf(item);
    if (at >= 0) list.splice(at, 1);
  });
}

export class FakeVSCode {
  readonly settings = new Map<string, unknown>();
  readonly folders: WorkspaceFolder[] = [];
  readonly documents: FakeTextDocument[] = [];
  readonly editors: FakeTextEditor[] = [];
  readonly watchers: FakeFileSystemWatcher[] = [];
  readonly controllers: FakeTestController[] = [];
  readonly diagnostics = new Map<string, Map<string, Diagnostic[]>>();
  readonly statusItems: Array<{ id: string; text: string; tooltip?: string; command?: string }> = [];
  readonly commands = new Map<string, (...args: any[]) => unknown>();
  readonly messages: string[] = [];
  readonly logs: FakeLog[] = [];
  readonly clipboard: string[] = [];
  /** Answers for showQuickPick / showInputBox, consumed in order. */
  readonly answers: unknown[] = [];
  readonly codeLensProviders: Array<{ provideCodeLenses(doc: FakeTextDocument): CodeLens[] }> = [];
  readonly panels: FakeWebviewPanel[] = [];
  readonly providers: RegisteredProviders = { completion: [], hover: [], definition: [], references: [], rename: [], documentSymbols: [], workspaceSymbols: [], codeActions: [], inlayHints: [] };
  /** Ids `extensions.getExtension` knows (e.g. 'redhat.vscode-yaml'). */
  readonly installedExtensions = new Set<string>();
  readonly serializers = new Map<string, { deserializeWebviewPanel(panel: FakeWebviewPanel, state: unknown): Promise<void> }>();

  readonly didChangeTextDocument = new EventEmitter<{ document: FakeTextDocument; contentChanges: unknown[] }>();
  readonly didOpenTextDocument = new EventEmitter<FakeTextDocument>();
  readonly didCloseTextDocument = new EventEmitter<FakeTextDocument>();
  readonly didSaveTextDocument = new EventEmitter<FakeTextDocument>();
  readonly didChangeConfiguration = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();
  readonly didChangeWorkspaceFolders = new EventEmitter<unknown>();
  readonly didChangeVisibleTextEditors = new EventEmitter<unknown>();

  readonly api: Record<string, unknown>;

  constructor() {
    const fake = this;
    this.api = {
      Uri,
      Position,
      Range,
      Location,
      Disposable,
      EventEmitter,
      CancellationTokenSource,
      ThemeColor,
      TestTag,
      TestMessage,
      TestRunRequest,
      CodeLens,
      Diagnostic,
      RelativePattern,
      CompletionItem,
      CompletionItemKind,
      MarkdownString,
      Hover,
      Selection,
      WorkspaceEdit,
      DocumentSymbol,
      SymbolInformation,
      SymbolKind,
      CodeAction,
      CodeActionKind,
      InlayHint,
      InlayHintKind,
      extensions: {
        getExtension(id: string) {
          return fake.installedExtensions.has(id) ? { id, isActive: true, packageJSON: {} } : undefined;
        },
      },
      TestRunProfileKind: { Run: 1, Debug: 2, Coverage: 3 },
      DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
      StatusBarAlignment: { Left: 1, Right: 2 },
      ViewColumn: { Active: -1, Beside: -2, One: 1 },
      tests: {
        createTestController(id: string, label: string) {
          const controller = new FakeTestController(id, label);
          fake.controllers.push(controller);
          return controller;
        },
      },
      workspace: {
        get workspaceFolders() {
          return fake.folders.length ? fake.folders : undefined;
        },
        workspaceFile: undefined,
        get textDocuments() {
          return fake.documents.filter((d) => !d.isClosed);
        },
        getWorkspaceFolder(uri: Uri) {
          return fake.folders.find((f) => uri.fsPath === f.uri.fsPath || uri.fsPath.startsWith(f.uri.fsPath + '/'));
        },
        getConfiguration(section?: string) {
          return {
            get<T>(key: string, fallback?: T): T | undefined {
              const full = section ? `${section}.${key}` : key;
              return fake.settings.has(full) ? (fake.settings.get(full) as T) : fallback;
            },
          };
        },
        createFileSystemWatcher(pattern: RelativePattern) {
          const watcher = new FakeFileSystemWatcher(pattern);
          fake.watchers.push(watcher);
          return watcher;
        },
        async findFiles() {
          return [];
        },
        async openTextDocument(uri: Uri) {
          const open = fake.documents.find((d) => d.uri.toString() === uri.toString() && !d.isClosed);
          if (open) return open;
          const { readFileSync } = await import('node:fs');
          return new FakeTextDocument(uri, readFileSync(uri.fsPath, 'utf8'));
        },
        onDidChangeTextDocument: this.didChangeTextDocument.event,
        onDidOpenTextDocument: this.didOpenTextDocument.event,
        onDidCloseTextDocument: this.didCloseTextDocument.event,
        onDidSaveTextDocument: this.didSaveTextDocument.event,
        onDidChangeConfiguration: this.didChangeConfiguration.event,
        onDidChangeWorkspaceFolders: this.didChangeWorkspaceFolders.event,
      },
      window: {
        createOutputChannel() {
          const log = new FakeLog();
          fake.logs.push(log);
          return log;
        },
        createStatusBarItem(id: string) {
          const item = { id, text: '', tooltip: undefined as string | undefined, command: undefined as string | undefined, name: '', backgroundColor: undefined, show() {}, hide() {}, dispose() {} };
          fake.statusItems.push(item);
          return item;
        },
        createTextEditorDecorationType(options: unknown) {
          return { options, dispose() {} };
        },
        get visibleTextEditors() {
          return fake.editors;
        },
        get activeTextEditor() {
          return fake.editors[0];
        },
        async showTextDocument(document: FakeTextDocument) {
          return fake.editors.find((e) => e.document === document) ?? new FakeTextEditor(document);
        },
        onDidChangeVisibleTextEditors: this.didChangeVisibleTextEditors.event,
        async showQuickPick(items: unknown[]) {
          const answer = fake.answers.shift();
          return typeof answer === 'function' ? (answer as (items: unknown[]) => unknown)(items) : answer;
        },
        async showInputBox() {
          return fake.answers.shift();
        },
        async showWarningMessage(text: string) {
          fake.messages.push(`warning: ${text}`);
          return undefined;
        },
        async showInformationMessage(text: string) {
          fake.messages.push(`info: ${text}`);
          return undefined;
        },
        setStatusBarMessage(text: string) {
          fake.messages.push(`status: ${text}`);
          return new Disposable();
        },
        registerWebviewPanelSerializer(viewType: string, serializer: { deserializeWebviewPanel(panel: FakeWebviewPanel, state: unknown): Promise<void> }) {
          fake.serializers.set(viewType, serializer);
          return new Disposable(() => fake.serializers.delete(viewType));
        },
        createWebviewPanel(viewType: string, title: string, _show: unknown, options: Record<string, unknown>) {
          const panel = new FakeWebviewPanel(viewType, title, options);
          fake.panels.push(panel);
          return panel;
        },
      },
      languages: {
        createDiagnosticCollection(name: string) {
          const byUri = new Map<string, Diagnostic[]>();
          fake.diagnostics.set(name, byUri);
          return {
            name,
            set(uri: Uri, diagnostics: Diagnostic[]) {
              byUri.set(uri.toString(), diagnostics);
            },
            delete(uri: Uri) {
              byUri.delete(uri.toString());
            },
            clear() {
              byUri.clear();
            },
            dispose() {},
          };
        },
        registerCodeLensProvider(_selector: unknown, provider: { provideCodeLenses(doc: FakeTextDocument): CodeLens[] }) {
          fake.codeLensProviders.push(provider);
          return new Disposable();
        },
        registerCompletionItemProvider(_selector: unknown, provider: unknown, ...triggers: string[]) {
          return register(fake.providers.completion, { provider, triggers });
        },
        registerHoverProvider: (_selector: unknown, provider: unknown) => register(fake.providers.hover, provider),
        registerDefinitionProvider: (_selector: unknown, provider: unknown) => register(fake.providers.definition, provider),
        registerReferenceProvider: (_selector: unknown, provider: unknown) => register(fake.providers.references, provider),
        registerRenameProvider: (_selector: unknown, provider: unknown) => register(fake.providers.rename, provider),
        registerDocumentSymbolProvider: (_selector: unknown, provider: unknown) => register(fake.providers.documentSymbols, provider),
        registerWorkspaceSymbolProvider: (provider: unknown) => register(fake.providers.workspaceSymbols, provider),
        registerCodeActionsProvider: (_selector: unknown, provider: unknown) => register(fake.providers.codeActions, provider),
        registerInlayHintsProvider: (_selector: unknown, provider: unknown) => register(fake.providers.inlayHints, provider),
      },
      commands: {
        registerCommand(id: string, handler: (...args: any[]) => unknown) {
          fake.commands.set(id, handler);
          return new Disposable(() => fake.commands.delete(id));
        },
        async executeCommand(id: string, ...args: unknown[]) {
          const handler = fake.commands.get(id);
          if (!handler) throw new Error(`command '${id}' not found`);
          return handler(...args);
        },
      },
      env: {
        clipboard: {
          async writeText(text: string) {
            fake.clipboard.push(text);
          },
        },
        async openExternal() {
          return true;
        },
        async asExternalUri(uri: Uri) {
          return uri;
        },
      },
    };
  }

  get vscode(): VSCode {
    return this.api as unknown as VSCode;
  }

  addFolder(path: string, name = posix.basename(path)): WorkspaceFolder {
    const folder = { uri: Uri.file(path), name, index: this.folders.length };
    this.folders.push(folder);
    return folder;
  }

  /** Opens a document (and a visible editor on it). */
  open(path: string, text: string, languageId = 'yaml'): FakeTextEditor {
    const document = new FakeTextDocument(Uri.file(path), text, languageId);
    this.documents.push(document);
    const editor = new FakeTextEditor(document);
    this.editors.push(editor);
    this.didOpenTextDocument.fire(document);
    this.didChangeVisibleTextEditors.fire(this.editors);
    return editor;
  }

  /** Types into an open document (replacing its text). */
  edit(document: FakeTextDocument, text: string): void {
    document.setText(text);
    this.didChangeTextDocument.fire({ document, contentChanges: [{ text }] });
  }

  setSetting(key: string, value: unknown): void {
    this.settings.set(key, value);
    this.didChangeConfiguration.fire({ affectsConfiguration: (section: string) => key === section || key.startsWith(`${section}.`) });
  }

  /** Simulates a file system event on every watcher whose folder holds the file. */
  fileEvent(kind: 'created' | 'changed' | 'deleted', path: string): void {
    for (const watcher of this.watchers) if (!watcher.disposed) watcher[kind].fire(Uri.file(path));
  }

  diagnosticsOf(path: string, collection = 'testmesh'): Diagnostic[] | undefined {
    return this.diagnostics.get(collection)?.get(Uri.file(path).toString());
  }

  memento(): FakeMemento {
    return new FakeMemento();
  }

  secretStorage(): FakeSecrets {
    return new FakeSecrets();
  }
}

export { FakeLog, FakeMemento, FakeSecrets };
