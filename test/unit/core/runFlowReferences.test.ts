/**
 * Finding run_flow references in a flow's text and rewriting them for moved files: every nesting
 * place, the quoting and comments kept, and what is not a relative path (names, templates, paths
 * out of the workspace) left alone.
 */
import assert from 'node:assert/strict';
import { referencedId, rewriteForMoves, runFlowReferences } from '../../../src/core/runFlowReferences';

const CALLER = `flow:
  name: Checkout
  setup:
    - action: run_flow
      config: { flow: ./login.flow.yaml } # log in first
  steps:
    - id: branch
      action: condition
      config:
        condition: "1 == 1"
        then:
          - action: run_flow
            config:
              flow: "orders.flow.yaml"
              input: { id: 1 }
    - action: for_each
      config:
        items: [1, 2]
        steps:
          - action: run_flow
            config: { flow: 'shared/cart.flow.yaml' }
    - action: parallel
      config:
        branches:
          - - action: run_flow
              config: { flow: Login }
          - - action: run_flow
              config: { flow: "{{which}}.flow.yaml" }
    - action: log
      config: { message: "run_flow is mentioned here, flow: nothing" }
  teardown:
    - action: run_flow
      config: { flow: ../../outside.flow.yaml }
`;

const exists = (ids: string[]) => async (id: string) => ids.includes(id);

describe('run_flow references', () => {
  it('finds every run_flow step, nested in conditions, loops, branches, setup and teardown', () => {
    assert.deepEqual(
      runFlowReferences(CALLER).map((r) => [r.value, CALLER.slice(r.range[0], r.range[1])]),
      [
        ['./login.flow.yaml', './login.flow.yaml'],
        ['orders.flow.yaml', '"orders.flow.yaml"'],
        ['shared/cart.flow.yaml', "'shared/cart.flow.yaml'"],
        ['Login', 'Login'],
        ['{{which}}.flow.yaml', '"{{which}}.flow.yaml"'],
        ['../../outside.flow.yaml', '../../outside.flow.yaml'],
      ],
    );
    assert.deepEqual(runFlowReferences('flow:\n  steps:\n    - action: log\n'), []);
    assert.deepEqual(runFlowReferences('flow: [run_flow\n'), [], 'text that does not parse has none');
  });

  it('resolves a reference like the runner, relative to the calling file', () => {
    assert.equal(referencedId('flows/checkout.flow.yaml', './login.flow.yaml'), 'flows/login.flow.yaml');
    assert.equal(referencedId('flows/a/b.flow.yaml', '../c.flow.yaml'), 'flows/c.flow.yaml');
    assert.equal(referencedId('checkout.flow.yaml', 'sub/x.flow.yaml'), 'sub/x.flow.yaml');
    assert.equal(referencedId('flows/checkout.flow.yaml', '../../out.flow.yaml'), undefined);
    assert.equal(referencedId('flows/checkout.flow.yaml', '/abs/x.flow.yaml'), undefined);
    assert.equal(referencedId('flows/checkout.flow.yaml', '{{x}}.flow.yaml'), undefined);
    assert.equal(referencedId('flows/checkout.flow.yaml', 'sub\\x.flow.yaml'), undefined);
  });

  it('rewrites the paths that lead to moved files, keeping quoting, comments and style', async () => {
    const moves = new Map([
      ['flows/login.flow.yaml', 'auth/login.flow.yaml'],
      ['flows/orders.flow.yaml', 'flows/shop/orders.flow.yaml'],
    ]);
    const all = ['flows/login.flow.yaml', 'flows/orders.flow.yaml', 'flows/shared/cart.flow.yaml'];
    const { text, movedTargets } = await rewriteForMoves(CALLER, 'flows/checkout.flow.yaml', moves, exists(all));
    assert.equal(
      text,
      CALLER.replace(
        '{ flow: ./login.flow.yaml } # log in first',
        '{ flow: ../auth/login.flow.yaml } # log in first',
      ).replace('flow: "orders.flow.yaml"', 'flow: "shop/orders.flow.yaml"'),
    );
    assert.deepEqual(movedTargets, ['flows/login.flow.yaml', 'flows/orders.flow.yaml']);
  });

  it('rewrites the paths written in a moved file, but not names, templates or paths that do not exist', async () => {
    const moves = new Map([['flows/checkout.flow.yaml', 'archive/2026/checkout.flow.yaml']]);
    const all = ['flows/login.flow.yaml', 'flows/orders.flow.yaml', 'flows/shared/cart.flow.yaml'];
    const { text, movedTargets } = await rewriteForMoves(CALLER, 'flows/checkout.flow.yaml', moves, exists(all));
    assert.equal(
      text,
      CALLER.replace('flow: ./login.flow.yaml', 'flow: ../../flows/login.flow.yaml')
        .replace('flow: "orders.flow.yaml"', 'flow: "../../flows/orders.flow.yaml"')
        .replace("flow: 'shared/cart.flow.yaml'", "flow: '../../flows/shared/cart.flow.yaml'"),
    );
    assert.deepEqual(movedTargets, [], 'none of the targets moved');

    // `Login` is a flow name, and no file called `Login` sits beside the caller: it stays.
    assert.match(text, /flow: Login \}/);
    const missing = await rewriteForMoves(CALLER, 'flows/checkout.flow.yaml', moves, exists([]));
    assert.equal(missing.text, CALLER, 'references to files that do not exist are names, not paths');
  });

  it('leaves a file alone when it and its targets move together', async () => {
    const text = 'flow:\n  steps:\n    - action: run_flow\n      config: { flow: ./b.flow.yaml }\n';
    const moves = new Map([
      ['flows/a.flow.yaml', 'done/a.flow.yaml'],
      ['flows/b.flow.yaml', 'done/b.flow.yaml'],
    ]);
    const result = await rewriteForMoves(text, 'flows/a.flow.yaml', moves, exists(['flows/b.flow.yaml']));
    assert.equal(result.text, text);
    assert.deepEqual(result.movedTargets, []);
  });
});
