/**
 * Executions started outside the Test Explorer (the REST API, the panel, another window's
 * command) drawn as Test Explorer runs of their own, so every run of a flow shows in one place.
 * The run's stop button cancels the execution, whoever started it.
 */
import { errorMessage } from '../core/errors';
import type { ExecutionManager, ExecutionStartInfo } from '../core/executions';
import type { FlowIndex } from './discovery';
import type { Log } from './log';
import { RunMapping } from './runMapping';
import type { TestTree } from './testing';
import type { VSCode } from './vscodeTypes';

export interface ExternalRunDependencies {
  vscode: VSCode;
  log: Log;
  tree: TestTree;
  index: FlowIndex;
  manager: () => Promise<ExecutionManager>;
  /** Event routing: execution id -> the mapping drawing it (this run's is added, then removed at its end). */
  mappings: Map<string, RunMapping>;
}

/** Draws an execution started elsewhere as a run of its own; nothing when its flow is not in the tree. */
export function drawExternalRun(deps: ExternalRunDependencies, info: ExecutionStartInfo): void {
  const { vscode, tree, index } = deps;
  const file = index.byPath(info.flow.file);
  const flowItem = file && tree.flowItem(file.key);
  if (!file || !flowItem) return;
  const onlyStep = info.request.only_step;
  const target = onlyStep !== undefined ? (tree.stepItem(file.key, onlyStep) ?? flowItem) : flowItem;
  const run = tree.controller.createTestRun(
    new vscode.TestRunRequest([target]),
    `${info.flow.name} (${info.summary.trigger})`,
    true,
  );
  const id = info.summary.id;
  const mapping = new RunMapping(vscode, run, tree, file, {
    flow: info.flow,
    onlyStep,
    details: (stepId) => deps.manager().then((m) => m.stepDetail(id, stepId)),
  });
  mapping.executionId = id;
  mapping.enqueue();
  deps.mappings.set(id, mapping);
  const stop = run.token.onCancellationRequested(() => void deps.manager().then((m) => m.cancel(id)));
  void deps
    .manager()
    .then((manager) => manager.whenFinished(id))
    .then(() => mapping.flush())
    .catch((err) => deps.log.warn(`run ${id}: ${errorMessage(err)}`))
    .finally(() => {
      stop.dispose();
      deps.mappings.delete(id);
      run.end();
    });
}
