// Repeated step ids in the editor: distinct Test Explorer items, each run reported on its own
// item, and a single-step run of the repeat (identity is the unique step id, never the written id alone).
import * as assert from 'node:assert';
import { createHarness, type Harness } from '../extension/harness';

const SHARED = `flow:
  name: Shared ids
  setup:
    - id: cleanup
      action: log
      config: { message: first }
  steps:
    - id: work
      action: assert
      config:
        data: { seen: "{{cleanup.message}}" }
        assertions: ["seen == 'first'"]
  teardown:
    - id: cleanup
      action: assert
      config:
        data: { n: 1 }
        assertions: ["n == 2"]
`;

describe('compat: repeated step ids in the editor', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ 'flows/shared.flow.yaml': SHARED });
  });
  afterEach(() => h.dispose());

  it('shows one item per step, both named by the written id', () => {
    const k = h.key('flows/shared.flow.yaml');
    const first = h.item(`${k}#step:cleanup`);
    const repeat = h.item(`${k}#step:cleanup@2`);
    assert.notStrictEqual(first, repeat);
    assert.strictEqual(first.label, 'cleanup');
    assert.strictEqual(repeat.label, 'cleanup');
  });

  it('reports each run on its own item: the setup one passes, the teardown one fails', async () => {
    const k = h.key('flows/shared.flow.yaml');
    const run = await h.run([h.tree.flowItem(k)]);
    assert.deepStrictEqual(run.statesOf(`${k}#step:cleanup`), ['enqueued', 'started', 'passed']);
    assert.deepStrictEqual(run.statesOf(`${k}#step:work`), ['enqueued', 'started', 'passed']);
    assert.deepStrictEqual(run.statesOf(`${k}#step:cleanup@2`), ['enqueued', 'started', 'failed']);
  });

  it('runs the repeated step alone from its own item', async () => {
    const k = h.key('flows/shared.flow.yaml');
    await h.run([h.tree.flowItem(k)]);
    const run = await h.run([h.item(`${k}#step:cleanup@2`)]);
    assert.deepStrictEqual(run.statesOf(`${k}#step:cleanup@2`).slice(-1), ['failed']);
    assert.deepStrictEqual(run.statesOf(`${k}#step:cleanup`), []);
  });
});
