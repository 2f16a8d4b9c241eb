/**
 * Findings the validator cannot make alone: placeholders and expression names that nothing
 * defines (no earlier step, flow env, loop, built-in, selected environment, env_file or
 * `.testmesh.yaml`). Information level: run variables may still supply them. Open flow
 * documents only, debounced while typing; the quick fixes are in codeActions.ts.
 */
import { UNKNOWN_VARIABLE_CODE, unknownVariables } from '../core/language/quickFixes';
import { DIAGNOSTIC_SOURCE } from './diagnostics';
import { KeyedDebouncer } from './keyedDebouncer';
import type { LanguageServices } from './languageServices';
import type { vscode } from './vscodeTypes';

export class VariableDiagnostics {
  readonly collection: vscode.DiagnosticCollection;
  private readonly debouncer: KeyedDebouncer;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly services: LanguageServices,
    debounceMs = 300,
  ) {
    this.debouncer = new KeyedDebouncer(debounceMs);
    const vscode = services.vscode;
    this.collection = vscode.languages.createDiagnosticCollection('testmesh-variables');
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((doc) => this.schedule(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.collection.delete(doc.uri)),
    );
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc);
  }

  /** Re-checks every open document (the environment changed). */
  refreshAll(): void {
    for (const doc of this.services.vscode.workspace.textDocuments) this.schedule(doc);
  }

  /** Checks one document now; resolves when its diagnostics are set. */
  async update(doc: vscode.TextDocument): Promise<void> {
    if (doc.isClosed) return;
    const parsed = this.services.parse(doc, true);
    if (!parsed) {
      this.collection.delete(doc.uri);
      return;
    }
    const environment = await this.services.environment(doc.uri.fsPath, parsed.model.envFile?.path);
    if (doc.isClosed || doc.getText() !== parsed.text) return;
    const vscode = this.services.vscode;
    const names = new Set(environment.map((v) => v.name));
    this.collection.set(
      doc.uri,
      unknownVariables(parsed.model, names).map((unknown) => {
        const hint = unknown.suggestion ? ` (did you mean '${unknown.suggestion}'?)` : '';
        const d = new vscode.Diagnostic(
          this.services.range(parsed.lines, unknown.span),
          `unknown variable '${unknown.name}': no earlier step, flow env or selected environment sets it${hint}`,
          vscode.DiagnosticSeverity.Information,
        );
        d.source = DIAGNOSTIC_SOURCE;
        d.code = UNKNOWN_VARIABLE_CODE;
        return d;
      }),
    );
  }

  dispose(): void {
    this.debouncer.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private schedule(doc: vscode.TextDocument): void {
    if (doc.languageId !== 'yaml') return;
    this.debouncer.schedule(doc.uri.toString(), () => void this.update(doc));
  }
}
