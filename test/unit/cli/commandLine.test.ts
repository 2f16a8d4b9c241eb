// What every testmesh command says when it cannot run (cli/commandLine.ts).
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { cannotRun, parseCommand, readEnvFiles, usageMistake } from '../../../src/cli/commandLine';
import { UsageError } from '../../../src/cli/flags';
import type { Io } from '../../../src/cli/run';
import { TestMeshError } from '../../../src/core/errors';
import { tempWorkspace } from '../helpers';

function captureIo(cwd = process.cwd()): { io: Io; out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { io: { stdout, stderr, cwd }, out: () => out, err: () => err };
}

const USAGE = 'Usage: testmesh thing <file>';
const parseThing = (argv: readonly string[]) => {
  if (argv.length !== 1) throw new UsageError('thing needs exactly one file');
  return { file: argv[0] };
};

describe('CLI: a command that cannot run (cli/commandLine.ts)', () => {
  it('--help prints the usage on standard output and exits 0', () => {
    const c = captureIo();
    assert.equal(parseCommand(['--help'], c.io, USAGE, parseThing), 0);
    assert.equal(parseCommand(['-h'], c.io, USAGE, parseThing), 0);
    assert.equal(c.out(), `${USAGE}\n${USAGE}\n`);
    assert.equal(c.err(), '');
  });

  it('a command-line mistake prints the problem, then the usage, and exits 2; good arguments are returned', () => {
    const c = captureIo();
    assert.equal(parseCommand([], c.io, USAGE, parseThing), 2);
    assert.equal(c.err(), `testmesh: thing needs exactly one file\n\n${USAGE}\n`);
    assert.deepEqual(parseCommand(['a.yaml'], c.io, USAGE, parseThing), { file: 'a.yaml' });
  });

  it('an error that is no command-line mistake is thrown on', () => {
    const c = captureIo();
    const bug = new TypeError('a bug');
    assert.throws(() => usageMistake(c.io, bug, USAGE), bug);
    assert.equal(c.err(), '');
  });

  it('other problems print one line with file, line and column where known, and exit 2', () => {
    const c = captureIo();
    assert.equal(cannotRun(c.io, new TestMeshError('bad value', 'a.yaml', { line: 3, column: 5 })), 2);
    assert.equal(cannotRun(c.io, new Error('no such file')), 2);
    assert.equal(c.err(), 'testmesh: a.yaml:3:5: bad value\ntestmesh: no such file\n');
  });

  it('reads --env-file files in order, a later file winning, relative to the working folder', async () => {
    const dir = tempWorkspace({ 'a.env': 'A=1\nB=from-a\n', 'b.env': 'B=from-b\nC=3\n' });
    assert.deepEqual(await readEnvFiles(['a.env', 'b.env'], captureIo(dir).io), { A: '1', B: 'from-b', C: '3' });
    assert.deepEqual(await readEnvFiles([], captureIo(dir).io), {});
  });
});
