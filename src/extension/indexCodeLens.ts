/**
 * What every TestMesh CodeLens provider shares: its lenses are redrawn when the flow index
 * changes or a setting under `configSection` changes, and it gives back its listeners on dispose.
 */
import type { FlowIndex } from './discovery';
import type { VSCode, vscode } from './vscodeTypes';

export abstract class IndexCodeLensProvider implements vscode.CodeLensProvider {
  private readonly emitter: vscode.EventEmitter<void>;
  readonly onDidChangeCodeLenses: vscode.Event<void>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    protected readonly vscode: VSCode,
    protected readonly index: FlowIndex,
    configSection: string,
  ) {
    this.emitter = new vscode.EventEmitter<void>();
    this.onDidChangeCodeLenses = this.emitter.event;
    this.disposables.push(
      index.onDidChange(() => this.emitter.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(configSection)) this.emitter.fire();
      }),
    );
  }

  abstract provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[];

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.emitter.dispose();
  }
}
