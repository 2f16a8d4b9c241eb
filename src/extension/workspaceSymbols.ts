/** Workspace symbols: every discovered flow and every step in it (Ctrl+T), from the shared parses. */
import { stepLabel } from '../core/language/symbols';
import type { LanguageServices } from './languageServices';
import type { vscode } from './vscodeTypes';

/** Enough for any picker; the query narrows it further. */
const MAX_SYMBOLS = 2000;

export class FlowWorkspaceSymbolProvider implements vscode.WorkspaceSymbolProvider {
  constructor(private readonly services: LanguageServices) {}

  async provideWorkspaceSymbols(query: string): Promise<vscode.SymbolInformation[]> {
    const vscode = this.services.vscode;
    const needle = query.toLowerCase();
    const matches = (text: string) => !needle || fuzzy(text.toLowerCase(), needle);
    const out: vscode.SymbolInformation[] = [];
    for (const { file } of this.services.flowFiles()) {
      const parsed = await this.services.parseFile(file);
      if (!parsed) continue;
      const { model, lines } = parsed;
      const uri = vscode.Uri.file(file);
      const flowName = model.name ?? file;
      if (matches(flowName) && model.span)
        out.push(
          new vscode.SymbolInformation(
            flowName,
            vscode.SymbolKind.Module,
            '',
            new vscode.Location(uri, this.services.range(lines, model.nameSpan ?? model.span)),
          ),
        );
      for (const step of model.steps) {
        const label = stepLabel(step);
        if (!matches(label)) continue;
        out.push(
          new vscode.SymbolInformation(
            label,
            vscode.SymbolKind.Function,
            flowName,
            new vscode.Location(uri, this.services.range(lines, step.idSpan ?? step.span)),
          ),
        );
        if (out.length >= MAX_SYMBOLS) return out;
      }
    }
    return out;
  }
}

/** The query's characters appear in order (VS Code's own matching is similar). */
function fuzzy(text: string, query: string): boolean {
  let i = 0;
  for (const c of text) if (c === query[i]) i++;
  return i === query.length;
}
