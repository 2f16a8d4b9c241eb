/** Typed reads of the `testmesh.*` settings (declared in package.json's `contributes.configuration`). */
import { DEFAULT_FLOW_GLOBS } from '../core/discovery';
import type { VSCode } from './vscodeTypes';

export interface Settings {
  /** Globs (relative to each workspace folder) that name flow files; the defaults when unset or empty. */
  flowGlobs: string[];
  /** Globs of YAML files never listed as flows. */
  excludeGlobs: string[];
  codeLensFlow: boolean;
  codeLensStep: boolean;
  openPanelOnRun: boolean;
  /** Rewrite relative run_flow paths when flow files move in the editor. */
  updateRunFlowPathsOnMove: boolean;
  serverEnabled: boolean;
  /** 0 = any free port. */
  serverPort: number;
  /** Files or folders outside the workspace that flows may read (machine-scoped: a workspace cannot widen it). */
  allowOutsideWorkspace: string[];
}

export const SECTION = 'testmesh';

export function readSettings(vscode: VSCode): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const globList = (key: string) => {
    const configured = config.get<unknown>(key);
    return Array.isArray(configured)
      ? [...new Set(configured.filter((g): g is string => typeof g === 'string' && g.trim() !== ''))]
      : [];
  };
  const globs = globList('flowGlobs');
  const port = config.get<unknown>('server.port');
  const outside = config.get<unknown>('allowOutsideWorkspace');
  return {
    flowGlobs: globs.length ? globs : [...DEFAULT_FLOW_GLOBS],
    excludeGlobs: globList('excludeGlobs'),
    codeLensFlow: config.get<boolean>('codeLens.flow') !== false,
    codeLensStep: config.get<boolean>('codeLens.step') !== false,
    openPanelOnRun: config.get<boolean>('openPanelOnRun') === true,
    updateRunFlowPathsOnMove: config.get<boolean>('updateRunFlowPathsOnMove') !== false,
    serverEnabled: config.get<boolean>('server.enabled') !== false,
    serverPort: typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 0,
    allowOutsideWorkspace: Array.isArray(outside)
      ? outside.filter((p): p is string => typeof p === 'string' && p.trim() !== '')
      : [],
  };
}
