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
      return new Uri(
        'file',
        fileURLToPath(hash < 0 ? text : text.slice(0, hash)),
        hash < 0 ? '' : text.slice(hash + 1),
      );
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

export const CompletionItemKind = {
  Text: 0,
  Method: 1,
  Function: 2,
  Field: 4,
  Variable: 5,
  Module: 8,
  Property: 9,
  Keyword: 13,
  Constant: 20,
  EnumMember: 19,
} as const;
export const SymbolKind = {
  File: 0,
  Module: 1,
  Namespace: 2,
  Function: 11,
  Variable: 12,
  Constant: 13,
  Object: 18,
} as const;
export const InlayHintKind = { Type: 1, Parameter: 2 } as const;
export const CodeActionKind = { QuickFix: { value: 'quickfix' }, Empty: { value: '' } } as const;

export class MarkdownString {
  constructor(public value = '') {}
  appendCodeblock(code: string, language = ''): this {
    this.value += `\n\`\`\`${language}\n${code}\n\`\`\`\n`;
    return this;
  }
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
    const mine = this.edits
      .filter((e) => e.uri.toString() === uri.toString())
      .sort((a, b) => offset(b.range.start) - offset(a.range.start));
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
  readonly profiles: Array<{
    label: string;
    kind: number;
    runHandler: (request: TestRunRequest, token: unknown) => unknown;
    isDefault: boolean;
    tag: TestTag | undefined;
    supportsContinuousRun: boolean;
    dispose(): void;
  }> = [];
  refreshHandler: (() => unknown) | undefined;
  readonly onDidCreateRun = new EventEmitter<FakeTestRun>();
  constructor(
    readonly id: string,
    readonly label: string,
  ) {}
  createTestItem(id: string, label: string, uri?: Uri): FakeTestItem {
    return new FakeTestItem(id, label, uri);
  }
  createRunProfile(
    label: string,
    kind: number,
    runHandler: (request: TestRunRequest, token: unknown) => unknown,
    isDefault = false,
    tag?: TestTag,
    supportsContinuousRun = false,
  ) {
    const profile = { label, kind, runHandler, isDefault, tag, supportsContinuousRun, dispose: () => undefined };
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
  /** The Test Explorer of this controller as text: see renderTestTree. */
  renderTestTree(options: RenderTreeOptions = {}): string {
    return renderTestTree(this, options);
  }
}

// ---------------------------------------------------------------- the Test Explorer as text

export interface RenderTreeOptions {
  /** Only this item and what is below it (default: the whole tree). */
  from?: FakeTestItem;
  /** States as this run reported them (default: what the Test Explorer shows after every run so far). */
  run?: FakeTestRun;
  /** Each item's source line (1-based, as the editor numbers it), for the gutter's run icons. */
  lines?: boolean;
  /** Each item's id in brackets after its label, as this function writes it (e.g. without the file's uri). */
  ids?: (id: string) => string;
  /** The messages of failed and errored items, under them (as the Test Results peek shows them). */
  messages?: boolean;
  /** Every state reported for each item, in order (`◷↻✓`: enqueued, started, passed), instead of the last one. */
  history?: boolean;
  /** `[<n> ms]` after the glyph of an item whose last state came with a duration (the Test Explorer's timing). */
  durations?: boolean;
}

/** One glyph per state, as the Test Explorer's icons; `·` is an item no run has reported. */
const STATE_GLYPHS: Record<RunCall['kind'] | 'none', string> = {
  none: '·',
  enqueued: '◷',
  started: '↻',
  passed: '✓',
  failed: '✗',
  errored: '‼',
  skipped: '⊘',
};

/**
 * The Test Explorer as a person reads it, one item a line, two spaces of indent per level, children in
 * the order VS Code shows them (their sortText, else their label):
 *
 *     · flows/checkout.flow.yaml #runnable
 *       ✗ Checkout #smoke
 *         ✓ Price the cart — http_request
 *         ⊘ place_order — skipped: an earlier step failed · log
 *     · flows/broken.flow.yaml — invalid flow
 *       ⚠ line 4: step 'a': the step has no 'action'
 *
 * A glyph gives each item's state (see STATE_GLYPHS) once some run reported any item; a tree no run
 * touched has none. With `history`, every state in order (`◷↻✗`); with `durations`, `[<n> ms]` where
 * the last state came with one. Then the label, `[id]` when asked, `#tags` (where set, not on the
 * children that inherit them; `-#tag` on a child that lacks its parent's), ` — description`, `(line N)`
 * when asked, and the item's error on the line below. With `messages`, the messages of every failure
 * reported for the item follow as `↳ text [expected E, actual A] (line N)`, the line in the item's own
 * file (`(line N of /path)` in another). Durations in descriptions and messages read `<n> ms`, so a
 * test can compare the whole text.
 */
export function renderTestTree(controller: FakeTestController, options: RenderTreeOptions = {}): string {
  const runs = options.run ? [options.run] : controller.runs;
  const states = new Map<string, RunCall[]>();
  for (const run of runs) for (const call of run.calls) states.set(call.id, [...(states.get(call.id) ?? []), call]);
  const lines: string[] = [];
  const roots = options.from ? [options.from] : inExplorerOrder(controller.items.all());
  const showStates = states.size > 0;
  const visit = (item: FakeTestItem, depth: number) => {
    const indent = '  '.repeat(depth);
    const reported = states.get(item.id) ?? [];
    const state = reported.at(-1);
    const glyphs = options.history && reported.length ? reported.map((call) => STATE_GLYPHS[call.kind]).join('') : '';
    const duration = options.durations && state?.duration !== undefined ? ` [${durationText(state.duration)}]` : '';
    const glyph = showStates ? `${glyphs || STATE_GLYPHS[state?.kind ?? 'none']}${duration} ` : '';
    // Children carry their flow's tags too: a tag is shown where it is first set, and `-#tag` where
    // an item lacks one its parent has.
    const own = new Set(item.tags.map((tag) => tag.id));
    const inherited = new Set(item.parent?.tags.map((tag) => tag.id));
    const tags = [
      ...[...own].filter((id) => !inherited.has(id)).map((id) => ` #${id}`),
      ...[...inherited].filter((id) => !own.has(id)).map((id) => ` -#${id}`),
    ].join('');
    const id = options.ids ? ` [${options.ids(item.id)}]` : '';
    const description = item.description ? ` — ${withoutTimings(item.description)}` : '';
    const line = options.lines && item.range ? ` (line ${item.range.start.line + 1})` : '';
    lines.push(`${indent}${glyph}${item.label}${id}${tags}${description}${line}`);
    if (item.error) lines.push(...indented(`⚠ ${item.error}`, `${indent}  `));
    if (options.messages) {
      for (const call of reported)
        if ('messages' in call)
          for (const message of call.messages) lines.push(...indented(renderMessage(message, item), `${indent}  `));
    }
    for (const child of inExplorerOrder(item.children.all())) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return lines.join('\n');
}

function inExplorerOrder(items: FakeTestItem[]): FakeTestItem[] {
  return [...items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label));
}

/** A message's location reads `(line N)` in its item's own file, `(line N of <path>)` in another. */
function renderMessage(message: TestMessage, item: FakeTestItem): string {
  const where = message.location?.range;
  const elsewhere =
    message.location && message.location.uri.toString() !== item.uri?.toString()
      ? ` of ${message.location.uri.fsPath}`
      : '';
  const at = where ? ` (line ${(where instanceof Range ? where.start : where).line + 1}${elsewhere})` : '';
  const diff =
    message.expectedOutput !== undefined || message.actualOutput !== undefined
      ? ` [expected ${message.expectedOutput}, actual ${message.actualOutput}]`
      : '';
  // The extension hands some messages over as markdown (links to commands).
  const text =
    (message.message as unknown) instanceof MarkdownString
      ? (message.message as unknown as MarkdownString).value
      : message.message;
  return `↳ ${withoutTimings(text)}${diff}${at}`;
}

/** Durations vary from run to run: any time a run can take reads `<n> ms`, anything else as it is. */
function durationText(duration: number): string {
  return Number.isFinite(duration) && duration >= 0 ? '<n> ms' : `${duration} ms`;
}

/** `text`'s lines, each after `indent`; a text of several lines keeps its shape (an empty line stays empty). */
function indented(text: string, indent: string): string[] {
  return text.split('\n').map((line) => (line ? `${indent}${line}` : ''));
}

/** Durations vary from run to run: `405 ms`, `1.2 s`, `37ms` all read `<n> ms`. */
function withoutTimings(text: string): string {
  return text.replace(/\b\d+(?:\.\d+)?\s?(?:ms|s)\b/g, '<n> ms');
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
  readonly decorations = new Map<
    unknown,
    Array<{ range: Range; renderOptions?: { after?: { contentText?: string } } }>
  >();
  selection = { active: new Position(0, 0) };
  constructor(readonly document: FakeTextDocument) {}
  setDecorations(
    type: unknown,
    options: Array<{ range: Range; renderOptions?: { after?: { contentText?: string } } }>,
  ): void {
    this.decorations.set(type, options);
  }
  /** line -> text of every `after` decoration on it. */
  afterTexts(): Map<number, string> {
    const out = new Map<number, string>();
    for (const options of this.decorations.values())
      for (const o of options)
        if (o.renderOptions?.after?.contentText) out.set(o.range.start.line, o.renderOptions.after.contentText);
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

/** A debug session the fake started: the inline adapter, driven by a small DAP client. */
export class FakeDebugSession {
  readonly id = `session-${Math.random().toString(36).slice(2)}`;
  private seq = 1;
  private readonly pending = new Map<number, (response: { success: boolean; body?: any; message?: string }) => void>();
  readonly events: Array<{ event: string; body?: any }> = [];
  private readonly eventWaiters: Array<{ name: string; resolve: (e: { event: string; body?: any }) => void }> = [];
  terminated = false;

  constructor(
    readonly type: string,
    readonly name: string,
    readonly configuration: Record<string, unknown>,
    private readonly adapter: {
      handleMessage(m: unknown): void;
      onDidSendMessage(l: (m: any) => void): { dispose(): void };
    },
  ) {
    adapter.onDidSendMessage((message) => {
      if (message.type === 'response') {
        this.pending.get(message.request_seq)?.(message);
        this.pending.delete(message.request_seq);
      } else if (message.type === 'event') {
        this.events.push(message);
        for (const waiter of [...this.eventWaiters]) {
          if (waiter.name === message.event) {
            this.eventWaiters.splice(this.eventWaiters.indexOf(waiter), 1);
            waiter.resolve(message);
          }
        }
      }
    });
  }

  send(command: string, args?: unknown): Promise<{ success: boolean; body?: any; message?: string }> {
    const seq = this.seq++;
    const response = new Promise<{ success: boolean; body?: any; message?: string }>((resolve) =>
      this.pending.set(seq, resolve),
    );
    setImmediate(() => this.adapter.handleMessage({ seq, type: 'request', command, arguments: args }));
    return response;
  }

  async customRequest(command: string, args?: unknown): Promise<any> {
    const response = await this.send(command, args);
    if (!response.success) throw new Error(response.message);
    return response.body;
  }

  /** The next event of a kind, or one already received that no one waited for yet. */
  nextEvent(name: string): Promise<{ event: string; body?: any }> {
    return new Promise((resolve) => this.eventWaiters.push({ name, resolve }));
  }
}

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
  readonly providers: RegisteredProviders = {
    completion: [],
    hover: [],
    definition: [],
    references: [],
    rename: [],
    documentSymbols: [],
    workspaceSymbols: [],
    codeActions: [],
    inlayHints: [],
  };
  /** Ids `extensions.getExtension` knows (e.g. 'redhat.vscode-yaml'). */
  readonly installedExtensions = new Set<string>();
  readonly serializers = new Map<
    string,
    { deserializeWebviewPanel(panel: FakeWebviewPanel, state: unknown): Promise<void> }
  >();
  readonly debugFactories = new Map<string, { createDebugAdapterDescriptor(session: unknown): any }>();
  readonly debugProviders = new Map<string, { resolveDebugConfiguration?(folder: unknown, config: any): any }>();
  readonly debugSessions: FakeDebugSession[] = [];
  /** Breakpoints the fake debugger sets in every session it starts: file path -> lines (1-based). */
  readonly breakpoints = new Map<string, number[]>();
  readonly didStartDebugSession = new EventEmitter<FakeDebugSession>();
  readonly didTerminateDebugSession = new EventEmitter<FakeDebugSession>();

  readonly didChangeTextDocument = new EventEmitter<{ document: FakeTextDocument; contentChanges: unknown[] }>();
  readonly didOpenTextDocument = new EventEmitter<FakeTextDocument>();
  readonly didCloseTextDocument = new EventEmitter<FakeTextDocument>();
  readonly didSaveTextDocument = new EventEmitter<FakeTextDocument>();
  readonly didChangeConfiguration = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();
  readonly didChangeWorkspaceFolders = new EventEmitter<unknown>();
  readonly willRenameFiles = new EventEmitter<{
    files: ReadonlyArray<{ oldUri: Uri; newUri: Uri }>;
    waitUntil(edit: Promise<WorkspaceEdit>): void;
  }>();
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
      DebugAdapterInlineImplementation: class {
        constructor(readonly implementation: unknown) {}
      },
      debug: {
        activeStackItem: undefined,
        onDidStartDebugSession: this.didStartDebugSession.event,
        onDidTerminateDebugSession: this.didTerminateDebugSession.event,
        registerDebugAdapterDescriptorFactory(
          type: string,
          factory: { createDebugAdapterDescriptor(session: unknown): any },
        ) {
          fake.debugFactories.set(type, factory);
          return new Disposable(() => fake.debugFactories.delete(type));
        },
        registerDebugConfigurationProvider(
          type: string,
          provider: { resolveDebugConfiguration?(folder: unknown, config: any): any },
        ) {
          fake.debugProviders.set(type, provider);
          return new Disposable(() => fake.debugProviders.delete(type));
        },
        /** Like VS Code: resolve, create the adapter, initialize, set breakpoints, launch, configurationDone. */
        async startDebugging(folder: unknown, config: Record<string, any>) {
          // Without a type (F5 with no launch.json) VS Code picks the debugger for the editor's language: here, the one registered.
          const provider = config.type ? fake.debugProviders.get(config.type) : [...fake.debugProviders.values()][0];
          const resolved = provider?.resolveDebugConfiguration
            ? await provider.resolveDebugConfiguration(folder, config)
            : config;
          if (!resolved) return false;
          const factory = fake.debugFactories.get(resolved.type);
          if (!factory) return false;
          const descriptor = factory.createDebugAdapterDescriptor({});
          const session = new FakeDebugSession(resolved.type, resolved.name, resolved, descriptor.implementation);
          fake.debugSessions.push(session);
          fake.didStartDebugSession.fire(session);
          void session.nextEvent('terminated').then(() => {
            session.terminated = true;
            fake.didTerminateDebugSession.fire(session);
          });
          const initialized = session.nextEvent('initialized');
          await session.send('initialize', {
            adapterID: resolved.type,
            linesStartAt1: true,
            columnsStartAt1: true,
            pathFormat: 'path',
          });
          const launched = session.send('launch', resolved);
          await initialized;
          for (const [path, lines] of fake.breakpoints)
            await session.send('setBreakpoints', { source: { path }, breakpoints: lines.map((line) => ({ line })) });
          await session.send('setExceptionBreakpoints', { filters: [] });
          await session.send('configurationDone');
          void launched;
          return true;
        },
      },
      DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
      StatusBarAlignment: { Left: 1, Right: 2 },
      ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
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
            /** Writes go to the one settings map (the fake has no user/workspace/folder levels). */
            async update(key: string, value: unknown): Promise<void> {
              fake.setSetting(section ? `${section}.${key}` : key, value);
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
        onWillRenameFiles: this.willRenameFiles.event,
      },
      window: {
        createOutputChannel() {
          const log = new FakeLog();
          fake.logs.push(log);
          return log;
        },
        createStatusBarItem(id: string) {
          const item = {
            id,
            text: '',
            tooltip: undefined as string | undefined,
            command: undefined as string | undefined,
            name: '',
            backgroundColor: undefined,
            show() {},
            hide() {},
            dispose() {},
          };
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
        async showErrorMessage(text: string) {
          fake.messages.push(`error: ${text}`);
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
        registerWebviewPanelSerializer(
          viewType: string,
          serializer: { deserializeWebviewPanel(panel: FakeWebviewPanel, state: unknown): Promise<void> },
        ) {
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
        registerCodeLensProvider(
          _selector: unknown,
          provider: { provideCodeLenses(doc: FakeTextDocument): CodeLens[] },
        ) {
          fake.codeLensProviders.push(provider);
          return new Disposable();
        },
        registerCompletionItemProvider(_selector: unknown, provider: unknown, ...triggers: string[]) {
          return register(fake.providers.completion, { provider, triggers });
        },
        registerHoverProvider: (_selector: unknown, provider: unknown) => register(fake.providers.hover, provider),
        registerDefinitionProvider: (_selector: unknown, provider: unknown) =>
          register(fake.providers.definition, provider),
        registerReferenceProvider: (_selector: unknown, provider: unknown) =>
          register(fake.providers.references, provider),
        registerRenameProvider: (_selector: unknown, provider: unknown) => register(fake.providers.rename, provider),
        registerDocumentSymbolProvider: (_selector: unknown, provider: unknown) =>
          register(fake.providers.documentSymbols, provider),
        registerWorkspaceSymbolProvider: (provider: unknown) => register(fake.providers.workspaceSymbols, provider),
        registerCodeActionsProvider: (_selector: unknown, provider: unknown) =>
          register(fake.providers.codeActions, provider),
        registerInlayHintsProvider: (_selector: unknown, provider: unknown) =>
          register(fake.providers.inlayHints, provider),
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
    this.didChangeConfiguration.fire({
      affectsConfiguration: (section: string) => key === section || key.startsWith(`${section}.`),
    });
  }

  /** Simulates a file system event on every watcher whose folder holds the file. */
  /**
   * What VS Code does before files or folders are renamed: asks the listeners for edits and
   * returns them (the move itself is the caller's to make).
   */
  async willRename(renames: Array<[from: string, to: string]>): Promise<WorkspaceEdit[]> {
    const edits: Promise<WorkspaceEdit>[] = [];
    this.willRenameFiles.fire({
      files: renames.map(([from, to]) => ({ oldUri: Uri.file(from), newUri: Uri.file(to) })),
      waitUntil: (edit) => edits.push(edit),
    });
    return Promise.all(edits);
  }

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

  /** What VS Code hands the extension on activation: this repository as the extension, storage under `storage`. */
  extensionContext(extensionRoot: string, storage: string) {
    return {
      extensionUri: Uri.file(extensionRoot),
      storageUri: Uri.file(join(storage, 'workspace')),
      globalStorageUri: Uri.file(join(storage, 'global')),
      workspaceState: this.memento(),
      secrets: this.secretStorage(),
      subscriptions: [],
    };
  }
}

export { FakeLog, FakeMemento, FakeSecrets };
