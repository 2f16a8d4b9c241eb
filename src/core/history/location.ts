/**
 * Where history lives when nobody says otherwise: outside the user's repository, in a
 * per-workspace folder under the user's state directory (XDG), so runs never dirty a checkout.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';

/** `$XDG_STATE_HOME/testmesh/<name>-<hash>`, else `~/.local/state/testmesh/<name>-<hash>`. */
export function defaultHistoryDir(workspace: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = resolve(workspace);
  const xdg = env.XDG_STATE_HOME;
  const stateHome = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'state');
  const hash = createHash('sha256').update(root).digest('hex').slice(0, 16);
  // The folder name keeps a readable hint of the workspace; the hash keeps it unique.
  const hint =
    basename(root)
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .slice(0, 40) || 'workspace';
  return join(stateHome, 'testmesh', `${hint}-${hash}`);
}
