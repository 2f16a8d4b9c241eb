import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { parseArgs, type RunArgs } from '../../../src/cli/args';
import { runCommand } from '../../../src/cli/run';
import { runFlow } from '../../../src/core/engine/executor';
import { DEFAULT_RUN_LIMITS } from '../../../src/core/engine/runLimits';
import { ExecutionManager } from '../../../src/core/executions';
import { HistoryStore } from '../../../src/core/history/store';
import { flowFrom, tempDir, tempWorkspace } from '../helpers';

const LOOP = (items: string) => `flow:
  name: Loop
  steps:
    - id: each
      action: for_each
      config:
        items: ${items}
        steps:
          - id: say
            action: log
            config: { message: "item {{item}}" }
  teardown:
    - id: cleanup
      action: log
      config: { message: cleaned up }
`;

describe('a run is bounded', function () {
  this.timeout(60_000);

  it('a for_each over 100,000 items stops at the iteration limit with a message naming it; teardown runs', async () => {
    let events = 0;
    const teardown: string[] = [];
    const result = await runFlow(flowFrom(LOOP('ITEMS')), {
      variables: { ITEMS: Array.from({ length: 100_000 }, (_, i) => i) },
      onEvent: (e) => {
        events++;
        if (e.type === 'log' && e.data.message === 'cleaned up') teardown.push('ran');
      },
    });
    assert.equal(result.status, 'failed');
    assert.match(
      result.error!,
      new RegExp(`run limit maxIterations \\(${DEFAULT_RUN_LIMITS.maxIterations}\\) reached.*--max-iterations`),
    );
    assert.ok(events < DEFAULT_RUN_LIMITS.maxIterations * 5, `${events} events`);
    assert.deepEqual(teardown, ['ran']);
  });

  it('stops at the event limit', async () => {
    let events = 0;
    const result = await runFlow(flowFrom(LOOP('ITEMS')), {
      variables: { ITEMS: Array.from({ length: 1000 }, (_, i) => i) },
      limits: { maxEvents: 300 },
      onEvent: () => events++,
    });
    assert.equal(result.status, 'failed');
    assert.match(
      result.error!,
      /run limit maxEvents \(300\) reached: more than 300 events; raise it with --max-events N/,
    );
    assert.ok(events < 320, `${events} events`);
  });

  it('the CLI takes --max-iterations and says which limit failed the run', async () => {
    const ws = tempWorkspace({ 'package.json': '{}', 'flows/loop.flow.yaml': LOOP('[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]') });
    let text = '';
    const out = new PassThrough();
    out.on('data', (c) => (text += c));
    assert.equal(
      await runCommand(parseArgs(['run', 'flows/loop.flow.yaml', '--max-iterations', '5', '--no-color']) as RunArgs, {
        stdout: out,
        stderr: out,
        cwd: ws,
      }),
      1,
    );
    assert.match(text, /run limit maxIterations \(5\) reached/);
    assert.throws(() => parseArgs(['run', 'x', '--max-events', '0']), /--max-events must be a whole number >= 1/);
  });

  it('history stops storing step details past the bytes per execution, and says so', async () => {
    const store = await HistoryStore.open(tempDir(), { maxExecutionBytes: 64 * 1024, flushDelayMs: 1 });
    const manager = new ExecutionManager({ workspace: tempWorkspace({}), store });
    const flow = flowFrom(
      `flow:\n  name: Big\n  steps:\n    - id: each\n      action: for_each\n      config:\n        items: ITEMS\n        steps:\n          - id: t\n            action: transform\n            config: { input: { blob: "{{BLOB}}" }, transforms: { b: $.blob } }\n`,
    );
    const started = await manager.start({
      flow,
      variables: { ITEMS: Array.from({ length: 40 }, (_, i) => i), BLOB: 'x'.repeat(8000) },
    });
    const done = await manager.whenFinished(started.id);
    await store.flush();
    assert.equal(done!.status, 'completed', done!.error);
    const stored = manager.get(started.id)!;
    assert.match(stored.history_truncated ?? '', /maxExecutionBytes/);
    assert.ok((await manager.eventsSince(started.id))!.length > 80, 'events are all kept');
    await manager.close();
    await store.close();
  });

  it('finished executions held in memory are bounded by bytes, not by count', async () => {
    const store = HistoryStore.memory({ maxMemoryBytes: 1024 * 1024, maxExecutions: 1000 });
    const manager = new ExecutionManager({
      workspace: tempWorkspace({}),
      store,
      recentCacheBytes: 512 * 1024,
      recentCacheSize: 1000,
    });
    const flow = flowFrom(LOOP('ITEMS'));
    for (let i = 0; i < 12; i++) {
      const started = await manager.start({
        flow,
        variables: { ITEMS: Array.from({ length: 300 }, (_, n) => `${n}-${'y'.repeat(200)}`) },
      });
      await manager.whenFinished(started.id);
    }
    const held = (manager as unknown as { recentBytes: number }).recentBytes;
    assert.ok(held <= 512 * 1024, `${held} bytes held for replay`);
    assert.ok(store.list().length < 12, `${store.list().length} executions kept in memory`);
    assert.ok((store as unknown as { memoryBytes: number }).memoryBytes <= 1024 * 1024 + 200_000);
    await manager.close();
  });
});
