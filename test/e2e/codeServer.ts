// A real VS Code for end-to-end tests: code-server (VS Code served to a browser, installed from npm
// by .ci/install-code-server.sh) driven by Debian's Chromium through playwright-core. The machines
// that run these tests have no display and no internet, so VS Code's desktop build cannot be
// downloaded; code-server runs the same workbench and extension host. Tests use harness.ts.
import { execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, chromium, Frame, Locator, Page } from 'playwright-core';

const codeServerVersion = '4.100.3';
const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface StartOptions {
  /** Folder opened as the workspace. */
  workspace: string;
  /** A packaged extension (`vsce package` output) installed before start. */
  vsix?: string;
  /** User settings merged over the harness defaults. */
  settings?: Record<string, unknown>;
  /** Extra environment variables for code-server and so its extension host (e.g. a test hook's file). */
  env?: Record<string, string>;
}

export interface CodeServerSession {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  pid: number;
  /** Kills code-server's process group and removes the temp dirs (kept when TESTMESH_E2E_KEEP is set). */
  stop(): Promise<void>;
  /** Extension host logs and extensions' output channels, concatenated; read before stop(). */
  extensionHostLog(): string;
  /** What code-server itself printed (stdout and stderr). */
  serverLog(): string;
}

export interface Workbench {
  browser: Browser;
  page: Page;
}

export interface WaitOptions {
  timeout?: number;
  interval?: number;
  /** Said in the error on timeout. */
  message?: string;
}

/** The repository root: the nearest folder above this file holding .ci/install-code-server.sh. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, '.ci', 'install-code-server.sh'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no .ci/install-code-server.sh above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

let codeServerBinary: string | undefined;

/** Path of the code-server binary, installing it first (once per machine) when it is missing. */
export function ensureCodeServer(): string {
  if (codeServerBinary) return codeServerBinary;
  const toolsDir = process.env.TESTMESH_TOOLS_DIR || path.join(os.homedir(), '.cache', 'testmesh-tools');
  const installDir = path.join(toolsDir, `code-server-${codeServerVersion}`);
  const binary = path.join(installDir, 'node_modules', '.bin', 'code-server');
  if (fs.existsSync(path.join(installDir, '.installed')) && fs.existsSync(binary)) {
    codeServerBinary = binary;
    return binary;
  }
  // Progress goes to our stderr; the script's last stdout line is the binary.
  const result = spawnSync('bash', [path.join(repoRoot(), '.ci', 'install-code-server.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`.ci/install-code-server.sh failed (exit ${result.status ?? result.signal})`);
  }
  const lines = result.stdout.trim().split('\n');
  codeServerBinary = lines[lines.length - 1];
  return codeServerBinary;
}

/**
 * Packages the extension in `folder` with the repository's vsce and returns the VSIX path (in a
 * fresh temp dir). Dependencies are not scanned: the extension is expected to be bundled.
 */
export function packageExtension(folder: string): Promise<string> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'testmesh-vsix-'));
  const vsix = path.join(outDir, `${path.basename(path.resolve(folder))}.vsix`);
  const vsce = path.join(repoRoot(), 'node_modules', '.bin', 'vsce');
  // The project has no public repository yet: relative README links (the screenshot) need a base
  // URL, the same one `npm run package` uses.
  const base = 'https://example.invalid/testmesh-vscode';
  const args = [
    'package',
    '--no-dependencies',
    '--skip-license',
    '--allow-missing-repository',
    '--baseContentUrl',
    base,
    '--baseImagesUrl',
    base,
    '--out',
    vsix,
  ];
  return new Promise((resolve, reject) => {
    execFile(vsce, args, { cwd: folder, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`vsce package in ${folder} failed:\n${stdout}${stderr}`));
      else resolve(vsix);
    });
  });
}

/** Resolves with the first truthy value `condition` returns; polls, so no fixed sleeps in tests. */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeout = options.timeout ?? 30_000;
  const interval = options.interval ?? 100;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${options.message ?? 'a condition'}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Starts code-server on a fresh user-data dir and extensions dir; resolves once it answers HTTP. */
