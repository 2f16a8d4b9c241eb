/** Find all references in flow files: step ids, outputs, flow env names, loop items, outside variables (core/language/navigation). */
import { referenceSpans, targetAt } from '../core/language/navigation';
import type { LanguageServices } from './languageServices';
import type { vscode } from './vscodeTypes';

export class FlowReferenceProvider implements vscode.ReferenceProvider {
  constructor(private readonly services: LanguageServices) {}

  provideReferences(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.ReferenceContext,
  ): vscode.Location[] | undefined {
    const parsed = this.services.parse(document);
    if (!parsed) return undefined;
    const at = targetAt(parsed.model, this.services.offset(parsed.lines, position));
    if (!at || at.target.kind === 'runFlow' || at.target.kind === 'runFlowInput') return undefined;
    const vscode = this.services.vscode;
    return referenceSpans(parsed.model, at.target, context.includeDeclaration).map(
      (span) => new vscode.Location(document.uri, this.services.range(parsed.lines, span)),
    );
  }
}
