/** Repeated step ids, as TestMesh allows them: accepted, unique in events, later results win, ambiguity warned. */
import assert from 'node:assert/strict';
import { referenceId, allSteps } from '../../../src/core/flow/types';
import { lines, loadOk } from '../flow/helpers';
import { runRecorded, stepOf } from '../helpers';

const SHARED = lines(
  'flow:',
  '  name: shared ids',
  '  setup:',
  '    - id: cleanup',
  '      action: log',
  '      config: {message: before}',
  '  steps:',
  '    - id: check',
  '      action: assert',
  '      config:',
  '        data: {seen: "{{cleanup.message}}"}',
  '        assertions: ["seen == \'before\'"]',
  '  teardown:',
  '    - id: cleanup',
  '      action: log',
  '      config: {message: after}',
  '    - id: report',
  '      action: log',
  '      config: {message: "last cleanup said {{cleanup.message}}"}',
  '      assert:',
  '        - message == "last cleanup said after"',
);

describe('compat: repeated step ids', () => {
  it('accepts an id shared by setup and teardown, giving the repeat a unique id and keeping the written one', () => {
    const { flow } = loadOk(SHARED);
    const ids = allSteps(flow).map((s) => s.id);
    assert.deepEqual(ids, ['cleanup', 'check', 'cleanup@2', 'report']);
    const repeat = flow.teardown[0];
    assert.equal(repeat.writtenId, 'cleanup');
    assert.equal(referenceId(repeat), 'cleanup');
    assert.equal(repeat.name, 'cleanup');
    assert.deepEqual(repeat.idRange?.start, { line: 14, column: 11 });
  });

  it('warns where a reference becomes ambiguous, naming both steps with line:column, and only there', () => {
    const { warnings } = loadOk(SHARED);
    assert.deepEqual(warnings, [
      "/flows/f.yaml:17:11: warning: step 'report': '{{cleanup.message}}' in its config is ambiguous: 2 steps with id 'cleanup' have run by then (setup at 4:11, teardown at 14:11); it reads the last of them, as TestMesh does. Give the steps different ids to say which one you mean",
    ]);
  });

  it('warns for names read by assertions and when', () => {
    const { warnings } = loadOk(
      lines(
        'flow:',
        '  name: x',
        '  steps:',
        '    - id: a',
        '      action: log',
        '      config: {message: one}',
        '    - id: a',
        '      action: log',
        '      config: {message: two}',
        '    - id: b',
        '      action: log',
        '      when: a.message != nil',
        '      config: {message: x}',
        '      assert:',
        '        - len(a.message) == 3',
      ),
    );
    assert.equal(warnings.length, 2);
    assert.match(
      warnings[0],
      /^\/flows\/f\.yaml:10:11: warning: step 'b': its 'when' \(a\.message != nil\) is ambiguous: 2 steps with id 'a' have run by then \(steps at 4:11, steps at 7:11\)/,
    );
    assert.match(
      warnings[1],
      /^\/flows\/f\.yaml:15:11: warning: step 'b': the assertion 'len\(a\.message\) == 3' is ambiguous/,
    );
  });

  it('finds a reference spelled with an escape, and references among many repeated ids', () => {
    const escaped = loadOk(
      lines(
        'flow:',
        '  name: x',
        '  steps:',
        '    - id: zz',
        '      action: log',
        '      config: {message: one}',
        '    - id: zz',
        '      action: log',
        '      config: {message: two}',
        '    - id: b',
        '      action: log',
        '      config: {message: x}',
        '      assert:',
        `        - '"{{\\u007a\\u007a.message}}" == "two"'`,
      ),
    ).warnings;
    assert.equal(escaped.length, 1);
    assert.match(
      escaped[0],
      /^\/flows\/f\.yaml:14:11: warning: step 'b': the assertion .* is ambiguous: 2 steps with id 'zz'/,
    );

    // More repeated ids than are searched for in each text: every text is read, as before.
    const ids = Array.from({ length: 20 }, (_, i) => `s${i}`);
    const many = loadOk(
      lines(
        'flow:',
        '  name: x',
        '  steps:',
        ...[...ids, ...ids].flatMap((id) => [`    - id: ${id}`, '      action: log', '      config: {message: m}']),
        '    - id: last',
        '      action: log',
        '      config: {message: "{{s7.message}}"}',
      ),
    ).warnings;
    assert.equal(many.length, 1);
    assert.match(many[0], /step 'last': '\{\{s7\.message\}\}' in its config is ambiguous: 2 steps with id 's7'/);
  });

  it('gives nested steps of a repeated step their own ids', () => {
    const { flow } = loadOk(
      lines(
        'flow:',
        '  name: x',
        '  steps:',
        '    - id: loop',
        '      action: for_each',
        '      config:',
        '        items: [1]',
        '        steps: [{action: log, config: {message: a}}]',
        '    - id: loop',
        '      action: for_each',
        '      config:',
        '        items: [1]',
        '        steps: [{action: log, config: {message: b}}]',
      ),
    );
    assert.deepEqual(
      allSteps(flow).map((s) => s.id),
      ['loop', 'loop.steps_0', 'loop@2', 'loop@2.steps_0'],
    );
  });

  it('runs them: distinct event ids, and a reference reads the latest step to have run', async () => {
    const run = await runRecorded(SHARED, {});
    assert.equal(run.result.status, 'completed', JSON.stringify(run.result.steps));
    assert.deepEqual(
      run.result.steps.map((s) => `${s.step_id}:${s.phase}:${s.status}`),
      ['cleanup:setup:completed', 'check:steps:completed', 'cleanup@2:teardown:completed', 'report:teardown:completed'],
    );
    const started = run.events
      .filter((e) => e.type === 'step.started')
      .map((e) => (e.data as { step_id: string }).step_id);
    assert.deepEqual(started, ['cleanup', 'check', 'cleanup@2', 'report']);
    assert.equal(stepOf(run, 'cleanup@2').name, 'cleanup');
  });

  it('later outputs win, as in TestMesh', async () => {
    const run = await runRecorded(
      lines(
        'flow:',
        '  name: outputs',
        '  setup:',
        '    - id: make',
        '      action: transform',
        '      config: {input: {v: 1}, transforms: {v: $.v}}',
        '      output: {value: $.v}',
        '  steps:',
        '    - id: make',
        '      action: transform',
        '      config: {input: {v: 2}, transforms: {v: $.v}}',
        '      output: {value: $.v}',
        '    - id: read',
        '      action: assert',
        '      config: {data: {}, assertions: ["value == 2", "make.value == 2"]}',
      ),
      {},
    );
    assert.equal(run.result.status, 'completed', JSON.stringify(run.result.steps));
  });
});
