import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SchemaCompletion, YAML_EXTENSION_ID } from '../../../src/extension/schemaCompletion';
import type { VSCode } from '../../../src/extension/vscodeTypes';
import {
  FLOW_SCHEMA_URI,
  FlowSchemaAssociation,
  SCHEMA_CONTRIBUTOR,
  type YamlSchemaApi,
} from '../../../src/extension/yamlSchemaAssociation';
import { FakeVSCode, Uri } from './fakeVscode';

const SCHEMA_FILE = resolve(__dirname, '../../../../schemas/flow.schema.json');

/** What the YAML extension does with a contributor: asks it per document, then for the schema's text. */
function yamlExtension() {
  const contributors: Array<{
    name: string;
    requestSchema: (resource: string) => string | undefined;
    requestSchemaContent: (uri: string) => string;
  }> = [];
  const api: YamlSchemaApi = {
    registerContributor(name, requestSchema, requestSchemaContent) {
      contributors.push({ name, requestSchema, requestSchemaContent });
      return true;
    },
  };
  return {
    contributors,
    extension: { id: YAML_EXTENSION_ID, isActive: false, exports: undefined, activate: async () => api },
  };
}

describe('the flow schema goes to the YAML extension for discovered flows, not by file name', () => {
  const log = new FakeVSCode().vscode.window.createOutputChannel('TestMesh', { log: true });

  function setUp(flows: string[], withYaml = true) {
    const fake = new FakeVSCode();
    fake.addFolder('/ws', 'ws');
    const yaml = yamlExtension();
    const vscode = {
      ...fake.vscode,
      extensions: { getExtension: (id: string) => (withYaml && id === YAML_EXTENSION_ID ? yaml.extension : undefined) },
    } as unknown as VSCode;
    const known = new Set(flows.map((f) => Uri.file(f).toString()));
    const association = new FlowSchemaAssociation(
      vscode,
      { get: (uri) => known.has(uri) || undefined },
      SCHEMA_FILE,
      log,
    );
    return { fake, vscode, yaml, association };
  }

  it('answers with the schema for a discovered flow, whatever its name, and for nothing else', async () => {
    const { yaml, association } = setUp(['/ws/examples/basic/health.yaml']);
    await association.start();
    assert.equal(yaml.contributors.length, 1);
    const [contributor] = yaml.contributors;
    assert.equal(contributor.name, SCHEMA_CONTRIBUTOR);
    assert.equal(contributor.requestSchema(Uri.file('/ws/examples/basic/health.yaml').toString()), FLOW_SCHEMA_URI);
    // A Kubernetes manifest, and a *.flow.yaml that discovery did not list (it is not a flow).
    assert.equal(contributor.requestSchema(Uri.file('/ws/k8s/deployment.yaml').toString()), undefined);
    assert.equal(contributor.requestSchema(Uri.file('/ws/notes.flow.yaml').toString()), undefined);
    assert.equal(new URL(FLOW_SCHEMA_URI).protocol, `${SCHEMA_CONTRIBUTOR}:`, 'the scheme names the contributor');
    const text = contributor.requestSchemaContent(FLOW_SCHEMA_URI);
    assert.equal(text, readFileSync(SCHEMA_FILE, 'utf8'));
    assert.equal((JSON.parse(text) as { title?: string }).title !== undefined, true);
  });

  it('also answers for an open YAML document whose root looks like a flow (before discovery lists it)', async () => {
    const { fake, yaml, association } = setUp([]);
    await association.start();
    const fresh = fake.open('/ws/new/draft.yaml', 'name: Draft\nsteps:\n  - action: log\n    config: {message: hi}\n');
    const manifest = fake.open('/ws/k8s/service.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n');
    const [contributor] = yaml.contributors;
    assert.equal(contributor.requestSchema(fresh.document.uri.toString()), FLOW_SCHEMA_URI);
    assert.equal(contributor.requestSchema(manifest.document.uri.toString()), undefined);
    // Our own action-name completion steps back only where the YAML extension has the schema.
    const completion = new SchemaCompletion(
      { ...fake.vscode, extensions: { getExtension: () => ({}) } } as unknown as VSCode,
      (d) => association.isAssociated(d),
    );
    assert.equal(completion.isActive(fresh.document as never), true);
    assert.equal(completion.isActive(manifest.document as never), false);
  });

  it('does nothing without the YAML extension, and our completion stays on', async () => {
    const { fake, association } = setUp([join('/ws', 'a.yaml')], false);
    await association.start();
    const doc = fake.open('/ws/a.yaml', 'flow:\n  name: A\n  steps: []\n').document;
    assert.equal(association.isAssociated(doc as never), false);
  });
});
