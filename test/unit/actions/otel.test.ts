/**
 * otel.inject: a W3C Trace Context the flow carries into its requests, checked at a real HTTP
 * server that records the header it received.
 */
import assert from 'node:assert/strict';
import { runRecorded, startServer, stepOf, type TestServer } from '../helpers';

describe('otel.inject', () => {
  let server: TestServer;
  const received: string[] = [];

  before(async () => {
    server = await startServer((req, res) => {
      received.push(String(req.headers.traceparent));
      res.end('ok');
    });
  });
  after(() => server.close());

  it('starts a trace (traceparent, trace and span ids) that a request carries as sent; each inject is a new trace', async () => {
    const r = await runRecorded(
      `
flow:
  name: trace
  steps:
    - id: one
      action: otel.inject
      config: { service_name: checkout, span_name: place-order }
      output: { traceparent: $.traceparent, trace_id: $.trace_id }
    - id: call
      action: http_request
      config:
        url: "{{URL}}/orders"
        headers: { traceparent: "{{traceparent}}" }
    - id: two
      action: otel.inject
`,
      { URL: server.url },
    );
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps));
    const one = r.results.get('one') as Record<string, string>;
    assert.match(one.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(one.traceparent, `00-${one.trace_id}-${one.span_id}-01`);
    assert.equal(one.tracestate, '');
    assert.deepEqual(received, [one.traceparent]);
    const two = r.results.get('two') as Record<string, string>;
    assert.notEqual(two.trace_id, one.trace_id);
    assert.notEqual(two.span_id, one.span_id);
    assert.equal(stepOf(r, 'two').status, 'completed');
  });
});
