// Wires the editor layer as extension.ts does, against the fake `vscode`, a real ExecutionManager
// (history in memory) and a real workspace folder, for tests of runs, steps and decorations.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionManager } from '../../../src/core/executions';
import { FlowIndex } from '../../../src/extension/discovery';
import type { RunInputs } from '../../../src/extension/runs';
import { Runs } from '../../../src/extension/runs';
import { StepRunPlanner } from '../../../src/extension/runStep';
import { TestTree } from '../../../src/extension/testing';
import { tempWorkspace } from '../helpers';
import {
  CancellationTokenSource,
  FakeTestController,
  FakeTestItem,
  FakeTestRun,
  FakeVSCode,
  TestRunRequest,
  Uri,
} from './fakeVscode';

export interface Harness {
  root: string;
  fake: FakeVSCode;
  index: FlowIndex;
  tree: TestTree;
  controller: FakeTestController;
  manager: ExecutionManager;
  runs: Runs;
  planner: StepRunPlanner;
  inputs: RunInputs;
  key(rel: string): string;
  item(id: string | undefined): FakeTestItem;
  /** Runs items through the default profile like a click in the Test Explorer; resolves when the run ended. */
  run(items: unknown[], token?: CancellationTokenSource): Promise<FakeTestRun>;
  dispose(): Promise<void>;
}

export async function createHarness(files: Record<string, string>, inputs: Partial<RunInputs> = {}): Promise<Harness> {
  const root = tempWorkspace(files);
  const fake = new FakeVSCode();
  fake.addFolder(root, 'ws');
  const log = fake.vscode.window.createOutputChannel('TestMesh', { log: true });
  const index = new FlowIndex(fake.vscode, log, { fileDebounceMs: 10, typingDebounceMs: 10 });
  const controller = fake.vscode.tests.createTestController('testmesh', 'TestMesh') as unknown as FakeTestController;
  const tree = new TestTree(fake.vscode, controller as never);
  index.onDidChange((change) => tree.apply(change, index.all()));
  const manager = new ExecutionManager({ workspace: root });
  const planner = new StepRunPlanner(() => manager);
  const runInputs: RunInputs = { environment: {}, variables: {}, secrets: [], ...inputs };
  const runs = new Runs({
    vscode: fake.vscode,
    log,
    tree,
    index,
    manager: async () => manager,
    planner,
    inputs: async () => runInputs,
  });
  runs.attach(manager);
  await index.start();
  const harness: Harness = {
    root,
    fake,
    index,
    tree,
    controller,
    manager,
    runs,
    planner,
    inputs: runInputs,
    key: (rel) => Uri.file(join(root, rel)).toString(),
    item: (id) => {
      if (id === undefined) throw new Error('no item');
      for (const file of tree.fileKeys()) {
        const found = tree.item(file, id);
        if (found) return found as unknown as FakeTestItem;
      }
      throw new Error(`no item ${id}`);
    },
    async run(items, token = new CancellationTokenSource()) {
      const before = controller.runs.length;
      await controller.profiles[0].runHandler(new TestRunRequest(items as FakeTestItem[]), token.token);
      return controller.runs[before];
    },
    async dispose() {
      runs.dispose();
      index.dispose();
      await manager.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return harness;
}
