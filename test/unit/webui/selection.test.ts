/** The web UI's multi-selection, the list filter in the URL fragment and the search highlight (no DOM). */
import * as assert from 'node:assert/strict';
import { highlightParts } from '../../../src/webview/highlight';
import { formatRoute, parseRoute, takeToken } from '../../../src/webview/route';
import { Selection } from '../../../src/webview/selection';

describe('web UI: multi-selection', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const fresh = () => {
    const s = new Selection();
    s.setOrder(ids);
    return s;
  };

  it('click selects one, Ctrl-click toggles, Shift-click selects the range from the anchor', () => {
    const s = fresh();
    s.click('b');
    assert.deepEqual(s.ids(), ['b']);
    s.click('d', { shift: true });
    assert.deepEqual(s.ids(), ['b', 'c', 'd']);
    s.click('a', { shift: true });
    assert.deepEqual(s.ids(), ['a', 'b'], 'a new range from the same anchor replaces the old one');
    s.click('e', { toggle: true });
    assert.deepEqual(s.ids(), ['a', 'b', 'e']);
    s.click('a', { toggle: true });
    assert.deepEqual(s.ids(), ['b', 'e']);
    s.click('c', { toggle: true, shift: true });
    assert.deepEqual(s.ids(), ['a', 'b', 'c', 'e'], 'Ctrl+Shift adds the range from the anchor (a) to the rest');
    s.click('c');
    assert.deepEqual(s.ids(), ['c']);
  });

  it('arrows move focus and selection, Shift extends, Ctrl moves the focus alone, Space toggles', () => {
    const s = fresh();
    assert.equal(s.key('ArrowDown'), true);
    assert.equal(s.focused, 'a');
    assert.deepEqual(s.ids(), ['a']);
    s.key('ArrowDown', { shift: true });
    s.key('ArrowDown', { shift: true });
    assert.deepEqual(s.ids(), ['a', 'b', 'c']);
    s.key('ArrowUp', { shift: true });
    assert.deepEqual(s.ids(), ['a', 'b']);
    s.key('ArrowDown', { toggle: true });
    s.key('ArrowDown', { toggle: true });
    assert.equal(s.focused, 'd');
    assert.deepEqual(s.ids(), ['a', 'b']);
    s.key(' ');
    assert.deepEqual(s.ids(), ['a', 'b', 'd']);
    s.key('End');
    assert.deepEqual(s.ids(), ['e']);
    s.key('ArrowDown');
    assert.equal(s.focused, 'e', 'the focus stays on the last row');
  });

  it('Ctrl-A selects all, Escape clears, plain A is not a selection key', () => {
    const s = fresh();
    assert.equal(s.key('a'), false);
    assert.equal(s.key('a', { toggle: true }), true);
    assert.equal(s.size, 5);
    assert.equal(s.key('Escape'), true);
    assert.equal(s.size, 0);
    assert.equal(s.key('Escape'), false, 'Escape with nothing selected is left to the page');
  });

  it('keeps the selection of ids still listed when the list changes', () => {
    const s = fresh();
    s.click('b');
    s.click('d', { toggle: true });
    s.setOrder(['x', 'd', 'a']);
    assert.deepEqual(s.ids(), ['d']);
    s.click('a', { shift: true });
    assert.deepEqual(s.ids(), ['d', 'a']);
  });
});

describe('web UI: list filter in the URL fragment', () => {
  it('reads and writes the filter, dropping unknown and empty names', () => {
    const route = parseRoute('#/executions?status=failed&q=time%20out&flow_id=flows%2Fa.flow.yaml&bogus=1&trigger=');
    assert.deepEqual(route, {
      view: 'list',
      filter: { status: 'failed', q: 'time out', flow_id: 'flows/a.flow.yaml' },
    });
    assert.equal(formatRoute(route), '#/executions?status=failed&flow_id=flows%2Fa.flow.yaml&q=time+out');
    assert.deepEqual(parseRoute(formatRoute(route)), route);
    assert.equal(formatRoute({ view: 'list', filter: {} }), '#/executions');
    assert.deepEqual(parseRoute('#/flows'), { view: 'flows' });
  });

  it('keeps the folder and tag filters too', () => {
    const route = parseRoute('#/executions?tag=smoke&folder=tests%2Fapi&status=passed');
    assert.deepEqual(route, { view: 'list', filter: { status: 'passed', folder: 'tests/api', tag: 'smoke' } });
    assert.equal(formatRoute(route), '#/executions?status=passed&folder=tests%2Fapi&tag=smoke');
  });

  it('keeps the filter when the token is taken out of a shared link', () => {
    assert.deepEqual(takeToken('#/executions?status=failed&token=abc&q=x'), {
      token: 'abc',
      hash: '#/executions?status=failed&q=x',
    });
  });
});

describe('web UI: search highlight', () => {
  it('splits the text around every case-insensitive match', () => {
    assert.deepEqual(highlightParts('Timeout after timeout', 'TIMEOUT'), [
      { text: 'Timeout', match: true },
      { text: ' after ', match: false },
      { text: 'timeout', match: true },
    ]);
    assert.deepEqual(highlightParts('abc', ''), [{ text: 'abc', match: false }]);
    assert.deepEqual(highlightParts('abc', 'x'), [{ text: 'abc', match: false }]);
  });
});
