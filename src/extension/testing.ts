/**
 * The Test Explorer tree: workspace folder -> flow file -> flow -> steps. Setup and teardown steps
 * sit in "setup" / "teardown" groups, nested steps (condition, for_each, parallel) under their
 * parent. Every item has its file's uri and its source range, so run icons show in the gutter.
 * Items are updated in place on re-parse (ids are stable), so a run in progress keeps its items.
 * A single-folder workspace shows its files at the top (a lone folder row would hide them behind
 * one collapsed row); a multi-root workspace keeps one row per folder.
 *
 * Text properties are cleared with '' rather than undefined: VS Code sends property changes as
 * JSON, where an undefined value is dropped, so a description set to undefined would stay shown.
 *
 * Items that can run carry the `runnable` tag, and the Run and Debug profiles apply only to items
 * with it (TestRunProfile.tag): a broken file's item has no tag, so VS Code shows no Run button on
 * it; the file gets the tag back as soon as it parses again.
 *
 * A skipped item says why in its description ("skipped: an earlier step failed · http_request")
 * until its next run: `TestRun.skipped` takes no message and a TestMessage belongs to failures
 * only, so the description is the one place the Testing tree shows it.
 *
 * Ids: `<folder uri>`, `<file uri>`, `<file uri>#flow`, `<file uri>#setup`, `<file uri>#teardown`,
 * `<file uri>#step:<step id>`.
 */
import type { FlowDiagnostic } from '../core/errors';
import type { Phase, StepDef } from '../core/flow/types';
import type { FlowFile, FlowIndexChange } from './discovery';
import { toRange } from './ranges';
import type { VSCode, vscode } from './vscodeTypes';

export type ItemKind = 'folder' | 'file' | 'flow' | 'group' | 'step';

export interface ItemData {
  kind: ItemKind;
  /** Key (uri string) of the flow file; for folders, of the folder. */
  key: string;
  stepId?: string;
  /** For groups: which phase. */
  phase?: Phase;
}

/** The tag of every item that can run; the run profiles take only items that carry it. */
export const RUNNABLE_TAG_ID = 'runnable';

export function runnableTag(vscode: VSCode): vscode.TestTag {
  return new vscode.TestTag(RUNNABLE_TAG_ID);
}

export const flowItemId = (key: string) => `${key}#flow`;
export const stepItemId = (key: string, stepId: string) => `${key}#step:${stepId}`;
export const groupItemId = (key: string, phase: 'setup' | 'teardown') => `${key}#${phase}`;

export class TestTree {
  private readonly data = new WeakMap<vscode.TestItem, ItemData>();
  /** Every item of a flow file (the file item included), by id, for lookups from events. */
  private readonly byFile = new Map<string, Map<string, vscode.TestItem>>();
  /** What the last run said about an item (a skip's reason), by item id, until the item runs again. */
  private readonly runNotes = new Map<string, string>();
  /** Each item's own description, which a run note goes in front of. */
  private readonly baseDescriptions = new WeakMap<vscode.TestItem, string>();
  /** Notes the history adds after an item's description (e.g. "flaky: 3 of 10 runs failed"), by item id. */
  private notes = new Map<string, string>();

  constructor(
    private readonly vscode: VSCode,
    readonly controller: vscode.TestController,
  ) {}

  /** Applies a discovery update to the tree. */
  apply(change: FlowIndexChange, all: FlowFile[]): void {
    for (const key of change.removed) {
      for (const id of this.byFile.get(key)?.keys() ?? []) this.runNotes.delete(id);
      this.byFile.delete(key);
    }
    for (const file of change.changed) this.byFile.set(file.key, this.buildFile(file));
    this.syncFolders(all);
  }

  /** Replaces the notes shown after item descriptions (flakiness marks, flakyMarks.ts). */
  setNotes(notes: Map<string, string>): void {
    const touched = new Set([...this.notes.keys(), ...notes.keys()]);
    this.notes = notes;
    for (const items of this.byFile.values())
      for (const [id, item] of items) if (touched.has(id)) this.describe(item, this.baseDescriptions.get(item) ?? '');
  }

  dataOf(item: vscode.TestItem): ItemData | undefined {
    return this.data.get(item);
  }

  item(key: string, id: string): vscode.TestItem | undefined {
    return this.byFile.get(key)?.get(id);
  }

