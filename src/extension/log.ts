/** The extension's log: a `LogOutputChannel`, so users pick the level and VS Code timestamps lines. */
import type { VSCode, vscode } from './vscodeTypes';

export type Log = vscode.LogOutputChannel;

export function createLog(vscode: VSCode): Log {
  return vscode.window.createOutputChannel('TestMesh', { log: true });
}
