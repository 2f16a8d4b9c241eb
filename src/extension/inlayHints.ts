/** Inlay hints: the last captured value after each `output` entry (setting `testmesh.inlayHints.lastValues`). */
import { previewValue } from '../core/language/display';
import type { LanguageServices } from './languageServices';
import type { vscode } from './vscodeTypes';

export const INLAY_HINTS_SETTING = 'inlayHints.lastValues';

export class FlowInlayHintsProvider implements vscode.InlayHintsProvider {
  private readonly emitter: vscode.EventEmitter<void>;
  readonly onDidChangeInlayHints: vscode.Event<void>;

  constructor(private readonly services: LanguageServices) {
    this.emitter = new services.vscode.EventEmitter<void>();
    this.onDidChangeInlayHints = this.emitter.event;
  }

  /** History or the setting changed. */
  refresh(): void {
    this.emitter.fire();
  }

  async provideInlayHints(document: vscode.TextDocument, range: vscode.Range): Promise<vscode.InlayHint[] | undefined> {
    const vscode = this.services.vscode;
    if (vscode.workspace.getConfiguration('testmesh', document.uri).get<boolean>(INLAY_HINTS_SETTING) === false)
      return undefined;
    const parsed = this.services.parse(document);
    if (!parsed) return undefined;
    const lastRun = await this.services.lastRun(document.uri.fsPath);
    if (!lastRun) return undefined;
    const masker = await this.services.masker(
      await this.services.environment(document.uri.fsPath, parsed.model.envFile?.path),
    );
    const from = this.services.offset(parsed.lines, range.start);
    const to = this.services.offset(parsed.lines, range.end);
    const hints: vscode.InlayHint[] = [];
    for (const step of parsed.model.steps) {
      if (step.span.end < from) continue;
      if (step.span.start > to) break;
      const run = lastRun.steps.get(step.id);
      if (!run) continue;
      for (const output of step.outputs) {
        if (!Object.prototype.hasOwnProperty.call(run.outputs, output.name)) continue;
        const end = output.value ?? output.key;
        if (end.end < from || end.start > to) continue;
        const at = parsed.lines.position(trimmedEnd(parsed.text, end.end));
        const hint = new vscode.InlayHint(
          new vscode.Position(at.line, at.character),
          `= ${previewValue(masker.mask(output.name, run.outputs[output.name]), 40)}`,
          vscode.InlayHintKind.Type,
        );
        hint.paddingLeft = true;
        hint.tooltip = `Last value of '${output.name}' (execution ${lastRun.executionId})`;
        hints.push(hint);
      }
    }
    return hints;
  }
}

/** Scalars' ranges can end after trailing spaces or a comment's start: hints go right after the value. */
function trimmedEnd(text: string, end: number): number {
  let e = end;
  while (e > 0 && /\s/.test(text[e - 1])) e--;
  return e;
}
