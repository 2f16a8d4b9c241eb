// One flag parser for every command: the same mistake gets the same message whichever
// command it is made on.
import * as assert from 'node:assert';
import { parseArgs, UsageError } from '../../../src/cli/args';
import { parseExportArgs } from '../../../src/cli/export';
import { colorFlag, keyValueFlags, parseFlags, wholeNumberFlag } from '../../../src/cli/flags';
import { parseReportArgs } from '../../../src/cli/historyReport';
import { parseImportArgs } from '../../../src/cli/import';
import { parseMergeArgs } from '../../../src/cli/mergeReports';
import { parseWatchArgs } from '../../../src/cli/watch';

/** Each command's parser with arguments it accepts, and one of its value options and one boolean. */
const COMMANDS: Array<{
  name: string;
  parse: (argv: string[]) => unknown;
  valid: string[];
  valueFlag: string;
  booleanFlag?: string;
}> = [
  {
    name: 'run',
    parse: (a) => parseArgs(['run', ...a]),
    valid: ['f.yaml'],
    valueFlag: '--jobs',
    booleanFlag: '--bail',
  },
  {
    name: 'validate',
    parse: (a) => parseArgs(['validate', ...a]),
    valid: ['f.yaml'],
    valueFlag: '',
    booleanFlag: '--json',
  },
  { name: 'serve', parse: (a) => parseArgs(['serve', ...a]), valid: [], valueFlag: '--port' },
  { name: 'init', parse: (a) => parseArgs(['init', ...a]), valid: [], valueFlag: '' },
  { name: 'watch', parse: (a) => parseWatchArgs(a), valid: [], valueFlag: '--grep', booleanFlag: '--bail' },
  { name: 'report', parse: (a) => parseReportArgs(a), valid: [], valueFlag: '--last', booleanFlag: '--no-color' },
  {
    name: 'merge-reports',
    parse: (a) => parseMergeArgs(a),
    valid: ['reports'],
    valueFlag: '--output',
    booleanFlag: '--color',
  },
  { name: 'import', parse: (a) => parseImportArgs(a), valid: ['x.json'], valueFlag: '--from', booleanFlag: '--force' },
  {
    name: 'export',
    parse: (a) => parseExportArgs(a),
    valid: ['f.yaml', '--to', 'curl'],
    valueFlag: '--step',
    booleanFlag: '--show-secrets',
  },
];

function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, `a UsageError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('no UsageError');
}

describe('CLI flags: one parser, one set of messages', () => {
  for (const command of COMMANDS) {
    describe(command.name, () => {
      it('accepts its own arguments', () => {
        assert.doesNotThrow(() => command.parse(command.valid));
      });

      it('names an unknown option and the command, written as given (also --x=v and -x)', () => {
        for (const written of ['--nope', '--nope=1', '-n'])
          assert.strictEqual(
            usageError(() => command.parse([...command.valid, written])),
            `unknown option ${written.split('=')[0]} for '${command.name}'`,
          );
      });

      if (command.valueFlag)
        it('says which option lacks its value', () => {
          assert.strictEqual(
            usageError(() => command.parse([...command.valid, command.valueFlag])),
            `${command.valueFlag} needs a value`,
          );
        });

      if (command.booleanFlag)
        it('refuses a value on an option that takes none', () => {
          assert.strictEqual(
            usageError(() => command.parse([...command.valid, `${command.booleanFlag}=yes`])),
            `${command.booleanFlag} takes no value`,
          );
        });
    });
  }

  it('reads --flag value and --flag=value alike, keeps repeats in order, and stops at --', () => {
    const flags = parseFlags('demo', ['a', '--out=x', '--out', 'y', '-o', 'z', '-', '--bail', '--', '--out', 'b'], {
      values: ['--out'],
      booleans: ['--bail'],
      aliases: { '-o': '--out' },
    });
    assert.deepStrictEqual(flags.positional, ['a', '-', '--out', 'b']);
    assert.deepStrictEqual(flags.many('--out'), ['x', 'y', 'z']);
    assert.strictEqual(flags.one('--out'), 'z');
    assert.ok(flags.has('--bail') && !flags.has('--nope'));
  });

  it('checks whole numbers, KEY=VALUE pairs and color the same way for every command', () => {
    const flags = parseFlags('demo', ['--n', '07', '--big', '300', '--var', 'A=1', '--var', 'B=x=y', '--no-color'], {
      values: ['--n', '--big', '--var', '--bad'],
      booleans: ['--no-color', '--color'],
    });
    assert.strictEqual(wholeNumberFlag(flags, '--n'), 7);
    assert.strictEqual(wholeNumberFlag(flags, '--missing'), undefined);
    assert.strictEqual(
      usageError(() => wholeNumberFlag(flags, '--big', { min: 1, max: 256 })),
      '--big must be a whole number from 1 to 256, got "300"',
    );
    assert.deepStrictEqual(keyValueFlags(flags, '--var'), { A: '1', B: 'x=y' });
    assert.strictEqual(colorFlag(flags), false);
    const bad = parseFlags('demo', ['--bad', 'novalue', '--n', '0'], { values: ['--bad', '--n'] });
    assert.strictEqual(
      usageError(() => keyValueFlags(bad, '--bad')),
      '--bad expects KEY=VALUE, got "novalue"',
    );
    assert.strictEqual(
      usageError(() => wholeNumberFlag(bad, '--n')),
      '--n must be a whole number >= 1, got "0"',
    );
    assert.strictEqual(usageError(() => parseArgs(['serve', '--port', '70000'])).startsWith('--port must be'), true);
    assert.strictEqual(
      usageError(() => parseReportArgs(['--last', 'x'])),
      '--last must be a whole number >= 1, got "x"',
    );
  });

  it("takes TestMesh's own CLI options as its scripts write them", () => {
    const run = (argv: string[]) => parseArgs(argv) as Extract<ReturnType<typeof parseArgs>, { command: 'run' }>;
    // -e is --env; -v/--verbose and --api-url have no effect on a local run; global options may come first.
    assert.strictEqual(run(['run', 'f.yaml', '-e', 'staging']).env, 'staging');
    assert.strictEqual(run(['run', 'f.yaml', '--env=staging', '-v', '--api-url', 'http://x:5016']).env, 'staging');
    const lifted = run(['--verbose', '--config', 'p.yaml', '--api-url=http://x', 'run', 'f.yaml', '-e', 'dev']);
    assert.deepStrictEqual(
      [lifted.command, lifted.paths, lifted.config, lifted.env],
      ['run', ['f.yaml'], 'p.yaml', 'dev'],
    );
    assert.strictEqual(run(['run', 'f.yaml']).notices, undefined);
    assert.deepStrictEqual(run(['run', 'f.yaml', '--graph']).notices, [
      '--graph (graph-aware execution: service: and endpoint: references) is not supported here; running without it',
    ]);
    assert.match(
      usageError(() => parseArgs(['run', 'f.yaml', '--remote'])),
      /^--remote sends the flow to a TestMesh API server/,
    );
    const validate = parseArgs(['-v', 'validate', 'f.yaml', '--config', 'p.yaml']);
    assert.deepStrictEqual(validate, { command: 'validate', paths: ['f.yaml'], json: false });
    // Only TestMesh's global options are lifted: anything else before the command is still a mistake.
    assert.match(
      usageError(() => parseArgs(['--jobs', '2', 'run', 'f.yaml'])),
      /unknown command '--jobs'/,
    );
  });
});
