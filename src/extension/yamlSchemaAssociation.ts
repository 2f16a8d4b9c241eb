/**
 * Gives Red Hat's YAML extension our flow JSON Schema for exactly the files that are flows: the
 * ones discovery found (by content, wherever they live) and any open YAML document whose root
 * looks like a flow (a new file before its first save). A name glob (`contributes.yamlValidation`)
 * cannot say that: TestMesh names its flows `*.yaml` anywhere, next to Kubernetes manifests and CI
 * files that must not be checked against it. The YAML extension's API (`registerContributor`)
 * asks us per document; the schema comes from a `testmesh://` URI that we answer with the file
 * the extension ships (schemas/flow.schema.json).
 */
import { readFileSync } from 'node:fs';
import { looksLikeFlowFile } from '../core/flow/load';
import type { Log } from './log';
import { YAML_EXTENSION_ID } from './schemaCompletion';
import type { VSCode, vscode } from './vscodeTypes';

/** The contributor's name is also the scheme of the schema URIs it answers. */
export const SCHEMA_CONTRIBUTOR = 'testmesh';
export const FLOW_SCHEMA_URI = `${SCHEMA_CONTRIBUTOR}://schemas/flow.schema.json`;

/** The part of the YAML extension's exported API we use (vscode-yaml `schema-extension-api`). */
export interface YamlSchemaApi {
  registerContributor(
    schema: string,
    requestSchema: (resource: string) => string | undefined,
    requestSchemaContent: (uri: string) => string,
    label?: string,
  ): boolean;
}

export interface FlowLookup {
  get(uri: string): unknown;
}

export class FlowSchemaAssociation {
  private registered = false;
  private schemaText: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly vscode: VSCode,
    private readonly flows: FlowLookup,
    /** Absolute path of schemas/flow.schema.json in the installed extension. */
    private readonly schemaFile: string,
    private readonly log: Log,
  ) {}

  /** Whether the YAML extension checks `document` against our schema (it has registered us). */
  isAssociated(document: vscode.TextDocument): boolean {
    return this.registered && this.applies(document.uri.toString());
  }

  /** A discovered flow, or an open YAML document whose root has `flow:` (or `name` + `steps`). */
  applies(resource: string): boolean {
    let key = resource;
    try {
      key = this.vscode.Uri.parse(resource).toString();
    } catch {
      // Not a URI the editor knows: compare as given.
    }
    if (this.flows.get(key)) return true;
    const open = this.vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    return open !== undefined && open.languageId === 'yaml' && looksLikeFlowFile(open.getText());
  }

  /** Registers with the YAML extension now if it is there, else when it is installed or enabled. */
  async start(): Promise<void> {
    if (await this.tryRegister()) return;
    const onDidChange = (this.vscode.extensions as Partial<VSCode['extensions']> | undefined)?.onDidChange;
    if (onDidChange) this.disposables.push(onDidChange(() => void this.tryRegister()));
  }

  private async tryRegister(): Promise<boolean> {
    if (this.registered) return true;
    const extension = this.vscode.extensions?.getExtension<unknown>(YAML_EXTENSION_ID);
    if (!extension) return false;
    try {
      const exported = (extension.isActive ? extension.exports : await extension.activate()) as
        Partial<YamlSchemaApi> | undefined;
      if (typeof exported?.registerContributor !== 'function') {
        this.log.warn(`${YAML_EXTENSION_ID} has no registerContributor: flow files get no schema checks from it`);
        return false;
      }
      this.registered =
        exported.registerContributor(
          SCHEMA_CONTRIBUTOR,
          (resource) => (this.applies(resource) ? FLOW_SCHEMA_URI : undefined),
          (uri) => this.schemaContent(uri),
          'TestMesh flow',
        ) !== false;
      if (this.registered) this.log.info(`the flow schema is given to ${YAML_EXTENSION_ID} for discovered flows`);
      return this.registered;
    } catch (err) {
      this.log.warn(`${YAML_EXTENSION_ID} did not take the flow schema: ${err instanceof Error ? err.message : err}`);
      return false;
    }
  }

  private schemaContent(uri: string): string {
    if (uri !== FLOW_SCHEMA_URI) return '{}';
    this.schemaText ??= readFileSync(this.schemaFile, 'utf8');
    return this.schemaText;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
