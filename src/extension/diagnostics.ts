/**
 * The validator's findings in the Problems panel: for every discovered flow file (open or not,
 * from the index; discovery lists YAML files by their content), and while typing for any open
 * YAML document that looks like a flow, even one discovery does not list (in a skipped or
 * excluded folder, outside the workspace; debounced). Warnings stay warnings.
 */
import type { FlowDiagnostic } from '../core/errors';
import { looksLikeFlowFile } from '../core/flow/load';
import { parseFlowSharedOffThread } from '../core/language/parsedFlows';
import type { FlowIndex } from './discovery';
import { KeyedDebouncer } from './keyedDebouncer';
import { toRange } from './ranges';
import type { VSCode, vscode } from './vscodeTypes';

export const DIAGNOSTIC_SOURCE = 'testmesh';

export class FlowDiagnostics {
  readonly collection: vscode.DiagnosticCollection;
  private readonly debouncer: KeyedDebouncer;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly vscode: VSCode,
    private readonly index: FlowIndex,
    debounceMs = 300,
  ) {
    this.debouncer = new KeyedDebouncer(debounceMs);
    this.collection = vscode.languages.createDiagnosticCollection('testmesh');
    this.disposables.push(
      this.collection,
      index.onDidChange((change) => {
        for (const key of change.removed) {
          const uri = this.vscode.Uri.parse(key);
          // A removed file that is still open and still looks like a flow keeps its diagnostics.
          const open = this.openDocument(key);
          if (open && this.isFlowDocument(open)) this.schedule(open);
          else this.collection.delete(uri);
        }
        for (const file of change.changed) this.collection.set(file.uri, this.convert(file.diagnostics));
      }),
      vscode.workspace.onDidOpenTextDocument((doc) => this.schedule(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        // Problems of files the index does not know go away with their editor.
        if (!this.index.get(doc.uri)) this.collection.delete(doc.uri);
      }),
    );
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc);
  }

  dispose(): void {
    this.debouncer.dispose();
    for (const d of this.disposables) d.dispose();
  }

  /** Diagnostics of an open document not covered by the index; indexed files are published from index updates. */
  private schedule(doc: vscode.TextDocument): void {
    if (this.index.get(doc.uri) || this.index.isCandidate(doc.uri)) return;
    this.debouncer.schedule(doc.uri.toString(), () => {
      if (doc.isClosed) return;
      if (!this.isFlowDocument(doc)) {
        this.collection.delete(doc.uri);
        return;
      }
      const text = doc.getText();
      void parseFlowSharedOffThread(text, doc.uri.fsPath).then(({ diagnostics }) => {
        // Only if the document is still at that text (a later edit has its own parse coming).
        if (!doc.isClosed && doc.getText() === text) this.collection.set(doc.uri, this.convert(diagnostics));
      });
    });
  }

  private isFlowDocument(doc: vscode.TextDocument): boolean {
    return doc.languageId === 'yaml' && looksLikeFlowFile(doc.getText());
  }

  private openDocument(key: string): vscode.TextDocument | undefined {
    return this.vscode.workspace.textDocuments.find((d) => d.uri.toString() === key && !d.isClosed);
  }

  private convert(diagnostics: FlowDiagnostic[]): vscode.Diagnostic[] {
    return diagnostics.map((d) => {
      const severity =
        d.severity === 'warning' ? this.vscode.DiagnosticSeverity.Warning : this.vscode.DiagnosticSeverity.Error;
      const diagnostic = new this.vscode.Diagnostic(toRange(this.vscode, d.range), d.message, severity);
      diagnostic.source = DIAGNOSTIC_SOURCE;
      return diagnostic;
    });
  }
}
