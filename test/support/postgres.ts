/**
 * A throwaway PostgreSQL cluster for tests: Debian's `postgresql` package binaries
 * (/usr/lib/postgresql/<version>/bin), a new data directory in a temp folder, the server on
 * 127.0.0.1 and a free port, password (scram) authentication over TCP. Stopped by its PID at the
 * end (and killed if the test process exits first); the folder is removed.
 *
 * PostgreSQL refuses to run as root: as root, the server runs as the `postgres` system user (the
 * Debian package creates it; created here when missing) through `runuser`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { requireOrSkip } from './required';

// Test files that predate required.ts import inCi from here.
export { inCi } from './required';

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The postmaster's process id. */
  pid: number;
  /** `postgresql://user:password@127.0.0.1:port/database`, with extra query parameters. */
  dsn(query?: Record<string, string>): string;
  stop(): Promise<void>;
}

const SUPERUSER = 'testmesh';
const PASSWORD = 'tm-Secret-pw-8431';
const OS_USER = 'postgres';

/** The bin folder of the newest installed PostgreSQL, or undefined when none is installed. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : undefined;
}

/** Why PostgreSQL cannot start here (with how to install it), or undefined when it can. */
export function postgresMissing(): string | undefined {
  return findPostgresBin() ? undefined : 'PostgreSQL is not installed (apt-get install -y postgresql)';
}

/**
 * For a mocha `before` hook: a fresh cluster for the suite (stop it in `after`); without PostgreSQL
 * the suite is skipped saying how to install it, or fails under CI (see required.ts).
 */
export async function startPostgresOrSkip(ctx: Mocha.Context, what: string): Promise<PostgresServer> {
  requireOrSkip(ctx, what, postgresMissing());
  return startPostgres();
}

function ensureOsUser(): { uid: number; gid: number } {
  const lookup = () => spawnSync('id', ['-u', OS_USER], { encoding: 'utf8' });
  if (lookup().status !== 0) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER], {
      stdio: 'pipe',
    });
  }
  const uid = Number(execFileSync('id', ['-u', OS_USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', OS_USER], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Starts a new cluster. Throws with PostgreSQL's own output when something fails. */
export async function startPostgres(bin = findPostgresBin()): Promise<PostgresServer> {
  if (!bin)
    throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql');
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'testmesh-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${PASSWORD}\n`);
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    owner = ensureOsUser();
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  chmodSync(dir, 0o700);

  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const fullArgs = asRoot ? ['-u', OS_USER, '--', join(bin, tool), ...args] : args;
    const result = spawnSync(command, fullArgs, { encoding: 'utf8', cwd: dir, timeout: 120_000 });
    return {
      ok: result.status === 0,
      output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`,
    };
  };

  const init = run('initdb', [
    '-D',
    data,
    '-U',
    SUPERUSER,
    `--pwfile=${pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--no-sync',
    '--no-locale',
    '-E',
    'UTF8',
  ]);
  if (!init.ok) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed:\n${init.output}`);
  }

  // A port found free may be taken before the server binds it: try a few.
  let port = 0;
  let started = false;
  let lastOutput = '';
  for (let attempt = 0; attempt < 3 && !started; attempt++) {
    port = await freePort();
    const options = `-k ${dir} -c listen_addresses=127.0.0.1 -p ${port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    const start = run('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start']);
    started = start.ok;
    lastOutput = `${start.output}\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`;
  }
  if (!started) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`pg_ctl start failed:\n${lastOutput}`);
  }
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);

  // Whatever happens to the test process, the server goes with it.
  const killOnExit = () => {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killOnExit);

  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    user: SUPERUSER,
    password: PASSWORD,
    database: 'postgres',
    pid,
    dsn(query) {
      const search = query ? `?${new URLSearchParams(query).toString()}` : '';
      return `postgresql://${SUPERUSER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/postgres${search}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', killOnExit);
      // Fast shutdown by the postmaster's PID (SIGINT), then wait for it to be gone.
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // Already gone.
      }
      const deadline = Date.now() + 30_000;
      while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Running (a zombie left for an init that does not reap counts as gone). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
