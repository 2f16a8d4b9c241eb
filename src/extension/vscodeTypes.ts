/**
 * The `vscode` API as a value type. Every module takes it as a parameter instead of importing
 * `vscode` itself (only extension.ts does), so the editor layer also runs against the small fake
 * in test/unit/extension/fakeVscode.ts.
 */
import type * as vscodeApi from 'vscode';

export type VSCode = typeof vscodeApi;
export type * as vscode from 'vscode';
