/**
 * What a test needs from the machine (a database server, a broker's jars): there, or the suite is
 * skipped with a message saying how to install it. Under CI=true a missing piece fails instead,
 * because CI's own scripts (.ci/) install everything the tests use.
 */

/** True when tests run in CI (where a missing server fails its tests, not skips them). */
export function inCi(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/**
 * For a mocha `before` hook: returns when `missing` is undefined; otherwise throws under CI, or skips
 * the suite locally, with `missing` (what is missing and how to install it) in the message.
 */
export function requireOrSkip(ctx: Mocha.Context, what: string, missing: string | undefined): void {
  if (missing === undefined) return;
  if (inCi()) throw new Error(`${missing} — CI is set, so the ${what} must run (.ci/ installs what they need)`);
  console.warn(`\n  !!!!! SKIPPING the ${what}: ${missing} !!!!!\n`);
  ctx.skip();
}
