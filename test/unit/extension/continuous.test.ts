// Continuous runs: which saved files re-run which flows (own file, env_file, run_flow'ed flows by
// path or name, transitively), and the profile really re-running on save until cancelled.
import * as assert from 'node:assert';
import { join } from 'node:path';
import type { FlowDef } from '../../../src/core/flow/types';
import { affectedFlows, dependenciesOf, type FlowLookup } from '../../../src/extension/dependencies';
import { flowFrom, waitFor } from '../helpers';
import { CancellationTokenSource, FakeTextDocument, TestRunRequest, Uri } from './fakeVscode';
import { createHarness } from './harness';

const ROOT = '/ws';

function flowAt(rel: string, yaml: string): FlowDef {
  return flowFrom(yaml, join(ROOT, rel));
}

const login = flowAt(
  'flows/shared/login.flow.yaml',
  `flow:
  name: Login
  env_file: ../../.env.login
  steps:
    - action: log
      config: { message: login }
`,
);
const users = flowAt(
  'flows/users.flow.yaml',
  `flow:
  name: Users
  env_file: ../.env.users
  steps:
    - id: auth
      action: run_flow
      config: { flow: shared/login.flow.yaml }
    - id: cond
      action: condition
      config:
        condition: "true"
        then:
          - action: run_flow
            config: { flow: Orders }
    - action: run_flow
      config: { flow: "{{dynamic}}" }
`,
);
const orders = flowAt(
  'flows/orders.flow.yaml',
  `flow:
  name: Orders
  steps:
    - action: run_flow
      config: { flow: missing.flow.yaml }
    - action: run_flow
      config: { flow: users.flow.yaml }
`,
);
const lonely = flowAt(
  'flows/lonely.flow.yaml',
  `flow:
  name: Lonely
  steps:
    - action: log
      config: { message: alone }
`,
);

const all = [login, users, orders, lonely];
const lookup: FlowLookup = {
  byPath: (path) => all.find((f) => f.file === path),
  byName: (name) => all.find((f) => f.name === name),
};

describe('extension: continuous runs', () => {
  it('tracks a flow file, its env_file and its run_flow targets (by path and by name), transitively, through cycles', () => {
    assert.deepStrictEqual([...dependenciesOf(users, lookup)].sort(), [
      '/ws/.env.login',
      '/ws/.env.users',
      '/ws/flows/missing.flow.yaml',
      '/ws/flows/orders.flow.yaml',
      '/ws/flows/shared/login.flow.yaml',
      '/ws/flows/users.flow.yaml',
    ]);
    assert.deepStrictEqual([...dependenciesOf(lonely, lookup)], ['/ws/flows/lonely.flow.yaml']);
  });

  it('re-runs exactly the flows a saved file affects', () => {
    const names = (file: string) =>
      affectedFlows(file, all, lookup)
        .map((f) => f.name)
        .sort();
    assert.deepStrictEqual(names('/ws/flows/shared/login.flow.yaml'), ['Login', 'Orders', 'Users']);
    assert.deepStrictEqual(names('/ws/.env.login'), ['Login', 'Orders', 'Users']);
    assert.deepStrictEqual(names('/ws/flows/lonely.flow.yaml'), ['Lonely']);
    assert.deepStrictEqual(names('/ws/flows/missing.flow.yaml'), ['Orders', 'Users']);
    assert.deepStrictEqual(names('/ws/README.md'), []);
  });

  it('re-runs a watched flow when it or a flow it uses is saved, until cancelled', async () => {
    const h = await createHarness({
      'flows/main.flow.yaml':
        'flow:\n  name: Main\n  steps:\n    - id: call\n      action: run_flow\n      config: { flow: shared/helper.flow.yaml }\n',
      'flows/shared/helper.flow.yaml':
        'flow:\n  name: Helper\n  steps:\n    - action: log\n      config: { message: help }\n',
      'flows/other.flow.yaml': 'flow:\n  name: Other\n  steps:\n    - action: log\n      config: { message: other }\n',
    });
    try {
      const main = h.tree.flowItem(h.key('flows/main.flow.yaml'));
      assert.strictEqual(h.controller.profiles[0].supportsContinuousRun, true);
      // Continuous run is the Run profile's: it applies to runnable items only, like Run.
      assert.strictEqual(h.controller.profiles[0].tag?.id, 'runnable');
      const token = new CancellationTokenSource();
      let watching = true;
      const handler = Promise.resolve(
        h.controller.profiles[0].runHandler(
          new TestRunRequest([main as never], undefined, undefined, true),
          token.token,
        ),
      ).then(() => {
        watching = false;
      });
      assert.strictEqual(h.controller.runs.length, 0, 'nothing runs until a save');

      const save = (rel: string) =>
        h.fake.didSaveTextDocument.fire(new FakeTextDocument(Uri.file(join(h.root, rel)), ''));
      // Each re-run runs the watched flow and only it (the helper runs inside `call`, not as items of its own).
      const mainOnly = `· flows/main.flow.yaml #runnable
  ◷↻✓ Main
    ◷↻✓ call — run_flow
· flows/other.flow.yaml #runnable
  · Other
    · steps_0 — log
· flows/shared/helper.flow.yaml #runnable
  · Helper
    · steps_0 — log`;
      save('flows/shared/helper.flow.yaml');
      await waitFor(
        () => h.controller.runs.length === 1 && h.controller.runs[0].ended,
        5000,
        'a re-run after saving the helper',
      );
      assert.strictEqual(h.controller.renderTestTree({ run: h.controller.runs[0], history: true }), mainOnly);

      save('flows/other.flow.yaml');
      save('flows/main.flow.yaml');
      await waitFor(
        () => h.controller.runs.length === 2 && h.controller.runs[1].ended,
        5000,
        'a re-run after saving main',
      );
      assert.strictEqual(h.controller.renderTestTree({ run: h.controller.runs[1], history: true }), mainOnly);

      token.cancel();
      await handler;
      assert.strictEqual(watching, false);
      save('flows/main.flow.yaml');
      await h.index.whenIdle();
      await new Promise((resolve) => setImmediate(resolve));
      assert.strictEqual(h.controller.runs.length, 2, 'no runs after cancel');
    } finally {
      await h.dispose();
    }
  });
});
