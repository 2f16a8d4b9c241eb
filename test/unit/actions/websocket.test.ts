/** `websocket` action (undici's WebSocket client) against a real `ws` server on 127.0.0.1:0. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { findMismatch } from '../../../src/core/actions/jsonMatch';
import { runRecorded, stepOf, waitFor } from '../helpers';

const run = runRecorded;
const step = stepOf;

describe('websocket: expected matching', () => {
  it('matches objects as subsets, lists item by item, and text holding JSON as JSON', () => {
    assert.equal(findMismatch({ type: 'pong' }, { type: 'pong', id: 1 }), undefined);
    assert.equal(findMismatch({ user: { id: 3 } }, { user: { id: 3, name: 'Ada' } }), undefined);
    assert.equal(findMismatch('{"type":"pong"}', { type: 'pong', extra: true }), undefined);
    assert.equal(findMismatch({ count: '3' }, { count: 3 }), undefined);
    assert.equal(findMismatch({ ok: 'true' }, { ok: true }), undefined);
    assert.equal(findMismatch('hello', 'hello'), undefined);
    assert.equal(findMismatch([1, { a: 1 }], [1, { a: 1, b: 2 }]), undefined);
    assert.equal(findMismatch({ type: 'pong' }, { type: 'ping' }), 'at $.type: expected "pong", got "ping"');
    assert.equal(findMismatch({ user: { id: 3 } }, { user: {} }), 'at $.user.id: missing (expected 3)');
    assert.equal(findMismatch([1, 2], [1]), 'at $: expected a list of 2, got 1 item(s)');
    assert.equal(findMismatch({ a: 1 }, 'plain text'), 'at $: expected an object, got "plain text"');
    assert.equal(findMismatch('hello', 'hello!'), 'at $: expected "hello", got "hello!"');
    assert.equal(findMismatch({ 'x-y': null }, { 'x-y': 0 }), 'at $["x-y"]: expected null, got 0');
  });
});

describe('websocket against a ws server', function () {
  this.timeout(20_000);
  let server: Server;
  let wss: WebSocketServer;
  let base: string;
  const open = new Set<ServerSocket>();
  const closeCodes: number[] = [];

  before(async () => {
    server = createServer((req, res) => {
      res.writeHead(404);
      res.end();
    });
    wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req: IncomingMessage, socket, head) => {
      const path = new URL(req.url!, 'http://x').pathname;
      if (path === '/forbidden') {
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        open.add(ws);
        ws.on('close', (code) => {
          open.delete(ws);
          closeCodes.push(code);
        });
        if (path === '/echo') ws.on('message', (data, binary) => ws.send(data, { binary }));
        if (path === '/hello') {
          // Pushes on connect, then answers pings (with unrelated notifications in between).
          ws.send(JSON.stringify({ type: 'welcome', token: req.headers['x-token'] ?? null, path }));
          ws.on('message', (data) => {
            const msg = JSON.parse(String(data));
            ws.send(JSON.stringify({ type: 'notification', text: 'something else' }));
            ws.send(JSON.stringify({ type: 'pong', id: msg.id, at: Date.now() }));
          });
        }
        if (path === '/binary') ws.send(Buffer.from([1, 2, 3, 250]), { binary: true });
        if (path === '/bye') ws.on('message', () => ws.close(1011, 'server going away'));
        if (path === '/silent') {
          // Never answers anything.
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const ws of open) ws.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects with headers, sends JSON, receives a JSON-matched message; results in assertions and outputs', async () => {
    const r = await run(
      `
flow:
  name: realtime
  steps:
    - id: connect
      action: websocket
      config:
        action: connect
        url: "{{WS}}/hello"
        headers:
          X-Token: abc123
        connection_id: main
      assert:
        - connected == true
        - metadata.status_code == 101
    - id: welcome
      action: websocket
      config:
        action: receive
        connection_id: main
        timeout: 5s
        expected:
          type: welcome
      assert:
        - received_message.token == 'abc123'
    - id: ping
      action: websocket
      config:
        action: send
        connection_id: main
        message:
          type: ping
          id: 7
      assert:
        - metadata.bytes_sent > 0
    - id: pong
      action: websocket
      config:
        action: receive
        connection_id: main
        timeout: 5s
        expected: {type: pong, id: "7"}
      assert:
        - received_message.type == 'pong'
        - message_type == 1
        - metadata.skipped_messages == 1
      output:
        pong_id: $.received_message.id
    - id: close
      action: websocket
      config:
        action: close
        connection_id: main
      assert:
        - connected == false
        - metadata.closed == true
`,
      { WS: base },
    );
    const failed = r.result.steps.filter((s) => s.status !== 'completed');
    assert.deepEqual(failed, [], JSON.stringify(failed, null, 2));
    assert.equal(step(r, 'pong').outputs!.pong_id, 7);
    assert.equal(r.results.get('connect')!.connection_id, 'main');
    await waitFor(() => closeCodes.includes(1000), 5000, 'a normal close on the server');
  });

  it('sends text as is, echoes binary as base64 (message_type 2), and uses the default connection without an id', async () => {
    const r = await run(
      `
flow:
  name: echo
  steps:
    - {id: c, action: websocket, config: {action: connect, url: "{{WS}}/echo"}}
    - {id: s, action: websocket, config: {action: send, message: "plain text"}}
    - id: r
      action: websocket
      config: {action: receive, expected: "plain text", timeout: 5s}
      assert:
        - received_message == 'plain text'
    - {id: n, action: websocket, config: {action: send, message: 42}}
    - id: r2
      action: websocket
      config: {action: receive, expected: 42, timeout: 5s}
    - {id: send_bin, action: websocket, config: {action: send, message: "héllo", message_type: binary}}
    - id: echoed_bin
      action: websocket
      config: {action: receive, timeout: 5s}
      assert:
        - message_type == 2
        - received_message == 'aMOpbGxv'
    - {id: bin, action: websocket, config: {action: connect, url: "{{WS}}/binary", connection_id: bin}}
    - id: bytes
      action: websocket
      config: {action: receive, connection_id: bin, timeout: 5s}
      assert:
        - message_type == 2
        - received_message == 'AQID+g=='
        - metadata.bytes_received == 4
`,
      { WS: base },
    );
    const failed = r.result.steps.filter((s) => s.status !== 'completed');
    assert.deepEqual(failed, [], JSON.stringify(failed, null, 2));
    assert.equal(r.results.get('c')!.connection_id, 'default');
    assert.equal(r.results.get('r2')!.received_message, 42);
  });

  it('keeps named connections apart across steps, sub-steps and teardown', async () => {
    const r = await run(
      `
flow:
  name: two connections
  setup:
    - {id: a, action: websocket, config: {action: connect, url: "{{WS}}/echo", connection_id: a}}
    - {id: b, action: websocket, config: {action: connect, url: "{{WS}}/echo", connection_id: b}}
  steps:
    - {id: send_b, action: websocket, config: {action: send, connection_id: b, message: {to: b}}}
    - {id: send_a, action: websocket, config: {action: send, connection_id: a, message: {to: a}}}
    - id: loop
      action: for_each
      config:
        items: [a, b]
        steps:
          - id: got
            action: websocket
            config: {action: receive, connection_id: "{{item}}", timeout: 5s}
            assert:
              - received_message.to == item
  teardown:
    - {id: close_a, action: websocket, config: {action: close, connection_id: a}}
`,
      { WS: base },
    );
    const failed = r.result.steps.filter((s) => s.status !== 'completed');
    assert.deepEqual(failed, [], JSON.stringify(failed, null, 2));
  });

  it('closes every connection at the end of the flow, also when it fails or is cancelled', async () => {
    await waitFor(() => open.size === 0, 5000, 'earlier connections to close');
    const failing = await run(
      `
flow:
  name: fails
  steps:
    - {id: c1, action: websocket, config: {action: connect, url: "{{WS}}/silent", connection_id: one}}
    - {id: c2, action: websocket, config: {action: connect, url: "{{WS}}/echo", connection_id: two}}
    - id: check
      action: websocket
      config: {action: connect, url: "{{WS}}/echo", connection_id: three}
      assert:
        - connected == false
`,
      { WS: base },
    );
    assert.equal(failing.result.status, 'failed');
    // runFlow resolves after the execution's cleanup: nothing is left open on the server.
    await waitFor(() => open.size === 0, 5000, 'the server to see every connection closed');

    const controller = new AbortController();
    const running = run(
      `
flow:
  name: cancelled
  steps:
    - {id: c, action: websocket, config: {action: connect, url: "{{WS}}/silent"}}
    - {id: wait, action: websocket, config: {action: receive, timeout: 30s}}
`,
      { WS: base },
      { signal: controller.signal },
    );
    await waitFor(() => open.size === 1, 5000, 'the connection to open');
    controller.abort();
    const cancelled = await running;
    assert.equal(cancelled.result.status, 'cancelled');
    await waitFor(() => open.size === 0, 5000, 'the cancelled flow to close its connection');
  });

  it('a receive that times out names what it waited for and what came instead', async () => {
    const r = await run(
      `
flow:
  name: timeout
  steps:
    - {id: c, action: websocket, config: {action: connect, url: "{{WS}}/hello"}}
    - id: never
      action: websocket
      config: {action: receive, timeout: 300ms, expected: {type: pong}}
    - {id: after, action: log, config: {message: not reached}}
`,
      { WS: base },
    );
    assert.equal(r.result.status, 'failed');
    assert.equal(
      step(r, 'never').error,
      `websocket 'default': no message matching {"type":"pong"} within 300 ms; 1 other message(s) did not match, the last {"type":"welcome","token":null,"path":"/hello"} (at $.type: expected "pong", got "welcome")`,
    );
    assert.equal(step(r, 'after').status, 'skipped');

    const silent = await run(
      `
flow:
  name: silent
  steps:
    - {id: c, action: websocket, config: {action: connect, url: "{{WS}}/silent"}}
    - {id: never, action: websocket, config: {action: receive, timeout: 200ms}}
`,
      { WS: base },
    );
    assert.equal(step(silent, 'never').error, "websocket 'default': no message within 200 ms");
  });

  it('explains failures: refused, a non-101 answer, no such connection, a server close, bad config', async () => {
    const refusedPort = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const r = await run(
      `
flow:
  name: errors
  steps:
    - {id: refused, on_error: continue, action: websocket, config: {action: connect, url: "ws://127.0.0.1:{{PORT}}/x", timeout: 5s}}
    - {id: forbidden, on_error: continue, action: websocket, config: {action: connect, url: "{{WS}}/forbidden", timeout: 5s}}
    - {id: not_connected, on_error: continue, action: websocket, config: {action: send, connection_id: nope, message: hi}}
    - {id: bad_action, on_error: continue, action: websocket, config: {action: "{{ACTION}}"}}
    - {id: bad_url, on_error: continue, action: websocket, config: {action: connect, url: "ftp://example.com/"}}
    - {id: c, action: websocket, config: {action: connect, url: "{{WS}}/bye", connection_id: bye}}
    - {id: no_message, on_error: continue, action: websocket, config: {action: send, connection_id: bye}}
    - {id: trigger, action: websocket, config: {action: send, connection_id: bye, message: bye}}
    - {id: closed, on_error: continue, action: websocket, config: {action: receive, connection_id: bye, timeout: 5s}}
    - {id: send_closed, on_error: continue, action: websocket, config: {action: send, connection_id: bye, message: again}}
    - {id: close_unknown, action: websocket, config: {action: close, connection_id: never_opened}}
`,
      { WS: base, PORT: refusedPort, ACTION: 'listen' },
    );
    assert.equal(
      step(r, 'refused').error,
      `websocket connect ws://127.0.0.1:${refusedPort}/x: connection refused (ECONNREFUSED)`,
    );
    assert.equal(
      step(r, 'forbidden').error,
      `websocket connect ${base}/forbidden: the server answered 403 Forbidden instead of switching to WebSocket (101)`,
    );
    assert.equal(
      step(r, 'not_connected').error,
      "no WebSocket connection 'nope': connect first (action: connect, connection_id: nope)",
    );
    assert.equal(step(r, 'bad_action').error, 'config.action must be connect, send, receive or close, got "listen"');
    assert.equal(step(r, 'bad_url').error, 'config.url must be a ws:// or wss:// URL, got ftp:');
    assert.equal(step(r, 'no_message').error, 'config.message is required for action: send');
    assert.equal(
      step(r, 'closed').error,
      `websocket 'bye': no message arrived before the connection was closed by the server (code 1011 "server going away")`,
    );
    assert.equal(
      step(r, 'send_closed').error,
      `websocket 'bye': cannot send: the connection was closed by the server (code 1011 "server going away")`,
    );
    assert.equal(step(r, 'close_unknown').status, 'completed');
    assert.equal(r.results.get('close_unknown')!.connected, false);
  });
});
