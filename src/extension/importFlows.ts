/**
 * *TestMesh: Import…*: curl commands, a Postman collection, an OpenAPI document or a HAR
 * recording (a file, the clipboard or the active editor's text) -> flow files in a folder of the
 * workspace the user picks. The core importers do the work (src/core/import); this asks the
 * questions, opens the first flow and shows what was not translated.
 */
import { formatBytes } from '../core/format';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { errorMessage } from '../core/errors';
import { importText } from '../core/import';
import { detectFormat } from '../core/import/detect';
import { MAX_IMPORT_BYTES } from '../core/import/limits';
import { ImportError, IMPORT_FORMATS, type ImportFormat } from '../core/import/model';
import { importSummary } from '../core/import/summary';
import { writeImport, type WrittenFile } from '../core/import/writeFiles';
import type { Log } from './log';
import type { VSCode, vscode } from './vscodeTypes';

export const COMMAND_IMPORT = 'testmesh.import';

/** The string fields of a command argument (it may come from anywhere); the rest is ignored. */
export function importArgsOf(value: unknown): ImportCommandArgs {
  if (typeof value !== 'object' || value === null) return {};
  const raw = value as Record<string, unknown>;
  const text = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
  const from = text('from');
  return {
    file: text('file'),
    text: text('text'),
    folder: text('folder'),
    environment: text('environment'),
    from: IMPORT_FORMATS.includes(from as ImportFormat) ? (from as ImportFormat) : undefined,
  };
}

/** What the command can be given from code (tests, other extensions): any question left out is asked. */
export interface ImportCommandArgs {
  /** The file to import (absolute path). */
  file?: string;
  /** The text to import (instead of a file). */
  text?: string;
  from?: ImportFormat;
  /** The folder to write into (absolute path, inside the workspace). */
  folder?: string;
  /** A Postman environment file (absolute path). */
  environment?: string;
}

export interface ImportCommandResult {
  format: ImportFormat;
  /** Absolute paths of the flow files, in the order written. */
  flows: string[];
  /** The `.env` file, when the input had variables. */
  environmentFile?: string;
  created: number;
  kept: number;
  notTranslated: string[];
}

interface Source {
  text: string;
  /** File name, for format hints and titles. */
  fileName?: string;
  /** How the summary names the source. */
  label: string;
}

const FORMAT_LABELS: Record<ImportFormat, string> = {
  curl: 'curl commands',
  postman: 'Postman collection (v2.0 / v2.1)',
  openapi: 'OpenAPI 3.x / Swagger 2.0 document',
  har: 'HAR recording (browser network log)',
};

/** Reads an input file, refusing one larger than the importers take before reading it. */
async function readLimited(path: string): Promise<string> {
  const size = (await stat(path)).size;
  if (size > MAX_IMPORT_BYTES)
    throw new ImportError(`${path} is larger than ${formatBytes(MAX_IMPORT_BYTES)}; split it first`);
  return readFile(path, 'utf8');
}

export class ImportFlows {
  constructor(
    private readonly vscode: VSCode,
    private readonly log: Log,
  ) {}

  /** The command: undefined when the user cancelled a question or the import failed (a message says why). */
  async run(args: ImportCommandArgs = {}): Promise<ImportCommandResult | undefined> {
    try {
      return await this.importOnce(args);
    } catch (err) {
      const message = errorMessage(err);
      this.log.error(`import: ${message}`);
      void this.vscode.window.showErrorMessage(`TestMesh: import failed: ${message}`);
      return undefined;
    }
  }

  private async importOnce(args: ImportCommandArgs): Promise<ImportCommandResult | undefined> {
    const { window } = this.vscode;
    const source = await this.pickSource(args);
    if (!source) return undefined;
    const from = args.from ?? (await this.pickFormat(source));
    if (!from) return undefined;
    const environmentText =
      from === 'postman' ? await this.pickEnvironment(args) : { text: undefined as string | undefined };
    if (!environmentText) return undefined;
    const result = importText({
      text: source.text,
      fileName: source.fileName,
      from,
      environmentText: environmentText.text,
    });
    const folder = await this.pickFolder(args);
    if (!folder) return undefined;
    const files = await writeImport(result, folder.fsPath, {
      header: [`Imported from ${source.label} (${result.format}) by TestMesh: Import….`],
    });
    const workspaceRoot = this.vscode.workspace.getWorkspaceFolder(folder)?.uri.fsPath ?? folder.fsPath;
    this.log.info(
      importSummary(result, files, workspaceRoot, {
        kept: 'a file of that name exists; it was kept',
        nextRun: false,
      }).trimEnd(),
    );
    const flows = files.filter((f) => f.kind === 'flow');
    const first = flows.find((f) => f.status === 'created') ?? flows[0];
    if (first) {
      const document = await this.vscode.workspace.openTextDocument(this.vscode.Uri.file(first.absolute));
      await window.showTextDocument(document, { preview: false });
    }
    void this.report(result.flows.length, result.format, files, result.notTranslated);
    return {
      format: result.format,
      flows: flows.map((f) => f.absolute),
      environmentFile: files.find((f) => f.kind === 'environment')?.absolute,
      created: files.filter((f) => f.status === 'created').length,
      kept: files.filter((f) => f.status === 'kept').length,
      notTranslated: result.notTranslated,
    };
  }

