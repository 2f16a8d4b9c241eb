import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { request } from 'undici';
import { exchange, listenersOn, type ExchangeOptions } from '../../../src/core/http/exchange';
import { Agent } from '../../../src/core/http/undici';
import { startServer, type TestServer, waitFor } from '../helpers';

/** A raw TCP server that answers every request with the bytes given: headers exactly as written. */
async function rawServer(answer: (socket: Socket) => void): Promise<{ url: string; server: TcpServer }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', () => answer(socket));
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, server };
}

class TooLarge extends Error {}

/** undici's parsed headers as a step shows them: a repeated header's values joined with ', '. */
function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in headers) {
    const value = headers[key];
    if (value !== undefined) out[key] = typeof value === 'string' ? value : value.join(', ');
  }
  return out;
}

describe('HTTP exchange (dispatcher API, body read whole)', () => {
  let api: TestServer;
  let agent: Agent;
  let stalledClosed = 0;
  let echoed = 0;

  before(async () => {
    api = await startServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/chunks') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let n = 0;
        const timer = setInterval(() => {
          res.write(`part${n}|`);
          if (++n === 5) {
            clearInterval(timer);
            res.end('end');
          }
        }, 2);
        return;
      }
      if (url.pathname === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.alloc(64 * 1024, 97));
        return;
      }
      if (url.pathname === '/stall') {
        // Headers, part of the body, then nothing.
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
        res.write('partial');
        req.on('close', () => stalledClosed++);
        return;
      }
      if (url.pathname === '/hints') {
        res.writeEarlyHints({ link: '</style.css>; rel=preload' });
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"ok":true}');
        }, 5);
        return;
      }
      if (url.pathname === '/echo') {
        echoed++;
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (body += c));
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ method: req.method, path: req.url, header: req.headers['x-test'], body }));
        });
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  beforeEach(() => {
    agent = new Agent();
  });
  afterEach(() => agent.close());
  after(() => api.close());

  const options = (extra: Partial<ExchangeOptions> = {}): ExchangeOptions => ({
    dispatcher: agent,
    method: 'GET',
    headers: {},
    headersTimeout: 5000,
    bodyTimeout: 5000,
    maxBodyBytes: 1024 * 1024,
    tooLarge: () => new TooLarge('too large'),
    ...extra,
  });

  it('sends method, path with query, headers and body; reads the status and the whole body', async () => {
    const result = await exchange(
      `${api.url}/echo?a=1&b=two`,
      options({
        method: 'POST',
        headers: { 'x-test': 'yes' },
        body: '{"n":1}',
      }),
    );
    assert.equal(result.status, 200);
    assert.equal(result.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(result.body.toString('utf8')), {
      method: 'POST',
      path: '/echo?a=1&b=two',
      header: 'yes',
      body: '{"n":1}',
    });
  });

  it('joins a body that arrives in several chunks', async () => {
    const result = await exchange(`${api.url}/chunks`, options());
    assert.equal(result.body.toString('utf8'), 'part0|part1|part2|part3|part4|end');
  });

  it('reads headers as undici request + flattenHeaders does: names lower-cased, repeats joined, latin1 values, __proto__ kept as data', async () => {
    const raw = await rawServer((socket) =>
      socket.end(
        Buffer.concat([
          Buffer.from(
            'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nX-Custom-Name: one\r\nset-cookie: b=2\r\n__proto__: data\r\nX-Latin: caf',
          ),
          Buffer.from([0xe9]),
          Buffer.from('\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'),
        ]),
      ),
    );
    try {
      const ours = await exchange(`${raw.url}/`, options());
      const theirs = await request(`${raw.url}/`, { dispatcher: agent });
      await theirs.body.text();
      // undici keeps a header named __proto__ as data; flattenHeaders' plain assignment lost it.
      const { ['__proto__']: proto, ...rest } = ours.headers;
      assert.equal(proto, 'data');
      assert.deepEqual(rest, flattenHeaders(theirs.headers));
      assert.equal(ours.headers['set-cookie'], 'a=1, b=2');
      assert.equal(ours.headers['x-latin'], 'café');
      assert.equal(Object.getPrototypeOf(ours.headers), Object.prototype);
      assert.ok(Object.hasOwn(ours.headers, '__proto__'));
      assert.equal(Object.getOwnPropertyDescriptor(ours.headers, '__proto__')?.value, 'data');
    } finally {
      raw.server.close();
    }
  });

  it('reads the final answer after a 1xx one (103 Early Hints)', async () => {
    const result = await exchange(`${api.url}/hints`, options());
    assert.equal(result.status, 200);
    assert.equal(result.headers.link, undefined);
    assert.equal(result.body.toString('utf8'), '{"ok":true}');
  });

  it('aborts a body growing past the limit with the error given', async () => {
    await assert.rejects(exchange(`${api.url}/big`, options({ maxBodyBytes: 1000 })), TooLarge);
    // Exactly at the limit is allowed.
    const fits = await exchange(`${api.url}/big`, options({ maxBodyBytes: 64 * 1024 }));
    assert.equal(fits.body.length, 64 * 1024);
  });

  it('rejects with the reason of a signal aborted before the request, and sends nothing', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped early'));
    const before = echoed;
    await assert.rejects(exchange(`${api.url}/echo`, options({ signal: controller.signal })), /stopped early/);
    await exchange(`${api.url}/echo`, options());
    assert.equal(echoed, before + 1, 'only the second request reached the server');
  });

  it('aborts an exchange in flight (headers read, body stalled) with the signal reason and closes the connection', async () => {
    const controller = new AbortController();
    const before = stalledClosed;
    const pending = exchange(`${api.url}/stall`, options({ signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('cancelled by the user')), 30);
    await assert.rejects(pending, /cancelled by the user/);
    await waitFor(() => stalledClosed === before + 1, 3000, 'the server to see the connection closed');
  });

  it('one signal serves many exchanges, then stops listening: no listener is left behind', async () => {
    const controller = new AbortController();
    await Promise.all(
      Array.from({ length: 20 }, () => exchange(`${api.url}/chunks`, options({ signal: controller.signal }))),
    );
    assert.equal(listenersOn(controller.signal), 0);
  });

  it("times out a stalled body with undici's body timeout error", async () => {
    await assert.rejects(exchange(`${api.url}/stall`, options({ bodyTimeout: 50 })), {
      code: 'UND_ERR_BODY_TIMEOUT',
    });
  });

  it('refuses what undici request refuses, with the same errors: a bad URL, CONNECT', async () => {
    for (const url of ['not a url', 'ftp://127.0.0.1/x']) {
      let theirs: { code?: string; message?: string } | undefined;
      try {
        await request(url, { dispatcher: agent });
      } catch (err) {
        theirs = err as { code?: string; message?: string };
      }
      assert.ok(theirs, `undici refuses ${url}`);
      await assert.rejects(exchange(url, options()), { code: theirs.code, message: theirs.message });
    }
    await assert.rejects(exchange(`${api.url}/echo`, options({ method: 'CONNECT' })), {
      code: 'UND_ERR_INVALID_ARG',
      message: 'invalid method',
    });
  });

  it('reports a refused connection with its code', async () => {
    const closed = await rawServer(() => undefined);
    const url = closed.url;
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    await assert.rejects(exchange(`${url}/`, options()), (err: { code?: string; cause?: { code?: string } }) => {
      assert.equal(err.code ?? err.cause?.code, 'ECONNREFUSED');
      return true;
    });
  });
});
