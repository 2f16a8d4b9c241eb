/**
 * The launch arguments of a `testmesh` debug session (the contract of launch.json and of
 * `testmesh debug-adapter`): `flow`, `envFile`, `environment`, `variables`, `stopOnEntry`, plus
 * `stopAtStep` and `noDebug`. Keys that VS Code or launch.json add on their own are accepted; any
 * other key is an error with a did-you-mean, so a typo never silently changes a session.
 */
import { TestMeshError } from '../errors';
import { editDistance } from '../flow/suggest';

export interface LaunchArgs {
  /** Path of the flow file (relative paths are taken from the adapter's working directory). */
  flow: string;
  /** A .env file whose values are the run's environment (over `environment`). */
  envFile?: string;
  /** A named environment of the workspace. */
  environment?: string;
  /** Run variables, as `--var` would set them. */
  variables: Record<string, unknown>;
  /** Stop before the first step. */
  stopOnEntry: boolean;
  /** Stop before this step (a step id of the flow); used by the Test Explorer's Debug on a step. */
  stopAtStep?: string;
  /** Run without breakpoints or stops (VS Code's "Run Without Debugging"). */
  noDebug: boolean;
  /** Working directory for relative paths (defaults to the adapter's). */
  cwd?: string;
  /** Set by the VS Code extension on launches it starts for a Test Explorer run (`__testmeshRun`). */
  hostRun?: string;
}

const CONTRACT = [
  'flow',
  'envFile',
  'environment',
  'variables',
  'stopOnEntry',
  'stopAtStep',
  'noDebug',
  'cwd',
] as const;

/** Keys VS Code, launch.json and common DAP clients add to every configuration. */
const HOST_KEYS = new Set([
  'type',
  'request',
  'name',
  'preLaunchTask',
  'postDebugTask',
  'internalConsoleOptions',
  'presentation',
  'debugServer',
  'suppressMultipleSessionWarning',
  'linux',
  'osx',
  'windows',
  'console',
  'env',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function optionalString(args: Record<string, unknown>, key: string): string | undefined {
  const value = args[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string')
    throw new TestMeshError(`launch argument '${key}' must be a string, got ${typeof value}`);
  return value;
}

function optionalBoolean(args: Record<string, unknown>, key: string): boolean {
  const value = args[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean')
    throw new TestMeshError(`launch argument '${key}' must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** ` (did you mean 'stopOnEntry'?)` for a key a few typos away from a contract name. */
function didYouMean(key: string): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of CONTRACT) {
    const max = name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
    const d = editDistance(key.toLowerCase(), name.toLowerCase(), max);
    if (d <= max && d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best ? ` (did you mean '${best}'?)` : '';
}

/** Validates launch arguments; throws a TestMeshError that names the bad key. */
export function parseLaunchArgs(raw: unknown): LaunchArgs {
  if (!isPlainObject(raw)) throw new TestMeshError('launch arguments must be an object with at least "flow"');
  for (const key of Object.keys(raw)) {
    if ((CONTRACT as readonly string[]).includes(key) || HOST_KEYS.has(key) || key.startsWith('__')) continue;
    throw new TestMeshError(
      `unknown launch argument '${key}'${didYouMean(key)}; the arguments are ${CONTRACT.slice(0, 5).join(', ')} (and stopAtStep, noDebug, cwd)`,
    );
  }
  const flow = optionalString(raw, 'flow');
  if (!flow) throw new TestMeshError('launch argument "flow" is required: the path of the flow file to debug');
  const variables = raw.variables ?? {};
  if (!isPlainObject(variables))
    throw new TestMeshError('launch argument "variables" must be an object of names and values');
  return {
    flow,
    envFile: optionalString(raw, 'envFile'),
    environment: optionalString(raw, 'environment'),
    variables,
    stopOnEntry: optionalBoolean(raw, 'stopOnEntry'),
    stopAtStep: optionalString(raw, 'stopAtStep'),
    noDebug: optionalBoolean(raw, 'noDebug'),
    cwd: optionalString(raw, 'cwd'),
    hostRun: typeof raw.__testmeshRun === 'string' ? raw.__testmeshRun : undefined,
  };
}
