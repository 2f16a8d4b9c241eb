// What every e2e test file needs, in one place: a session of the TestMesh extension in a real VS Code
// (the VSIX packaged once, a temp workspace filled by the test, code-server started with the
// extension's test hook, the workbench open in Chromium, activation and discovery waited for), the
// evidence a test leaves (a screenshot per test; on failure the extension's state and logs), and
// cleanup in one call. The code-server and Chromium machinery it builds on is in codeServer.ts; test
// files import both through this module.
import * as fs from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  openWorkbench,
  packageExtension,
  repoRoot,
  runCommand,
  screenshot,
  startCodeServer,
  waitFor,
  waitForExtensionActivation,
  type CodeServerSession,
  type WaitOptions,
} from './codeServer';
import { LocalApiClient, readState, waitForState, type ExtensionState } from './extensionState';
import { openFile } from './workbench';

export * from './codeServer';

export const EXTENSION_ID = 'testmesh.testmesh-vscode';

/**
 * Settings every session starts with (a test's own settings go over them). None is a `testmesh.*`
 * setting: the extension sees what a user who just installed it sees.
 */
export const BASE_SETTINGS: Readonly<Record<string, unknown>> = {
  // Sticky scroll would cover the CodeLens line under the editor's top edge.
  'editor.stickyScroll.enabled': false,
  // Peeks would open over the editors the tests click in; tests open Test Results themselves.
  'testing.automaticallyOpenPeekView': 'never',
  // Nothing else pops up or phones home while a test clicks.
  'git.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.tips.enabled': false,
};

export interface ExtensionSessionOptions {
  /** Names the temp folders and the evidence files: `test-results/e2e-<name>-NN-<test title>.png`. */
  name: string;
  /** Files written into the fresh workspace folder: relative path (with `/`) to text. */
  files?: Record<string, string>;
  /** Fills the workspace folder further (copies fixtures, ...); runs after `files` are written. */
  prepare?: (workspace: string) => void | Promise<void>;
  /** Settings over BASE_SETTINGS. */
  settings?: Record<string, unknown>;
  /** The browser window's size; 1400x900 when not given. */
  viewport?: { width: number; height: number };
  /**
   * The extension under test: the repository's own by default (or the VSIX in TESTMESH_E2E_VSIX, e.g.
   * the artifact CI publishes); another folder is packaged instead (the smoke test's fixture).
   */
  extension?: { folder: string; id: string };
  /** Holds of the state file the session waits for before the tests start (default: discovery ended). */
  ready?: (state: ExtensionState) => unknown;
  /** Said in the timeout error of the `ready` wait. */
  readyMessage?: string;
  /** For activation and the `ready` wait each; generous by default, as the machine may be busy. */
  timeout?: number;
}

export interface ExtensionSession {
  readonly workspace: string;
  readonly codeServer: CodeServerSession;
  readonly browser: Browser;
  readonly page: Page;
  /** The extension's test-hook state file; empty for an extension other than TestMesh. */
  readonly stateFile: string;
  /** The state as it was when `ready` held (undefined for an extension other than TestMesh). */
  readonly readyState: ExtensionState | undefined;
  /** Polls the state file until `predicate` holds. */
  waitForState(predicate: (state: ExtensionState) => unknown, options?: WaitOptions): Promise<ExtensionState>;
  /** A client of the extension's local REST API (its URL and token read from the current state). */
  api(): LocalApiClient;
  /**
   * For `afterEach`: a screenshot named after the test; when it failed, the extension's state, the
   * extension host log and code-server's output in a .log file beside it, the log also printed.
   */
  recordTest(test: Mocha.Runnable | undefined): Promise<void>;
  /** Closes the browser, stops code-server and removes the temp folders (kept with TESTMESH_E2E_KEEP). */
  close(): Promise<void>;
}

/**
 * Starts a session of the extension and waits until it is ready for tests. Whatever it started is
 * stopped again when a step fails, so a `before` hook can simply await it.
 */
export async function startExtensionSession(options: ExtensionSessionOptions): Promise<ExtensionSession> {
  const temp: string[] = [];
  const keep = () => Boolean(process.env.TESTMESH_E2E_KEEP);
  const removeTemp = () => {
    if (!keep()) for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
  };
  let codeServer: CodeServerSession | undefined;
  let browser: Browser | undefined;
  let stateFile = '';
  const close = async () => {
    await browser?.close().catch(() => undefined);
    await codeServer?.stop();
    removeTemp();
  };
  try {
    const ownExtension = options.extension === undefined;
    const vsix = await extensionVsix(options.extension?.folder, (dir) => temp.push(dir));
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), `testmesh-e2e-${options.name}-`));
    temp.push(workspace);
    for (const [relative, text] of Object.entries(options.files ?? {})) {
      const file = path.join(workspace, ...relative.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
    await options.prepare?.(workspace);
    if (ownExtension) {
      const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `testmesh-e2e-${options.name}-state-`));
      temp.push(stateDir);
      stateFile = path.join(stateDir, 'state.json');
    }
    codeServer = await startCodeServer({
      workspace,
      vsix,
      env: stateFile ? { TESTMESH_STATE_FILE: stateFile } : {},
      settings: { ...BASE_SETTINGS, ...options.settings },
    });
    const workbench = await openWorkbench(codeServer);
    browser = workbench.browser;
    const page = workbench.page;
    if (options.viewport) await page.setViewportSize(options.viewport);
    const timeout = options.timeout ?? 240_000;
    await activate(codeServer, page, workspace, options.extension?.id ?? EXTENSION_ID, timeout);
    const readyState = stateFile
      ? await waitForState(stateFile, options.ready ?? ((s) => s.ready), {
          timeout,
          message: options.readyMessage ?? 'the extension to finish discovery',
        })
      : undefined;
    return session(options.name, { workspace, codeServer, browser, page, stateFile, readyState }, close);
  } catch (error) {
    // A session that never became ready leaves its logs too: no test's afterEach runs to save them.
    if (codeServer && error instanceof Error)
      error.message += `\n${saveLogs(`e2e-${options.name}-start`, codeServer, stateFile)}`;
    await close();
    throw error;
  }
}

