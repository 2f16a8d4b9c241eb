// One convention for durations, sizes and values on every surface: core/format.ts is
// the only place that writes them, and the CLI, editor and web UI show what it writes.
import * as assert from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TimeoutError } from '../../../src/core/engine/errors';
import { compactJson, formatBytes, formatDuration, formatValue, isFinished, oneLine } from '../../../src/core/format';
import { stepStateText } from '../../../src/core/stepStateText';
import { formatDiffValue } from '../../../src/extension/outputText';
import { unlistedText } from '../../../src/extension/unlistedFiles';
import * as webFormat from '../../../src/webview/format';

describe('formatters (core/format.ts)', () => {
  it('writes durations with the unit after a space, carrying rounding into the next unit', () => {
    const cases: Array<[number, string]> = [
      [0, '0.00 ms'],
      [0.39, '0.39 ms'],
      [207.4, '207 ms'],
      [999.4, '999 ms'],
      [999.6, '1.00 s'],
      [1740, '1.74 s'],
      [9_994, '9.99 s'],
      [9_996, '10.0 s'],
      [12_500, '12.5 s'],
      [59_940, '59.9 s'],
      [59_960, '1m 00s'],
      [119_600, '2m 00s'],
      [125_000, '2m 05s'],
      [3_599_600, '1h 00m'],
      [3_723_000, '1h 02m'],
      [-5, '0.00 ms'],
    ];
    for (const [ms, text] of cases) assert.strictEqual(formatDuration(ms), text, `formatDuration(${ms})`);
    assert.strictEqual(formatDuration(undefined), '');
    assert.strictEqual(formatDuration(Number.NaN), '');
  });

  it('writes sizes in binary units with IEC names, one decimal at most', () => {
    const cases: Array<[number, string]> = [
      [0, '0 B'],
      [347, '347 B'],
      [1023, '1023 B'],
      [1024, '1 KiB'],
      [1536, '1.5 KiB'],
      [1024 * 1024 - 1, '1 MiB'],
      [4 * 1024 * 1024, '4 MiB'],
      [5.25 * 1024 * 1024 * 1024, '5.3 GiB'],
    ];
    for (const [bytes, text] of cases) assert.strictEqual(formatBytes(bytes), text, `formatBytes(${bytes})`);
    assert.strictEqual(formatBytes(undefined), '');
  });

  it('writes values as JSON, compact or indented exactly as JSON.stringify lays them out', () => {
    const samples: unknown[] = [
      { a: [1, 'x', null, true], b: {}, c: [], d: { e: { f: 'deep' } } },
      [],
      {},
      'text "quoted"',
      42,
      [[1, 2], { k: [] }],
    ];
    for (const value of samples) {
      assert.strictEqual(formatValue(value, Infinity), JSON.stringify(value));
      assert.strictEqual(formatValue(value, Infinity, 2), JSON.stringify(value, null, 2));
    }
    assert.strictEqual(formatValue(['abc', 'abc', 'abc', 'abc'], 20), '["abc","abc","abc","…');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.strictEqual(formatValue(cyclic, Infinity, 2), '{\n  "a": 1,\n  "self": …\n}');
    // A huge array costs what its first `limit` characters cost.
    assert.ok(formatValue(new Array(100_000).fill(1), 50).length <= 51);
  });

  it('says which executions are finished, from a status or a summary', () => {
    for (const status of ['completed', 'failed', 'cancelled'] as const) {
      assert.ok(isFinished(status));
      assert.ok(isFinished({ status }));
    }
    for (const status of ['pending', 'running'] as const) assert.ok(!isFinished(status));
  });

  it('is what the CLI, the editor, the web UI and error messages show', () => {
    assert.strictEqual(webFormat.formatDuration, formatDuration, 'the web UI uses the core formatter');
    assert.strictEqual(webFormat.formatBytes, formatBytes);
    assert.strictEqual(webFormat.isFinished, isFinished);
    assert.strictEqual(stepStateText('passed', { durationMs: 2100 }), `✓ ${formatDuration(2100)}`);
    assert.strictEqual(new TimeoutError('GET /x', 80).message.endsWith('timed out after 80 ms'), true);
    assert.strictEqual(
      unlistedText({ reason: 'too_big', size: 5 << 20, limit: 4 << 20 }, []).startsWith('5 MiB'),
      true,
    );
    assert.strictEqual(formatDiffValue({ a: 1 }), '{\n  "a": 1\n}');
    assert.strictEqual(formatDiffValue(undefined), 'undefined');
  });

  it('is the only code in src that writes durations and sizes by hand', () => {
    const root = join(__dirname, '../../../../src');
    const handMade = [
      /\.toFixed\([^)]*\)\} ?m?s\b/, // `${(ms / 1000).toFixed(2)} s`
      /\$\{[^}`]*\/ 1024[^}`]*\}/, // `${bytes / 1024 / 1024} MB`
      /\} ?(KB|MB|KiB|MiB|GB)\b/,
    ];
    const offenders: string[] = [];
    const visit = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (entry.name.endsWith('.ts') && !path.endsWith(join('core', 'format.ts'))) {
          readFileSync(path, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (handMade.some((re) => re.test(line)))
                offenders.push(`${relative(root, path)}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    visit(root);
    assert.deepStrictEqual(offenders, [], 'format with core/format.ts instead');
  });

  it('writes previews on one line: compact JSON (String() where JSON has none), cut with an ellipsis', () => {
    assert.equal(compactJson({ a: [1, 'x'] }), '{"a":[1,"x"]}');
    assert.equal(compactJson(undefined), 'undefined');
    assert.equal(compactJson(10n), '10');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.equal(compactJson(cycle), '[object Object]');
    assert.equal(oneLine('a\n  b\tc', 10), 'a b c');
    assert.equal(oneLine('abcdefghij', 10), 'abcdefghij');
    assert.equal(oneLine('abcdefghijk', 10), 'abcdefghi…');
  });
});
