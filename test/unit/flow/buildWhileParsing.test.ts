/**
 * Building a flow while the subset parser reads it (StepSink, buildFlowWhileParsing) must give
 * what parsing whole and building after gives: same flow, same ids, same diagnostics. The loader
 * takes the ordinary way when asked for the syntax tree (onSyntax), so comparing the two answers
 * of parseFlowText compares the two ways.
 */
import assert from 'node:assert/strict';
import type { Node as YamlNode } from 'yaml';
import type { FlowDiagnostic } from '../../../src/core/errors';
import { parseFlowText } from '../../../src/core/flow/load';
import { BUILD_AGAIN, buildFlowWhileParsing } from '../../../src/core/flow/validate';
import { lineCounterFor, parseYamlSubset, type StepSink } from '../../../src/core/flow/yamlSubset';

/** The items a sink is handed, as `phase[index]@line`. */
function sunk(text: string): string[] {
  const seen: string[] = [];
  const lineCounter = lineCounterFor(text);
  const sink: StepSink = {
    stepItem(phase, _list, index, item: YamlNode) {
      seen.push(`${phase}[${index}]@${lineCounter.linePos(item.range![0]).line}`);
    },
  };
  assert.ok(parseYamlSubset(text, { lineCounter, steps: sink }), 'in the subset');
  return seen;
}

function bothWays(text: string): void {
  const whileParsing = parseFlowText(text, 'f.yaml');
  const ordinary = parseFlowText(text, 'f.yaml', { onSyntax() {} });
  assert.deepStrictEqual(whileParsing, ordinary, text);
}

function whileParsing(text: string): ReturnType<typeof buildFlowWhileParsing> {
  const lineCounter = lineCounterFor(text);
  const diagnostics: FlowDiagnostic[] = [];
  return buildFlowWhileParsing(text, lineCounter, 'f.yaml', diagnostics, (sink) =>
    parseYamlSubset(text, { lineCounter, steps: sink }),
  );
}

const PLAIN = `flow:
  name: plain
  setup:
    - action: log
      config: {message: a}
  steps:
    - id: one
      action: http_request
      config: {url: "http://x"}
      assert: ["status == 200"]
    - action: condition
      config:
        condition: "true"
        then:
          - action: log
            config: {message: nested}
  teardown:
  - action: log
    config: {message: z}
`;

describe('building the flow while parsing', () => {
  it('hands the sink the items of the root phase lists, and of the root flow: mapping, nothing deeper', () => {
    assert.deepEqual(sunk(PLAIN), ['setup[0]@4', 'steps[0]@7', 'steps[1]@11', 'teardown[0]@18']);
    assert.deepEqual(sunk('name: bare\nsteps:\n  - action: log\n  - action: log\n'), ['steps[0]@3', 'steps[1]@4']);
    // `steps` lists under other keys, nested ones, flow-style ones and a mapping value are not phase lists.
    assert.deepEqual(
      sunk(
        [
          'env:',
          '  steps:',
          '    - a',
          'flow:',
          '  name: x',
          '  config:',
          '    steps:',
          '      - b',
          '  steps: [{action: log}]',
          'other:',
          '  flow:',
          '    steps:',
          '      - c',
        ].join('\n'),
      ),
      [],
    );
    assert.deepEqual(sunk('flow:\n  steps:\n    - - action: log\n'), ['steps[0]@3']);
  });

  it('builds a plain flow while parsing, and gives it back as the ordinary way does', () => {
    const flow = whileParsing(PLAIN);
    assert.ok(flow && flow !== BUILD_AGAIN);
    assert.deepEqual(
      [...flow.setup, ...flow.steps, ...flow.teardown].map((s) => s.id),
      ['setup_0', 'one', 'steps_1', 'teardown_0'],
    );
    assert.equal(flow.steps[1].blocks[0].steps[0].id, 'steps_1.then_0');
    bothWays(PLAIN);
  });

  it('leaves to the ordinary way a flow that does not use every list it built', () => {
    // A root `steps:` next to `flow:` is ignored with a warning; a repeated key keeps its first value.
    const ignored = 'steps:\n  - id: a\n    action: log\nflow:\n  name: x\n  steps:\n    - id: a\n      action: log\n';
    assert.equal(whileParsing(ignored), BUILD_AGAIN);
    bothWays(ignored);
    const repeated = 'name: x\nsteps:\n  - id: a\n    action: log\nsteps:\n  - id: a\n    action: log\n';
    assert.equal(whileParsing(repeated), BUILD_AGAIN);
    bothWays(repeated);
  });

  it('gives the same ids, flows and diagnostics as the ordinary way on tricky texts', () => {
    const texts = [
      // teardown written first: ids are numbered in the order written
      'name: x\nteardown:\n  - id: a\n    action: log\nsteps:\n  - id: a\n    action: log\n  - id: a\n    action: log\n',
      // a problem inside a step, an unknown key, an unknown action with a suggestion
      'flow:\n  name: x\n  steps:\n    - action: htp_request\n      bogus: 1\n    - id: "bad id"\n      action: log\n',
      // items that are not steps, an empty item, a bare scalar list
      'name: x\nsteps:\n  -\n  - 3\n  - [a]\n  - action: log\n',
      // steps merged in from a mapping: built after parsing, after the explicit ones
      'flow:\n  name: x\n  <<:\n    steps:\n      - id: m\n        action: log\n  teardown:\n    - id: m\n      action: log\n',
      // a tab in a later step: the subset parser gives up half way; the yaml package reads it
      'name: x\nsteps:\n  - action: log\n  - action: log\n    config:\n\t  message: tab\n',
      // a repeated key inside a step: reported before anything is built
      'name: x\nsteps:\n  - action: log\n    action: delay\n',
      // nesting deeper than allowed inside a step
      `name: x\nsteps:\n  - action: log\n    config:\n      message: ${'['.repeat(70)}${']'.repeat(70)}\n`,
      // the root is a list; flow: is a list; no steps at all
      '- action: log\n',
      'flow:\n  - steps:\n    - action: log\n',
      'flow:\n  name: x\n',
      // an anchor with no alias stays on the fast way; with an alias the whole text goes the ordinary way
      'name: x\nsteps: &s\n  - &one\n    action: log\n',
      'name: x\nsteps:\n  - &one\n    action: log\n  - *one\n',
      // a duplicated id across setup and nested steps, and parallel branches
      'name: x\nsetup:\n  - id: p\n    action: log\nsteps:\n  - id: p\n    action: parallel\n    config:\n      branches:\n        - steps:\n            - id: p\n              action: log\n',
    ];
    for (const text of texts) bothWays(text);
  });
});
