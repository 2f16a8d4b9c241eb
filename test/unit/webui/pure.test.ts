/** The web UI's DOM-free parts: routes and the token link, event sequencing, the webview protocol, formats. */
import * as assert from 'node:assert/strict';
import type { ExecutionEvent } from '../../../src/core/events';
import { formatBytes, formatDuration, statusLabel } from '../../../src/webview/format';
import { answerRequest, isRequestMessage, type RequestHandlers } from '../../../src/webview/protocol';
import { formatRoute, parseRoute, takeToken } from '../../../src/webview/route';
import { EventSequencer, isExecutionEvent } from '../../../src/webview/transport';

function event(seq: number, executionId = 'e1'): ExecutionEvent {
  return {
    type: 'log',
    execution_id: executionId,
    seq,
    timestamp: '2025-01-01T00:00:00.000Z',
    data: { level: 'info', message: `m${seq}` },
  };
}

describe('web UI: routes', () => {
  it('reads and writes the views of the URL fragment', () => {
    assert.deepEqual(parseRoute(''), { view: 'list' });
    assert.deepEqual(parseRoute('#/executions'), { view: 'list' });
    assert.deepEqual(parseRoute('#/executions/abc'), { view: 'execution', executionId: 'abc' });
    const route = { view: 'execution' as const, executionId: 'a b', stepId: 'sub/flow.steps_0[2]' };
    assert.equal(formatRoute(route), '#/executions/a%20b/steps/sub%2Fflow.steps_0%5B2%5D');
    assert.deepEqual(parseRoute(formatRoute(route)), route);
    assert.deepEqual(
      parseRoute('#/executions/%E0%A4%A'),
      { view: 'execution', executionId: '%E0%A4%A' },
      'a bad escape is kept as written',
    );
  });

  it('takes the token out of every link form and keeps the view', () => {
    assert.deepEqual(takeToken('#token=abc'), { token: 'abc', hash: '' });
    assert.deepEqual(takeToken('#token=abc&route=/executions/x'), { token: 'abc', hash: '#/executions/x' });
    assert.deepEqual(takeToken('#/executions/x?token=abc'), { token: 'abc', hash: '#/executions/x' });
    assert.deepEqual(takeToken('#/executions/x'), { hash: '#/executions/x' });
    assert.deepEqual(takeToken(''), { hash: '' });
  });
});

describe('web UI: event sequencing', () => {
  it('delivers each event once, drops replays and reports gaps on a per-execution stream', () => {
    const seq = new EventSequencer('e1', 2);
    assert.equal(seq.check(event(2), true), 'duplicate');
    assert.equal(seq.check(event(3), true), 'deliver');
    assert.equal(seq.check(event(3), true), 'duplicate');
    assert.equal(seq.check(event(5), true), 'gap');
    assert.equal(seq.lastSeq('e1'), 3, 'a gap does not move the resume point');
    assert.equal(seq.check(event(4), true), 'deliver');
  });

  it('joins the all-executions stream mid-way', () => {
    const seq = new EventSequencer();
    assert.equal(seq.check(event(40, 'a'), false), 'deliver');
    assert.equal(seq.check(event(42, 'a'), false), 'deliver');
    assert.equal(seq.check(event(41, 'a'), false), 'duplicate');
    assert.equal(seq.check(event(7, 'b'), false), 'deliver');
  });

  it('accepts only event envelopes off the wire', () => {
    assert.equal(isExecutionEvent(event(1)), true);
    assert.equal(isExecutionEvent({ type: 'log', seq: '1', execution_id: 'e', data: {} }), false);
    assert.equal(isExecutionEvent(null), false);
    assert.equal(isExecutionEvent('{"type":"log"}'), false);
  });
});

describe('web UI: webview protocol', () => {
  const handlers = {
    getSummary: async ({ execution_id }: { execution_id: string }) => {
      if (execution_id === 'missing') throw new Error('no execution missing');
      return { id: execution_id };
    },
  } as unknown as RequestHandlers;

  it('recognises requests and answers them, errors included', async () => {
    const request = { kind: 'request', id: 7, method: 'getSummary', params: { execution_id: 'e1' } };
    assert.equal(isRequestMessage(request), true);
    assert.equal(isRequestMessage({ ...request, method: 'eval' }), false);
    assert.equal(isRequestMessage({ kind: 'ready' }), false);
    assert.deepEqual(await answerRequest(handlers, request as never), {
      kind: 'response',
      id: 7,
      ok: true,
      result: { id: 'e1' },
    });
    assert.deepEqual(await answerRequest(handlers, { ...request, params: { execution_id: 'missing' } } as never), {
      kind: 'response',
      id: 7,
      ok: false,
      error: 'no execution missing',
    });
  });
});

describe('web UI: formats', () => {
  it('reads durations, sizes and states the way people say them', () => {
    assert.equal(formatDuration(0.39), '0.39 ms');
    assert.equal(formatDuration(207.4), '207 ms');
    assert.equal(formatDuration(1740), '1.74 s');
    assert.equal(formatDuration(125_000), '2m 05s');
    assert.equal(formatDuration(undefined), '');
    assert.equal(formatBytes(347), '347 B');
    assert.equal(formatBytes(2048), '2 KiB');
    assert.equal(statusLabel('completed'), 'passed');
    assert.equal(statusLabel('skipped'), 'skipped');
  });
});
