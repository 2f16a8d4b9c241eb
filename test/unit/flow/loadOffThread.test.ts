import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlowText } from '../../../src/core/flow/load';
import {
  closeFlowWorker,
  INLINE_MAX_BYTES,
  loadFlowFileOffThread,
  parseFlowTextOffThread,
} from '../../../src/core/flow/loadOffThread';

function bigFlow(steps: number, broken = false): string {
  const lines = ['flow:', '  name: big', '  steps:'];
  for (let i = 0; i < steps; i++)
    lines.push(
      `    - id: s${i}`,
      '      action: http_request',
      '      config: {url: "http://x/{{i}}"}',
      `      assert: ["status == 200", "body.id == ${i}"]`,
    );
  if (broken) lines.push('    - id: s0', '      action: nope');
  return `${lines.join('\n')}\n`;
}

describe('flow loading off the main thread', function () {
  this.timeout(60_000);
  after(() => closeFlowWorker());

  it('gives the same result as parseFlowText for a large flow, errors included', async () => {
    for (const text of [bigFlow(800), bigFlow(800, true)]) {
      assert.ok(Buffer.byteLength(text) > INLINE_MAX_BYTES);
      assert.deepEqual(await parseFlowTextOffThread(text, '/w/big.flow.yaml'), parseFlowText(text, '/w/big.flow.yaml'));
    }
  });

  it('keeps the event loop free while a large flow parses', async () => {
    const text = bigFlow(3000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const result = await parseFlowTextOffThread(text, '/w/big.flow.yaml');
    clearInterval(timer);
    assert.equal(result.flow?.steps.length, 3000);
    // Parsed in place, the loop would not have turned once until the result was there.
    assert.ok(ticks > 0, 'the event loop ran while the worker parsed');
  });

  it('answers many concurrent requests, each with its own result', async () => {
    const texts = [100, 3000, 200, 2500].map((n) => bigFlow(n));
    const results = await Promise.all(texts.map((t, i) => parseFlowTextOffThread(t, `/w/f${i}.flow.yaml`)));
    assert.deepEqual(
      results.map((r) => [r.flow?.file, r.flow?.steps.length]),
      [
        ['/w/f0.flow.yaml', 100],
        ['/w/f1.flow.yaml', 3000],
        ['/w/f2.flow.yaml', 200],
        ['/w/f3.flow.yaml', 2500],
      ],
    );
  });

  it('reads and loads files, and reports unreadable ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testmesh-offthread-'));
    try {
      const file = join(dir, 'a.flow.yaml');
      writeFileSync(file, bigFlow(1000));
      assert.equal((await loadFlowFileOffThread(file)).flow?.steps.length, 1000);
      assert.match(
        (await loadFlowFileOffThread(join(dir, 'missing.flow.yaml'))).diagnostics[0].message,
        /no such file/,
      );
      await closeFlowWorker();
      assert.equal(
        (await loadFlowFileOffThread(file)).flow?.steps.length,
        1000,
        'a new worker after the old one stopped',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a text over the limit without a worker, as parseFlowText does', async () => {
    const text = bigFlow(500);
    assert.deepEqual(
      await parseFlowTextOffThread(text, 'f.yaml', { maxBytes: 1000 }),
      parseFlowText(text, 'f.yaml', { maxBytes: 1000 }),
    );
  });
});
