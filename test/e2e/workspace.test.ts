// A TestMesh repository opened in a real VS Code (code-server) with default settings: the fixture
// repository (flows in several folders, none under today's old globs, a .testmesh.yaml) is copied
// to a temp folder, its development environment pointed at the demo API started here; the test
// checks that every flow is listed, that the project's default environment picked itself, and
// runs a flow from the Test Explorer.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot, startDemoApi, startExtensionSession, type ExtensionSession, type TestHttpServer } from './harness';
import { expandPath, runFromTree, waitForRowState } from './workbench';

const HEALTH_FILE = 'examples/basic/workspace-health.yaml';
const HEALTH_FLOW = 'Workspace fixture health check';

describe('A TestMesh repository in code-server, default settings', function () {
  let demo: TestHttpServer | undefined;
  let e2e: ExtensionSession | undefined;
  let page: Page;

  before(async function () {
    this.timeout(600_000);
    demo = await startDemoApi();
    const demoUrl = demo.url;
    // No testmesh.* setting: what a user gets by opening the folder.
    e2e = await startExtensionSession({
      name: 'workspace',
      prepare(workspace) {
        fs.cpSync(path.join(repoRoot(), 'test', 'fixtures', 'testmesh-repo'), workspace, { recursive: true });
        const project = path.join(workspace, '.testmesh.yaml');
        fs.writeFileSync(project, fs.readFileSync(project, 'utf8').replace('http://127.0.0.1:3000', demoUrl));
      },
    });
    page = e2e.page;
  });

  afterEach(async function () {
    await e2e?.recordTest(this.currentTest);
  });

  after(async function () {
    this.timeout(60_000);
    await e2e?.close();
    await demo?.close();
  });

  it("lists every flow of the repository and picks .testmesh.yaml's default environment", async function () {
    const state = await e2e!.waitForState((s) => s.ready && s.server.url && s.flows.length >= 2, {
      timeout: 120_000,
      message: 'discovery of the fixture repository',
    });
    const files = state.flows.map((f) => f.file).sort();
    assert.ok(files.includes(HEALTH_FILE), files.join(', '));
    assert.ok(files.includes('generated-flows/workspace-bare-form.yaml'), files.join(', '));
    const raw = JSON.parse(fs.readFileSync(e2e!.stateFile, 'utf8')) as {
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
    const state = await e2e!.waitForState(
      (s) => s.recentExecutions.some((e) => e.flow_id === HEALTH_FILE && e.status === 'completed'),
      { message: 'the completed execution of the health flow' },
    );
    assert.ok(
      state.recentExecutions.every((e) => e.status !== 'failed'),
      JSON.stringify(state.recentExecutions),
    );
  });
});
