/**
 * Which flows and steps a Test Explorer request names: folders expand to their files, excluded
 * items (or items under an excluded one) are left out, and a flow run wins over runs of its own steps.
 */
import type { FlowFile, FlowIndex } from './discovery';
import type { TestTree } from './testing';
import type { vscode } from './vscodeTypes';

/** One flow (or one step of it) to run. */
export interface RunTarget {
  file: FlowFile;
  stepId?: string;
}

export function resolveTargets(tree: TestTree, index: FlowIndex, request: vscode.TestRunRequest): RunTarget[] {
  const excluded = new Set(request.exclude ?? []);
  const isExcluded = (item: vscode.TestItem) => {
    for (let i: vscode.TestItem | undefined = item; i; i = i.parent) if (excluded.has(i)) return true;
    return false;
  };
  const roots: vscode.TestItem[] = [];
  if (request.include) roots.push(...request.include);
  else tree.controller.items.forEach((item) => roots.push(item));

  const whole = new Map<string, RunTarget>();
  const steps: RunTarget[] = [];
  const addFile = (key: string) => {
    const file = index.get(key);
    if (file && !whole.has(key)) whole.set(key, { file });
  };
  for (const item of roots) {
    if (isExcluded(item)) continue;
    const data = tree.dataOf(item);
    if (!data) continue;
    if (data.kind === 'folder') {
      item.children.forEach((child) => {
        const childData = tree.dataOf(child);
        if (childData && !isExcluded(child)) addFile(childData.key);
      });
    } else if (data.kind === 'step' && data.stepId !== undefined) {
      const file = index.get(data.key);
      if (file) steps.push({ file, stepId: data.stepId });
    } else {
      addFile(data.key);
    }
  }
  const out = [...whole.values()];
  const seen = new Set<string>();
  for (const step of steps) {
    const id = `${step.file.key}#${step.stepId}`;
    if (whole.has(step.file.key) || seen.has(id)) continue;
    seen.add(id);
    out.push(step);
  }
  return out;
}