export async function startCodeServer(options: StartOptions): Promise<CodeServerSession> {
  const binary = ensureCodeServer();
  const workspace = path.resolve(options.workspace);
  if (!fs.statSync(workspace, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`workspace is not a folder: ${workspace}`);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'testmesh-e2e-'));
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir);
  const settings = {
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    // Built-in extensions still try to phone home otherwise, which only adds errors to the logs.
    'telemetry.telemetryLevel': 'off',
    ...options.settings,
  };
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

  const env = { ...codeServerEnv(root), ...options.env };
  const dirs = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  if (options.vsix) {
    try {
      await installExtension(binary, dirs, path.resolve(options.vsix), env);
    } catch (error) {
      fs.rmSync(root, { recursive: true, force: true });
      throw error;
    }
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...dirs,
    workspace,
  ];
  // Its own process group, so stop() reaches the extension host and the other helpers too.
  const child = spawn(binary, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.once('error', (error) => output.push(`${error}\n`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  if (child.pid === undefined) {
    fs.rmSync(root, { recursive: true, force: true });
    throw new Error(`could not start ${binary}: ${output.join('')}`);
  }
  const pid = child.pid;
  liveGroups.add(pid);

  let stopped = false;
  const session: CodeServerSession = {
    url,
    workspace,
    userDataDir,
    extensionsDir,
    pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      await killGroup(pid, exited);
      liveGroups.delete(pid);
      if (!process.env.TESTMESH_E2E_KEEP) fs.rmSync(root, { recursive: true, force: true });
    },
    extensionHostLog: () => collectExtensionHostLogs(userDataDir),
    serverLog: () => output.join(''),
  };

  try {
    await waitFor(async () => hasExited || answersHttp(`${url}/healthz`), {
      timeout: 60_000,
      interval: 200,
      message: `code-server to answer on ${url}`,
    });
    if (hasExited) throw new Error(`code-server exited before answering:\n${output.join('')}`);
  } catch (error) {
    await session.stop();
    throw error;
  }
  return session;
}

/**
 * Waits until code-server's extension host starts activating `extensionId` (`publisher.name`), read
 * from its log; throws with the log when a failed activation is logged by then. VS Code logs no
 * "activated" line, so an activate() that throws a moment later is not seen here: the next UI step
 * fails instead, and the extension host log attached to that test says why. What the extension
 * registers can take a moment to reach the workbench (runCommand retries for that).
 */
export async function waitForExtensionActivation(
  session: CodeServerSession,
  extensionId: string,
  options: WaitOptions = {},
): Promise<void> {
  const id = extensionId.toLowerCase();
  const outcome = await waitFor(
    () => {
      const log = session.extensionHostLog().toLowerCase();
      if (log.includes(`activating extension ${id} failed`) || log.includes(`activating extension '${id}' failed`)) {
        return 'failed';
      }
      return log.includes(`_doactivateextension ${id},`) ? 'activated' : undefined;
    },
    { timeout: 120_000, interval: 500, message: `the extension host to activate ${extensionId}`, ...options },
  );
  if (outcome === 'failed') {
    throw new Error(`extension ${extensionId} failed to activate:\n${session.extensionHostLog()}`);
  }
}

/** Opens the workbench of `session` in headless Chromium and waits until it has rendered. */
export async function openWorkbench(session: CodeServerSession): Promise<Workbench> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const target = new URL(session.url + '/');
    target.searchParams.set('folder', session.workspace);
    // A busy machine (several editors, builds) can take well over 30 s to serve the workbench.
    await page.goto(target.toString(), { timeout: 120_000 });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    return { browser, page };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/**
 * Runs a command by its palette title (e.g. `Testing: Focus on Test Explorer View`). The palette
 * lists the commands known when it opens, so a command that an activating extension registers
 * later shows up only after reopening: it is reopened until the entry appears or `timeout` passes.
 */
export async function runCommand(page: Page, title: string, options: { timeout?: number } = {}): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const rows = page.locator('.quick-input-list .monaco-list-row');
  const wanted = title.trim().toLowerCase();
  // The row whose label is exactly the title (the first row may be a fuzzy or recent match); +1 keeps 0 falsy.
  const matchingRow = async () => {
    const labels = await rows.evaluateAll((elements) =>
      elements.map((element) => element.querySelector('.label-name')?.textContent ?? ''),
    );
    return labels.findIndex((label) => label.trim().toLowerCase() === wanted) + 1;
  };
  const row = await waitFor(
    async () => {
      if (!(await input.isVisible())) await openCommandPalette(page, input);
      await input.fill(`>${title}`);
      const found = await waitFor(matchingRow, { timeout: 3_000 }).catch(() => 0);
      if (!found) await page.keyboard.press('Escape');
      return found;
    },
    { timeout: options.timeout ?? 30_000, interval: 500, message: `command palette entry "${title}"` },
  );
  await rows.nth(row - 1).click();
  await input.waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Saves a full-page screenshot to test-results/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(repoRoot(), 'test-results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * The content frame of a webview for which `predicate` holds. Webview content sits two iframes
 * deep (the webview host frame, then its active frame), so every frame of the page is tried.
 */
export async function webviewFrame(
  page: Page,
  predicate: (frame: Frame) => boolean | Promise<boolean>,
  options: WaitOptions = {},
): Promise<Frame> {
  return waitFor(
    async () => {
      for (const frame of page.frames()) {
        if (frame === page.mainFrame() || frame.isDetached()) continue;
        try {
          if (await predicate(frame)) return frame;
        } catch {
          // A frame can detach or navigate while it is being looked at: try the next one.
        }
      }
      return undefined;
    },
    { message: 'a matching webview frame', ...options },
  );
}

// ---- internals ----

/** Process groups still running, killed when the test process exits without stop(). */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
});

