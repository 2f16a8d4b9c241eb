import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  applyDefaultStepTimeout,
  parseProjectFile,
  projectEnvironment,
  readProjectFile,
} from '../../../src/core/projectFile';
import { readWorkspaceEnvironment } from '../../../src/core/workspaceEnvironments';
import { loadWorkspaceFlow } from '../../../src/core/workspaceFlows';
import { STARTER_PROJECT_FILE } from '../../../src/cli/init';
import { flowFrom, tempWorkspace } from '../helpers';

describe('.testmesh.yaml', () => {
  it('reads what testmesh init writes: environments, the default environment, the default timeout', () => {
    const project = parseProjectFile(STARTER_PROJECT_FILE, '/p/.testmesh.yaml');
    assert.deepEqual(
      project.environments.map((e) => e.name),
      ['development', 'staging'],
    );
    assert.equal(project.defaultEnvironment, 'development');
    assert.equal(project.defaultStepTimeoutMs, 30_000);
    assert.deepEqual(
      { ...projectEnvironment(project, 'development').variables },
      { BASE_URL: 'http://localhost:3000' },
    );
  });

  it("accepts TestMesh docs' other shapes: defaults:, variables:, numbers, unknown keys", () => {
    const project = parseProjectFile(
      'version: 1\nproject: x\napi_url: http://localhost:5016\nplugins: {kafka: {enabled: true}}\ndefaults:\n  environment: local\n  timeout: 10\nenvironments:\n  local:\n    variables:\n      PORT: 8080\n      DEBUG: true\n      EMPTY:\n',
      'f',
    );
    assert.equal(project.defaultEnvironment, 'local');
    assert.equal(project.defaultStepTimeoutMs, 10_000);
    assert.deepEqual({ ...project.environments[0].variables }, { PORT: '8080', DEBUG: 'true', EMPTY: '' });
  });

  it('forgets a default environment that is not defined, unless there is only one', () => {
    assert.equal(
      parseProjectFile('environment: development\nenvironments:\n  a: {X: 1}\n  b: {X: 2}\n', 'f').defaultEnvironment,
      undefined,
    );
    assert.equal(
      parseProjectFile('environment: development\nenvironments:\n  a: {X: 1}\n', 'f').defaultEnvironment,
      'a',
    );
  });

  it('names file, line and column of what is wrong', () => {
    assert.throws(
      () => parseProjectFile('environments:\n  dev:\n    BASE_URL: [1, 2]\n', '/p/.testmesh.yaml'),
      (err: Error & { describe(): string }) => {
        assert.match(err.describe(), /\/p\/\.testmesh\.yaml:3:15: dev\.BASE_URL must be a single value/);
        return true;
      },
    );
    assert.throws(
      () => parseProjectFile('timeout: soon\n', 'f'),
      (err: Error & { describe(): string }) => /^f:1:10: .*timeout/.test(err.describe()),
    );
    assert.throws(() => parseProjectFile('environments: [a]\n', 'f'), /environments must be a mapping/);
    assert.throws(() => parseProjectFile('a: [\n', 'f'), /YAML syntax/);
    assert.throws(
      () => projectEnvironment(parseProjectFile('environments: {dev: {}}', 'f'), 'prod'),
      /no environment 'prod' in \.testmesh\.yaml \(it has: dev\)/,
    );
  });

  it('gives the default timeout to steps that do the work and set none', () => {
    const flow = flowFrom(`flow:
  name: T
  steps:
    - id: a
      action: log
      config: { message: a }
    - id: b
      action: log
      timeout: 2s
      config: { message: b }
    - id: w
      action: wait_until
      config: { condition: "true", timeout: 1m }
    - id: loop
      action: for_each
      config:
        items: [1]
        steps:
          - id: inner
            action: log
            config: { message: x }
`);
    const original = JSON.stringify(flow);
    const flow2 = applyDefaultStepTimeout(flow, 30_000);
    assert.equal(JSON.stringify(flow), original, 'the parsed flow is left alone (it may be shared)');
    assert.equal(applyDefaultStepTimeout(flow, undefined), flow);
    const byId = Object.fromEntries(
      [...flow2.steps, ...flow2.steps[3].blocks.flatMap((b) => b.steps)].map((s) => [s.id, s.timeoutMs]),
    );
    assert.equal(byId.a, 30_000);
    assert.equal(byId.b, 2_000);
    assert.equal(byId.w, undefined);
    assert.equal(byId.loop, undefined);
    assert.equal(byId['inner'] ?? Object.entries(byId).find(([k]) => k.endsWith('inner'))?.[1], 30_000);
  });

  it('serves API runs: named environments come from it first, its timeout applies to loaded flows', async () => {
    const root = tempWorkspace({
      '.testmesh.yaml': 'timeout: 5s\nenvironments:\n  staging:\n    BASE_URL: http://staging\n',
      '.env.staging': 'BASE_URL=http://dotenv-staging\n',
      '.env.qa': 'BASE_URL=http://qa\n',
      'flows/a.yaml': 'flow:\n  name: A\n  steps:\n    - action: log\n      config: { message: hi }\n',
    });
    assert.deepEqual(await readWorkspaceEnvironment(root, 'staging'), { BASE_URL: 'http://staging' });
    assert.deepEqual({ ...(await readWorkspaceEnvironment(root, 'qa')) }, { BASE_URL: 'http://qa' });
    assert.equal((await loadWorkspaceFlow(root, 'flows/a.yaml')).steps[0].timeoutMs, 5_000);
    assert.equal(await readProjectFile(join(root, 'flows')), undefined);
  });
});
