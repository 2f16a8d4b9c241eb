/**
 * A throwaway Redis server for tests: Debian's `redis-server` on 127.0.0.1 and a free port, no
 * persistence (no RDB snapshots, no AOF, its working folder a temp folder), optionally with a
 * password. Stopped by its PID at the end (and killed if the test process exits first).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownProcess } from './ownedProcess';
import { freePort } from './ports';

export interface RedisServer {
  host: string;
  port: number;
  password?: string;
  pid: number;
  /** `redis://[:password@]127.0.0.1:port/db`. */
  url(db?: number): string;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

export function findRedisServer(): string | undefined {
  for (const path of CANDIDATES) if (existsSync(path)) return path;
  const which = spawnSync('which', ['redis-server'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

/** Why redis-server cannot start here (with how to install it), or undefined when it can. */
export function redisMissing(): string | undefined {
  return findRedisServer() ? undefined : 'redis-server is not installed (apt-get install -y redis-server)';
}

/** Resolves once the port answers PING (with the password when there is one). */
async function waitForReady(
  port: number,
  password: string | undefined,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  // Generous: a machine under heavy load can take many seconds to start even Redis.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}:\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      let reply = '';
      socket.setTimeout(1000, () => socket.destroy());
      socket.on('connect', () => socket.write(`${password ? `AUTH ${password}\r\n` : ''}PING\r\n`));
      socket.on('data', (d) => {
        reply += d.toString();
        if (reply.includes('+PONG')) {
          socket.destroy();
          resolve(true);
        }
      });
      socket.on('error', () => resolve(false));
      socket.on('close', () => resolve(reply.includes('+PONG')));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedis(options: { password?: string } = {}, bin = findRedisServer()): Promise<RedisServer> {
  if (!bin) throw new Error('redis-server is not installed: apt-get install redis-server');
  const dir = mkdtempSync(join(tmpdir(), 'testmesh-redis-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ];
    if (options.password) args.push('--requirepass', options.password);
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (output += t));
    try {
      await waitForReady(port, options.password, child, () => output);
    } catch (err) {
      lastError = err;
      child.kill('SIGKILL');
      continue;
    }
    const owned = ownProcess(child, () => rmSync(dir, { recursive: true, force: true }));
    return {
      host: '127.0.0.1',
      port,
      password: options.password,
      pid: owned.pid,
      url: (db = 0) =>
        `redis://${options.password ? `:${encodeURIComponent(options.password)}@` : ''}127.0.0.1:${port}/${db}`,
      stop: owned.stop,
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
