/**
 * Quick fixes for the findings in flow files: the validator's did-you-mean hints (actions, keys,
 * values), "make this id unique" for a duplicate step id, and for a variable nothing defines:
 * the closest known name, "add it to the selected environment", "add it to the flow env".
 */
import { appendFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { referenceAt } from '../core/language/model';
import { addToFlowEnv, didYouMean, duplicateId, UNKNOWN_VARIABLE_CODE, uniqueId } from '../core/language/quickFixes';
import { DIAGNOSTIC_SOURCE } from './diagnostics';
import type { LanguageServices } from './languageServices';
import type { VSCode, vscode } from './vscodeTypes';

export const ADD_TO_ENVIRONMENT_COMMAND = 'testmesh.addVariableToEnvironment';

export class FlowCodeActionProvider implements vscode.CodeActionProvider {
  static readonly metadata = { providedCodeActionKinds: ['quickfix'] };

  constructor(
    private readonly services: LanguageServices,
    private readonly selectedEnvironment: () => string | undefined,
  ) {}

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] | undefined {
    const parsed = this.services.parse(document);
    if (!parsed) return undefined;
    const vscode = this.services.vscode;
    const actions: vscode.CodeAction[] = [];
    const fix = (
      title: string,
      diagnostic: vscode.Diagnostic,
      edit: vscode.WorkspaceEdit | undefined,
      command?: vscode.Command,
      preferred = false,
    ) => {
      const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      if (edit) action.edit = edit;
      if (command) action.command = command;
      action.isPreferred = preferred;
      actions.push(action);
    };
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
      const unknownVariable = diagnostic.code === UNKNOWN_VARIABLE_CODE;
      const id = unknownVariable ? undefined : duplicateId(diagnostic.message);
      if (id) {
        fix(
          `Make this id unique ('${uniqueId(parsed.model, id)}')`,
          diagnostic,
          replace(vscode, document.uri, diagnostic.range, uniqueId(parsed.model, id)),
          undefined,
          true,
        );
        continue;
      }
      const suggestion = didYouMean(diagnostic.message);
      if (suggestion)
        fix(
          `Change to '${suggestion}'`,
          diagnostic,
          replace(vscode, document.uri, diagnostic.range, suggestion),
          undefined,
          true,
        );
      if (!unknownVariable) continue;
      // A variable nothing defines: it can be added where the flow looks for it.
      const start = this.services.offset(parsed.lines, diagnostic.range.start);
      const ref = referenceAt(parsed.model, start);
      const name =
        ref?.segments[0] ?? parsed.text.slice(start, this.services.offset(parsed.lines, diagnostic.range.end));
      const envFile = this.selectedEnvironment();
      if (envFile) {
        fix(`Add '${name}' to the selected environment (${basename(envFile)})`, diagnostic, undefined, {
          title: 'Add to environment',
          command: ADD_TO_ENVIRONMENT_COMMAND,
          arguments: [envFile, name],
        });
      }
      const insertion = addToFlowEnv(parsed.model, parsed.text, name);
      if (insertion) {
        const edit = new vscode.WorkspaceEdit();
        const at = parsed.lines.position(insertion.offset);
        edit.insert(document.uri, new vscode.Position(at.line, at.character), insertion.text);
        fix(`Add '${name}' to the flow env`, diagnostic, edit);
      }
    }
    return actions;
  }
}

function replace(vscode: VSCode, uri: vscode.Uri, range: vscode.Range, text: string): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, range, text);
  return edit;
}

/** `testmesh.addVariableToEnvironment <envFile> <name>`: appends `NAME=` to the .env file and opens it there. */
export function registerAddToEnvironment(vscode: VSCode, afterChange: () => void): vscode.Disposable {
  return vscode.commands.registerCommand(ADD_TO_ENVIRONMENT_COMMAND, async (file: unknown, name: unknown) => {
    if (typeof file !== 'string' || typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) return;
    const { readFile } = await import('node:fs/promises');
    const current = await readFile(file, 'utf8').catch(() => '');
    await appendFile(file, `${current && !current.endsWith('\n') ? '\n' : ''}${name}=\n`);
    afterChange();
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showTextDocument(document);
    const line = document.lineCount - 2;
    const end = new vscode.Position(Math.max(0, line), name.length + 1);
    editor.selection = new vscode.Selection(end, end);
  });
}
