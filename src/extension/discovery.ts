/**
 * The workspace's flow files, kept current: a scan of every workspace folder by the flow globs,
 * file watchers, and edits in open editors (parsed from the editor's text, not the disk).
 * Updates are debounced and applied one batch at a time. A file that does not parse stays in the
 * index with its diagnostics, so a broken file never hides the others.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { toPosix, walkFiles } from '../core/discovery';
import type { FlowDiagnostic } from '../core/errors';
import { looksLikeFlowFile } from '../core/flow/load';
import { parseFlowShared } from '../core/language/parsedFlows';
import type { FlowDef } from '../core/flow/types';
import { matchesGlob } from '../core/glob';
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
}

export interface FlowIndexChange {
  changed: FlowFile[];
  /** Keys of files that are no longer flow files (deleted, renamed, or no longer matching). */
  removed: string[];
}

export interface FlowIndexOptions {
  /** Delay after file system events before re-reading (ms). */
  fileDebounceMs?: number;
  /** Delay after an edit in an open editor before re-parsing (ms). */
  typingDebounceMs?: number;
}

const FLOW_FILE_NAME = /\.flow\.ya?ml$/i;

export class FlowIndex {
  private readonly files = new Map<string, FlowFile>();
  private readonly emitter: vscode.EventEmitter<FlowIndexChange>;
  readonly onDidChange: vscode.Event<FlowIndexChange>;
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private globs: string[];
  /** Uris (as strings) waiting to be re-read, with the uri object. */
  private readonly pending = new Map<string, vscode.Uri>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private fullScanPending = false;
  /** Every update runs after the previous one, so results arrive in order. */
  private queue: Promise<void> = Promise.resolve();
  private readonly fileDebounceMs: number;
  private readonly typingDebounceMs: number;
  private started = false;

  constructor(
    private readonly vscode: VSCode,
    private readonly log: Log,
    options: FlowIndexOptions = {},
  ) {
    this.emitter = new vscode.EventEmitter<FlowIndexChange>();
    this.onDidChange = this.emitter.event;
    this.globs = readSettings(vscode).flowGlobs;
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
        if (e.contentChanges.length > 0 && this.isCandidate(e.document.uri)) this.schedule(e.document.uri, this.typingDebounceMs);
      }),
      // Closing a modified editor drops its text: the disk is the truth again.
      workspace.onDidCloseTextDocument((doc) => {
        if (this.files.has(doc.uri.toString())) this.schedule(doc.uri, this.fileDebounceMs);
      }),
      workspace.onDidOpenTextDocument((doc) => {
        if (doc.isDirty && this.isCandidate(doc.uri)) this.schedule(doc.uri, this.typingDebounceMs);
      }),
      workspace.onDidChangeWorkspaceFolders(() => this.rescan()),
      workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('testmesh.flowGlobs')) return;
        this.globs = readSettings(this.vscode).flowGlobs;
        this.rescan();
      }),
    );
    this.watch();
    return this.enqueue(() => this.scanAll());
  }

  /** Drops everything and scans again (the `testmesh.refresh` command). */
  refresh(): Promise<void> {
    this.watch();
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

  /** Whether a uri is (or could be) a flow file by location: in a workspace folder and matching the globs. */
  isCandidate(uri: vscode.Uri): boolean {
    if (uri.scheme !== 'file') return false;
    if (this.files.has(uri.toString())) return true;
    const folder = this.vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return false;
    const rel = toPosix(relative(folder.uri.fsPath, uri.fsPath));
    if (rel.startsWith('../') || rel.split('/').slice(0, -1).some((part) => part === 'node_modules' || part.startsWith('.'))) return false;
    return this.globs.some((glob) => matchesGlob(rel, glob));
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of [...this.watchers, ...this.disposables]) d.dispose();
    this.watchers = [];
    this.emitter.dispose();
  }

  private watch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    for (const folder of this.vscode.workspace.workspaceFolders ?? []) {
      for (const glob of this.globs) {
        const watcher = this.vscode.workspace.createFileSystemWatcher(new this.vscode.RelativePattern(folder, glob));
        const onEvent = (uri: vscode.Uri) => {
          if (this.isCandidate(uri)) this.schedule(uri, this.fileDebounceMs);
        };
        this.watchers.push(watcher, watcher.onDidCreate(onEvent), watcher.onDidChange(onEvent), watcher.onDidDelete(onEvent));
      }
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
    this.queue = this.queue.then(task).catch((err) => this.log.error(`flow discovery failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
    return this.queue;
  }

  private async scanAll(): Promise<void> {
    const started = Date.now();
    const seen = new Set<string>();
    const changed: FlowFile[] = [];
    for (const folder of this.vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const root = folder.uri.fsPath;
      const relativePaths = await walkFiles(root, (rel) => this.globs.some((glob) => matchesGlob(rel, glob)));
      for (const rel of relativePaths) {
        const uri = this.vscode.Uri.joinPath(folder.uri, ...rel.split('/'));
        const file = await this.read(uri, folder);
        if (!file) continue;
        seen.add(file.key);
        this.files.set(file.key, file);
        changed.push(file);
      }
    }
    const removed = [...this.files.keys()].filter((key) => !seen.has(key));
    for (const key of removed) this.files.delete(key);
    this.log.info(`found ${changed.length} flow file(s) in ${Date.now() - started} ms`);
    this.emitter.fire({ changed, removed });
  }

  private async update(uris: vscode.Uri[]): Promise<void> {
    const changed: FlowFile[] = [];
    const removed: string[] = [];
    for (const uri of uris) {
      const key = uri.toString();
      const folder = this.vscode.workspace.getWorkspaceFolder(uri);
      const file = folder && this.isCandidate(uri) ? await this.read(uri, folder) : undefined;
      if (file) {
        this.files.set(key, file);
        changed.push(file);
      } else if (this.files.delete(key)) {
        removed.push(key);
      }
    }
    if (changed.length || removed.length) this.emitter.fire({ changed, removed });
  }

  /** Reads and parses one file (from its open editor when there is one); undefined when it is not a flow. */
  private async read(uri: vscode.Uri, folder: vscode.WorkspaceFolder): Promise<FlowFile | undefined> {
    const key = uri.toString();
    const open = this.vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === key);
    let text: string;
    if (open && !open.isClosed) {
      text = open.getText();
    } else {
      try {
        text = await readFile(uri.fsPath, 'utf8');
      } catch {
        return undefined;
      }
    }
    // Files named *.flow.yaml are flows by name, so a broken one still shows (with its errors).
    if (!FLOW_FILE_NAME.test(uri.fsPath) && !looksLikeFlowFile(text)) return undefined;
    const { flow, diagnostics } = parseFlowShared(text, uri.fsPath);
    return { uri, key, folder, relativePath: toPosix(relative(folder.uri.fsPath, uri.fsPath)), text, flow, diagnostics };
  }
}
