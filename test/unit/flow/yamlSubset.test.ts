/**
 * The subset YAML parser (src/core/flow/yamlSubset.ts) against the `yaml` package: on every text
 * it accepts, the same tree (shape, values, scalar styles, anchors, ranges); everything else goes
 * to the `yaml` package, so diagnostics stay exactly what they were.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatDiagnostic } from '../../../src/core/errors';
import { parseFlowText } from '../../../src/core/flow/load';
import { parseYamlSubset } from '../../../src/core/flow/yamlSubset';
import { mulberry32 } from '../support/random';
import { lines } from './helpers';
import { diffWithYaml } from './yamlDiff';
import { randomYaml } from './yamlGen';

// out/test/unit/flow -> repository root
const ROOT = resolve(__dirname, '..', '..', '..', '..');

function flowFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...flowFiles(path));
    else if (/\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out;
}

describe('YAML subset parser', function () {
  this.timeout(60_000);

  it('builds the same tree as the yaml package for 1,500 random documents, and parses most of them itself', () => {
    let same = 0;
    for (let seed = 0; seed < 1500; seed++) {
      const text = randomYaml(mulberry32(seed));
      const outcome = diffWithYaml(text);
      if (outcome.kind === 'different') assert.fail(`seed ${seed}: ${outcome.where}\n${text}`);
      if (outcome.kind === 'same') same++;
    }
    // The generator writes rare forms on purpose (|+, odd keys); the rest must be ours.
    assert.ok(same > 900, `only ${same} of 1500 documents parsed by the subset`);
  });

  it('parses every example flow of the repository itself, with the same tree', () => {
    const files = [...flowFiles(join(ROOT, 'examples')), ...flowFiles(join(ROOT, 'test', 'e2e', 'fixtures'))];
    assert.ok(files.length >= 10);
    for (const file of files) {
      assert.deepEqual(diffWithYaml(readFileSync(file, 'utf8')), { kind: 'same' }, file);
    }
  });

  it('leaves everything outside the subset to the yaml package', () => {
    const outside = [
      '%YAML 1.2\n---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      'a: !!str 1\n',
      '? a\n: b\n',
      'a:\r\n  b: 1\r\n',
      'a:\tb\n',
      'a: "multi\n  line"\n',
      '&x a: 1\n',
      'a: |+\n  kept\n\n',
      'a: |2\n    x\n',
      '[a: b]\n',
      '{a, b}\n',
      'a: b: c\n',
      '- a\nb: c\n',
      'a:\n  b: 1\n   c: 2\n',
      'a: [1, 2\n',
      'a: "unterminated\n',
      'a: *\n',
    ];
    for (const text of outside) assert.equal(parseYamlSubset(text), undefined, JSON.stringify(text));
  });

  it('finds duplicate keys in small, large and flow mappings, at the repeated key', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `  k${i}: ${i}`);
    const text = lines('a: 1', 'b: {x: 1, y: 2, x: 3}', 'c:', ...keys, '  k7: again', 'a: 2');
    const expected = [text.indexOf('x: 3'), text.indexOf('k7: again'), text.lastIndexOf('a: 2')];
    assert.deepEqual(parseYamlSubset(text)?.duplicateKeys, expected);
  });

  it('reports duplicate keys with the same message on both paths', () => {
    const flow = (extra: string) =>
      lines(
        extra,
        'flow:',
        '  name: x',
        '  steps:',
        '    - action: log',
        '      config: {message: hi, message: again}',
      );
    const fast = parseFlowText(flow('# plain'), 'f.yaml').diagnostics.map(formatDiagnostic);
    const slow = parseFlowText(flow('%YAML 1.2\n---'), 'f.yaml').diagnostics.map(formatDiagnostic);
    assert.deepEqual(fast, ["f.yaml:6:29: error: duplicate key 'message' in the same mapping"]);
    assert.deepEqual(slow, ["f.yaml:7:29: error: duplicate key 'message' in the same mapping"]);
  });

  it('resolves plain scalars by the YAML 1.2 core schema, as the yaml package does', () => {
    const tree = parseYamlSubset(
      '[~, null, Null, true, False, 0o17, 0x1F, -12, +3, 1.5, .5, 1e3, -.inf, .NaN, yes, on, 0.1.2, 1_000, "1", \'true\']\n',
    );
    const values = (tree?.contents as unknown as { items: { value: unknown }[] }).items.map((item) => item.value);
    assert.deepEqual(values, [
      null,
      null,
      null,
      true,
      false,
      15,
      31,
      -12,
      3,
      1.5,
      0.5,
      1000,
      -Infinity,
      NaN,
      'yes',
      'on',
      '0.1.2',
      '1_000',
      '1',
      'true',
    ]);
  });
});
