/**
 * Rename in flow files: a step id, an output, a flow env name or a for_each item name, with
 * every reference in the file; renaming an output also updates the flows that call this one with
 * `run_flow` and read that output. Invalid names and collisions are refused with the reason.
 */
import { callerRenameEdits, prepareRename, renameEdits, RenameError } from '../core/language/navigation';
import type { LanguageServices } from './languageServices';
import type { vscode } from './vscodeTypes';

export class FlowRenameProvider implements vscode.RenameProvider {
  constructor(private readonly services: LanguageServices) {}

  prepareRename(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): { range: vscode.Range; placeholder: string } | undefined {
    const parsed = this.services.parse(document);
    if (!parsed) return undefined;
    try {
      const at = prepareRename(parsed.model, this.services.offset(parsed.lines, position));
      return {
        range: this.services.range(parsed.lines, at.span),
        placeholder: parsed.text.slice(at.span.start, at.span.end),
      };
    } catch (err) {
      throw new Error(err instanceof RenameError ? err.message : String(err), { cause: err });
    }
  }

  async provideRenameEdits(
    document: vscode.TextDocument,
    position: vscode.Position,
    newName: string,
  ): Promise<vscode.WorkspaceEdit | undefined> {
    const parsed = this.services.parse(document);
    if (!parsed) return undefined;
    let result: ReturnType<typeof renameEdits>;
    try {
      result = renameEdits(parsed.model, this.services.offset(parsed.lines, position), newName);
    } catch (err) {
      throw new Error(err instanceof RenameError ? err.message : String(err), { cause: err });
    }
    const vscode = this.services.vscode;
    const edit = new vscode.WorkspaceEdit();
    for (const e of result.edits) edit.replace(document.uri, this.services.range(parsed.lines, e.span), e.newText);
    const { target } = result;
    if (target.kind === 'output') {
      const file = document.uri.fsPath;
      for (const other of this.services.flowFiles()) {
        if (other.file === file) continue;
        const caller = await this.services.parseFile(other.file);
        if (!caller) continue;
        const calls = new Set<number>();
        for (const step of caller.model.steps) {
          if (step.runFlow?.target && (await this.services.runFlowTarget(other.file, step.runFlow.target)) === file)
            calls.add(step.index);
        }
        if (!calls.size) continue;
        const uri = vscode.Uri.file(other.file);
        for (const e of callerRenameEdits(caller.model, (step) => calls.has(step.index), target.name, newName.trim()))
          edit.replace(uri, this.services.range(caller.lines, e.span), e.newText);
      }
    }
    return edit;
  }
}