  fileItem(key: string): vscode.TestItem | undefined {
    return this.item(key, key);
  }

  flowItem(key: string): vscode.TestItem | undefined {
    return this.item(key, flowItemId(key));
  }

  stepItem(key: string, stepId: string): vscode.TestItem | undefined {
    return this.item(key, stepItemId(key, stepId));
  }

  groupItem(key: string, phase: 'setup' | 'teardown'): vscode.TestItem | undefined {
    return this.item(key, groupItemId(key, phase));
  }

  /** Shows (or with undefined, clears) what a run says about an item, in front of its description. */
  setRunNote(item: vscode.TestItem, note: string | undefined): void {
    if (note) this.runNotes.set(item.id, note);
    else if (!this.runNotes.delete(item.id)) return;
    this.describe(item, this.baseDescriptions.get(item) ?? '');
  }

  runNote(item: vscode.TestItem): string | undefined {
    return this.runNotes.get(item.id);
  }

  private describe(item: vscode.TestItem, base: string): void {
    this.baseDescriptions.set(item, base);
    const note = this.runNotes.get(item.id);
    const described = note ? (base ? `${note} · ${base}` : note) : base;
    const after = this.notes.get(item.id);
    item.description = after ? (described ? `${described} · ${after}` : after) : described;
  }

  /** Keys of every flow file in the tree. */
  fileKeys(): string[] {
    return [...this.byFile.keys()].sort();
  }

  /** Ids of every item of every file, for the test hook. */
  allIds(): string[] {
    const ids: string[] = [];
    for (const items of this.byFile.values()) ids.push(...items.keys());
    return ids.sort();
  }

  private syncFolders(all: FlowFile[]): void {
    const byFolder = new Map<string, { folder: vscode.WorkspaceFolder; files: FlowFile[] }>();
    for (const file of all) {
      const key = file.folder.uri.toString();
      const entry = byFolder.get(key) ?? { folder: file.folder, files: [] };
      entry.files.push(file);
      byFolder.set(key, entry);
    }
    const fileItems = (files: FlowFile[]) =>
      files
        .map((f) => this.fileItem(f.key))
        .filter((item): item is vscode.TestItem => item !== undefined)
        .sort((a, b) => a.label.localeCompare(b.label));
    if ((this.vscode.workspace.workspaceFolders?.length ?? 0) <= 1) {
      this.controller.items.replace(fileItems(all));
      return;
    }
    const roots: vscode.TestItem[] = [];
    for (const [key, { folder, files }] of [...byFolder].sort((a, b) => a[1].folder.index - b[1].folder.index)) {
      const folderItem = this.upsert(this.controller.items, key, folder.name, folder.uri, { kind: 'folder', key });
      folderItem.tags = [runnableTag(this.vscode)];
      folderItem.sortText = String(folder.index).padStart(4, '0');
      folderItem.children.replace(fileItems(files));
      roots.push(folderItem);
    }
    this.controller.items.replace(roots);
  }

