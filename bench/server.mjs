// The benchmark's HTTP server, in its own process so it does not share an event loop with the
// engine being measured. Keep-alive, node:http only.
//
//   GET  /items/:n, /<client>/items/:n   {"id": n, "next": n + 1}
//   GET  /stats                          {connections, requests, clients: {<client>: sockets used}}
//   POST /stats/reset                    zeroes the counters
//
// The optional <client> path prefix ("engine", "raw") lets /stats say how many TCP connections
// each side used without adding anything to the requests themselves.
//
// Prints one JSON line {"url": "..."} once it listens. Stops on SIGTERM or when stdin closes.
import { createServer } from 'node:http';

let connections = 0;
let requests = 0;
let nextSocketId = 0;
const socketIds = new WeakMap();
const clients = new Map(); // client -> Set of socket ids

const ITEM = /^(?:\/([a-z]+))?\/items\/(\d+)$/;

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
  const url = req.url ?? '/';
  const m = ITEM.exec(url);
  if (m && req.method === 'GET') {
    requests++;
    if (m[1]) {
      let used = clients.get(m[1]);
      if (!used) clients.set(m[1], (used = new Set()));
      used.add(socketIds.get(req.socket));
    }
    const n = Number(m[2]);
    json(res, 200, { id: n, next: n + 1 });
    return;
  }
  if (url === '/stats' && req.method === 'GET') {
    json(res, 200, { connections, requests, clients: Object.fromEntries([...clients].map(([k, v]) => [k, v.size])) });
    return;
  }
  if (url === '/stats/reset' && req.method === 'POST') {
    connections = 0;
    requests = 0;
    clients.clear();
    req.resume();
    json(res, 200, { ok: true });
    return;
  }
  json(res, 404, { error: `no route for ${req.method} ${url}` });
});
server.headersTimeout = 130_000;
server.on('connection', (socket) => {
  connections++;
  socketIds.set(socket, ++nextSocketId);
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});

const stop = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent going away (even killed) closes our stdin: do not outlive it.
process.stdin.on('end', stop);
process.stdin.resume();
