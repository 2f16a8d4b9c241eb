/**
 * TestMesh's project file, `.testmesh.yaml` (what `testmesh init` writes): named `environments`
 * whose keys are variables, the default environment (`environment:`), and the default step
 * `timeout`. Keys we do not use (`version`, `api_url`, `plugins`, …) are accepted and ignored.
 * The file is hostile input like a flow: size-limited, parsed without alias expansion surprises,
 * every error naming file, line and column.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { parseDuration } from './duration';
import { TestMeshError } from './errors';
import { formatBytes } from './format';
import { allSteps, type FlowDef, type StepDef } from './flow/types';

export const PROJECT_FILE_NAME = '.testmesh.yaml';
/** A project file is a page of settings; anything larger is refused before parsing. */
const MAX_PROJECT_FILE_BYTES = 256 * 1024;
const ENVIRONMENT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export interface ProjectEnvironment {
  name: string;
  variables: Record<string, string>;
  /** 1-based line of the environment's key, for "open the file there". */
  line: number;
}

export interface ProjectFile {
  file: string;
  environments: ProjectEnvironment[];
  /** `environment:` (or `defaults.environment`): the environment used when none is chosen. */
  defaultEnvironment?: string;
  /** `timeout:` (or `defaults.timeout`): the time limit of a step that sets none. */
  defaultStepTimeoutMs?: number;
}

function positionOf(node: YamlNode | null | undefined, lines: LineCounter): { line: number; column: number } {
  const offset = node?.range?.[0] ?? 0;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** Parses the text of a `.testmesh.yaml`; throws a TestMeshError at the offending line. */
export function parseProjectFile(text: string, file: string): ProjectFile {
  if (Buffer.byteLength(text, 'utf8') > MAX_PROJECT_FILE_BYTES)
    throw new TestMeshError(`the project file is larger than ${formatBytes(MAX_PROJECT_FILE_BYTES)}`, file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const { line, col } = lines.linePos(syntax.pos[0]);
    throw new TestMeshError(`YAML syntax: ${syntax.message.split('\n')[0]}`, file, { line, column: col });
  }
  const project: ProjectFile = { file, environments: [] };
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return project;
  if (!isMap(root))
    throw new TestMeshError(
      'the project file must be a mapping of keys (environments, timeout, …)',
      file,
      positionOf(root as YamlNode, lines),
    );

  const scalarText = (node: unknown, what: string): string => {
    if (!isScalar(node) || node.value === null || typeof node.value === 'object')
      throw new TestMeshError(`${what} must be a single value`, file, positionOf(node as YamlNode, lines));
    return String(node.value);
  };
  const readSettings = (map: unknown) => {
    if (!isMap(map)) return;
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key === 'environment' && pair.value !== null)
        project.defaultEnvironment = scalarText(pair.value, 'environment');
      if (key === 'timeout' && pair.value !== null) {
        const value = pair.value as YamlNode;
        const raw = scalarText(value, 'timeout');
        // TestMesh writes durations (`30s`); a bare number is taken as seconds, as its CLI config does.
        const duration = /^\d+(\.\d+)?$/.test(raw) ? `${raw}s` : raw;
        try {
          project.defaultStepTimeoutMs = parseDuration(duration, 'timeout');
        } catch (err) {
          throw new TestMeshError((err as Error).message, file, positionOf(value, lines));
        }
        if (!(project.defaultStepTimeoutMs > 0))
          throw new TestMeshError('timeout must be longer than 0', file, positionOf(value, lines));
      }
    }
  };
  readSettings(root);
  readSettings(root.get('defaults', true));

  const environments = root.get('environments', true);
  if (environments !== undefined && environments !== null && !(isScalar(environments) && environments.value === null)) {
    if (!isMap(environments))
      throw new TestMeshError(
        'environments must be a mapping: a name, then its variables',
        file,
        positionOf(environments as YamlNode, lines),
      );
    for (const pair of environments.items) {
      const name = scalarText(pair.key, 'an environment name');
      if (!ENVIRONMENT_NAME.test(name))
        throw new TestMeshError(
          `environment name ${JSON.stringify(name)} must be letters, digits, _ . -`,
          file,
          positionOf(pair.key as YamlNode, lines),
        );
      let body = pair.value as unknown;
      // `name: {variables: {...}}` and `name: {KEY: value}` both occur in TestMesh's docs.
      if (isMap(body) && isMap(body.get('variables', true))) body = body.get('variables', true);
      const variables: Record<string, string> = Object.create(null);
      if (body !== null && body !== undefined && !(isScalar(body) && body.value === null)) {
        if (!isMap(body))
          throw new TestMeshError(
            `environment ${name} must be a mapping of variables (KEY: value)`,
            file,
            positionOf(body as YamlNode, lines),
          );
        for (const item of body.items) {
          const key = scalarText(item.key, `a variable name of environment ${name}`);
          if (item.value === null || (isScalar(item.value) && item.value.value === null)) variables[key] = '';
          else variables[key] = scalarText(item.value, `${name}.${key}`);
        }
      }
      project.environments.push({ name, variables, line: positionOf(pair.key as YamlNode, lines).line });
    }
  }
  if (
    project.defaultEnvironment !== undefined &&
    !project.environments.some((e) => e.name === project.defaultEnvironment)
  ) {
    // TestMesh's own default name ('development') is often left in place with other environments: not an error.
    project.defaultEnvironment = project.environments.length === 1 ? project.environments[0].name : undefined;
  }
  return project;
}

