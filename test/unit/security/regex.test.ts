import assert from 'node:assert/strict';
import { compileExpression } from '../../../src/core/expr';
import { runFlow } from '../../../src/core/engine/executor';
import { flowFrom, json, startServer } from '../helpers';

const scope = (vars: Record<string, unknown>) => ({ get: (name: string) => (name in vars ? vars[name] : undefined) });

describe('matches runs in linear time (RE2 via re2js)', function () {
  // Generous: on the old backtracking engine the 33-byte case alone took about 25 s.
  this.timeout(10_000);

  it('a catastrophic pattern on a hostile text returns at once', () => {
    const evaluate = (text: string) => compileExpression('body matches "^(a+)+$"').evaluate(scope({ body: text }) as never);
    assert.equal(evaluate(`${'a'.repeat(32)}!`), false);
    assert.equal(evaluate(`${'a'.repeat(99_999)}!`), false);
    assert.equal(evaluate('aaaa'), true);
    assert.equal(compileExpression('body matches "(x+x+)+y"').evaluate(scope({ body: 'x'.repeat(5000) }) as never), false);
  });

  it('keeps the syntax users write: inline flags, classes, anchors, unanchored search', () => {
    const m = (text: string, pattern: string) => compileExpression(`t matches ${JSON.stringify(pattern)}`).evaluate(scope({ t: text }) as never);
    assert.equal(m('Hello World', '(?i)^hello'), true);
    assert.equal(m('a\nb', '(?s)a.b'), true);
    assert.equal(m('a\nb', 'a.b'), false);
    assert.equal(m('x\nend', '(?m)^end$'), true);
    assert.equal(m('id-123', '\\d{3}$'), true);
    assert.equal(m('user@example.com', '^[\\w.+-]+@[\\w-]+\\.[a-z]{2,}$'), true);
    assert.equal(m('abc', 'b'), true);
    assert.throws(() => compileExpression('t matches "(?=a)"'), /lookaround and backreferences are not supported/);
  });

  it('a flow asserting such a pattern on a response body finishes', async () => {
    const api = await startServer((_req, res) => json(res, 200, { text: `${'a'.repeat(32)}!` }));
    try {
      const flow = flowFrom(`flow:\n  name: R\n  steps:\n    - id: get\n      action: http_request\n      config: { url: "${api.url}/" }\n      assert:\n        - body.text matches "^(a+)+$"\n`);
      const result = await runFlow(flow);
      assert.equal(result.status, 'failed');
      assert.match(result.steps[0].error!, /matches/);
    } finally {
      await api.close();
    }
  });
});
