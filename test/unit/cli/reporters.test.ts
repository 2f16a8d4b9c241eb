/**
 * The exact output of the github, markdown, junit and json reporters for one real run through
 * the CLI: nested steps, a retried step, skipped and cancelled steps, a failed assertion, an
 * invalid flow, and a secret that must not appear anywhere.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../../../src/core/report';
import { CLI, CLI_SUITE_TIMEOUT_MS, type CliResult } from '../../support/cli';
import { tempWorkspace } from '../helpers';
import { cli, SECRET, shopSuite, startShopApi, withoutTimes } from './reportFixture';

describe('CLI reporters: github, markdown, junit, json', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);
  let root: string;
  let run: CliResult;
  const read = (name: string) => readFileSync(join(root, 'project', name), 'utf8');

  before(async () => {
    assert.ok(existsSync(CLI), 'dist/cli.js is built (npm test builds it first)');
    const api = await startShopApi();
    try {
      root = tempWorkspace(shopSuite());
      writeFileSync(join(root, 'summary.md'), 'earlier step summary\n');
      run = await cli(
        [
          'run',
          'flows',
          '--var',
          `BASE_URL=${api.url}`,
          '--secret',
          `API_TOKEN=${SECRET}`,
          '--timeout',
          '1s',
          '--reporter',
          'github,markdown,junit,json',
          '--output',
          'out/summary.md',
          '--output',
          'out/junit.xml',
          '--output',
          'out/report.json',
        ],
        join(root, 'project'),
        { GITHUB_WORKSPACE: root, GITHUB_STEP_SUMMARY: join(root, 'summary.md') },
      );
    } finally {
      await api.close();
    }
  });

  it('exits 2 (an invalid flow) and keeps the secret out of every output', () => {
    assert.equal(run.code, 2, run.stderr);
    for (const text of [
      run.stdout,
      run.stderr,
      read('out/summary.md'),
      read('out/junit.xml'),
      read('out/report.json'),
      readFileSync(join(root, 'summary.md'), 'utf8'),
    ])
      assert.ok(!text.includes(SECRET), 'the secret is masked');
  });

  it('github: one workflow command per failure, at its YAML line, paths relative to the repository root', () => {
    assert.equal(
      run.stdout,
      [
        "::error file=project/flows/broken.flow.yaml,line=5,col=15,endLine=5,endColumn=27,title=flows/broken.flow.yaml%3A invalid flow::step 'x': http_request needs 'url' in its config",
        '::error file=project/flows/shop.flow.yaml,line=34,col=11,title=Shop | checkout › Token is echoed::assertion failed: body.auth == "nope": got body.auth = "Bearer ***"%0Aexpected: "nope"%0Aactual: "Bearer ***"',
        '::error file=project/flows/slow.flow.yaml,line=4,col=7,title=Slow › Slow call::execution timed out after 1.00 s',
        '',
      ].join('\n'),
    );
  });

  const SUMMARY = [
    '## ❌ TestMesh: 4 flows, 1 passed, 2 failed, 1 invalid in <t>',
    '',
    '| | Flow | File | Steps | Duration |',
    '|---|---|---|---|---|',
    '| ⚠️ | flows/broken.flow.yaml | `flows/broken.flow.yaml` | invalid flow | – |',
    '| ✅ | Health | `flows/ok.flow.yaml` | 1 passed | <t> |',
    '| ❌ | Shop \\| checkout | `flows/shop.flow.yaml` | 5 passed, 1 failed, 2 skipped | <t> |',
    '| ❌ | Slow | `flows/slow.flow.yaml` | 1 passed, 1 failed, 1 skipped | <t> |',
    '',
    '### ⚠️ flows/broken.flow.yaml',
    '',
    "- `flows/broken.flow.yaml:5:15` step 'x': http\\_request needs 'url' in its config",
    '',
    '### ❌ Shop \\| checkout',
    '',
    '- **Token is echoed** (`flows/shop.flow.yaml:34`) failed: assertion failed: body.auth == "nope": got body.auth = "Bearer \\*\\*\\*"',
    '  - expression: `body.auth == "nope"`',
    '  - expected: `"nope"`',
    '  - actual: `"Bearer ***"`',
    '',
    '### ❌ Slow',
    '',
    '- **Slow call** (`flows/slow.flow.yaml:4`) failed: execution timed out after <t>',
    '',
  ].join('\n');

  it('markdown: the summary file, exactly', () => {
    assert.equal(withoutTimes(read('out/summary.md')), SUMMARY);
  });

  it('github: the same summary is appended to $GITHUB_STEP_SUMMARY', () => {
    assert.equal(withoutTimes(readFileSync(join(root, 'summary.md'), 'utf8')), `earlier step summary\n${SUMMARY}\n`);
  });

  it('junit: failures carry expected, actual and file:line; skipped and cancelled steps are skipped', () => {
    assert.equal(
      withoutTimes(read('out/junit.xml')),
      `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="testmesh" tests="13" failures="2" errors="1" time="<t>">
  <testsuite name="flows/broken.flow.yaml" file="flows/broken.flow.yaml" tests="1" failures="0" errors="1" skipped="0" time="<t>">
    <testcase classname="flows/broken.flow.yaml" name="validate" file="flows/broken.flow.yaml" time="<t>">
      <error message="5:15: step &apos;x&apos;: http_request needs &apos;url&apos; in its config" type="ValidationError">flows/broken.flow.yaml:5:15: error: step &apos;x&apos;: http_request needs &apos;url&apos; in its config</error>
    </testcase>
  </testsuite>
  <testsuite name="Health" file="flows/ok.flow.yaml" tests="1" failures="0" errors="0" skipped="0" time="<t>">
    <testcase classname="Health" name="steps: GET /health" file="flows/ok.flow.yaml" line="4" time="<t>"/>
  </testsuite>
  <testsuite name="Shop | checkout" file="flows/shop.flow.yaml" tests="8" failures="1" errors="0" skipped="2" time="<t>">
    <testcase classname="Shop | checkout" name="steps: Flaky endpoint" file="flows/shop.flow.yaml" line="4" time="<t>"/>
    <testcase classname="Shop | checkout" name="steps: Get item" file="flows/shop.flow.yaml" line="16" time="<t>"/>
    <testcase classname="Shop | checkout" name="steps: Get item" file="flows/shop.flow.yaml" line="16" time="<t>"/>
    <testcase classname="Shop | checkout" name="steps: Each item" file="flows/shop.flow.yaml" line="10" time="<t>"/>
    <testcase classname="Shop | checkout" name="steps: Only on Sundays" file="flows/shop.flow.yaml" line="21" time="<t>">
      <skipped message="when: false is false"/>
    </testcase>
    <testcase classname="Shop | checkout" name="steps: Token is echoed" file="flows/shop.flow.yaml" line="34" time="<t>">
      <failure message="assertion failed: body.auth == &quot;nope&quot;: got body.auth = &quot;Bearer ***&quot; (expected &quot;nope&quot;, actual &quot;Bearer ***&quot;)" type="AssertionError">assertion failed: body.auth == &quot;nope&quot;: got body.auth = &quot;Bearer ***&quot;
expression: body.auth == &quot;nope&quot;
expected: &quot;nope&quot;
actual: &quot;Bearer ***&quot;
at flows/shop.flow.yaml:34:11</failure>
    </testcase>
    <testcase classname="Shop | checkout" name="steps: Never reached" file="flows/shop.flow.yaml" line="35" time="<t>">
      <skipped message="an earlier step failed"/>
    </testcase>
    <testcase classname="Shop | checkout" name="teardown: Clean up" file="flows/shop.flow.yaml" line="40" time="<t>"/>
  </testsuite>
  <testsuite name="Slow" file="flows/slow.flow.yaml" tests="3" failures="1" errors="0" skipped="1" time="<t>">
    <testcase classname="Slow" name="steps: Slow call" file="flows/slow.flow.yaml" line="4" time="<t>">
      <failure message="execution timed out after <t>" type="StepError">execution timed out after <t>
at flows/slow.flow.yaml:4:7</failure>
    </testcase>
    <testcase classname="Slow" name="steps: After the slow call" file="flows/slow.flow.yaml" line="8" time="<t>">
      <skipped message="cancelled"/>
    </testcase>
    <testcase classname="Slow" name="teardown: Say goodbye" file="flows/slow.flow.yaml" line="13" time="<t>"/>
  </testsuite>
</testsuites>
`,
    );
  });

  it('json: the suite, every step with its line, attempts and status; no events unless sharded', () => {
    const report = JSON.parse(read('out/report.json')) as RunReport;
    assert.match(report.suite!.id, /^[0-9a-f]{16}$/);
    assert.deepEqual(report.suite, { id: report.suite!.id, flows: 4 });
    const steps = (file: string) =>
      report.flows
        .find((f) => f.file === file)!
        .steps.map((s) => [s.step_id, s.status, s.attempts, s.line, s.error ?? '', s.assertion?.line ?? 0]);
    assert.deepEqual(steps('flows/shop.flow.yaml'), [
      ['flaky', 'passed', 3, 4, '', 0],
      ['get_item[0]', 'passed', 1, 16, '', 0],
      ['get_item[1]', 'passed', 1, 16, '', 0],
      ['items', 'passed', 1, 10, '', 0],
      ['optional', 'skipped', 0, 21, 'when: false is false', 0],
      ['check', 'failed', 1, 26, 'assertion failed: body.auth == "nope": got body.auth = "Bearer ***"', 34],
      ['after', 'skipped', 0, 35, 'an earlier step failed', 0],
      ['cleanup', 'passed', 1, 40, '', 0],
    ]);
    assert.deepEqual(steps('flows/slow.flow.yaml'), [
      ['wait', 'failed', 1, 4, 'execution timed out after 1.00 s', 0],
      ['next', 'skipped', 0, 8, 'cancelled', 0],
      ['bye', 'passed', 1, 13, '', 0],
    ]);
    // Unsharded, the report leaves out the events and step details (only merge-reports needs them;
    // mergeReports.test.ts checks that a shard's report carries them).
    for (const flow of report.flows) {
      assert.equal(flow.events, undefined, flow.file);
      assert.equal(flow.details, undefined, flow.file);
    }
  });
});
