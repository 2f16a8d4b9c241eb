/**
 * Whether Red Hat's YAML extension completes this document from our JSON Schema: it is installed
 * and enabled (`getExtension` only returns enabled ones), its `yaml.completion` setting is not
 * off, and the schema applies to the document (yamlSchemaAssociation.ts gives it the schema for
 * discovered flows and flow-shaped open documents). Then action names and config keys come from
 * the schema, and our completion offers only what the schema cannot know (variables, outputs,
 * last values): no duplicates.
 */
import { looksLikeFlowFile } from '../core/flow/load';
import type { VSCode, vscode } from './vscodeTypes';

export const YAML_EXTENSION_ID = 'redhat.vscode-yaml';

/** Whether the YAML extension checks a document against the flow schema. */
export type SchemaApplies = (document: vscode.TextDocument) => boolean;

export class SchemaCompletion {
  constructor(
    private readonly vscode: VSCode,
    private readonly schemaApplies: SchemaApplies = (document) => looksLikeFlowFile(document.getText()),
  ) {}

  isActive(document: vscode.TextDocument): boolean {
    const extensions = this.vscode.extensions as VSCode['extensions'] | undefined;
    if (!extensions?.getExtension(YAML_EXTENSION_ID)) return false;
    if (this.vscode.workspace.getConfiguration('yaml', document.uri).get<boolean>('completion') === false) return false;
    return this.schemaApplies(document);
  }
}
