/**
 * While a `testmesh` debug session runs, hovering a `{{placeholder}}` in a YAML file shows its
 * value in the paused step's scope (the adapter's `evaluate`, secrets as `***`). Registered only
 * during such sessions, so it never competes with the editing hovers otherwise.
 */
import type { VSCode, vscode } from './vscodeTypes';

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;

/** The placeholder under a column of a line, if any: its inner text and where it is. */
export function placeholderAt(line: string, column: number): { text: string; start: number; end: number } | undefined {
  PLACEHOLDER.lastIndex = 0;
  for (let match = PLACEHOLDER.exec(line); match; match = PLACEHOLDER.exec(line)) {
    const start = match.index;
    const end = start + match[0].length;
    if (column >= start && column <= end) return { text: match[1], start, end };
  }
  return undefined;
}

export class DebugValueHover implements vscode.Disposable {
  private registration: vscode.Disposable | undefined;
  private readonly sessions = new Set<vscode.DebugSession>();
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly vscode: VSCode,
    private readonly debugType: string,
  ) {
    this.disposables = [
      vscode.debug.onDidStartDebugSession((session) => {
        if (session.type !== this.debugType) return;
        this.sessions.add(session);
        this.registration ??= vscode.languages.registerHoverProvider(
          { language: 'yaml' },
          { provideHover: (doc, pos) => this.provideHover(doc, pos) },
        );
      }),
      vscode.debug.onDidTerminateDebugSession((session) => {
        this.sessions.delete(session);
        if (this.sessions.size === 0) {
          this.registration?.dispose();
          this.registration = undefined;
        }
      }),
    ];
  }

  get active(): boolean {
    return this.registration !== undefined;
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const found = placeholderAt(document.lineAt(position.line).text, position.character);
    if (!found) return undefined;
    const item = this.vscode.debug.activeStackItem;
    const session = item?.session.type === this.debugType ? item.session : [...this.sessions][0];
    if (!session) return undefined;
    const frameId = item && 'frameId' in item && item.session === session ? item.frameId : undefined;
    try {
      const response = (await session.customRequest('evaluate', {
        expression: `{{${found.text}}}`,
        context: 'hover',
        ...(frameId !== undefined ? { frameId } : {}),
      })) as { result: string };
      const markdown = new this.vscode.MarkdownString();
      markdown.appendCodeblock(`${found.text} = ${response.result}`, 'yaml');
      const range = new this.vscode.Range(position.line, found.start, position.line, found.end);
      return new this.vscode.Hover(markdown, range);
    } catch {
      // Not paused, or the name does not resolve here: no hover.
      return undefined;
    }
  }

  dispose(): void {
    this.registration?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
