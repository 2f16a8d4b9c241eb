// A small demo API for trying TestMesh flows: node:http (plus `ws` for the two WebSocket routes),
// data in memory, JSON in and out.
//
//   node examples/demo-api/server.mjs [--port N]     prints its URL and runs until Ctrl-C
//   import { startDemoApi } from './server.mjs'       for scripts and tests
//
// Routes (all answer JSON; errors are {"error": "..."} with a fitting status):
//   GET    /health                      {status: "ok", uptime_ms}
//   POST   /auth/login                  {username, password} -> {token, token_type, expires_in, user}
//   GET    /auth/me                     Bearer token -> the logged-in user
//   GET    /admin/stats                 Bearer token of an admin -> counters (403 for other users)
//   GET    /users?limit=&offset=        {items, total, limit, offset}
//   POST   /users                       {name, email, role?} -> 201 the user (with id)
//   GET    /users/:id                   the user, 404 when missing
//   PUT    /users/:id                   {name?, email?, role?} -> the updated user
//   DELETE /users/:id                   204
//   GET    /slow?ms=N                   answers after N ms (at most 10 s)
//   GET    /flaky?key=K&fail=N          503 for the first N calls per key, then 200
//   POST   /jobs                        {duration_ms?} -> 202 a job; it is "done" after ~300 ms
//   GET    /jobs/:id                    the job: pending -> running -> done
//   GET    /ready-after?ms=N            503 until the server has been up N ms, then 200
//   ANY    /echo[/...]                  {method, path, headers, query, body}
//   WS     /ws/echo                     sends every message back as it came (text or binary)
//   WS     /ws/notifications            {type: "welcome", subscribers} on connect, then {type: "user.created", user}
//                                        and {type: "user.deleted", id} as users change; {type: "ping", id} -> {type: "pong", id}
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_SLOW_MS = 10_000;
const DEFAULT_JOB_MS = 300;

/** The accounts /auth/login knows. Passwords are demo values, also in examples/.env.example. */
const ACCOUNTS = {
  demo: { password: 'demo-password', role: 'user', name: 'Demo User' },
  admin: { password: 'admin-password', role: 'admin', name: 'Ada Admin' },
};

const SEED_USERS = [
  { name: 'Alice Example', email: 'alice@example.com', role: 'admin' },
  { name: 'Bob Example', email: 'bob@example.com', role: 'user' },
  { name: 'Carol Example', email: 'carol@example.com', role: 'user' },
];

/** An error a handler throws to answer with `status` and `{error: message}`. */
class HttpError extends Error {
  constructor(status, message, extra = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

/** A tiny router: `route('GET', '/users/:id', handler)`; handlers get (req, params) and return {status, body, headers}. */
function createRouter() {
  const routes = [];
  return {
    route(method, pattern, handler) {
      const names = [];
      const source = pattern
        .split('/')
        .map((part) => {
          if (part === '*') return '(?:/.*)?';
          if (part.startsWith(':')) {
            names.push(part.slice(1));
            return '/([^/]+)';
          }
          return part ? `/${part}` : '';
        })
        .join('');
      routes.push({ method, regex: new RegExp(`^${source || '/'}$`), names, handler });
    },
    /** The handler for a request, or an HttpError (404 unknown path, 405 known path with another method). */
    match(method, path) {
      let pathKnown = false;
      for (const r of routes) {
        const m = r.regex.exec(path);
        if (!m) continue;
        pathKnown = true;
        if (r.method !== '*' && r.method !== method) continue;
        const params = {};
        r.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1])));
        return { handler: r.handler, params };
      }
      throw pathKnown
        ? new HttpError(405, `method ${method} not allowed on ${path}`)
        : new HttpError(404, `no route for ${method} ${path}`);
    },
  };
}

/** Reads the request body; JSON when the content type says so (or it looks like JSON), else text. */
async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) return undefined;
  const type = req.headers['content-type'] ?? '';
  const looksJson = /^\s*[[{]/.test(text);
  if (!type.includes('json') && !looksJson) return text;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `invalid JSON body: ${err.message}`);
  }
}

