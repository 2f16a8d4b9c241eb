import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../../src/core/errors';
import { DEFAULT_MAX_BYTES, parseFlowText } from '../../../src/core/flow/load';
import { MAX_NESTING_DEPTH } from '../../../src/core/flow/limits';
import { lines } from './helpers';

const NESTING = `the YAML nests deeper than ${MAX_NESTING_DEPTH} levels of mappings and lists; a flow never needs that many (refused)`;

/** A flow whose one log step carries `value` (one line of YAML) in its config. */
function flowWith(value: string): string {
  return lines('flow:', '  name: x', '  steps:', '    - action: log', `      config: {message: hi, x: ${value}}`);
}

function only(text: string): string[] {
  return parseFlowText(text, 'f.yaml').diagnostics.map(formatDiagnostic);
}

describe('flow loading limits (hostile input is refused, quickly and clearly)', function () {
  // Each case is refused in milliseconds; the generous timeout only catches a real hang.
  this.timeout(10_000);

  it('refuses an alias bomb (billion laughs) before expanding it', () => {
    const anchors = ['  lol0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++)
      anchors.push(
        `  lol${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const text = lines(
      'flow:',
      '  name: bomb',
      '  env:',
      ...anchors.map((a) => `  ${a}`),
      '  steps:',
      '    - action: log',
      '      config: {message: hi}',
    );
    const { flow, diagnostics } = parseFlowText(text, 'f.yaml');
    assert.equal(flow, undefined);
    assert.deepEqual(diagnostics.map(formatDiagnostic), [
      "f.yaml:9:16: error: aliases ('*name') expand to more than 100000 extra values (refused, this looks like an alias bomb)",
    ]);
  });

  it('refuses a wide alias bomb too', () => {
    const text = lines(
      'a: &a [' + Array(2000).fill('1').join(',') + ']',
      'flow:',
      '  name: x',
      '  env: {x: [' + Array(100).fill('*a').join(',') + ']}',
      '  steps: [{action: log, config: {message: hi}}]',
    );
    assert.match(only(text).join('\n'), /expand to more than 100000 extra values/);
  });

  it('still expands a reasonable number of aliases', () => {
    const steps = Array.from(
      { length: 300 },
      (_, i) => `    - {id: s${i}, action: http_request, config: {url: "http://x/${i}", headers: *h}}`,
    );
    const text = lines(
      'x-headers: &h {accept: application/json, x-trace: "1"}',
      'flow:',
      '  name: x',
      '  steps:',
      ...steps,
    );
    const { flow, diagnostics } = parseFlowText(text, 'f.yaml');
    assert.deepEqual(diagnostics.map(formatDiagnostic), [
      "f.yaml:1:1: warning: unknown key 'x-headers' next to 'flow:' is ignored",
    ]);
    assert.deepEqual(flow?.steps[299].config.headers, { accept: 'application/json', 'x-trace': '1' });
  });

  it('reports aliases that name their own container instead of looping', () => {
    const text = lines(
      'flow:',
      '  name: x',
      '  steps:',
      '    - action: parallel',
      '      config:',
      '        branches: &b',
      '          - steps: [{action: parallel, config: {branches: *b}}]',
    );
    assert.deepEqual(only(text), ["f.yaml:7:59: error: alias '*b' refers to a node that contains it"]);
  });

  it('refuses nesting that only aliases make too deep', () => {
    const chain = ['  a0: &a0 ' + '['.repeat(30) + ']'.repeat(30)];
    for (let i = 1; i < 5; i++) chain.push(`  a${i}: &a${i} ${'['.repeat(30)}*a${i - 1}${']'.repeat(30)}`);
    const text = lines(
      'flow:',
      '  name: x',
      '  env:',
      ...chain.map((c) => `  ${c}`),
      '  steps: [{action: log, config: {message: hi}}]',
    );
    assert.deepEqual(only(text), [
      `f.yaml:6:43: error: with its aliases expanded, the YAML nests deeper than ${MAX_NESTING_DEPTH} levels (refused)`,
    ]);
  });

  it('refuses a file over 4 MiB before parsing it', () => {
    const text = flowWith('hi') + `# ${'x'.repeat(5 * 1024 * 1024)}\n`;
    assert.deepEqual(only(text), [
      'f.yaml:1:1: error: the file is too large: 5 MiB, flow files may have at most 4 MiB (refused)',
    ]);
    assert.equal(DEFAULT_MAX_BYTES, 4 * 1024 * 1024);
  });

  it('loads a generated flow of 10,000 steps (about 2 MB) under the default limit', function () {
    // Half a second on a quiet machine; a machine loaded twenty times over takes many.
    this.timeout(120_000);
    const steps = Array.from({ length: 10_000 }, (_, i) =>
      [
        `    - id: get_${i}`,
        '      action: http_request',
        '      config:',
        '        url: ${BASE}/items/{{next_id}}',
        `      assert: ["status == 200", "body.id == ${i}"]`,
        '      output: {next_id: $.body.next}',
      ].join('\n'),
    );
    const text = lines('flow:', '  name: big', '  steps:', ...steps);
    assert.ok(Buffer.byteLength(text) > 1.5 * 1024 * 1024);
    const { flow, diagnostics } = parseFlowText(text, 'f.yaml');
    assert.deepEqual(diagnostics, []);
    assert.equal(flow?.steps.length, 10_000);
    assert.deepEqual([flow?.steps[9999].range.start.line, flow?.steps[9999].actionRange?.start.column], [59998, 15]);
  });

  it('counts UTF-8 bytes, and takes another limit', () => {
    const text = flowWith('"' + 'é'.repeat(600) + '"');
    assert.ok(text.length < 1000);
    assert.deepEqual(parseFlowText(text, 'f.yaml', { maxBytes: 1000 }).diagnostics.map(formatDiagnostic), [
      'f.yaml:1:1: error: the file is too large: 1.2 KiB, flow files may have at most 1000 B (refused)',
    ]);
    assert.ok(parseFlowText(text, 'f.yaml', { maxBytes: 2000 }).flow);
  });

  it('refuses 10,000 levels of flow-style nesting', () => {
    assert.deepEqual(only('['.repeat(10_000) + ']'.repeat(10_000)), [`f.yaml:1:128: error: ${NESTING}`]);
    assert.deepEqual(only('{a: '.repeat(10_000) + '}'.repeat(10_000)), [`f.yaml:1:509: error: ${NESTING}`]);
    assert.deepEqual(only(flowWith('['.repeat(10_000) + ']'.repeat(10_000))), [`f.yaml:5:155: error: ${NESTING}`]);
  });

  it('refuses 10,000 levels of block nesting', () => {
    assert.deepEqual(only('- '.repeat(10_000) + 'x\n'), [`f.yaml:1:255: error: ${NESTING}`]);
    // Indentation nesting: 1400 levels is as deep as 1 MiB allows.
    const indented = Array.from({ length: 1400 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n';
    assert.deepEqual(only(indented), [`f.yaml:129:129: error: ${NESTING}`]);
  });

  it('refuses nesting even when it hides in strings and comments the quick scan cannot tell apart', () => {
    const text = lines(
      'flow:',
      '  name: "]]]]]]]]]]"',
      '  steps:',
      '    - action: log',
      `      config: {message: "${'['.repeat(200)}", x: ${'['.repeat(70)}${']'.repeat(70)}}`,
    );
    // Not deep enough for the quick scans to refuse; the exact check after parsing does, at the 65th level.
    assert.deepEqual(only(text), [`f.yaml:5:291: error: ${NESTING}`]);
  });

  it('allows exactly 64 levels and refuses 65', () => {
    // root (1) > flow (2) > steps list (3) > step (4) > config (5) > x: 59 lists -> 64
    assert.ok(parseFlowText(flowWith('['.repeat(59) + ']'.repeat(59)), 'f.yaml').flow);
    assert.deepEqual(only(flowWith('['.repeat(60) + ']'.repeat(60))), [`f.yaml:5:91: error: ${NESTING}`]);
  });

  it('accepts brackets inside quoted strings and block scalars', () => {
    const text = lines(
      'flow:',
      '  name: x',
      '  steps:',
      '    - action: log',
      '      config:',
      `        message: "${'['.repeat(300)}"`,
      '    - action: log',
      '      config:',
      '        message: |',
      `          ${'{'.repeat(300)}`,
    );
    const { flow, diagnostics } = parseFlowText(text, 'f.yaml');
    assert.deepEqual(diagnostics, []);
    assert.equal(flow?.steps[0].config.message, '['.repeat(300));
  });

  it('caps a cascade of YAML syntax errors', () => {
    const diagnostics = only('a: '.repeat(1000));
    assert.equal(diagnostics.length, 51);
    assert.match(diagnostics[50], /^f\.yaml:1:\d+: error: \d+ more YAML syntax errors not shown$/);
  });
});
