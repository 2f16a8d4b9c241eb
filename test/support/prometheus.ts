/**
 * A throwaway Prometheus server for tests: Debian's `prometheus` on 127.0.0.1 and a free port,
 * its data in a temp folder, scraping the given targets every second. Stopped by its PID at the
 * end (and killed if the test process exits first).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownProcess } from './ownedProcess';
import { freePort } from './ports';

export interface PrometheusServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function findPrometheus(): string | undefined {
  if (existsSync('/usr/bin/prometheus')) return '/usr/bin/prometheus';
  const which = spawnSync('which', ['prometheus'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

/** Why Prometheus cannot start here (with how to install it), or undefined when it can. */
export function prometheusMissing(): string | undefined {
  return findPrometheus() ? undefined : 'prometheus is not installed (apt-get install -y prometheus)';
}

/**
 * Starts Prometheus scraping `targets` (`host:port`, path /metrics) every second, and itself with
 * `scrapeSelf`; resolves once it is ready.
 */
export async function startPrometheus(
  targets: string[],
  options: { scrapeSelf?: boolean } = {},
  bin = findPrometheus(),
): Promise<PrometheusServer> {
  if (!bin) throw new Error('prometheus is not installed: apt-get install prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'testmesh-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  const port = await freePort();
  if (options.scrapeSelf) targets = [...targets, `127.0.0.1:${port}`];
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: [${targets.map((t) => `"${t}"`).join(', ')}]\n`,
  );
  const child = spawn(
    bin,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (output += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (output += t));
  const { pid, stop } = ownProcess(child, () => rmSync(dir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}`;
  // Generous: a loaded machine can take many seconds to start it.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode}:\n${output}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, pid, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not get ready on ${url}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
