import assert from 'node:assert/strict';
import { parseFlowText } from '../../../src/core/flow/load';
import { closeFlowWorker, INLINE_MAX_BYTES } from '../../../src/core/flow/loadOffThread';
import { ParsedFlowCache } from '../../../src/core/language/parsedFlows';
import { parseWithModel } from '../../../src/core/language/parseWithModel';

function bigFlow(steps: number): string {
  const lines = ['flow:', '  name: big', '  env:', '    BASE: http://x', '  steps:'];
  for (let i = 0; i < steps; i++)
    lines.push(
      `    - id: s${i}`,
      `      name: step ${i}`,
      '      action: for_each',
      '      config:',
      '        items: [1, 2]',
      '        steps:',
      `          - id: inner${i}`,
      '            action: http_request',
      `            config: {url: "{{BASE}}/{{item}}/{{s${Math.max(0, i - 1)}.x}}"}`,
      '            assert: ["status == 200"]',
      '            output: {x: $.body.x}',
    );
  return `${lines.join('\n')}\n`;
}

describe('the editor parse of large flows runs in the flow worker', function () {
  this.timeout(60_000);
  after(() => closeFlowWorker());

  it('gives the editor the same result and model (source offsets, shared step objects) without parsing here', async () => {
    const text = bigFlow(600);
    assert.ok(Buffer.byteLength(text) > INLINE_MAX_BYTES);
    const cache = new ParsedFlowCache();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const parsed = await cache.getOffThread('/w/big.yaml', text);
    clearInterval(timer);
    assert.equal(cache.stats.offThread, 1);
    assert.ok(ticks > 0, 'the event loop ran while the worker parsed');

    const here = parseWithModel(text, '/w/big.yaml');
    assert.deepEqual(parsed.result, parseFlowText(text, '/w/big.yaml'));
    assert.deepEqual(parsed.model, here.model);
    // The structured clone keeps a nested step's parent the same object as the step itself.
    const inner = parsed.model.steps.find((s) => s.id === 'inner5')!;
    assert.equal(
      inner.parent,
      parsed.model.steps.find((s) => s.id === 's5'),
    );
    assert.ok(parsed.model.references.some((r) => r.step === inner));
    assert.equal(text.slice(inner.idSpan!.start, inner.idSpan!.end), 'inner5');
    // What CodeLens, decorations and the Test Explorer read: step ranges of the flow.
    assert.equal(parsed.result.flow?.steps[5].range.start.line, here.result.flow?.steps[5].range.start.line);

    // Later requests for the same text are the cached object; a change parses again.
    assert.equal(await cache.getOffThread('/w/big.yaml', text), parsed);
    assert.equal(cache.get('/w/big.yaml', text), parsed);
    const [a, b] = await Promise.all([
      cache.getOffThread('/w/big.yaml', `${text}# edit\n`),
      cache.getOffThread('/w/big.yaml', `${text}# edit\n`),
    ]);
    assert.equal(a, b, 'one worker parse for concurrent requests of one text');
    assert.equal(cache.stats.offThread, 2);
  });

  it('parses small texts in place, as before', async () => {
    const cache = new ParsedFlowCache();
    const parsed = await cache.getOffThread('/w/small.yaml', bigFlow(3));
    assert.equal(cache.stats.offThread, 0);
    assert.equal(parsed.result.flow?.steps.length, 3);
  });
});
