/**
 * `grpc_call` and `grpc` (the same action under TestMesh's two names): one unary call with
 * `request` as the message, on the execution's client for the address. The deadline is `timeout`
 * (default 30s); a cancel or a step timeout cancels the call.
 *
 * Result: `status_code` (the status name, "OK"), `status_message`, `response` and `body` (the
 * reply as JSON), `metadata` (response headers and trailers: name -> value), `latency_ms`. A
 * status other than OK fails the step, unless `expected_status` names it (then the result carries
 * it, `response` null, for assertions).
 */
import type { Metadata, ServiceError, StatusObject } from '@grpc/grpc-js';
import { TestMeshError } from '../errors';
import { abortReason } from '../cancellation';
import { type Config } from './config';
import { callStatus, encodeRequest, expectedStatuses, isServiceError, metadataMap, resolveTarget } from './grpcClient';
import { registerAction } from './registry';
import type { ActionContext, ActionDefinition } from './types';

async function unary(config: Config, ctx: ActionContext) {
  const started = performance.now();
  const target = await resolveTarget(config, ctx);
  if (target.definition.requestStream || target.definition.responseStream) {
    throw new TestMeshError(`gRPC ${target.path} is a streaming method: use grpc_stream`);
  }
  const request = encodeRequest(target, config.request, 'request');
  const expected = expectedStatuses(config);
  ctx.recordMessage({ direction: 'sent', channel: target.path, body: target.definition.requestDeserialize(request) });

  let headers: Metadata | undefined;
  let trailers: StatusObject | undefined;
  const outcome = await new Promise<{ response?: object; error?: ServiceError }>((resolve, reject) => {
    const call = target.client.makeUnaryRequest(
      target.path,
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => target.definition.responseDeserialize(bytes) as object,
      request,
      target.metadata,
      { deadline: Date.now() + target.timeoutMs },
      (err, response) => {
        ctx.signal.removeEventListener('abort', onAbort);
        if (ctx.signal.aborted) return reject(abortReason(ctx.signal));
        if (err) return isServiceError(err) ? resolve({ error: err }) : reject(err);
        resolve({ response });
      },
    );
    const onAbort = () => call.cancel();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    call.on('metadata', (m: Metadata) => (headers = m));
    call.on('status', (s: StatusObject) => (trailers = s));
  });

  const latency_ms = Math.round(performance.now() - started);
  const metadata = metadataMap(headers, trailers?.metadata ?? outcome.error?.metadata);
  if (!outcome.error) ctx.recordMessage({ direction: 'received', channel: target.path, body: outcome.response });
  const status = callStatus(target, expected, outcome.error, trailers);
  const response = outcome.error ? null : outcome.response;
  return { ...status, response, body: response, metadata, latency_ms };
}

const definition: Omit<ActionDefinition, 'name'> = { honoursSignal: true, run: unary };
registerAction({ name: 'grpc_call', ...definition });
registerAction({ name: 'grpc', ...definition });
