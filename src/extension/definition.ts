/**
 * Go to definition in flow files: `{{step.x}}` to the output `x` of that step, `{{name}}` to
 * where it is set (an output, flow `env`, the env_file, the selected `.env`, `.testmesh.yaml`),
 * a step id to its step, a `run_flow` target to the file and its inputs to where that flow uses them.
 */
import { definitionSpans, firstExternalUse, targetAt } from '../core/language/navigation';
import type { LanguageServices } from './languageServices';
import type { vscode } from './vscodeTypes';

export class FlowDefinitionProvider implements vscode.DefinitionProvider {
  constructor(private readonly services: LanguageServices) {}

  async provideDefinition(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): Promise<vscode.Location[] | undefined> {
    const parsed = this.services.parse(document);
    if (!parsed) return undefined;
    const at = targetAt(parsed.model, this.services.offset(parsed.lines, position));
    if (!at) return undefined;
    const vscode = this.services.vscode;
    const file = document.uri.fsPath;
    const { target } = at;
    if (target.kind === 'external') {
      const environment = await this.services.environment(file, parsed.model.envFile?.path);
      const variable = [...environment].reverse().find((v) => v.name === target.name);
      if (!variable) return undefined;
      const start = new vscode.Position(variable.line, variable.column);
      return [
        new vscode.Location(
          vscode.Uri.file(variable.file),
          new vscode.Range(start, new vscode.Position(variable.line, variable.column + variable.name.length)),
        ),
      ];
    }
    if (target.kind === 'runFlow' || target.kind === 'runFlowInput') {
      const targetFile = await this.services.runFlowTarget(file, target.step.runFlow?.target ?? '');
      if (!targetFile) return undefined;
      const other = await this.services.parseFile(targetFile);
      const span =
        target.kind === 'runFlowInput' && other ? firstExternalUse(other.model, target.name) : other?.model.nameSpan;
      const range = other && span ? this.services.range(other.lines, span) : new vscode.Range(0, 0, 0, 0);
      return [new vscode.Location(vscode.Uri.file(targetFile), range)];
    }
    return definitionSpans(parsed.model, target).map(
      (span) => new vscode.Location(document.uri, this.services.range(parsed.lines, span)),
    );
  }
}
