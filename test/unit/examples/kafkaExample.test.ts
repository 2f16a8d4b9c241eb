/**
 * examples/flows/kafka-events.flow.yaml through the real CLI (`testmesh run --reporter json`)
 * against the test run's Apache Kafka broker: every Kafka step runs and passes. (Without
 * KAFKA_BROKERS the example passes by logging a note: examples.test.ts covers that.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { RunReport } from '../../../src/core/report';
import { CLI, CLI_SUITE_TIMEOUT_MS, REPO_ROOT as ROOT, runCli } from '../../support/cli';
import { sharedKafka, sharedKafkaOrSkip } from '../../support/kafka';

describe('examples: Kafka', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);

  before(async function () {
    this.timeout(240_000);
    await sharedKafkaOrSkip(this, 'Kafka example');
    if (!existsSync(CLI)) {
      const build = spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(build.status, 0, `building dist/cli.js failed:\n${build.stderr}`);
    }
  });

  it('kafka-events.flow.yaml runs all its Kafka steps when KAFKA_BROKERS is set', async () => {
    const { brokers } = await sharedKafka();
    const result = await runCli(
      [
        'run',
        'examples/flows/kafka-events.flow.yaml',
        '--env-file',
        'examples/.env.example',
        '--var',
        `KAFKA_BROKERS=${brokers}`,
        '--reporter',
        'json',
      ],
      { cwd: ROOT },
    );
    let report: RunReport;
    try {
      report = JSON.parse(result.stdout) as RunReport;
    } catch {
      throw new Error(`no JSON report (exit ${result.code})\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    }
    const flow = report.flows[0];
    assert.equal(flow?.status, 'passed', `${JSON.stringify(flow, null, 2)}\nstderr:\n${result.stderr}`);
    assert.equal(result.code, 0);
    const ran = flow.steps.filter((s) => s.action.startsWith('kafka') && s.status === 'passed').map((s) => s.step_id);
    assert.deepEqual(ran, [
      'create_topic',
      'list_topics',
      'other_order',
      'place_order',
      'order_event',
      'read_all',
      'delete_topic',
    ]);
  });
});
