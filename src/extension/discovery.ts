/**
 * The workspace's flow files, kept current: every YAML file of every workspace folder is sniffed
 * (its first bytes only) and flows are parsed; file watchers and edits in open editors (parsed
 * from the editor's text, not the disk) keep it current. A file is re-read only when its size or
 * time changed, so a rescan of a large repository re-parses nothing that did not change. A file
 * that looks like a flow but is not listed (too big, excluded, in a skipped folder, not a flow)
 * is remembered with the reason, so the editor can say why. Updates are debounced and applied
 * one batch at a time. A file with a root `flow:` that does not parse stays in the index with its
 * diagnostics, so a broken file never hides the others.
 */
import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import {
  pathVerdict,
  sniffFlowFile,
  yieldTurn,
  toPosix,
  walkFileInfo,
  type DiscoveryRules,
  type FoundFile,
} from '../core/discovery';
import { errorMessage, firstError, type FlowDiagnostic } from '../core/errors';
import { DEFAULT_MAX_BYTES, looksLikeFlowFile, parseFlowText } from '../core/flow/load';
import { parseFlowSharedOffThread } from '../core/language/parsedFlows';
import type { FlowDef } from '../core/flow/types';
import { applyDefaultStepTimeout, PROJECT_FILE_NAME, readProjectFile, type ProjectFile } from '../core/projectFile';
import type { Log } from './log';
import { readSettings } from './settings';
import type { VSCode, vscode } from './vscodeTypes';

export interface FlowFile {
  uri: vscode.Uri;
  /** `uri.toString()`: the key of this file everywhere in the extension. */
  key: string;
  folder: vscode.WorkspaceFolder;
  /** Path relative to the workspace folder, `/`-separated. */
  relativePath: string;
  /** The text the flow was parsed from (the editor's, when the file is open). */
  text: string;
  /** Present when the file parsed without errors. */
  flow?: FlowDef;
  diagnostics: FlowDiagnostic[];
  /** Found (it looks like a flow) but not parsed yet: a large first scan lists files before parsing them all. */
  pending?: boolean;
}

export interface FlowIndexChange {
  changed: FlowFile[];
  /** Keys of files that are no longer flow files (deleted, renamed, or no longer matching). */
  removed: string[];
}

/** Why a YAML file that looks like a flow is not in the index. */
export type UnlistedReason =
  | { reason: 'too_big'; size: number; limit: number }
  | { reason: 'excluded'; glob: string }
  | { reason: 'skipped_folder'; folder: string }
  | { reason: 'not_included' }
  | { reason: 'not_a_flow'; message: string };

export interface FlowIndexOptions {
  /** Delay after file system events before re-reading (ms). */
  fileDebounceMs?: number;
  /** Delay after an edit in an open editor before re-parsing (ms). */
  typingDebounceMs?: number;
}

const FLOW_FILE_NAME = /\.flow\.ya?ml$/i;
const YAML_FILE = /\.ya?ml$/i;
const ROOT_FLOW_KEY = /^(?:flow|"flow"|'flow')[ \t]*:/m;
/** Files parsed between two turns of the extension host's event loop during a large scan. */
const PARSE_SLICE = 50;
/** Files sniffed between two turns of the event loop. */
const SNIFF_SLICE = 200;

interface Stamp {
  size: number;
  mtimeMs: number;
}

const sameStamp = (a: Stamp | undefined, b: Stamp) => a !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs;

export class FlowIndex {
  private readonly files = new Map<string, FlowFile>();
  /** Size and time of every YAML file last read from disk (flows and not), to skip unchanged ones. */
  private readonly stamps = new Map<string, Stamp>();
  /** Files that look like flows but are not listed, with the reason. */
  private readonly unlistedFiles = new Map<string, UnlistedReason>();
  /** `.testmesh.yaml` of each workspace folder (by folder uri), or why it could not be read. */
  private readonly projects = new Map<string, ProjectFile | { error: string }>();
  private readonly emitter: vscode.EventEmitter<FlowIndexChange>;
  readonly onDidChange: vscode.Event<FlowIndexChange>;
  private readonly projectEmitter: vscode.EventEmitter<void>;
  /** A `.testmesh.yaml` appeared, changed or went away. */
  readonly onDidChangeProject: vscode.Event<void>;
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private rules: DiscoveryRules;
  /** Uris (as strings) waiting to be re-read, with the uri object. */
  private readonly pending = new Map<string, vscode.Uri>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private fullScanPending = false;
  /** Every update runs after the previous one, so results arrive in order. */
  private queue: Promise<void> = Promise.resolve();
  private readonly fileDebounceMs: number;
  private readonly typingDebounceMs: number;
  private started = false;
  /** How many files were parsed / sniffed since the start (tests and the bench read them). */
  readonly stats = { parsed: 0, sniffed: 0, scans: 0, lastScanMs: 0 };

