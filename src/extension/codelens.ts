/**
 * CodeLens in flow files: "▶ Run flow" and "Show last execution" above the flow, "▶ Run step"
 * above each step (nested ones included). `testmesh.codeLens.flow` / `testmesh.codeLens.step`
 * switch them off.
 */
import { allSteps } from '../core/flow/types';
import type { FlowIndex } from './discovery';
import { IndexCodeLensProvider } from './indexCodeLens';
import { readSettings } from './settings';
import type { VSCode, vscode } from './vscodeTypes';

export const COMMAND_RUN_FLOW = 'testmesh.runFlow';
export const COMMAND_RUN_STEP = 'testmesh.runStep';
export const COMMAND_SHOW_LAST_EXECUTION = 'testmesh.showLastExecution';
export const COMMAND_DEBUG_FLOW = 'testmesh.debugFlow';

export class FlowCodeLensProvider extends IndexCodeLensProvider {
  constructor(vscode: VSCode, index: FlowIndex) {
    super(vscode, index, 'testmesh.codeLens');
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const file = this.index.get(document.uri);
    const flow = file?.flow;
    if (!file || !flow) return [];
    const settings = readSettings(this.vscode);
    const uri = document.uri.toString();
    const lenses: vscode.CodeLens[] = [];
    if (settings.codeLensFlow) {
      const line = flowKeyLine(file.text, flow.range.start.line - 1);
      const range = new this.vscode.Range(line, 0, line, 0);
      lenses.push(
        new this.vscode.CodeLens(range, {
          title: '▶ Run flow',
          command: COMMAND_RUN_FLOW,
          arguments: [uri],
          tooltip: `Run ${flow.name}`,
        }),
        new this.vscode.CodeLens(range, {
          title: 'Debug flow',
          command: COMMAND_DEBUG_FLOW,
          arguments: [uri],
          tooltip: `Debug ${flow.name}: stops at breakpoints on its steps`,
        }),
        new this.vscode.CodeLens(range, {
          title: 'Show last execution',
          command: COMMAND_SHOW_LAST_EXECUTION,
          arguments: [uri],
          tooltip: 'Open the latest execution of this flow in the detail panel',
        }),
      );
    }
    if (settings.codeLensStep) {
      for (const step of allSteps(flow)) {
        const line = Math.max(0, step.range.start.line - 1);
        lenses.push(
          new this.vscode.CodeLens(new this.vscode.Range(line, 0, line, 0), {
            title: '▶ Run step',
            command: COMMAND_RUN_STEP,
            arguments: [uri, step.id],
            tooltip: `Run '${step.name}' alone with the values of the last execution`,
          }),
        );
      }
    }
    return lenses;
  }
}

/** The line of the root `flow:` key when the flow mapping sits under one, else the mapping's first line. */
function flowKeyLine(text: string, mappingLine: number): number {
  const lines = text.split(/\r?\n/);
  for (let line = Math.min(mappingLine, lines.length - 1); line >= 0; line--) {
    if (/^["']?flow["']?\s*:/.test(lines[line])) return line;
  }
  return Math.max(0, mappingLine);
}
