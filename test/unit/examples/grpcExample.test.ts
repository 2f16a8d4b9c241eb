/**
 * examples/flows/grpc-orders.flow.yaml through the real CLI (`testmesh run --reporter json`)
 * against a real gRPC server started here that implements examples/flows/protos/orders.proto,
 * with server reflection. (Without GRPC_ADDRESS the example passes by logging a note:
 * examples.test.ts covers that.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import type { RunReport } from '../../../src/core/report';
import { CLI, CLI_SUITE_TIMEOUT_MS, REPO_ROOT as ROOT, runCli } from '../../support/cli';

const PROTOS = join(ROOT, 'examples', 'flows', 'protos');

describe('examples: gRPC', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);
  let server: grpc.Server;
  let address: string;
  const requestIds: string[] = [];

  before(async () => {
    if (!existsSync(CLI)) {
      const build = spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(build.status, 0, `building dist/cli.js failed:\n${build.stderr}`);
    }
    const definition = protoLoader.loadSync(join(PROTOS, 'orders.proto'), {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      includeDirs: [PROTOS],
    });
    const order = (id: string) => ({ order_id: id, state: 'PLACED', total: { currency: 'EUR', units: '3050' } });
    server = new grpc.Server();
    server.addService(definition['shop.v1.OrderService'] as unknown as grpc.ServiceDefinition, {
      GetOrder: (call: grpc.ServerUnaryCall<{ order_id: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        requestIds.push(String(call.metadata.get('x-request-id')[0] ?? ''));
        if (call.request.order_id === 'does-not-exist')
          return callback({ code: grpc.status.NOT_FOUND, details: 'no such order' });
        callback(null, order(call.request.order_id));
      },
      WatchOrders: (call: grpc.ServerWritableStream<{ count: number }, unknown>) => {
        for (let i = 1; i <= call.request.count; i++) call.write(order(`o-${i}`));
        call.end();
      },
      ImportOrders: (
        call: grpc.ServerReadableStream<{ total?: { units: string } }, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        let imported = 0;
        let units = 0;
        call.on('data', (o: { total?: { units: string } }) => {
          imported++;
          units += Number(o.total?.units ?? 0);
        });
        call.on('end', () => callback(null, { imported, total_units: String(units) }));
      },
      Discuss: (call: grpc.ServerDuplexStream<{ text: string }, unknown>) => {
        call.on('data', (note: { text: string }) => call.write({ text: `re: ${note.text}` }));
        call.on('end', () => call.end());
      },
    });
    new ReflectionService(definition).addToServer(server);
    const port = await new Promise<number>((res, rej) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? rej(err) : res(p))),
    );
    address = `127.0.0.1:${port}`;
  });

  after(() => server?.forceShutdown());

  it('grpc-orders.flow.yaml runs all its gRPC steps when GRPC_ADDRESS is set', async () => {
    const result = await runCli(
      [
        'run',
        'examples/flows/grpc-orders.flow.yaml',
        '--env-file',
        'examples/.env.example',
        '--var',
        `GRPC_ADDRESS=${address}`,
        '--reporter',
        'json',
      ],
      { cwd: ROOT },
    );
    let report: RunReport;
    try {
      report = JSON.parse(result.stdout) as RunReport;
    } catch {
      throw new Error(`no JSON report (exit ${result.code})\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    }
    const flow = report.flows[0];
    assert.equal(flow?.status, 'passed', `${JSON.stringify(flow, null, 2)}\nstderr:\n${result.stderr}`);
    assert.equal(result.code, 0);
    const ran = flow.steps.filter((s) => s.action.startsWith('grpc') && s.status === 'passed').map((s) => s.step_id);
    assert.deepEqual(ran, ['get_order', 'missing_order', 'watch_orders', 'import_orders', 'discuss']);
    assert.match(requestIds[0] ?? '', /^example-[0-9a-f-]{36}$/, 'the metadata reached the server');
  });
});