function requireObject(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, 'the body must be a JSON object');
  return body;
}

/** A non-negative whole number from the query string, or `fallback` when absent. */
function queryInt(query, name, fallback, max = Number.MAX_SAFE_INTEGER) {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new HttpError(400, `query parameter '${name}' must be a whole number >= 0, got ${JSON.stringify(raw)}`);
  return Math.min(n, max);
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function validateUserFields(input, { partial }) {
  const out = {};
  for (const key of ['name', 'email', 'role']) {
    if (input[key] === undefined) continue;
    if (typeof input[key] !== 'string' || input[key].trim() === '')
      throw new HttpError(400, `'${key}' must be a non-empty string`);
    out[key] = input[key].trim();
  }
  if (!partial) {
    if (out.name === undefined) throw new HttpError(400, "'name' is required");
    if (out.email === undefined) throw new HttpError(400, "'email' is required");
  }
  if (out.email !== undefined && !EMAIL.test(out.email))
    throw new HttpError(400, `'email' is not an email address: ${JSON.stringify(out.email)}`);
  if (out.role !== undefined && out.role !== 'user' && out.role !== 'admin')
    throw new HttpError(400, "'role' must be 'user' or 'admin'");
  return out;
}

/** Builds the routes over one server's in-memory state. */
function createApp(startedAt) {
  const users = new Map();
  let nextUserId = 1;
  const tokens = new Map(); // token -> username
  const flakyCalls = new Map(); // key -> calls so far
  const jobs = new Map();
  let nextJobId = 1;
  const counters = { requests: 0, logins: 0 };
  const subscribers = new Set(); // open /ws/notifications sockets
  const notify = (event) => {
    const text = JSON.stringify(event);
    for (const ws of subscribers) ws.send(text);
  };

  const now = () => new Date().toISOString();
  const addUser = (fields) => {
    const user = {
      id: nextUserId++,
      name: fields.name,
      email: fields.email,
      role: fields.role ?? 'user',
      created_at: now(),
      updated_at: now(),
    };
    users.set(user.id, user);
    return user;
  };
  for (const user of SEED_USERS) addUser(user);

  const findUser = (params) => {
    const id = Number(params.id);
    const user = Number.isInteger(id) ? users.get(id) : undefined;
    if (!user) throw new HttpError(404, `user ${params.id} not found`);
    return user;
  };
  const emailTaken = (email, exceptId) => [...users.values()].some((u) => u.email === email && u.id !== exceptId);

  const authenticate = (req) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new HttpError(401, 'missing Authorization: Bearer <token> header');
    const username = tokens.get(m[1]);
    if (!username) throw new HttpError(401, 'invalid or expired token');
    const account = ACCOUNTS[username];
    return { username, role: account.role, name: account.name };
  };

  const jobView = (job) => {
    const elapsed = Date.now() - job.createdAt;
    const status = elapsed >= job.durationMs ? 'done' : elapsed >= job.durationMs / 3 ? 'running' : 'pending';
    const view = {
      id: job.id,
      status,
      progress: Math.min(100, Math.round((elapsed / job.durationMs) * 100)),
      created_at: new Date(job.createdAt).toISOString(),
    };
    if (status === 'done') view.result = { items_processed: 42 };
    return view;
  };

  const router = createRouter();
  const { route } = router;

  route('GET', '/health', () => ({ body: { status: 'ok', uptime_ms: Date.now() - startedAt } }));

  route('POST', '/auth/login', async (req) => {
    const body = requireObject(await req.body());
    const account =
      typeof body.username === 'string' && Object.hasOwn(ACCOUNTS, body.username) ? ACCOUNTS[body.username] : undefined;
    if (!account || account.password !== body.password) throw new HttpError(401, 'wrong username or password');
    const token = randomBytes(24).toString('hex');
    tokens.set(token, body.username);
    counters.logins++;
    return {
      body: {
        token,
        token_type: 'Bearer',
        expires_in: 3600,
        user: { username: body.username, role: account.role, name: account.name },
      },
    };
  });

  route('GET', '/auth/me', (req) => ({ body: authenticate(req) }));

  route('GET', '/admin/stats', (req) => {
    const who = authenticate(req);
    if (who.role !== 'admin') throw new HttpError(403, `user '${who.username}' is not an admin`);
    return {
      body: {
        users: users.size,
        jobs: jobs.size,
        logins: counters.logins,
        requests: counters.requests,
        uptime_ms: Date.now() - startedAt,
      },
    };
  });

  route('GET', '/users', (req) => {
    const limit = queryInt(req.query, 'limit', 20, 100);
    const offset = queryInt(req.query, 'offset', 0);
    const all = [...users.values()];
    return { body: { items: all.slice(offset, offset + limit), total: all.length, limit, offset } };
  });

  route('POST', '/users', async (req) => {
    const fields = validateUserFields(requireObject(await req.body()), { partial: false });
    if (emailTaken(fields.email)) throw new HttpError(409, `a user with email ${fields.email} already exists`);
    const user = addUser(fields);
    notify({ type: 'user.created', user });
    return { status: 201, headers: { location: `/users/${user.id}` }, body: user };
  });

  route('GET', '/users/:id', (req, params) => ({ body: findUser(params) }));

  route('PUT', '/users/:id', async (req, params) => {
    const user = findUser(params);
    const fields = validateUserFields(requireObject(await req.body()), { partial: true });
    if (fields.email !== undefined && emailTaken(fields.email, user.id))
      throw new HttpError(409, `a user with email ${fields.email} already exists`);
    Object.assign(user, fields, { updated_at: now() });
    return { body: user };
  });

  route('DELETE', '/users/:id', (req, params) => {
    const { id } = findUser(params);
    users.delete(id);
    notify({ type: 'user.deleted', id });
    return { status: 204 };
  });

  route('GET', '/slow', async (req) => {
    const ms = queryInt(req.query, 'ms', 500, MAX_SLOW_MS);
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      // A client that gives up should not keep a timer (and the server) alive.
      req.response.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return { body: { slept_ms: ms } };
  });

  route('GET', '/flaky', (req) => {
    const key = req.query.get('key') ?? 'default';
    const fail = queryInt(req.query, 'fail', 2);
    const calls = (flakyCalls.get(key) ?? 0) + 1;
    flakyCalls.set(key, calls);
    if (calls <= fail)
      return {
        status: 503,
        body: { error: `temporarily unavailable (call ${calls} of ${fail} that fail)`, key, calls },
      };
    return { body: { ok: true, key, calls } };
  });

  route('POST', '/jobs', async (req) => {
    const body = (await req.body()) ?? {};
    requireObject(body);
    const durationMs = body.duration_ms === undefined ? DEFAULT_JOB_MS : Number(body.duration_ms);
    if (!Number.isFinite(durationMs) || durationMs < 1 || durationMs > 60_000)
      throw new HttpError(400, "'duration_ms' must be a number from 1 to 60000");
    const job = { id: `job-${nextJobId++}`, createdAt: Date.now(), durationMs };
    jobs.set(job.id, job);
    return { status: 202, headers: { location: `/jobs/${job.id}` }, body: jobView(job) };
  });

  route('GET', '/jobs/:id', (req, params) => {
    const job = jobs.get(params.id);
    if (!job) throw new HttpError(404, `job ${params.id} not found`);
    return { body: jobView(job) };
  });

  route('GET', '/ready-after', (req) => {
    const ms = queryInt(req.query, 'ms', 1000);
    const uptime = Date.now() - startedAt;
    if (uptime < ms)
      return {
        status: 503,
        headers: { 'retry-after': '1' },
        body: { ready: false, uptime_ms: uptime, ready_in_ms: ms - uptime },
      };
    return { body: { ready: true, uptime_ms: uptime } };
  });

  const echo = async (req) => ({
    body: {
      method: req.method,
      path: req.path,
      headers: req.headers,
      query: Object.fromEntries(req.query),
      body: (await req.body()) ?? null,
    },
  });
  route('*', '/echo', echo);
  route('*', '/echo/*', echo);

  return { router, counters, subscribers };
}

