/**
 * Completion in flow files: variables in scope inside `{{ }}` / `${ }` (with kind and last
 * value), expressions (result keys, last response fields, functions), action names and config
 * keys (only where no schema-based completion is active). The logic is core/language/completion.
 */
import { completions, completionSite, type CompletionKind } from '../core/language/completion';
import type { LanguageServices } from './languageServices';
import type { SchemaCompletion } from './schemaCompletion';
import type { vscode } from './vscodeTypes';

export const COMPLETION_TRIGGERS = ['{', '$', '.'];

export class FlowCompletionProvider implements vscode.CompletionItemProvider {
  constructor(
    private readonly services: LanguageServices,
    private readonly schema: SchemaCompletion,
  ) {}

  async provideCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): Promise<vscode.CompletionItem[] | undefined> {
    const parsed = this.services.parse(document);
    if (!parsed) return undefined;
    const offset = this.services.offset(parsed.lines, position);
    const site = completionSite(parsed.model, parsed.lines, offset);
    if (!site) return undefined;
    const values = await this.services.shownValues(document.uri.fsPath, parsed);
    const entries = completions(parsed.model, site, offset, {
      ...values,
      schemaCompletionActive: this.schema.isActive(document),
    });
    const vscode = this.services.vscode;
    return entries.map((entry) => {
      const item = new vscode.CompletionItem(entry.label, kindOf(vscode, entry.kind));
      item.detail = entry.detail;
      if (entry.documentation) item.documentation = new vscode.MarkdownString(entry.documentation);
      item.insertText = entry.insertText ?? entry.label;
      item.filterText = entry.label;
      item.sortText = entry.sortText;
      item.range = this.services.range(parsed.lines, entry.replace);
      return item;
    });
  }
}

function kindOf(vscode: typeof import('vscode'), kind: CompletionKind): vscode.CompletionItemKind {
  const K = vscode.CompletionItemKind;
  switch (kind) {
    case 'output':
      return K.Variable;
    case 'step':
      return K.Module;
    case 'env':
    case 'environment':
      return K.Constant;
    case 'builtin':
      return K.Keyword;
    case 'item':
      return K.Variable;
    case 'result':
    case 'field':
      return K.Field;
    case 'function':
      return K.Function;
    case 'action':
      return K.EnumMember;
    case 'key':
      return K.Property;
  }
}