  private buildFile(file: FlowFile): Map<string, vscode.TestItem> {
    const items = new Map<string, vscode.TestItem>();
    const existing = this.byFile.get(file.key);
    const make = (id: string, label: string, data: ItemData) => {
      const item = this.reuse(existing, id, label, file.uri, data);
      items.set(id, item);
      return item;
    };

    const fileItem = make(file.key, file.relativePath, { kind: 'file', key: file.key });
    const flow = file.flow;
    if (file.pending) {
      // Found, not parsed yet (a large first scan): listed now, its steps follow in a moment.
      fileItem.error = undefined;
      fileItem.range = undefined;
      fileItem.description = 'loading…';
      // Runnable already: a run waits for the parse.
      fileItem.tags = [runnableTag(this.vscode)];
      return items;
    }
    if (!flow) {
      const errors = file.diagnostics.filter((d) => d.severity === 'error');
      fileItem.error = brokenFileMessage(errors);
      // No range: a gutter run icon on the broken line would run nothing. The error is on the row.
      fileItem.range = undefined;
      fileItem.description = 'invalid flow';
      // No tag: no Run or Debug button for a file that would run nothing.
      fileItem.tags = [];
      fileItem.children.replace([]);
      return items;
    }
    fileItem.error = undefined;
    fileItem.description = '';
    fileItem.range = undefined;
    fileItem.tags = [runnableTag(this.vscode)];

    const flowItem = make(flowItemId(file.key), flow.name, { kind: 'flow', key: file.key });
    flowItem.range = toRange(this.vscode, flow.range);
    this.describe(flowItem, flow.description ? oneLine(flow.description) : '');
    // The flow's own tags (filterable as @testmesh:<tag>) and the runnable tag, once.
    flowItem.tags = [...new Set([...flow.tags, RUNNABLE_TAG_ID])].map((tag) => new this.vscode.TestTag(tag));
    fileItem.children.replace([flowItem]);

    const children: vscode.TestItem[] = [];
    const stepItems = (steps: StepDef[], block?: string): vscode.TestItem[] =>
      steps.map((step, index) => {
        const item = make(stepItemId(file.key, step.id), step.name, {
          kind: 'step',
          key: file.key,
          stepId: step.id,
          phase: step.phase,
        });
        item.range = toRange(this.vscode, step.range);
        this.describe(item, block && block !== 'steps' ? `${step.action} · ${block}` : step.action);
        item.sortText = String(index).padStart(4, '0');
        item.tags = flowItem.tags;
        // A step written wrong still runs (and fails at once, as in TestMesh): the tree says so beforehand.
        item.error = step.problem;
        item.children.replace(step.blocks.flatMap((b) => stepItems(b.steps, b.key)));
        return item;
      });
    const group = (phase: 'setup' | 'teardown', steps: StepDef[], order: number) => {
      if (steps.length === 0) return;
      const item = make(groupItemId(file.key, phase), phase, { kind: 'group', key: file.key, phase });
      item.range = groupRange(this.vscode, steps, phase, file.text);
      this.describe(item, `${steps.length} step${steps.length === 1 ? '' : 's'}`);
      item.sortText = String(order);
      item.tags = flowItem.tags;
      item.children.replace(stepItems(steps));
      children.push(item);
    };
    group('setup', flow.setup, 0);
    for (const item of stepItems(flow.steps)) {
      item.sortText = `1${item.sortText}`;
      children.push(item);
    }
    group('teardown', flow.teardown, 2);
    flowItem.children.replace(children);
    return items;
  }

  private reuse(
    existing: Map<string, vscode.TestItem> | undefined,
    id: string,
    label: string,
    uri: vscode.Uri,
    data: ItemData,
  ): vscode.TestItem {
    let item = existing?.get(id);
    if (!item) item = this.controller.createTestItem(id, label, uri);
    item.label = label;
    this.data.set(item, data);
    return item;
  }

  private upsert(
    collection: vscode.TestItemCollection,
    id: string,
    label: string,
    uri: vscode.Uri,
    data: ItemData,
  ): vscode.TestItem {
    const item = collection.get(id) ?? this.controller.createTestItem(id, label, uri);
    item.label = label;
    this.data.set(item, data);
    return item;
  }
}

/** Lists every item of a flow file in the tree under `root` (root included), depth first. */
export function descendants(root: vscode.TestItem): vscode.TestItem[] {
  const out: vscode.TestItem[] = [root];
  root.children.forEach((child) => out.push(...descendants(child)));
  return out;
}

/** From the `setup:` / `teardown:` key (found above the first step) to the end of the last step. */
function groupRange(vscode: VSCode, steps: StepDef[], phase: Phase, text: string): vscode.Range {
  const first = toRange(vscode, steps[0].range);
  const last = toRange(vscode, steps[steps.length - 1].range);
  const lines = text.split(/\r?\n/);
  const key = new RegExp(`^\\s*["']?${phase}["']?\\s*:`);
  let line = first.start.line;
  for (let l = first.start.line; l >= 0 && l >= first.start.line - 50; l--) {
    if (key.test(lines[l] ?? '')) {
      line = l;
      break;
    }
  }
  return new vscode.Range(new vscode.Position(line, 0), last.end);
}

function brokenFileMessage(errors: FlowDiagnostic[]): string {
  if (errors.length === 0) return 'not a valid flow';
  const shown = errors.slice(0, 3).map((d) => `line ${d.range.start.line}: ${d.message}`);
  if (errors.length > 3) shown.push(`and ${errors.length - 3} more (see the Problems panel)`);
  return shown.join('\n');
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}