  /** One message: how many flows, what was kept, what was not translated (listed in the log). */
  private async report(
    flowCount: number,
    format: ImportFormat,
    files: readonly WrittenFile[],
    notTranslated: readonly string[],
  ): Promise<void> {
    const kept = files.filter((f) => f.status === 'kept').length;
    const parts = [`TestMesh: imported ${flowCount} flow${flowCount === 1 ? '' : 's'} from ${format}.`];
    if (kept)
      parts.push(`${kept} file${kept === 1 ? '' : 's'} already existed and ${kept === 1 ? 'was' : 'were'} kept.`);
    if (notTranslated.length)
      parts.push(
        `${notTranslated.length} part${notTranslated.length === 1 ? ' was' : 's were'} not translated (comments at their steps; listed in the Output).`,
      );
    const show = notTranslated.length || kept ? 'Show List' : undefined;
    const text = parts.join(' ');
    const answer = show
      ? await this.vscode.window.showWarningMessage(text, show)
      : await this.vscode.window.showInformationMessage(text);
    if (answer === show) this.log.show(true);
  }

  private async pickSource(args: ImportCommandArgs): Promise<Source | undefined> {
    if (args.text !== undefined) return { text: args.text, label: 'pasted text' };
    if (args.file !== undefined)
      return { text: await readLimited(args.file), fileName: args.file, label: basename(args.file) };
    const { window } = this.vscode;
    const editor = window.activeTextEditor;
    const items: Array<vscode.QuickPickItem & { id: 'file' | 'clipboard' | 'editor' }> = [
      {
        id: 'file',
        label: 'From a File…',
        detail: 'curl commands, a Postman collection, an OpenAPI document or a HAR',
      },
      { id: 'clipboard', label: 'From the Clipboard', detail: 'pasted curl commands or a JSON / YAML document' },
    ];
    // A selection that is not empty (`isEmpty === false`) is imported alone.
    const selected = editor?.selection.isEmpty === false;
    if (editor)
      items.push({
        id: 'editor',
        label: selected ? 'From the Selection' : 'From the Active Editor',
        detail: basename(editor.document.uri.fsPath),
      });
    const picked = await window.showQuickPick(items, { title: 'TestMesh: Import', placeHolder: 'What to import' });
    if (!picked) return undefined;
    if (picked.id === 'clipboard') {
      const text = await this.vscode.env.clipboard.readText();
      if (!text.trim()) throw new ImportError('the clipboard is empty');
      return { text, label: 'the clipboard' };
    }
    if (picked.id === 'editor' && editor) {
      const text = editor.document.getText(selected ? editor.selection : undefined);
      const fileName = editor.document.isUntitled ? undefined : editor.document.uri.fsPath;
      return { text, fileName, label: fileName ? basename(fileName) : 'the editor' };
    }
    const uris = await window.showOpenDialog({
      title: 'TestMesh: Import',
      openLabel: 'Import',
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
      filters: {
        'curl, Postman, OpenAPI, HAR': ['json', 'yaml', 'yml', 'har', 'sh', 'txt', 'curl'],
        'All files': ['*'],
      },
    });
    const uri = uris?.[0];
    if (!uri) return undefined;
    return { text: await readLimited(uri.fsPath), fileName: uri.fsPath, label: basename(uri.fsPath) };
  }

  /** The detected format; asked when the text does not tell. */
  private async pickFormat(source: Source): Promise<ImportFormat | undefined> {
    const detected = detectFormat(source.text, source.fileName);
    if (detected === 'postman-environment')
      throw new ImportError(
        `${source.label} is a Postman environment, not a collection: import the collection and pick this file as its environment`,
      );
    if (detected) return detected;
    const picked = await this.vscode.window.showQuickPick(
      IMPORT_FORMATS.map((id) => ({ id, label: FORMAT_LABELS[id] })),
      { title: 'TestMesh: Import', placeHolder: `Cannot tell what ${source.label} is: pick its format` },
    );
    return picked?.id;
  }

  /** A Postman environment for the collection's variables, or none. */
  private async pickEnvironment(args: ImportCommandArgs): Promise<{ text: string | undefined } | undefined> {
    if (args.environment !== undefined) return { text: await readLimited(args.environment) };
    if (args.file !== undefined || args.text !== undefined) return { text: undefined };
    const picked = await this.vscode.window.showQuickPick(
      [
        { id: 'none', label: 'Without an Environment', detail: 'variables come from the collection only' },
        { id: 'file', label: 'With a Postman Environment File…', detail: 'its variables go to the .env file' },
      ],
      { title: 'TestMesh: Import a Postman collection' },
    );
    if (!picked) return undefined;
    if (picked.id === 'none') return { text: undefined };
    const uris = await this.vscode.window.showOpenDialog({
      title: 'Postman environment',
      openLabel: 'Use Environment',
      canSelectMany: false,
      filters: { 'Postman environment': ['json'] },
    });
    return uris?.[0] ? { text: await readLimited(uris[0].fsPath) } : undefined;
  }

  /** The folder to write into: given or picked, and inside a workspace folder. */
  private async pickFolder(args: ImportCommandArgs): Promise<vscode.Uri | undefined> {
    const { vscode } = this;
    let folder: vscode.Uri | undefined;
    if (args.folder !== undefined) folder = vscode.Uri.file(resolve(args.folder));
    else {
      const root = vscode.workspace.workspaceFolders?.[0]?.uri;
      if (!root) throw new ImportError('open a folder first: imported flows are written inside the workspace');
      const uris = await vscode.window.showOpenDialog({
        title: 'TestMesh: Import into which folder?',
        openLabel: 'Import Here',
        defaultUri: root,
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
      });
      folder = uris?.[0];
    }
    if (!folder) return undefined;
    if (!vscode.workspace.getWorkspaceFolder(folder))
      throw new ImportError(`${folder.fsPath} is outside the workspace: pick a folder inside it`);
    return folder;
  }
}