  constructor(
    private readonly vscode: VSCode,
    private readonly log: Log,
    options: FlowIndexOptions = {},
  ) {
    this.emitter = new vscode.EventEmitter<FlowIndexChange>();
    this.onDidChange = this.emitter.event;
    this.projectEmitter = new vscode.EventEmitter<void>();
    this.onDidChangeProject = this.projectEmitter.event;
    this.rules = rulesOf(vscode);
    this.fileDebounceMs = options.fileDebounceMs ?? 200;
    this.typingDebounceMs = options.typingDebounceMs ?? 300;
  }

  /** Scans the workspace and starts watching it. Resolves when the first scan is in. */
  start(): Promise<void> {
    if (this.started) return this.whenIdle();
    this.started = true;
    const workspace = this.vscode.workspace;
    this.disposables.push(
      workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && this.isCandidate(e.document.uri))
          this.schedule(e.document.uri, this.typingDebounceMs);
      }),
      // Closing a modified editor drops its text: the disk is the truth again.
      workspace.onDidCloseTextDocument((doc) => {
        if (this.files.has(doc.uri.toString())) this.schedule(doc.uri, this.fileDebounceMs);
      }),
      // An opened YAML file is read from the editor: it may be new, unsaved, or changed meanwhile.
      workspace.onDidOpenTextDocument((doc) => {
        if (this.isCandidate(doc.uri) && (doc.isDirty || !this.files.has(doc.uri.toString())))
          this.schedule(doc.uri, this.typingDebounceMs);
      }),
      workspace.onDidChangeWorkspaceFolders(() => this.rescan()),
      workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('testmesh.flowGlobs') && !e.affectsConfiguration('testmesh.excludeGlobs')) return;
        this.rules = rulesOf(this.vscode);
        this.rescan();
      }),
    );
    this.watch();
    return this.enqueue(() => this.scanAll());
  }

  /** Reads everything again, unchanged files included (the `testmesh.refresh` command). */
  refresh(): Promise<void> {
    this.watch();
    this.stamps.clear();
    return this.enqueue(() => this.scanAll());
  }

  /** Resolves once every scheduled update has been applied. */
  async whenIdle(): Promise<void> {
    for (;;) {
      const queue = this.queue;
      await queue;
      if (queue === this.queue && this.timer === undefined && this.pending.size === 0 && !this.fullScanPending) return;
      if (this.timer !== undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  all(): FlowFile[] {
    return [...this.files.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get(uri: vscode.Uri | string): FlowFile | undefined {
    return this.files.get(typeof uri === 'string' ? uri : uri.toString());
  }

  /** A file by its absolute file system path. */
  byPath(fsPath: string): FlowFile | undefined {
    for (const file of this.files.values()) if (file.uri.fsPath === fsPath) return file;
    return undefined;
  }

  /** The project file of a workspace folder (its `.testmesh.yaml`), when it has a readable one. */
  project(folder: vscode.WorkspaceFolder | undefined): ProjectFile | undefined {
    const found = folder ? this.projects.get(folder.uri.toString()) : undefined;
    return found && !('error' in found) ? found : undefined;
  }

  /** Every readable project file, with its folder. */
  projectFiles(): Array<{ folder: vscode.WorkspaceFolder; project: ProjectFile }> {
    const out: Array<{ folder: vscode.WorkspaceFolder; project: ProjectFile }> = [];
    for (const folder of this.vscode.workspace.workspaceFolders ?? []) {
      const project = this.project(folder);
      if (project) out.push({ folder, project });
    }
    return out;
  }

  /** Whether this looks like a TestMesh workspace: a flow or a `.testmesh.yaml` was found. */
  isTestMeshWorkspace(): boolean {
    return this.files.size > 0 || this.projects.size > 0;
  }

  /**
   * Why a YAML file whose text looks like a flow is not in the index; undefined when it is (or
   * when it does not look like a flow at all).
   */
  whyUnlisted(uri: vscode.Uri, text: string): UnlistedReason | undefined {
    const key = uri.toString();
    if (this.files.has(key) || uri.scheme !== 'file' || !YAML_FILE.test(uri.fsPath)) return undefined;
    const known = this.unlistedFiles.get(key);
    if (known) return known;
    if (!looksLikeFlowFile(text)) return undefined;
    const folder = this.vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return undefined;
    const verdict = pathVerdict(toPosix(relative(folder.uri.fsPath, uri.fsPath)), this.rules);
    if (!verdict.listed)
      return verdict.reason === 'excluded'
        ? { reason: 'excluded', glob: verdict.glob }
        : verdict.reason === 'skipped_folder'
          ? { reason: 'skipped_folder', folder: verdict.folder }
          : { reason: 'not_included' };
    if (Buffer.byteLength(text, 'utf8') > DEFAULT_MAX_BYTES)
      return { reason: 'too_big', size: Buffer.byteLength(text, 'utf8'), limit: DEFAULT_MAX_BYTES };
    const { flow, diagnostics } = parseFlowText(text, uri.fsPath);
    if (!flow) return { reason: 'not_a_flow', message: firstError(diagnostics) ?? 'not a valid flow' };
    return undefined;
  }

  /** Whether a uri is (or could be) a flow file by location: in a workspace folder, a YAML file discovery looks into. */
  isCandidate(uri: vscode.Uri): boolean {
    if (uri.scheme !== 'file') return false;
    if (this.files.has(uri.toString())) return true;
    if (!YAML_FILE.test(uri.fsPath)) return false;
    const folder = this.vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return false;
    const rel = toPosix(relative(folder.uri.fsPath, uri.fsPath));
    if (rel.startsWith('../')) return false;
    return pathVerdict(rel, this.rules).listed;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of [...this.watchers, ...this.disposables]) d.dispose();
    this.watchers = [];
    this.emitter.dispose();
    this.projectEmitter.dispose();
  }

  private watch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    for (const folder of this.vscode.workspace.workspaceFolders ?? []) {
      for (const glob of this.rules.include) {
        const watcher = this.vscode.workspace.createFileSystemWatcher(new this.vscode.RelativePattern(folder, glob));
        const onEvent = (uri: vscode.Uri) => {
          if (this.isCandidate(uri)) this.schedule(uri, this.fileDebounceMs);
        };
        this.watchers.push(
          watcher,
          watcher.onDidCreate(onEvent),
          watcher.onDidChange(onEvent),
          watcher.onDidDelete(onEvent),
        );
      }
      // The project file changes every flow's default timeout: everything is parsed again.
      const project = this.vscode.workspace.createFileSystemWatcher(
        new this.vscode.RelativePattern(folder, PROJECT_FILE_NAME),
      );
      const onProject = (uri: vscode.Uri) => {
        if (!uri.fsPath.endsWith(PROJECT_FILE_NAME)) return;
        this.stamps.clear();
        this.fullScanPending = true;
        this.arm(this.fileDebounceMs);
      };
      this.watchers.push(
        project,
        project.onDidCreate(onProject),
        project.onDidChange(onProject),
        project.onDidDelete(onProject),
      );
    }
  }

  private rescan(): void {
    this.watch();
    this.fullScanPending = true;
    this.arm(this.fileDebounceMs);
  }

  private schedule(uri: vscode.Uri, delayMs: number): void {
    this.pending.set(uri.toString(), uri);
    this.arm(delayMs);
  }

  private arm(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const full = this.fullScanPending;
      this.fullScanPending = false;
      const uris = [...this.pending.values()];
      this.pending.clear();
      void this.enqueue(() => (full ? this.scanAll() : this.update(uris)));
    }, delayMs);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue
      .then(task)
      .catch((err) =>
        this.log.error(`flow discovery failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
      );
    return this.queue;
  }

  private async loadProjects(): Promise<boolean> {
    const before = JSON.stringify([...this.projects]);
    this.projects.clear();
    for (const folder of this.vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      try {
        const project = await readProjectFile(folder.uri.fsPath);
        if (project) this.projects.set(folder.uri.toString(), project);
      } catch (err) {
        this.log.warn(`${PROJECT_FILE_NAME}: ${errorMessage(err)}`);
        this.projects.set(folder.uri.toString(), { error: errorMessage(err) });
      }
    }
    return JSON.stringify([...this.projects]) !== before;
  }

  private async scanAll(): Promise<void> {
    const started = Date.now();
    const projectChanged = await this.loadProjects();
    const seen = new Set<string>();
    const toParse: Array<{ uri: vscode.Uri; folder: vscode.WorkspaceFolder; entry: FoundFile; text: string }> = [];
    let yamlFiles = 0;
    for (const folder of this.vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const found = await walkFileInfo(
        folder.uri.fsPath,
        (rel) => YAML_FILE.test(rel) && pathVerdict(rel, this.rules).listed,
        this.rules,
      );
      yamlFiles += found.length;
      const open = new Set(this.vscode.workspace.textDocuments.filter((d) => !d.isClosed).map((d) => d.uri.toString()));
      for (let i = 0; i < found.length; i++) {
        const entry = found[i];
        const uri = this.vscode.Uri.joinPath(folder.uri, ...entry.rel.split('/'));
        const key = uri.toString();
        seen.add(key);
        const stamp = { size: entry.size, mtimeMs: entry.mtimeMs };
        // Unchanged on disk and not open in an editor: what we know still holds.
        if (sameStamp(this.stamps.get(key), stamp) && !open.has(key)) continue;
        this.stamps.set(key, stamp);
        const text = await this.sniff(uri, entry);
        if (text === undefined) this.files.delete(key);
        else toParse.push({ uri, folder, entry, text });
        if ((i + 1) % SNIFF_SLICE === 0) await yieldTurn();
      }
    }
    const removed = [...this.files.keys()].filter((key) => !seen.has(key));
    for (const key of removed) this.files.delete(key);
    for (const key of [...this.stamps.keys()]) if (!seen.has(key)) this.stamps.delete(key);
    for (const key of [...this.unlistedFiles.keys()]) if (!seen.has(key)) this.unlistedFiles.delete(key);
    toParse.sort((a, b) => (a.entry.rel < b.entry.rel ? -1 : 1));

    // Many new files (a first scan): list them at once, then parse them in slices, giving the
    // extension host back between slices so the editor stays responsive.
    const firstScan = this.stats.scans === 0;
    if (toParse.length > PARSE_SLICE) {
      const listed: FlowFile[] = [];
      for (const item of toParse) {
        if (this.files.has(item.uri.toString())) continue;
        const file: FlowFile = {
          uri: item.uri,
          key: item.uri.toString(),
          folder: item.folder,
          relativePath: item.entry.rel,
          text: item.text,
          diagnostics: [],
          pending: true,
        };
        this.files.set(file.key, file);
        listed.push(file);
      }
      this.emitter.fire({ changed: listed, removed });
      removed.length = 0;
    }
    for (let i = 0; i < toParse.length; i += PARSE_SLICE) {
      const changed: FlowFile[] = [];
      const gone: string[] = [];
      const slice = toParse.slice(i, i + PARSE_SLICE);
      // Large files parse in the flow worker meanwhile; small ones here, a slice at a time.
      const parsed = await Promise.all(
        slice.map((item) => this.parse(item.uri, item.folder, item.entry.rel, item.text)),
      );
      for (const [n, item] of slice.entries()) {
        const key = item.uri.toString();
        const file = parsed[n];
        if (file) {
          this.files.set(key, file);
          changed.push(file);
        } else if (this.files.delete(key)) gone.push(key);
      }
      if (i + PARSE_SLICE < toParse.length) {
        if (changed.length || gone.length) this.emitter.fire({ changed, removed: gone });
        await yieldTurn();
      } else {
        removed.push(...gone);
        if (changed.length || removed.length) this.emitter.fire({ changed, removed });
        removed.length = 0;
      }
    }
    if (removed.length || (firstScan && toParse.length === 0)) this.emitter.fire({ changed: [], removed });
    this.stats.scans++;
    this.stats.lastScanMs = Date.now() - started;
    this.log.info(
      `found ${this.files.size} flow file(s) among ${yamlFiles} YAML file(s) in ${this.stats.lastScanMs} ms (${toParse.length} read again)`,
    );
    if (projectChanged) this.projectEmitter.fire();
  }

  private async update(uris: vscode.Uri[]): Promise<void> {
    const changed: FlowFile[] = [];
    const removed: string[] = [];
    for (const uri of uris) {
      const key = uri.toString();
      const folder = this.vscode.workspace.getWorkspaceFolder(uri);
      let file: FlowFile | undefined;
      if (folder && this.isCandidate(uri)) {
        const info = await stat(uri.fsPath).catch(() => undefined);
        if (info?.isFile() || this.openDocument(key)) {
          const entry = {
            rel: toPosix(relative(folder.uri.fsPath, uri.fsPath)),
            file: uri.fsPath,
            size: info?.size ?? 0,
            mtimeMs: info?.mtimeMs ?? 0,
          };
          file = await this.read(uri, folder, entry);
          if (info) this.stamps.set(key, { size: info.size, mtimeMs: info.mtimeMs });
        } else {
          this.stamps.delete(key);
          this.unlistedFiles.delete(key);
        }
      }
      if (file) {
        this.files.set(key, file);
        changed.push(file);
      } else if (this.files.delete(key)) {
        removed.push(key);
      }
    }
    if (changed.length || removed.length) this.emitter.fire({ changed, removed });
  }

  private openDocument(key: string): vscode.TextDocument | undefined {
    const open = this.vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === key);
    return open && !open.isClosed ? open : undefined;
  }

  /** Reads one file (from its open editor when there is one) and parses it when it is a flow. */
  private async read(uri: vscode.Uri, folder: vscode.WorkspaceFolder, entry: FoundFile): Promise<FlowFile | undefined> {
    const text = await this.sniff(uri, entry);
    return text === undefined ? undefined : await this.parse(uri, folder, entry.rel, text);
  }

  /** The text of a file that looks like a flow (the editor's when open); undefined for other files. */
  private async sniff(uri: vscode.Uri, entry: FoundFile): Promise<string | undefined> {
    const key = uri.toString();
    this.unlistedFiles.delete(key);
    const open = this.openDocument(key);
    if (open) {
      const text = open.getText();
      return looksLikeFlowFile(text) ? text : undefined;
    }
    this.stats.sniffed++;
    let sniff;
    try {
      sniff = await sniffFlowFile(uri.fsPath, entry.size);
    } catch {
      return undefined;
    }
    if (sniff.kind === 'too_big') {
      this.unlistedFiles.set(key, { reason: 'too_big', size: sniff.size, limit: sniff.limit });
      return undefined;
    }
    return sniff.kind === 'flow' ? sniff.text : undefined;
  }

  /** Parses a flow-looking text (a large one off this thread); undefined when it is not listed (the reason is kept). */
  private async parse(
    uri: vscode.Uri,
    folder: vscode.WorkspaceFolder,
    relativePath: string,
    text: string,
  ): Promise<FlowFile | undefined> {
    const key = uri.toString();
    this.stats.parsed++;
    const parsed = await parseFlowSharedOffThread(text, uri.fsPath);
    const diagnostics = parsed.diagnostics;
    // A root `flow:` key or a *.flow.yaml name says "this is a flow", so a broken one still shows
    // (with its errors); so does a file that was listed already and breaks while being edited.
    // A bare `name` + `steps` file that is no flow (a CI pipeline, say) stays out, with the reason.
    const listed = this.files.get(key);
    if (!parsed.flow && !ROOT_FLOW_KEY.test(text) && !FLOW_FILE_NAME.test(uri.fsPath) && (!listed || listed.pending)) {
      this.unlistedFiles.set(key, { reason: 'not_a_flow', message: firstError(diagnostics) ?? 'not a valid flow' });
      return undefined;
    }
    // The parse is shared with the editor features: the project's timeout goes on a copy.
    const flow = parsed.flow && applyDefaultStepTimeout(parsed.flow, this.project(folder)?.defaultStepTimeoutMs);
    return { uri, key, folder, relativePath, text, flow, diagnostics };
  }
}

function rulesOf(vscode: VSCode): DiscoveryRules {
  const settings = readSettings(vscode);
  return { include: settings.flowGlobs, exclude: settings.excludeGlobs };
}
