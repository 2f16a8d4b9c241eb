/**
 * The built CLI (dist/cli.js) as a test runs it: a child process of this Node, colours off, its
 * output collected. A machine under heavy load (a load average of 20 on 2 cores happens while
 * several builds run) can take many seconds to start a process, so the timeout is generous, and it is
 * the child's own: a CLI that hangs is killed and the test fails naming the command and what it
 * printed, instead of the suite timing out around it.
 */
import { spawn } from 'node:child_process';
import { relative, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const CLI = resolve(REPO_ROOT, 'dist/cli.js');

/** How long one CLI process may take before it counts as hung. */
export const CLI_TIMEOUT_MS = 150_000;
/** For a mocha suite of CLI runs: above CLI_TIMEOUT_MS, so a hung CLI fails with its own message. */
export const CLI_SUITE_TIMEOUT_MS = CLI_TIMEOUT_MS + 30_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Written to the CLI's stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return runNode([CLI, ...args], `testmesh ${args.join(' ')}`, options);
}

/** Another Node script of the repository that runs the CLI itself (examples/start.mjs), on runCli's terms. */
export function runNodeScript(script: string, args: string[], options: CliOptions): Promise<CliResult> {
  return runNode([script, ...args], `node ${[relative(REPO_ROOT, script), ...args].join(' ')}`, options);
}

function runNode(nodeArgs: string[], command: string, options: CliOptions): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? CLI_TIMEOUT_MS;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, nodeArgs, {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    // Decoded as a stream, so that a character split between two chunks (▶, ✓) stays whole.
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${command} ran over ${timeoutMs} ms and was killed:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}
