/**
 * Serves the built web UI (media/) at `/`, with a strict Content Security Policy: scripts,
 * styles and fonts only from this server, network only to this server's API and WebSocket.
 */
import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, sep } from 'node:path';
import { decodeSegment, HttpError, sendError } from './http';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

const MAX_STATIC_BYTES = 20 * 1024 * 1024;

function contentSecurityPolicy(port: number): string {
  // CSP host sources cannot name IPv6 literals; 'self' covers the page's own origin anyway.
  const sockets = ['127.0.0.1', 'localhost'].map((h) => `ws://${h}:${port}`).join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${sockets}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The `media/` folder next to the running code: dist/ (bundles) and out/src/server/ (tests) both
 * find it by walking up to the folder that holds package.json.
 */
export function defaultStaticDir(from: string = __dirname): string | undefined {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'media'))) return join(dir, 'media');
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>TestMesh</title>
<p>The TestMesh web UI is not built. Run <code>npm run build</code>, then reload.</p>`;

/** Answers GET/HEAD for files of `dir`; `/` is index.html. No dotfiles, no `..`, no symlinks out. */
export async function serveStatic(
  dir: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  port: number,
): Promise<void> {
  const headers = {
    'content-security-policy': contentSecurityPolicy(port),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-cache',
  };
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError(
        405,
        `method ${req.method} not allowed here (allowed: GET, HEAD)`,
        {},
        { allow: 'GET, HEAD' },
      );
    const rel = path === '/' ? 'index.html' : decodeSegment(path.slice(1));
    const segments = rel.split('/');
    if (
      segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.')) ||
      rel.includes('\\') ||
      rel.includes('\0')
    ) {
      throw new HttpError(404, `not found: ${path}`);
    }
    const type = CONTENT_TYPES[extname(rel).toLowerCase()];
    if (!type) throw new HttpError(404, `not found: ${path}`);
    if (!dir) {
      if (rel === 'index.html')
        return send(res, req, 200, { ...headers, 'content-type': CONTENT_TYPES['.html'] }, Buffer.from(NOT_BUILT_PAGE));
      throw new HttpError(404, `not found: ${path}`);
    }
    let file: string;
    let root: string;
    try {
      root = await realpath(dir);
      file = await realpath(join(root, ...segments));
    } catch {
      if (rel === 'index.html')
        return send(res, req, 200, { ...headers, 'content-type': CONTENT_TYPES['.html'] }, Buffer.from(NOT_BUILT_PAGE));
      throw new HttpError(404, `not found: ${path}`);
    }
    if (!file.startsWith(root + sep)) throw new HttpError(404, `not found: ${path}`);
    const info = await stat(file);
    if (!info.isFile() || info.size > MAX_STATIC_BYTES) throw new HttpError(404, `not found: ${path}`);
    send(res, req, 200, { ...headers, 'content-type': type }, await readFile(file));
  } catch (err) {
    if (err instanceof HttpError) sendError(res, err.status, err.message, {}, { ...headers, ...err.headers });
    else sendError(res, 500, 'internal error', {}, headers);
  }
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
): void {
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