function codeServerEnv(root: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Inside a VS Code terminal these make code-server hand its arguments to that VS Code instead.
  for (const name of Object.keys(env)) {
    if (name.startsWith('VSCODE_') || name === 'ELECTRON_RUN_AS_NODE') delete env[name];
  }
  // code-server writes a default config (with a password) on first run: keep it in our temp dir.
  env.CODE_SERVER_CONFIG = path.join(root, 'config.yaml');
  return env;
}

function installExtension(binary: string, dirs: string[], vsix: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (!fs.existsSync(vsix)) return Promise.reject(new Error(`VSIX not found: ${vsix}`));
  return new Promise((resolve, reject) => {
    execFile(binary, [...dirs, '--install-extension', vsix], { env, timeout: 120_000 }, (error, stdout, stderr) => {
      const said = `${stdout}${stderr}`;
      // It can exit 0 having installed nothing, so its words are checked too.
      if (error || !/successfully installed|already installed/i.test(said)) {
        reject(new Error(`installing ${vsix} failed:\n${said}${error ? `\n${error.message}` : ''}`));
      } else {
        resolve();
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

function answersHttp(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode !== undefined && response.statusCode < 500);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

async function killGroup(pid: number, exited: Promise<void>): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
  if ((await Promise.race([exited.then(() => 'exited' as const), timer])) === 'timeout') {
    signalGroup(pid, 'SIGKILL');
    await exited;
  }
  // Helpers left in the group after the main process went (extension host, watchers) go too;
  // a signal is delivered asynchronously, so wait until the group is really empty.
  signalGroup(pid, 'SIGKILL');
  await waitFor(() => !groupExists(pid), { timeout: 10_000, interval: 50 }).catch(() => undefined);
}

function groupExists(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function openCommandPalette(page: Page, input: Locator): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  try {
    await input.waitFor({ state: 'visible', timeout: 2_000 });
  } catch {
    // Some keyboard layouts or focus states swallow the chord: F1 opens the same palette.
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
  }
}

function collectExtensionHostLogs(userDataDir: string): string {
  const logsDir = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logsDir)) return '';
  const parts: string[] = [];
  for (const file of listFiles(logsDir).sort()) {
    const relative = path.relative(logsDir, file);
    // Extension hosts log to exthost*/ ; extensions' output channels sit below it too.
    const inExtensionHost = relative.split(path.sep).some((segment) => segment.startsWith('exthost'));
    if (!inExtensionHost || !file.endsWith('.log')) continue;
    parts.push(`===== ${relative} =====\n${fs.readFileSync(file, 'utf8')}`);
  }
  return parts.join('\n');
}

function listFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(full));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}
