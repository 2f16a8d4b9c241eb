/**
 * `otel.inject`, from TestMesh's built-in OpenTelemetry plugin: starts a trace for the flow to
 * carry into the requests it makes, as W3C Trace Context. Result (TestMesh's keys): `traceparent`
 * (`00-<trace id>-<span id>-01`, sampled), `tracestate` (empty), `trace_id`, `span_id`. Nothing is
 * exported: the services called report their spans under this trace.
 *
 * `otel.assert` (reading spans back from Tempo) is not here: there is no Tempo to test it against.
 */
import { randomBytes } from 'node:crypto';
import { optionalString } from './config';
import { registerAction } from './registry';

/** `bytes` random bytes as hex, never all zero (an all-zero trace or span id is invalid). */
function randomId(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('hex');
    if (/[^0]/.test(id)) return id;
  }
}

registerAction({
  name: 'otel.inject',
  async run(config, ctx) {
    const spanName = optionalString(config, 'span_name') || 'testmesh-step';
    const traceId = randomId(16);
    const spanId = randomId(8);
    ctx.log('info', `otel.inject: ${spanName}: trace ${traceId}, span ${spanId}`);
    return { traceparent: `00-${traceId}-${spanId}-01`, tracestate: '', trace_id: traceId, span_id: spanId };
  },
});
