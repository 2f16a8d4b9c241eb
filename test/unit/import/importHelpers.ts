import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseFlowText } from '../../../src/core/flow/load';
import { planFiles } from '../../../src/core/import/flowWriter';
import type { ImportResult } from '../../../src/core/import/model';

/** Every flow of an import, loaded by the same loader `testmesh validate` uses. */
export function loadedFlows(result: ImportResult) {
  return planFiles(result)
    .filter((f) => f.kind === 'flow')
    .map((f) => {
      const loaded = parseFlowText(f.text, join('/tmp', f.path));
      assert.deepEqual(
        loaded.diagnostics.filter((d) => d.severity === 'error'),
        [],
        `${f.path} validates:\n${f.text}`,
      );
      return loaded.flow!;
    });
}
