/** The outline and breadcrumbs of a flow: flow, env, setup/steps/teardown, steps by name and id, nested steps, outputs. */
import type { FlowSymbol, FlowSymbolKind } from '../core/language/symbols';
import { documentSymbols } from '../core/language/symbols';
import type { LineIndex } from '../core/language/parsedFlows';
import type { LanguageServices } from './languageServices';
import type { VSCode, vscode } from './vscodeTypes';

export class FlowDocumentSymbolProvider implements vscode.DocumentSymbolProvider {
  constructor(private readonly services: LanguageServices) {}

  provideDocumentSymbols(document: vscode.TextDocument): vscode.DocumentSymbol[] | undefined {
    const parsed = this.services.parse(document);
    if (!parsed) return undefined;
    return documentSymbols(parsed.model).map((s) => this.convert(parsed.lines, s));
  }

  private convert(lines: LineIndex, symbol: FlowSymbol): vscode.DocumentSymbol {
    const vscode = this.services.vscode;
    const out = new vscode.DocumentSymbol(
      symbol.name,
      symbol.detail,
      symbolKind(vscode, symbol.kind),
      this.services.range(lines, symbol.span),
      this.services.range(lines, symbol.selection),
    );
    out.children = symbol.children.map((c) => this.convert(lines, c));
    return out;
  }
}

function symbolKind(vscode: VSCode, kind: FlowSymbolKind): vscode.SymbolKind {
  switch (kind) {
    case 'flow':
      return vscode.SymbolKind.Module;
    case 'phase':
      return vscode.SymbolKind.Namespace;
    case 'step':
      return vscode.SymbolKind.Function;
    case 'env':
      return vscode.SymbolKind.Object;
    case 'variable':
      return vscode.SymbolKind.Constant;
    case 'output':
      return vscode.SymbolKind.Variable;
  }
}
