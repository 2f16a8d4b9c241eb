/**
 * Moving or renaming flow files in the editor (the Explorer, a refactoring, another extension)
 * keeps run_flow steps working, as moving a module keeps its imports in a TypeScript project:
 * before the files move, the relative `flow:` paths that lead to them, and those written in them,
 * are rewritten in every flow of the workspace folder, as part of the move (VS Code asks the user
 * first, with a preview). The rule is the local API's bulk move's (core/runFlowReferences.ts).
 * `testmesh.updateRunFlowPathsOnMove` turns it off.
 */
import { stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { errorMessage } from '../core/errors';
import { LineIndex } from '../core/language/parsedFlows';
import { referenceEditsForMoves, type ReferenceEdit } from '../core/runFlowReferences';
import type { FlowIndex } from './discovery';
import type { Log } from './log';
import { readSettings } from './settings';
import type { VSCode, vscode } from './vscodeTypes';

interface Rename {
  readonly oldUri: vscode.Uri;
  readonly newUri: vscode.Uri;
}

export class FlowMoves implements vscode.Disposable {
  private readonly listener: vscode.Disposable;

  constructor(
    private readonly vscode: VSCode,
    private readonly index: FlowIndex,
    private readonly log: Log,
  ) {
    this.listener = vscode.workspace.onWillRenameFiles((event) => {
      if (!readSettings(vscode).updateRunFlowPathsOnMove) return;
      if (!event.files.some((f) => f.oldUri.scheme === 'file')) return;
      event.waitUntil(this.editsFor(event.files));
    });
  }

  /** The edit that keeps run_flow paths right after `renames` (files or folders); empty when none need it. */
  async editsFor(renames: readonly Rename[]): Promise<vscode.WorkspaceEdit> {
    const edit = new this.vscode.WorkspaceEdit();
    try {
      const flows = this.index.all();
      let count = 0;
      let files = 0;
      for (const folder of new Set(flows.map((f) => f.folder))) {
        const root = folder.uri.fsPath;
        const moves = movesWithin(
          root,
          renames,
          flows.filter((f) => f.folder === folder).map((f) => f.uri.fsPath),
        );
        if (moves.size === 0) continue;
        const exists = (id: string) =>
          stat(join(root, ...id.split('/'))).then(
            (s) => s.isFile(),
            () => false,
          );
        for (const flow of flows) {
          if (flow.folder !== folder) continue;
          const edits = await referenceEditsForMoves(flow.text, flow.relativePath, moves, exists);
          if (!edits.length) continue;
          const lines = new LineIndex(flow.text);
          for (const e of edits) {
            const start = lines.position(e.start);
            const end = lines.position(e.end);
            edit.replace(
              flow.uri,
              new this.vscode.Range(start.line, start.character, end.line, end.character),
              e.newText,
            );
          }
          count += edits.length;
          files++;
          this.log.info(`run_flow paths in ${flow.relativePath}: ${describe(edits)}`);
        }
      }
      if (count) this.log.info(`moving flows: ${count} run_flow path(s) updated in ${files} file(s)`);
    } catch (err) {
      // The move itself must never fail because of this: it goes ahead, the paths as they were.
      this.log.error(`could not update run_flow paths for the move: ${errorMessage(err)}`);
    }
    return edit;
  }

  dispose(): void {
    this.listener.dispose();
  }
}

/**
 * The moves of flow files inside `root`, as workspace-relative POSIX ids: a renamed file, or
 * every flow under a renamed folder. Moves into or out of the folder are left out.
 */
function movesWithin(root: string, renames: readonly Rename[], flowFiles: readonly string[]): Map<string, string> {
  const moves = new Map<string, string>();
  const id = (path: string) => {
    const rel = relative(root, path);
    return rel === '' || rel.startsWith('..') || rel.startsWith(sep) ? undefined : rel.split(sep).join('/');
  };
  for (const { oldUri, newUri } of renames) {
    if (oldUri.scheme !== 'file' || newUri.scheme !== 'file') continue;
    const from = oldUri.fsPath;
    for (const file of flowFiles) {
      if (file !== from && !file.startsWith(from + sep)) continue;
      const oldId = id(file);
      const newId = id(newUri.fsPath + file.slice(from.length));
      if (oldId !== undefined && newId !== undefined && oldId !== newId) moves.set(oldId, newId);
    }
  }
  return moves;
}

function describe(edits: readonly ReferenceEdit[]): string {
  return edits.map((e) => `${e.from} -> ${e.to}`).join(', ');
}
