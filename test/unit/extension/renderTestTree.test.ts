// The fake Test Explorer as text (fakeVscode.ts renderTestTree), on a tree built by hand: what the
// extension tests compare whole trees against has to say exactly what the items and runs hold.
import * as assert from 'node:assert';
import {
  FakeTestController,
  type FakeTestItem,
  Location,
  Position,
  Range,
  TestMessage,
  TestRunRequest,
  TestTag,
  Uri,
} from './fakeVscode';

describe('fake vscode: renderTestTree', () => {
  let controller: FakeTestController;
  let flow: FakeTestItem;
  let first: FakeTestItem;
  let second: FakeTestItem;
  const file = Uri.file('/ws/flows/a.flow.yaml');

  beforeEach(() => {
    controller = new FakeTestController('testmesh', 'TestMesh');
    const fileItem = controller.createTestItem('a', 'flows/a.flow.yaml', file);
    fileItem.tags = [new TestTag('runnable')];
    flow = controller.createTestItem('a#flow', 'A', file);
    flow.tags = [new TestTag('runnable'), new TestTag('smoke')];
    flow.range = new Range(1, 0, 9, 0);
    // Shown by sortText, not by label.
    first = controller.createTestItem('a#step:z', 'zeta', file);
    first.sortText = '0';
    first.description = 'log';
    first.range = new Range(3, 4, 5, 0);
    first.tags = flow.tags;
    second = controller.createTestItem('a#step:b', 'beta', file);
    second.sortText = '1';
    second.description = 'took 405 ms';
    second.tags = flow.tags;
    flow.children.replace([second, first]);
    fileItem.children.add(flow);
    const broken = controller.createTestItem('b', 'flows/b.flow.yaml');
    broken.description = 'invalid flow';
    broken.error = 'line 2: bad\n\nand more';
    controller.items.replace([broken, fileItem]);
  });

  it('draws labels in Explorer order, tags where first set, descriptions without timings, lines and errors (indented, blank lines left blank)', () => {
    // A child that lacks a tag of its parent says so.
    second.tags = [new TestTag('smoke'), new TestTag('slow')];
    assert.strictEqual(
      controller.renderTestTree({ lines: true }),
      `flows/a.flow.yaml #runnable
  A #smoke (line 2)
    zeta — log (line 4)
    beta #slow -#runnable — took <n> ms
flows/b.flow.yaml — invalid flow
  ⚠ line 2: bad

  and more`,
    );
    assert.strictEqual(
      controller.renderTestTree({ from: flow, ids: (id) => id.replace(/^a/, '<file>') }),
      `A [<file>#flow] #smoke
  zeta [<file>#step:z] — log
  beta [<file>#step:b] #slow -#runnable — took <n> ms`,
    );
  });

  it("draws each item's last state, or with history every state; durations and messages where asked", () => {
    const run = controller.createTestRun(new TestRunRequest([flow]));
    for (const item of [flow, first, second]) run.enqueued(item);
    run.started(flow);
    run.started(first);
    run.passed(first, 12);
    const failure = TestMessage.diff('total == 35', '35', '30');
    failure.location = new Location(file, new Position(6, 4));
    const elsewhere = new TestMessage('in the flow it calls');
    elsewhere.location = new Location(Uri.file('/ws/flows/shared.flow.yaml'), new Range(2, 0, 2, 9));
    run.failed(flow, [failure, elsewhere], 30);
    run.skipped(second);
    const other = controller.createTestRun(new TestRunRequest([first]));
    other.passed(first, -1);
    assert.strictEqual(controller.renderTestTree({ from: first, run: other, durations: true }), '✓ [-1 ms] zeta — log');

    assert.strictEqual(
      controller.renderTestTree({ from: flow }),
      `✗ A #smoke
  ✓ zeta — log
  ⊘ beta — took <n> ms`,
    );
    assert.strictEqual(
      controller.renderTestTree({ run, history: true, durations: true, messages: true }),
      `· flows/a.flow.yaml #runnable
  ◷↻✗ [<n> ms] A #smoke
    ↳ total == 35 [expected 35, actual 30] (line 7)
    ↳ in the flow it calls (line 3 of /ws/flows/shared.flow.yaml)
    ◷↻✓ [<n> ms] zeta — log
    ◷⊘ beta — took <n> ms
· flows/b.flow.yaml — invalid flow
  ⚠ line 2: bad

  and more`,
    );
    // A later run draws over the first; `run` picks one run's states.
    const again = controller.createTestRun(new TestRunRequest([second]));
    again.enqueued(second);
    again.started(second);
    assert.strictEqual(
      controller.renderTestTree({ from: flow }),
      `✗ A #smoke
  ✓ zeta — log
  ↻ beta — took <n> ms`,
    );
    assert.strictEqual(
      controller.renderTestTree({ from: flow, run: again }),
      `· A #smoke
  · zeta — log
  ↻ beta — took <n> ms`,
    );
    // An item failed more than once in a run (loop iterations) shows every failure's messages.
    const loop = controller.createTestRun(new TestRunRequest([first]));
    loop.failed(first, new TestMessage('iteration 1'));
    loop.failed(first, [new TestMessage('iteration 2'), new TestMessage('and why')]);
    assert.strictEqual(
      controller.renderTestTree({ from: first, run: loop, history: true, messages: true }),
      `✗✗ zeta — log
  ↳ iteration 1
  ↳ iteration 2
  ↳ and why`,
    );
  });
});