/** A small HTTP server on 127.0.0.1 at a free port, for the flows of a test to call. */
export interface TestHttpServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<TestHttpServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // Requests a test holds open (a gate) must not keep close() waiting.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The repository's demo API (examples/demo-api) on a free port. */
export async function startDemoApi(): Promise<TestHttpServer> {
  const module = (await import(path.join(repoRoot(), 'examples', 'demo-api', 'server.mjs'))) as {
    startDemoApi(options: { port: number }): Promise<TestHttpServer>;
  };
  return module.startDemoApi({ port: 0 });
}

/** A file-name-safe form of a test title. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

// ---- internals ----

/**
 * Waits for the extension's activation. VS Code gives up a `workspaceContains` search after a few
 * seconds ("Timed out while searching for 'workspaceContains' pattern") and then does not activate:
 * on a machine under heavy load that happens even to a folder of a few files. What a user would do
 * then, the test does: open a YAML file of the workspace, which activates the extension through
 * `onLanguage:yaml`. It says so in the test output; any other way of not activating still fails.
 */
async function activate(
  codeServer: CodeServerSession,
  page: Page,
  workspace: string,
  extensionId: string,
  timeout: number,
): Promise<void> {
  const gaveUp = `not activating extension '${extensionId.toLowerCase()}': timed out while searching`;
  // Resolves only when VS Code said it gave up; activation (or its failure) settles the race otherwise.
  let raced = false;
  const searchTimedOut = waitFor(() => raced || codeServer.extensionHostLog().toLowerCase().includes(gaveUp), {
    timeout,
    interval: 500,
  }).then(
    () => true,
    () => new Promise<boolean>(() => undefined),
  );
  const activated = waitForExtensionActivation(codeServer, extensionId, { timeout }).then(() => false);
  void activated.catch(() => undefined); // awaited below; a rejection while the file opens is not lost
  const gaveUpFirst = await Promise.race([activated, searchTimedOut]).finally(() => (raced = true));
  if (!gaveUpFirst) return;
  const yaml = firstYamlFile(workspace);
  if (!yaml) return activated.then(() => undefined);
  console.log(`    (VS Code's workspaceContains search timed out under load: opening ${yaml} to activate)`);
  await openFile(page, yaml);
  await activated;
  await runCommand(page, 'View: Close All Editors').catch(() => undefined);
}

/** The workspace's first YAML file (relative, with `/`), outside hidden folders. */
function firstYamlFile(workspace: string): string | undefined {
  const files = fs
    .readdirSync(workspace, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split(path.sep).join('/'));
  return files.filter((f) => /\.ya?ml$/.test(f) && !f.split('/').some((part) => part.startsWith('.'))).sort()[0];
}

/** Writes the extension's state, the extension host log and code-server's output to test-results/<name>.log. */
function saveLogs(name: string, codeServer: CodeServerSession, stateFile = ''): string {
  const state = stateFile && fs.existsSync(stateFile) ? fs.readFileSync(stateFile, 'utf8') : '(no state)';
  const logFile = path.join(repoRoot(), 'test-results', `${name}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(
    logFile,
    `--- state ---\n${state}\n--- extension host log ---\n${codeServer.extensionHostLog()}\n--- code-server ---\n${codeServer.serverLog()}`,
  );
  return `state and logs: ${logFile}`;
}

/** The VSIX to install: TESTMESH_E2E_VSIX, or a fresh package of `folder` (default: the repository). */
async function extensionVsix(folder: string | undefined, packagedIn: (dir: string) => void): Promise<string> {
  if (folder === undefined && process.env.TESTMESH_E2E_VSIX) return path.resolve(process.env.TESTMESH_E2E_VSIX);
  const vsix = await packageExtension(folder ?? repoRoot());
  packagedIn(path.dirname(vsix));
  return vsix;
}

function session(
  name: string,
  parts: Omit<ExtensionSession, 'waitForState' | 'api' | 'recordTest' | 'close'>,
  close: () => Promise<void>,
): ExtensionSession {
  let testNumber = 0;
  let closed: Promise<void> | undefined;
  const requireStateFile = () => {
    if (!parts.stateFile) throw new Error(`the ${name} session runs another extension: it has no TestMesh state`);
    return parts.stateFile;
  };
  return {
    ...parts,
    waitForState: (predicate, options) => waitForState(requireStateFile(), predicate, options),
    api() {
      const state = readState(requireStateFile());
      if (!state) throw new Error(`no extension state in ${parts.stateFile} yet`);
      return LocalApiClient.fromState(state);
    },
    async recordTest(test) {
      testNumber += 1;
      const evidence = `e2e-${name}-${String(testNumber).padStart(2, '0')}-${slug(test?.title ?? 'test')}`;
      const picture = await screenshot(parts.page, evidence).catch((error: unknown) => `(no screenshot: ${error})`);
      if (test?.state !== 'failed') return;
      const saved = saveLogs(evidence, parts.codeServer, parts.stateFile);
      console.log(
        `screenshot: ${picture}\n${saved}\n--- extension host log ---\n${parts.codeServer.extensionHostLog()}`,
      );
    },
    close: () => (closed ??= close()),
  };
}