/** Reads `<folder>/.testmesh.yaml`; undefined when there is none. */
export async function readProjectFile(folder: string): Promise<ProjectFile | undefined> {
  return readProjectFileAt(join(folder, PROJECT_FILE_NAME), false);
}

/** Reads a project file by path; `required` makes a missing file an error (`--config FILE`). */
export async function readProjectFileAt(file: string, required = true): Promise<ProjectFile | undefined> {
  let info;
  try {
    info = await stat(file);
  } catch {
    if (required) throw new TestMeshError('no such project file', file);
    return undefined;
  }
  if (!info.isFile()) throw new TestMeshError('the project file is not a file', file);
  if (info.size > MAX_PROJECT_FILE_BYTES)
    throw new TestMeshError(`the project file is larger than ${formatBytes(MAX_PROJECT_FILE_BYTES)}`, file);
  return parseProjectFile(await readFile(file, 'utf8'), file);
}

/** The environment called `name`, or an error listing the ones there are. */
export function projectEnvironment(project: ProjectFile, name: string): ProjectEnvironment {
  const found = project.environments.find((e) => e.name === name);
  if (found) return found;
  const known = project.environments.map((e) => e.name);
  throw new TestMeshError(
    `no environment '${name}' in ${PROJECT_FILE_NAME}${known.length ? ` (it has: ${known.join(', ')})` : ' (it defines none)'}`,
    project.file,
  );
}

/**
 * The flow with the project's default time limit on every step that does the work itself and
 * sets no limit: not on steps that hold other steps (a `for_each` of many calls would otherwise be
 * cut at one call's limit), nor on steps whose action has a `timeout` of its own (`wait_until`, …).
 * Returns a copy when anything changes (parsed flows may be shared), else the flow itself.
 */
export function applyDefaultStepTimeout(flow: FlowDef, timeoutMs: number | undefined): FlowDef {
  const applies = (step: StepDef) =>
    step.timeoutMs === undefined && step.blocks.length === 0 && step.config.timeout === undefined;
  if (timeoutMs === undefined || !allSteps(flow).some(applies)) return flow;
  const copy = structuredClone(flow);
  for (const step of allSteps(copy)) if (applies(step)) step.timeoutMs = timeoutMs;
  return copy;
}
