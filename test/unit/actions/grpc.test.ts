/**
 * The gRPC actions against real gRPC servers (@grpc/grpc-js) started here on 127.0.0.1 and a free
 * port: a .proto with an import (relative to the flow file), server reflection (with
 * @grpc/reflection) and without, error statuses, deadlines, cancel, all stream kinds and a server
 * that shuts down mid-stream.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { runFlow } from '../../../src/core/engine/executor';
import { flowFrom, runRecorded, stepOf, tempWorkspace, waitFor } from '../helpers';

const MONEY_PROTO = `syntax = "proto3";
package shop.common;
message Money {
  string currency = 1;
  int64 units = 2;
}
`;

const SHOP_PROTO = `syntax = "proto3";
package shop.v1;
import "common/money.proto";

enum State { STATE_UNSPECIFIED = 0; PLACED = 1; PAID = 2; }
message GetOrderRequest { string order_id = 1; }
message Order { string order_id = 1; State state = 2; shop.common.Money total = 3; repeated string items = 4; }
message ListOrdersRequest { int32 count = 1; }
message UploadSummary { int32 received = 1; int64 total_units = 2; }
message ChatMessage { string text = 1; }

service OrderService {
  rpc GetOrder(GetOrderRequest) returns (Order);
  rpc SlowOrder(GetOrderRequest) returns (Order);
  rpc ListOrders(ListOrdersRequest) returns (stream Order);
  rpc UploadOrders(stream Order) returns (UploadSummary);
  rpc Chat(stream ChatMessage) returns (stream ChatMessage);
}
`;

interface Running {
  address: string;
  server: grpc.Server;
  slowCalls: { started: number; cancelled: number };
  stop(): Promise<void>;
}

type Handlers = Partial<
  Record<'GetOrder' | 'SlowOrder' | 'ListOrders' | 'UploadOrders' | 'Chat', grpc.UntypedHandleCall>
>;

async function startServer(
  definition: protoLoader.PackageDefinition,
  options: { reflection: boolean; handlers?: Handlers },
): Promise<Running> {
  const slowCalls = { started: 0, cancelled: 0 };
  const order = (id: string) => ({
    order_id: id,
    state: 'PLACED',
    total: { currency: 'EUR', units: '3050' },
    items: ['anvil', 'rope'],
  });
  const handlers: Handlers = {
    GetOrder: (call: grpc.ServerUnaryCall<{ order_id: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const seen = call.metadata.get('x-tenant')[0];
      call.sendMetadata(new grpc.Metadata());
      if (call.request.order_id === 'missing') {
        const trailer = new grpc.Metadata();
        trailer.set('x-reason', 'no-such-order');
        return callback({ code: grpc.status.NOT_FOUND, details: 'order missing not found', metadata: trailer });
      }
      const headers = new grpc.Metadata();
      headers.set('x-tenant-seen', String(seen ?? ''));
      callback(null, order(call.request.order_id), headers);
    },
    SlowOrder: (call: grpc.ServerUnaryCall<{ order_id: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      slowCalls.started++;
      const timer = setTimeout(() => callback(null, order(call.request.order_id)), 20_000);
      call.on('cancelled', () => {
        slowCalls.cancelled++;
        clearTimeout(timer);
      });
    },
    ListOrders: (call: grpc.ServerWritableStream<{ count: number }, unknown>) => {
      for (let i = 1; i <= call.request.count; i++) call.write(order(`o-${i}`));
      call.end();
    },
    UploadOrders: (
      call: grpc.ServerReadableStream<{ total?: { units: string } }, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      let received = 0;
      let units = 0;
      call.on('data', (o: { total?: { units: string } }) => {
        received++;
        units += Number(o.total?.units ?? 0);
      });
      call.on('end', () => callback(null, { received, total_units: String(units) }));
    },
    Chat: (call: grpc.ServerDuplexStream<{ text: string }, unknown>) => {
      call.on('data', (m: { text: string }) => call.write({ text: `echo: ${m.text}` }));
      call.on('end', () => call.end());
    },
    ...options.handlers,
  };
  const server = new grpc.Server();
  const service = definition['shop.v1.OrderService'] as grpc.GrpcObject[string] as unknown as grpc.ServiceDefinition;
  server.addService(service, handlers as grpc.UntypedServiceImplementation);
  if (options.reflection) new ReflectionService(definition).addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    server,
    slowCalls,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

describe('gRPC actions against real gRPC servers', function () {
  this.timeout(30_000);
  let root: string;
  let definition: protoLoader.PackageDefinition;
  let withReflection: Running;
  let withoutReflection: Running;
  const flowFile = () => join(root, 'flows', 'orders.flow.yaml');
  const run = (yaml: string, vars: Record<string, unknown> = {}) => runRecorded(yaml, vars, {}, flowFile());

  before(async () => {
    root = tempWorkspace({ 'flows/protos/shop.proto': SHOP_PROTO, 'flows/protos/common/money.proto': MONEY_PROTO });
    definition = protoLoader.loadSync(join(root, 'flows', 'protos', 'shop.proto'), {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      includeDirs: [join(root, 'flows', 'protos')],
    });
    withReflection = await startServer(definition, { reflection: true });
    withoutReflection = await startServer(definition, { reflection: false });
  });

  after(async () => {
    await withReflection?.stop();
    await withoutReflection?.stop();
  });

  it('unary call with a .proto file (and its import) relative to the flow: response, body, metadata, status', async () => {
    const r = await run(
      `
flow:
  name: unary
  steps:
    - id: get
      action: grpc_call
      config:
        address: "{{ADDR}}"
        service: shop.v1.OrderService
        method: GetOrder
        proto_file: protos/shop.proto
        metadata: { x-tenant: acme }
        request: { order_id: "o-42" }
        timeout: 5s
      assert:
        - status_code == "OK"
        - response.order_id == "o-42"
        - body.state == "PLACED"
        - response.total.currency == "EUR"
        - response.total.units == "3050"
        - len(response.items) == 2
        - metadata["x-tenant-seen"] == "acme"
        - latency_ms >= 0
`,
      { ADDR: withoutReflection.address },
    );
    assert.equal(r.result.status, 'completed', stepOf(r, 'get').error);
    const detail = r.details.find((d) => d.step_id === 'get');
    assert.deepEqual(
      detail?.messages?.map((m) => m.direction),
      ['sent', 'received'],
    );
    assert.equal(detail?.messages?.[0].channel, '/shop.v1.OrderService/GetOrder');
  });

  it('unary call by server reflection (no proto_file), both names (grpc and grpc_call)', async () => {
    const r = await run(
      `
flow:
  name: reflection
  steps:
    - id: by_reflection
      action: grpc
      config:
        address: "{{ADDR}}"
        service: shop.v1.OrderService
        method: GetOrder
        use_reflection: true
        request: { order_id: "o-7" }
      assert:
        - status_code == "OK"
        - response.total.units == "3050"
    - id: default_is_reflection
      action: grpc_call
      config: { address: "{{ADDR}}", service: shop.v1.OrderService, method: GetOrder, request: { order_id: "o-8" } }
      assert:
        - body.order_id == "o-8"
`,
      { ADDR: withReflection.address },
    );
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps.map((s) => [s.step_id, s.error])));
  });

  it('without reflection on the server, a call with no proto_file says to give one', async () => {
    const r = await run(
      `
flow:
  name: no-reflection
  steps:
    - id: get
      action: grpc_call
      config: { address: "{{ADDR}}", service: shop.v1.OrderService, method: GetOrder, request: { order_id: "o-1" } }
`,
      { ADDR: withoutReflection.address },
    );
    assert.match(
      stepOf(r, 'get').error ?? '',
      /does not offer gRPC server reflection \(UNIMPLEMENTED\): give the service's \.proto file in proto_file/,
    );
  });

  it('an error status fails the step with its name and message; expected_status lets a flow check it', async () => {
    const r = await run(
      `
flow:
  name: statuses
  steps:
    - id: expected_missing
      action: grpc_call
      config:
        address: "{{ADDR}}"
        service: shop.v1.OrderService
        method: GetOrder
        proto_file: protos/shop.proto
        request: { order_id: missing }
        expected_status: NOT_FOUND
      assert:
        - status_code == "NOT_FOUND"
        - status_message == "order missing not found"
        - metadata["x-reason"] == "no-such-order"
        - response == nil
    - id: missing
      action: grpc_call
      config: { address: "{{ADDR}}", service: shop.v1.OrderService, method: GetOrder, proto_file: protos/shop.proto, request: { order_id: missing } }
`,
      { ADDR: withReflection.address },
    );
    assert.equal(stepOf(r, 'expected_missing').status, 'completed', stepOf(r, 'expected_missing').error);
    assert.equal(
      stepOf(r, 'missing').error,
      'gRPC /shop.v1.OrderService/GetOrder on ' + withReflection.address + ': NOT_FOUND: order missing not found',
    );
  });

  it('unknown services, methods and request fields fail with what exists', async () => {
    const step = (id: string, config: string) => `
    - id: ${id}
      on_error: continue
      action: grpc_call
      config: { address: "{{ADDR}}", proto_file: protos/shop.proto, ${config} }`;
    const r = await run(
      `
flow:
  name: unknown
  steps:
${step('service', 'service: shop.v1.OrderServce, method: GetOrder')}
${step('method', 'service: shop.v1.OrderService, method: GetOrdr')}
${step('field', 'service: shop.v1.OrderService, method: GetOrder, request: { orderid: o-1 }')}
${step('stream', 'service: shop.v1.OrderService, method: ListOrders')}
`,
      { ADDR: withReflection.address },
    );
    assert.match(
      stepOf(r, 'service').error ?? '',
      /no service 'shop\.v1\.OrderServce' \(did you mean 'shop\.v1\.OrderService'\?\)/,
    );
    assert.match(stepOf(r, 'method').error ?? '', /has no method 'GetOrdr'.*did you mean 'GetOrder'/i);
    assert.match(
      stepOf(r, 'field').error ?? '',
      /config\.request: GetOrderRequest has no field 'orderid' \(did you mean 'order_id'\?\)/,
    );
    assert.match(stepOf(r, 'stream').error ?? '', /is a streaming method: use grpc_stream/);
  });

  it('a call past its timeout fails with DEADLINE_EXCEEDED and the server sees it cancelled', async () => {
    const before = withReflection.slowCalls.cancelled;
    const r = await run(
      `
flow:
  name: deadline
  steps:
    - id: slow
      action: grpc_call
      config: { address: "{{ADDR}}", service: shop.v1.OrderService, method: SlowOrder, proto_file: protos/shop.proto, request: { order_id: o-1 }, timeout: 300ms }
`,
      { ADDR: withReflection.address },
    );
    assert.match(stepOf(r, 'slow').error ?? '', /: DEADLINE_EXCEEDED/);
    await waitFor(() => withReflection.slowCalls.cancelled > before, 5000, 'the server to see the call cancelled');
  });

  it('cancelling the run cancels the call on the server at once', async () => {
    const started = withReflection.slowCalls.started;
    const cancelled = withReflection.slowCalls.cancelled;
    const controller = new AbortController();
    const running = runFlow(
      flowFrom(
        `
flow:
  name: cancel
  steps:
    - id: slow
      action: grpc_call
      config: { address: "${withReflection.address}", service: shop.v1.OrderService, method: SlowOrder, proto_file: protos/shop.proto, request: { order_id: o-1 } }
`,
        flowFile(),
      ),
      { signal: controller.signal },
    );
    await waitFor(() => withReflection.slowCalls.started > started, 5000, 'the call to reach the server');
    controller.abort();
    const result = await running;
    assert.equal(result.status, 'cancelled');
    await waitFor(() => withReflection.slowCalls.cancelled > cancelled, 5000, 'the server to see the call cancelled');
  });

  it('server, client and bidirectional streams: body.messages, the client stream reply, max_messages', async () => {
    const r = await run(
      `
flow:
  name: streams
  steps:
    - id: server_stream
      action: grpc_stream
      config: { address: "{{ADDR}}", service: shop.v1.OrderService, method: ListOrders, request: { count: 3 } }
      assert:
        - status_code == "OK"
        - len(body.messages) == 3
        - body.messages[2].order_id == "o-3"
        - response.order_id == "o-3"
    - id: client_stream
      action: grpc_stream
      config:
        address: "{{ADDR}}"
        service: shop.v1.OrderService
        method: UploadOrders
        proto_file: protos/shop.proto
        requests:
          - { order_id: a, total: { currency: EUR, units: 100 } }
          - { order_id: b, total: { currency: EUR, units: 250 } }
      assert:
        - response.received == 2
        - response.total_units == "350"
    - id: bidi
      action: grpc_stream
      config:
        address: "{{ADDR}}"
        service: shop.v1.OrderService
        method: Chat
        requests: [ { text: hello }, { text: world } ]
      assert:
        - len(messages) == 2
        - 'messages[0].text == "echo: hello"'
        - 'messages[1].text == "echo: world"'
    - id: first_two
      action: grpc_stream
      config: { address: "{{ADDR}}", service: shop.v1.OrderService, method: ListOrders, request: { count: 50 }, max_messages: 2 }
      assert:
        - len(body.messages) == 2
`,
      { ADDR: withReflection.address },
    );
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps.map((s) => [s.step_id, s.error])));
    const bidi = r.details.find((d) => d.step_id === 'bidi');
    // Sends and replies interleave as the server answers: compare them as a set.
    assert.deepEqual(bidi?.messages?.map((m) => `${m.direction} ${JSON.stringify(m.body)}`).sort(), [
      'received {"text":"echo: hello"}',
      'received {"text":"echo: world"}',
      'sent {"text":"hello"}',
      'sent {"text":"world"}',
    ]);
    assert.equal(bidi?.messages?.filter((m) => m.direction === 'received').length, 2);
  });

  it('a server that shuts down mid-stream fails the step with the status and the replies so far', async () => {
    const shutdown = { now: () => undefined as void };
    const dying = await startServer(definition, {
      reflection: false,
      handlers: {
        ListOrders: (call: grpc.ServerWritableStream<{ count: number }, unknown>) => {
          call.write({ order_id: 'o-1' });
          call.write({ order_id: 'o-2' });
          // Gone before the stream ends: the connection is dropped under the call.
          setTimeout(() => shutdown.now(), 50);
        },
      },
    });
    shutdown.now = () => dying.server.forceShutdown();
    const r = await run(
      `
flow:
  name: mid-stream
  steps:
    - id: list
      action: grpc_stream
      config: { address: "{{ADDR}}", service: shop.v1.OrderService, method: ListOrders, proto_file: protos/shop.proto, request: { count: 5 }, timeout: 10s }
`,
      { ADDR: dying.address },
    );
    const error = stepOf(r, 'list').error ?? '';
    assert.match(
      error,
      /^gRPC \/shop\.v1\.OrderService\/ListOrders on 127\.0\.0\.1:\d+: (UNAVAILABLE|INTERNAL|CANCELLED)\b.*, after 2 replies$/,
    );
    assert.equal(
      r.details.find((d) => d.step_id === 'list')?.messages?.filter((m) => m.direction === 'received').length,
      2,
    );
  });
});