/** Answers WebSocket upgrades on /ws/echo and /ws/notifications; anything else gets a JSON 404. */
function handleUpgrades(server, wss, counters, subscribers) {
  server.on('upgrade', (raw, socket, head) => {
    counters.requests++;
    const path = new URL(raw.url ?? '/', 'http://localhost').pathname;
    if (path !== '/ws/echo' && path !== '/ws/notifications') {
      const text = JSON.stringify({ error: `no WebSocket route ${path}` });
      socket.end(
        `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
      return;
    }
    wss.handleUpgrade(raw, socket, head, (ws) => {
      if (path === '/ws/echo') {
        ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
        return;
      }
      subscribers.add(ws);
      ws.on('close', () => subscribers.delete(ws));
      ws.send(JSON.stringify({ type: 'welcome', subscribers: subscribers.size }));
      ws.on('message', (data) => {
        let message;
        try {
          message = JSON.parse(String(data));
        } catch {
          return ws.send(JSON.stringify({ type: 'error', error: 'messages must be JSON' }));
        }
        if (message?.type === 'ping') ws.send(JSON.stringify({ type: 'pong', id: message.id ?? null }));
        else ws.send(JSON.stringify({ type: 'error', error: `unknown message type ${JSON.stringify(message?.type)}` }));
      });
    });
  });
}

function send(res, status, body, headers = {}) {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Starts the demo API. Resolves once it listens.
 * @param {{port?: number, host?: string}} [options]
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>}>}
 */
export async function startDemoApi({ port = 0, host = '127.0.0.1' } = {}) {
  const { router, counters, subscribers } = createApp(Date.now());
  const server = createServer(async (raw, res) => {
    counters.requests++;
    const url = new URL(raw.url ?? '/', 'http://localhost');
    let bodyPromise;
    const req = {
      raw,
      response: res,
      method: raw.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: raw.headers,
      // Parsed once, on demand, so routes that take no body never wait for one.
      body: () => (bodyPromise ??= readBody(raw)),
    };
    try {
      const { handler, params } = router.match(req.method, req.path);
      const answer = await handler(req, params);
      // Drain a body nobody read, so the keep-alive connection stays usable.
      if (!bodyPromise) raw.resume();
      send(res, answer.status ?? 200, answer.body, answer.headers);
    } catch (err) {
      if (!bodyPromise) raw.resume();
      if (err instanceof HttpError) send(res, err.status, { error: err.message, ...err.extra });
      else send(res, 500, { error: `internal error: ${err?.message ?? err}` });
    }
  });
  server.keepAliveTimeout = 10_000;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  handleUpgrades(server, wss, counters, subscribers);

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actualPort}`,
    port: actualPort,
    close: () =>
      new Promise((resolve) => {
        // Upgraded sockets are no longer the HTTP server's: end them here.
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Run directly: `node examples/demo-api/server.mjs [--port N] [--host H]`.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return fallback;
    return args[i].includes('=') ? args[i].slice(name.length + 1) : args[i + 1];
  };
  const port = Number(option('--port', process.env.PORT ?? 3000));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`demo-api: --port must be 0-65535`);
    process.exit(2);
  }
  const host = option('--host', '127.0.0.1');
  startDemoApi({ port, host }).then(
    (api) => {
      console.log(`Demo API listening on ${api.url}`);
      console.log(
        `Try: node dist/cli.js run examples/flows --env-file examples/.env.example --var BASE_URL=${api.url} --var API_HOST=${host} --var API_PORT=${api.port}`,
      );
      const stop = () => api.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err) => {
      console.error(`demo-api: cannot listen: ${err.message}`);
      process.exit(1);
    },
  );
}
