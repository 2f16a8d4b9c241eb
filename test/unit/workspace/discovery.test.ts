import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { discoverFlowFiles, pathVerdict, sniffFlowFile, SNIFF_BYTES, DEFAULT_RULES } from '../../../src/core/discovery';
import { tempWorkspace } from '../helpers';

const FLOW = 'flow:\n  name: A\n  steps:\n    - action: log\n      config: { message: hi }\n';
const BARE = 'name: Bare\nsteps:\n  - action: log\n    config: { message: hi }\n';
const MANIFEST = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: default\ndata:\n  steps: "3"\n';

describe('discovery by content', () => {
  it('finds flows by their root keys anywhere, skipping node_modules, dot-folders and other YAML', async () => {
    const root = tempWorkspace({
      'examples/a.yaml': FLOW,
      'generated-flows/deep/b.yml': BARE,
      'api/cmd/seed/flows/c.yaml': FLOW,
      'k8s/deploy.yaml': MANIFEST,
      'ci/pipeline.yml': 'jobs:\n  flow: x\n  steps: []\n',
      'node_modules/pkg/flow.yaml': FLOW,
      '.github/flows/d.yaml': FLOW,
      'notes.txt': FLOW,
    });
    const found = (await discoverFlowFiles(root)).map((f) => f.slice(root.length + 1));
    assert.deepEqual(found, ['api/cmd/seed/flows/c.yaml', 'examples/a.yaml', 'generated-flows/deep/b.yml']);
  });

  it('enters a skipped folder only when a glob names it, and honours excludes', async () => {
    const root = tempWorkspace({
      '.ci/flows/a.yaml': FLOW,
      '.github/b.yaml': FLOW,
      'deploy/c.yaml': FLOW,
      'tests/d.yaml': FLOW,
    });
    const found = await discoverFlowFiles(root, { include: ['**/*.yaml', '.ci/flows/*.yaml'], exclude: ['deploy/**'] });
    assert.deepEqual(
      found.map((f) => f.slice(root.length + 1)),
      ['.ci/flows/a.yaml', 'tests/d.yaml'],
    );
  });

  it('says why a path is not looked into', () => {
    assert.deepEqual(pathVerdict('a/node_modules/x/f.yaml', DEFAULT_RULES), {
      listed: false,
      reason: 'skipped_folder',
      folder: 'a/node_modules',
    });
    assert.deepEqual(pathVerdict('.github/f.yaml', DEFAULT_RULES), {
      listed: false,
      reason: 'skipped_folder',
      folder: '.github',
    });
    assert.deepEqual(pathVerdict('deploy/f.yaml', { include: ['**/*.yaml'], exclude: ['deploy/**'] }), {
      listed: false,
      reason: 'excluded',
      glob: 'deploy/**',
    });
    assert.deepEqual(pathVerdict('x/f.yaml', { include: ['flows/**/*.yaml'], exclude: [] }), {
      listed: false,
      reason: 'not_included',
    });
    assert.deepEqual(pathVerdict('x/f.yaml', DEFAULT_RULES), { listed: true });
  });

  it('decides from the first bytes, reads on only when they are not conclusive, and refuses files over the limit', async () => {
    const padding = `# ${'x'.repeat(100)}\n`.repeat(Math.ceil((SNIFF_BYTES * 2) / 103));
    const root = tempWorkspace({
      'late-steps.yaml': `name: Late\n${padding}steps:\n  - action: log\n    config: { message: hi }\n`,
      'big-manifest.yaml': `apiVersion: v1\n${padding}`,
      'small.yaml': FLOW,
      'bom.yaml': `\uFEFF${FLOW}`,
    });
    const size = (rel: string) => statSync(join(root, rel)).size;
    assert.equal((await sniffFlowFile(join(root, 'late-steps.yaml'), size('late-steps.yaml'))).kind, 'flow');
    assert.equal((await sniffFlowFile(join(root, 'big-manifest.yaml'), size('big-manifest.yaml'))).kind, 'other');
    const small = await sniffFlowFile(join(root, 'small.yaml'), size('small.yaml'));
    assert.equal(small.kind, 'flow');
    assert.equal(small.kind === 'flow' && small.text, FLOW);
    assert.equal((await sniffFlowFile(join(root, 'bom.yaml'), size('bom.yaml'))).kind, 'flow');
    const tooBig = await sniffFlowFile(join(root, 'small.yaml'), size('small.yaml'), 10);
    assert.deepEqual(tooBig, { kind: 'too_big', size: size('small.yaml'), limit: 10 });
  });
});
