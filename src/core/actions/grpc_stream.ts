/**
 * `grpc_stream`: a server, client or bidirectional streaming call (the method's definition says
 * which). A server stream sends `request`; a client or bidirectional stream sends the list under
 * `requests`, in order, then half-closes. Replies are collected until the server ends the call,
 * or until `max_messages` arrived (the call is then cancelled and the step passes). The deadline
 * is `timeout` (default 30s); a cancel or a step timeout cancels the call.
 *
 * Result: `status_code`, `status_message`, `body.messages` and `messages` (the replies, in order),
 * `response` (the reply of a client stream; otherwise the last reply, null without any),
 * `metadata` (headers and trailers), `latency_ms`. A status other than OK — a server that closes
 * mid-stream included — fails the step and says how many replies had arrived, unless
 * `expected_status` names it.
 */
import type {
  ClientDuplexStream,
  ClientReadableStream,
  ClientWritableStream,
  Metadata,
  ServiceError,
  StatusObject,
} from '@grpc/grpc-js';
import { grpcJs } from '../libraries';
import { TestMeshError } from '../errors';
import { abortReason } from '../cancellation';
import { optionalList, optionalNumber } from './config';
import { callStatus, encodeRequest, expectedStatuses, isServiceError, metadataMap, resolveTarget } from './grpcClient';
import { registerAction } from './registry';

type AnyCall = ClientReadableStream<object> | ClientWritableStream<Buffer> | ClientDuplexStream<Buffer, object>;

registerAction({
  name: 'grpc_stream',
  honoursSignal: true,
  async run(config, ctx) {
    const started = performance.now();
    const target = await resolveTarget(config, ctx);
    const { requestStream, responseStream } = target.definition;
    if (!requestStream && !responseStream)
      throw new TestMeshError(`gRPC ${target.path} is a unary method: use grpc_call`);
    const expected = expectedStatuses(config);
    const maxMessages = optionalNumber(config, 'max_messages');

    let requests: Buffer[];
    if (requestStream) {
      const list =
        optionalList(config, 'requests') ??
        (config.request !== undefined && config.request !== null ? [config.request] : undefined);
      if (!list)
        throw new TestMeshError(
          `config.requests is required: ${target.path} takes a stream of messages (a list of maps)`,
        );
      requests = list.map((item, i) => encodeRequest(target, item, `requests[${i}]`));
    } else {
      requests = [encodeRequest(target, config.request, 'request')];
    }

    const serialize = (bytes: Buffer) => bytes;
    const deserialize = (bytes: Buffer) => target.definition.responseDeserialize(bytes) as object;
    const options = { deadline: Date.now() + target.timeoutMs };
    const replies: object[] = [];
    let headers: Metadata | undefined;
    let trailers: StatusObject | undefined;
    let stoppedByUs = false;

    const outcome = await new Promise<{ error?: ServiceError }>((resolve, reject) => {
      let call: AnyCall;
      const finish = (error?: Error | null) => {
        ctx.signal.removeEventListener('abort', onAbort);
        if (ctx.signal.aborted) return reject(abortReason(ctx.signal));
        if (error && !(stoppedByUs && isServiceError(error) && error.code === grpcJs().status.CANCELLED)) {
          return isServiceError(error) ? resolve({ error }) : reject(error);
        }
        resolve({});
      };
      const onReply = (reply: object) => {
        replies.push(reply);
        ctx.recordMessage({ direction: 'received', channel: target.path, body: reply });
        if (maxMessages !== undefined && replies.length >= maxMessages && !stoppedByUs) {
          stoppedByUs = true;
          call.cancel();
        }
      };
      if (requestStream && !responseStream) {
        call = target.client.makeClientStreamRequest(
          target.path,
          serialize,
          deserialize,
          target.metadata,
          options,
          (err, reply) => {
            if (reply) onReply(reply);
            finish(err);
          },
        );
      } else if (requestStream) {
        call = target.client.makeBidiStreamRequest(target.path, serialize, deserialize, target.metadata, options);
      } else {
        call = target.client.makeServerStreamRequest(
          target.path,
          serialize,
          deserialize,
          requests[0],
          target.metadata,
          options,
        );
      }
      const onAbort = () => call.cancel();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      call.on('metadata', (m: Metadata) => (headers = m));
      call.on('status', (s: StatusObject) => {
        trailers = s;
        // Streams that read replies end here (the 'error' event comes first for a non-OK status).
        if (responseStream && s.code === grpcJs().status.OK) finish();
      });
      if (responseStream) {
        call.on('data', onReply);
        call.on('error', (err: Error) => finish(err));
      }
      if (requestStream) {
        const writable = call as ClientWritableStream<Buffer>;
        for (const request of requests) {
          ctx.recordMessage({
            direction: 'sent',
            channel: target.path,
            body: target.definition.requestDeserialize(request),
          });
          writable.write(request);
        }
        writable.end();
      } else {
        ctx.recordMessage({
          direction: 'sent',
          channel: target.path,
          body: target.definition.requestDeserialize(requests[0]),
        });
      }
    });

    const latency_ms = Math.round(performance.now() - started);
    const metadata = metadataMap(headers, trailers?.metadata ?? outcome.error?.metadata);
    const last = replies.length ? replies[replies.length - 1] : null;
    const whenFailed = `, after ${replies.length} repl${replies.length === 1 ? 'y' : 'ies'}`;
    const status = callStatus(target, expected, outcome.error, trailers, whenFailed);
    return { ...status, response: last, body: { messages: replies }, messages: replies, metadata, latency_ms };
  },
});
