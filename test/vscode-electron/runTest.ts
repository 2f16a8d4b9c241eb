// Runs the extension's tests in VS Code desktop through @vscode/test-electron: for people with
// VS Code (or a network to download it). On a machine that has neither, it says that it skipped
// and exits 0 without claiming that anything passed; the proof there is the code-server e2e suite
// (npm run test:e2e).
//
//   npm run test:electron                         downloads VS Code stable once (cached), runs the suite
//   VSCODE_EXECUTABLE=/path/to/code npm run test:electron    uses an installed VS Code instead
//   VSCODE_TEST_VERSION=1.95.0 npm run test:electron         another version (default: stable)
//   On Linux without a display: xvfb-run -a npm run test:electron
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** Downloaded VS Code builds are kept outside the repository, next to the cached code-server. */
const cachePath = path.join(
  process.env.TESTMESH_TOOLS_DIR || path.join(os.homedir(), '.cache', 'testmesh-tools'),
  'vscode-test',
);

interface DemoApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Why VS Code cannot be downloaded, or undefined when its update service answers. */
async function downloadProblem(): Promise<string | undefined> {
  try {
    const response = await fetch('https://update.code.visualstudio.com/api/releases/stable', {
      signal: AbortSignal.timeout(8_000),
    });
    return response.ok ? undefined : `update.code.visualstudio.com answered ${response.status}`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (error as Error).message;
  }
}

/** A VS Code build downloaded by an earlier run (test-electron falls back to it when offline). */
function hasCachedVSCode(): boolean {
  return fs.existsSync(cachePath) && fs.readdirSync(cachePath).some((entry) => entry.startsWith('vscode-'));
}

function skip(reason: string): void {
  console.log(
    `skipped: ${reason}. Nothing was tested; the proof on this machine is the code-server suite (npm run test:e2e).`,
  );
  process.exitCode = 0;
}

/** examples/flows and examples/failing, with a .env pointing at the demo API. */
function createWorkspace(demo: DemoApi): string {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'testmesh-electron-ws-'));
  fs.cpSync(path.join(repoRoot, 'examples', 'flows'), path.join(workspace, 'flows'), { recursive: true });
  fs.cpSync(path.join(repoRoot, 'examples', 'failing'), path.join(workspace, 'failing'), { recursive: true });
  const accounts = fs
    .readFileSync(path.join(repoRoot, 'examples', '.env.example'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line));
  const env = [`BASE_URL=${demo.url}`, 'API_HOST=127.0.0.1', `API_PORT=${demo.port}`, ...accounts];
  fs.writeFileSync(path.join(workspace, '.env'), `${env.join('\n')}\n`);
  return workspace;
}

async function main(): Promise<void> {
  const executable = process.env.VSCODE_EXECUTABLE;
  if (!executable && !hasCachedVSCode()) {
    const problem = await downloadProblem();
    if (problem) return skip(`cannot download VS Code (no network: ${problem})`);
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return skip('VS Code desktop needs a display and there is none (run it under `xvfb-run -a`)');
  }
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
    throw new Error('dist/extension.js is missing: build first (node esbuild.config.mjs)');
  }

  const { startDemoApi } = (await import(path.join(repoRoot, 'examples', 'demo-api', 'server.mjs'))) as {
    startDemoApi(options: { port: number }): Promise<DemoApi>;
  };
  const demo = await startDemoApi({ port: 0 });
  const workspace = createWorkspace(demo);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'testmesh-electron-user-'));
  try {
    await runTests({
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(__dirname, 'suite', 'index'),
      vscodeExecutablePath: executable,
      version: process.env.VSCODE_TEST_VERSION || 'stable',
      cachePath,
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir',
        userDataDir,
      ],
    });
    console.log('VS Code desktop suite passed');
  } finally {
    await demo.close();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(
    `VS Code desktop suite failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
});
