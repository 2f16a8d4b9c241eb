/**
 * Entry point (bundled to dist/extension.js). `activate` only wires things up and returns; flow
 * discovery, the execution manager's history and the local API server start right after, off
 * the activation path. The only `import 'vscode'` of the extension is here.
 */
import * as vscodeApi from 'vscode';
import { TestMeshExtension } from './testMeshExtension';
import type { vscode } from './vscodeTypes';

let extension: TestMeshExtension | undefined;

export function activate(context: vscode.ExtensionContext): { state: () => Promise<unknown> } {
  extension = new TestMeshExtension(vscodeApi, context);
  extension.startInBackground();
  const current = extension;
  return { state: () => current.state() };
}

export async function deactivate(): Promise<void> {
  const current = extension;
  extension = undefined;
  await current?.dispose();
}
