/** Hover in flow files: last values of placeholders, last results of steps, docs of actions and config keys (core/language/hover). */
import { hoverAt } from '../core/language/hover';
import type { LanguageServices } from './languageServices';
import type { vscode } from './vscodeTypes';

export class FlowHoverProvider implements vscode.HoverProvider {
  constructor(private readonly services: LanguageServices) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const parsed = this.services.parse(document);
    if (!parsed) return undefined;
    const values = await this.services.shownValues(document.uri.fsPath, parsed);
    const info = hoverAt(parsed.model, parsed.lines, this.services.offset(parsed.lines, position), values);
    if (!info) return undefined;
    const vscode = this.services.vscode;
    return new vscode.Hover(new vscode.MarkdownString(info.markdown), this.services.range(parsed.lines, info.span));
  }
}
