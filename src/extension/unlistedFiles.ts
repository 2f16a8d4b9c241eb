/**
 * No silent files: a YAML file that looks like a flow but is not listed (outside the flow globs,
 * excluded, in a skipped folder, too big, not a valid flow) gets a CodeLens at its top that says
 * why; when a setting is the reason, a second one changes that setting in one click
 * (`testmesh.listFile`), after which discovery lists the file and its run icons appear.
 */
import { relative } from 'node:path';
import { toPosix } from '../core/discovery';
import { formatBytes } from '../core/format';
import type { FlowIndex, UnlistedReason } from './discovery';
import { IndexCodeLensProvider } from './indexCodeLens';
import { readSettings, SECTION } from './settings';
import type { VSCode, vscode } from './vscodeTypes';

export const COMMAND_LIST_FILE = 'testmesh.listFile';

/** Why the file is not listed, in the words the CodeLens shows. */
export function unlistedText(why: UnlistedReason, flowGlobs: readonly string[]): string {
  switch (why.reason) {
    case 'not_included':
      return `outside the testmesh.flowGlobs setting (${flowGlobs.join(', ')})`;
    case 'excluded':
      return `excluded by '${why.glob}' in the testmesh.excludeGlobs setting`;
    case 'skipped_folder':
      return `inside ${why.folder}/, a folder discovery skips unless testmesh.flowGlobs names it`;
    case 'too_big':
      return `${formatBytes(why.size)}, more than the ${formatBytes(why.limit)} a flow file may have`;
    case 'not_a_flow':
      return `not a valid flow: ${why.message}`;
  }
}

/** The setting change that lists the file, or undefined when no setting is the reason. */
export function listingFix(
  why: UnlistedReason,
  relativePath: string,
  settings: { flowGlobs: readonly string[]; excludeGlobs: readonly string[] },
): { title: string; key: 'flowGlobs' | 'excludeGlobs'; value: string[] } | undefined {
  if (why.reason === 'not_included' || why.reason === 'skipped_folder')
    return {
      title: `Add ${relativePath} to testmesh.flowGlobs`,
      key: 'flowGlobs',
      value: [...settings.flowGlobs.filter((g) => g !== relativePath), relativePath],
    };
  if (why.reason === 'excluded')
    return {
      title: `Remove '${why.glob}' from testmesh.excludeGlobs`,
      key: 'excludeGlobs',
      value: settings.excludeGlobs.filter((g) => g !== why.glob),
    };
  return undefined;
}

export class UnlistedFileLens extends IndexCodeLensProvider {
  constructor(vscode: VSCode, index: FlowIndex) {
    super(vscode, index, SECTION);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const why = this.index.whyUnlisted(document.uri, document.getText());
    if (!why) return [];
    const folder = this.vscode.workspace.getWorkspaceFolder(document.uri);
    const settings = readSettings(this.vscode);
    const range = new this.vscode.Range(0, 0, 0, 0);
    const lenses = [
      new this.vscode.CodeLens(range, {
        title: `$(info) Not listed by TestMesh: ${unlistedText(why, settings.flowGlobs)}`,
        command: '',
        tooltip: 'TestMesh shows no run icons for this file and does not run it',
      }),
    ];
    const fix = folder && listingFix(why, toPosix(relative(folder.uri.fsPath, document.uri.fsPath)), settings);
    if (fix)
      lenses.push(
        new this.vscode.CodeLens(range, {
          title: fix.title,
          command: COMMAND_LIST_FILE,
          arguments: [document.uri.toString()],
          tooltip: 'Changes the setting for this workspace folder',
        }),
      );
    return lenses;
  }

  /**
   * `testmesh.listFile <uri>`: changes the workspace folder's setting so the file is listed.
   * Returns the setting it changed, or undefined when nothing could be done.
   */
  async listFile(target: unknown): Promise<{ key: string; value: string[] } | undefined> {
    const uri =
      typeof target === 'string'
        ? this.vscode.Uri.parse(target)
        : target instanceof this.vscode.Uri
          ? target
          : this.vscode.window.activeTextEditor?.document.uri;
    if (!uri) return undefined;
    const folder = this.vscode.workspace.getWorkspaceFolder(uri);
    const document = this.vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const text = document ? document.getText() : undefined;
    const why = text === undefined ? undefined : this.index.whyUnlisted(uri, text);
    const fix =
      why && folder && listingFix(why, toPosix(relative(folder.uri.fsPath, uri.fsPath)), readSettings(this.vscode));
    if (!fix) {
      void this.vscode.window.showInformationMessage('TestMesh: no setting keeps this file from being listed.');
      return undefined;
    }
    await this.vscode.workspace
      .getConfiguration(SECTION, folder!.uri)
      .update(fix.key, fix.value, this.vscode.ConfigurationTarget.WorkspaceFolder);
    await this.index.whenIdle();
    return { key: `${SECTION}.${fix.key}`, value: fix.value };
  }
}
