/**
 * Whether Red Hat's YAML extension completes this document from our JSON Schema: it is installed
 * and enabled (`getExtension` only returns enabled ones), its `yaml.completion` setting is not
 * off, and the document matches a `fileMatch` of our `contributes.yamlValidation` (the same
 * patterns it reads). Then action names and config keys come from the schema, and our completion
 * offers only what the schema cannot know (variables, outputs, last values): no duplicates.
 */
import { relative } from 'node:path';
import { toPosix } from '../core/discovery';
import { matchesGlob } from '../core/glob';
import type { VSCode, vscode } from './vscodeTypes';

export const YAML_EXTENSION_ID = 'redhat.vscode-yaml';
/** Fallback when our own manifest cannot be read (tests): package.json's yamlValidation fileMatch. */
const DEFAULT_FILE_MATCH = ['*.flow.yaml', '*.flow.yml', 'flows/**/*.yaml', 'flows/**/*.yml'];

export function schemaFileMatch(packageJSON: unknown): string[] {
  const contributes = (packageJSON as { contributes?: { yamlValidation?: Array<{ fileMatch?: unknown }> } } | undefined)
    ?.contributes;
  const patterns = (contributes?.yamlValidation ?? []).flatMap((v) =>
    Array.isArray(v.fileMatch) ? v.fileMatch : typeof v.fileMatch === 'string' ? [v.fileMatch] : [],
  );
  return patterns.filter((p): p is string => typeof p === 'string').length
    ? patterns.filter((p): p is string => typeof p === 'string')
    : DEFAULT_FILE_MATCH;
}

export class SchemaCompletion {
  constructor(
    private readonly vscode: VSCode,
    private readonly fileMatch: readonly string[] = DEFAULT_FILE_MATCH,
  ) {}

  isActive(document: vscode.TextDocument): boolean {
    const extensions = this.vscode.extensions as VSCode['extensions'] | undefined;
    if (!extensions?.getExtension(YAML_EXTENSION_ID)) return false;
    if (this.vscode.workspace.getConfiguration('yaml', document.uri).get<boolean>('completion') === false) return false;
    const folder = this.vscode.workspace.getWorkspaceFolder(document.uri);
    const rel = folder ? toPosix(relative(folder.uri.fsPath, document.uri.fsPath)) : toPosix(document.uri.fsPath);
    // A pattern without '/' matches the file name in any folder, as VS Code's fileMatch does.
    return this.fileMatch.some(
      (glob) =>
        matchesGlob(rel, glob.replace(/^\//, '')) ||
        (!glob.includes('/') && matchesGlob(rel.split('/').pop() ?? rel, glob)),
    );
  }
}
