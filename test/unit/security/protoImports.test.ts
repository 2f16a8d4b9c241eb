/**
 * A `.proto` a flow names is confined to the workspace, and so is every file it imports: against
 * a real gRPC server, an `import "../.."` out of the workspace, an absolute import and an import
 * through a symlinked folder fail the step naming the import; nothing outside is read. Imports
 * inside the workspace (and Google's well-known types) keep working.
 */
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { runFlow } from '../../../src/core/engine/executor';
import { fileAccessFor } from '../../../src/core/fileAccess';
import { loadFlowFile } from '../../../src/core/flow/load';
import { tempDir } from '../helpers';

const MONEY = `syntax = "proto3";
package shop.common;
message Money { string currency = 1; int64 units = 2; }
`;

const shop = (importLine: string) => `syntax = "proto3";
package shop.v1;
${importLine}
import "google/protobuf/empty.proto";
message GetOrderRequest { string order_id = 1; }
message Order { string order_id = 1; shop.common.Money total = 2; }
service OrderService {
  rpc GetOrder(GetOrderRequest) returns (Order);
  rpc Ping(google.protobuf.Empty) returns (google.protobuf.Empty);
}
`;

const FLOW = `flow:
  name: proto imports
  steps:
    - id: get
      action: grpc_call
      config:
        address: "{{ADDR}}"
        service: shop.v1.OrderService
        method: GetOrder
        proto_file: protos/shop.proto
        request: { order_id: "o-1" }
        timeout: 5s
      assert:
        - response.total.currency == "EUR"
`;

describe('proto_file imports stay inside the workspace (real gRPC server)', function () {
  this.timeout(30_000);
  let base: string;
  let ws: string;
  let outside: string;
  let server: grpc.Server;
  let address: string;

  before(async () => {
    base = realpathSync(tempDir('testmesh-proto-'));
    ws = join(base, 'ws');
    outside = join(base, 'outside');
    mkdirSync(join(ws, 'flows', 'protos', 'common'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(ws, 'package.json'), '{}');
    writeFileSync(join(ws, 'flows', 'protos', 'common', 'money.proto'), MONEY);
    writeFileSync(join(outside, 'money.proto'), MONEY);
    symlinkSync(outside, join(ws, 'flows', 'protos', 'linked'));
    // The server's own definition, loaded by the test (not through the flow).
    const definitionFile = join(base, 'server.proto');
    writeFileSync(definitionFile, shop('import "ws/flows/protos/common/money.proto";'));
    const definition = protoLoader.loadSync(definitionFile, { keepCase: true, longs: String, includeDirs: [base] });
    server = new grpc.Server();
    server.addService(definition['shop.v1.OrderService'] as unknown as grpc.ServiceDefinition, {
      GetOrder: (call: grpc.ServerUnaryCall<{ order_id: string }, unknown>, done: grpc.sendUnaryData<unknown>) =>
        done(null, { order_id: call.request.order_id, total: { currency: 'EUR', units: '5' } }),
      Ping: (_call: unknown, done: grpc.sendUnaryData<unknown>) => done(null, {}),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    address = `127.0.0.1:${port}`;
  });

  after(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));

  async function runWith(importLine: string) {
    writeFileSync(join(ws, 'flows', 'protos', 'shop.proto'), shop(importLine));
    const file = join(ws, 'flows', `f${Math.random().toString(36).slice(2)}.flow.yaml`);
    writeFileSync(file, FLOW);
    const { flow, diagnostics } = await loadFlowFile(file);
    assert.ok(flow, JSON.stringify(diagnostics));
    const result = await runFlow(flow, { variables: { ADDR: address }, fileAccess: fileAccessFor({ near: file }) });
    return { result, step: result.steps.find((s) => s.step_id === 'get')! };
  }

  it('loads imports inside the workspace (next to the file) and the bundled well-known types', async () => {
    const { result, step } = await runWith('import "common/money.proto";');
    assert.equal(result.status, 'completed', step.error);
  });

  for (const [name, importLine, shown] of [
    [
      'a relative import out of the workspace',
      'import "../../../outside/money.proto";',
      '../../../outside/money.proto',
    ],
    ['an absolute import', `import "${'/'}OUTSIDE/money.proto";`, '/OUTSIDE/money.proto'],
    ['an import through a symlinked folder', 'import "linked/money.proto";', 'linked/money.proto'],
  ] as const) {
    it(`fails the step for ${name}, naming the import and the rule`, async () => {
      const line = importLine.replace('/OUTSIDE', outside);
      const { result, step } = await runWith(line);
      assert.equal(result.status, 'failed');
      assert.match(
        step.error ?? '',
        new RegExp(
          `import "${shown.replace('/OUTSIDE', outside).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" in shop\\.proto`,
        ),
      );
      assert.match(step.error ?? '', /outside the workspace root/);
    });
  }
});
