// A TestMesh repository opened in a real VS Code (code-server) with default settings: the fixture
// repository (flows in several folders, none under today's old globs, a .testmesh.yaml) is copied
// to a temp folder, its development environment pointed at the demo API started here; the test
// checks that every flow is listed, that the project's default environment picked itself, and
// runs a flow from the Test Explorer.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { waitForState } from './extensionState';
import {
  openWorkbench,
  packageExtension,
  repoRoot,
  screenshot,
  startCodeServer,
  waitForExtensionActivation,
  type CodeServerSession,
} from './harness';
import { expandPath, runFromTree, waitForRowState } from './workbench';

const EXTENSION_ID = 'testmesh.testmesh-vscode';
const HEALTH_FILE = 'examples/basic/workspace-health.yaml';
const HEALTH_FLOW = 'Workspace fixture health check';

interface DemoApi {
  url: string;
  close(): Promise<void>;
}

describe('A TestMesh repository in code-server, default settings', function () {
  let demo: DemoApi | undefined;
  let workspace: string | undefined;
  let stateDir: string | undefined;
  let vsix: string | undefined;
  let session: CodeServerSession | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let stateFile = '';

  before(async function () {
    this.timeout(300_000);
    const { startDemoApi } = (await import(path.join(repoRoot(), 'examples', 'demo-api', 'server.mjs'))) as {
      startDemoApi(o: { port: number }): Promise<DemoApi>;
    };
    demo = await startDemoApi({ port: 0 });
    vsix = process.env.TESTMESH_E2E_VSIX
      ? path.resolve(process.env.TESTMESH_E2E_VSIX)
      : await packageExtension(repoRoot());
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'testmesh-e2e-repo-'));
    fs.cpSync(path.join(repoRoot(), 'test', 'fixtures', 'testmesh-repo'), workspace, { recursive: true });
    const project = path.join(workspace, '.testmesh.yaml');
    fs.writeFileSync(project, fs.readFileSync(project, 'utf8').replace('http://127.0.0.1:3000', demo.url));
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'testmesh-e2e-state-'));
    stateFile = path.join(stateDir, 'state.json');
    // No testmesh.* setting: what a user gets by opening the folder.
    session = await startCodeServer({
      workspace,
      vsix,
      env: { TESTMESH_STATE_FILE: stateFile },
      settings: { 'testing.automaticallyOpenPeekView': 'never', 'git.enabled': false },
    });
    ({ browser, page } = await openWorkbench(session));
    await waitForExtensionActivation(session, EXTENSION_ID);
  });

  afterEach(async function () {
    if (page)
      await screenshot(
        page,
        `e2e-workspace-${(this.currentTest?.title ?? 'test')
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .slice(0, 50)}`,
      ).catch(() => undefined);
    if (this.currentTest?.state === 'failed')
      console.log(`--- extension host log ---\n${session?.extensionHostLog() ?? ''}`);
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close().catch(() => undefined);
    await session?.stop();
    await demo?.close();
    const packagedHere = vsix && !process.env.TESTMESH_E2E_VSIX ? path.dirname(vsix) : undefined;
    for (const dir of [workspace, stateDir, packagedHere])
      if (dir && !process.env.TESTMESH_E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("lists every flow of the repository and picks .testmesh.yaml's default environment", async function () {
    const state = await waitForState(stateFile, (s) => s.ready && s.server.url && s.flows.length >= 2, {
      timeout: 120_000,
      message: 'discovery of the fixture repository',
    });
    const files = state.flows.map((f) => f.file).sort();
    assert.ok(files.includes(HEALTH_FILE), files.join(', '));
    assert.ok(files.includes('generated-flows/workspace-bare-form.yaml'), files.join(', '));
    const raw = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as {
      environmentLabel: string;
      environmentAuto: boolean;
    };
    assert.strictEqual(raw.environmentLabel, 'development (.testmesh.yaml)');
    assert.strictEqual(raw.environmentAuto, true);
    await page.locator('.statusbar-item', { hasText: 'development (auto)' }).first().waitFor({ timeout: 30_000 });
  });

  it('runs a flow from the Test Explorer with the environment from .testmesh.yaml', async function () {
    await expandPath(page, []);
    await runFromTree(page, [HEALTH_FILE]);
    // The file's row turns green; its flow row (rendered once the file is expanded) too.
    await waitForRowState(page, [HEALTH_FILE], 'passed', { timeout: 60_000 });
    await expandPath(page, [HEALTH_FILE]);
    await waitForRowState(page, [HEALTH_FILE, HEALTH_FLOW], 'passed', { timeout: 30_000 });
    // Executions say `completed` (the Test Explorer says passed); BASE_URL came from .testmesh.yaml.
    const state = await waitForState(
      stateFile,
      (s) => s.recentExecutions.some((e) => e.flow_id === HEALTH_FILE && e.status === 'completed'),
      { message: 'the completed execution of the health flow' },
    );
    assert.ok(
      state.recentExecutions.every((e) => e.status !== 'failed'),
      JSON.stringify(state.recentExecutions),
    );
  });
});
