/**
 * Registers the editing features for flow files (one provider per feature, like httpyac):
 * completion, hover, definition, references, rename, outline, workspace symbols, quick fixes,
 * inlay hints and the unknown-variable findings. Registered lazily, the first time a YAML
 * document that is a flow is open, so workspaces without flows pay nothing. Every provider
 * answers only for flow documents (a YAML file with a root `flow:`, or `name` + `steps`).
 */
import { looksLikeFlowFile } from '../core/flow/load';
import { FlowCodeActionProvider, registerAddToEnvironment } from './codeActions';
import { COMPLETION_TRIGGERS, FlowCompletionProvider } from './completion';
import { FlowDefinitionProvider } from './definition';
import { FlowDocumentSymbolProvider } from './documentSymbols';
import { FlowHoverProvider } from './hover';
import { FlowInlayHintsProvider, INLAY_HINTS_SETTING } from './inlayHints';
import type { LanguageServices } from './languageServices';
import { FlowReferenceProvider } from './references';
import { FlowRenameProvider } from './rename';
import type { SchemaCompletion } from './schemaCompletion';
import { VariableDiagnostics } from './variableDiagnostics';
import type { vscode } from './vscodeTypes';
import { FlowWorkspaceSymbolProvider } from './workspaceSymbols';

export const FLOW_SELECTOR = [{ language: 'yaml', scheme: 'file' }];

export class LanguageFeatures {
  private readonly disposables: vscode.Disposable[] = [];
  private registered: vscode.Disposable[] = [];
  private inlayHints: FlowInlayHintsProvider | undefined;
  private variableDiagnostics: VariableDiagnostics | undefined;

  constructor(
    private readonly services: LanguageServices,
    private readonly schema: SchemaCompletion,
    private readonly selectedEnvironment: () => string | undefined,
  ) {
    const vscode = services.vscode;
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((doc) => this.registerFor(doc)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`testmesh.${INLAY_HINTS_SETTING}`)) this.inlayHints?.refresh();
      }),
    );
    for (const doc of vscode.workspace.textDocuments) this.registerFor(doc);
  }

  get isRegistered(): boolean {
    return this.registered.length > 0;
  }

  /** A run finished: last values changed. */
  runFinished(): void {
    this.services.runFinished();
    this.inlayHints?.refresh();
  }

  /** The selected environment changed: its names and values changed. */
  environmentChanged(): void {
    this.variableDiagnostics?.refreshAll();
    this.inlayHints?.refresh();
  }

  /** Registers every provider now (idempotent). */
  register(): void {
    if (this.registered.length) return;
    const vscode = this.services.vscode;
    const services = this.services;
    this.inlayHints = new FlowInlayHintsProvider(services);
    this.variableDiagnostics = new VariableDiagnostics(services);
    this.registered.push(
      vscode.languages.registerCompletionItemProvider(
        FLOW_SELECTOR,
        new FlowCompletionProvider(services, this.schema),
        ...COMPLETION_TRIGGERS,
      ),
      vscode.languages.registerHoverProvider(FLOW_SELECTOR, new FlowHoverProvider(services)),
      vscode.languages.registerDefinitionProvider(FLOW_SELECTOR, new FlowDefinitionProvider(services)),
      vscode.languages.registerReferenceProvider(FLOW_SELECTOR, new FlowReferenceProvider(services)),
      vscode.languages.registerRenameProvider(FLOW_SELECTOR, new FlowRenameProvider(services)),
      vscode.languages.registerDocumentSymbolProvider(FLOW_SELECTOR, new FlowDocumentSymbolProvider(services), {
        label: 'TestMesh',
      }),
      vscode.languages.registerWorkspaceSymbolProvider(new FlowWorkspaceSymbolProvider(services)),
      vscode.languages.registerCodeActionsProvider(
        FLOW_SELECTOR,
        new FlowCodeActionProvider(services, this.selectedEnvironment),
        {
          providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
        },
      ),
      vscode.languages.registerInlayHintsProvider(FLOW_SELECTOR, this.inlayHints),
      registerAddToEnvironment(vscode, () => this.environmentChanged()),
      this.variableDiagnostics,
    );
  }

  dispose(): void {
    this.services.dispose();
    for (const d of [...this.registered, ...this.disposables]) d.dispose();
    this.registered = [];
  }

  private registerFor(doc: vscode.TextDocument): void {
    if (this.registered.length || doc.languageId !== 'yaml' || doc.uri.scheme !== 'file') return;
    if (looksLikeFlowFile(doc.getText())) this.register();
  }
}
