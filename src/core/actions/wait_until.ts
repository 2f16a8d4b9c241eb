/**
 * `wait_until`: re-checks a condition every `interval` until it holds or `max_duration` passes.
 * Optional nested `steps` run before each check, so a flow can poll an endpoint until its answer changes.
 */
import { formatDuration } from '../format';
import { TestMeshError } from '../errors';
import { isTruthy } from '../expr';
import { sleep } from '../cancellation';
import { optionalDuration, optionalString } from './config';
import { registerAction } from './registry';

/** The result, with TestMesh's field names (`met`, `timed_out`, `condition`) next to ours (`satisfied`). */
function result(condition: string, met: boolean, attempts: number, elapsedMs: number) {
  return { satisfied: met, met, timed_out: !met, condition, attempts, elapsed_ms: elapsedMs };
}

registerAction({
  name: 'wait_until',
  rawConfigKeys: ['condition'],
  async run(config, ctx) {
    const condition = config.condition;
    if (typeof condition !== 'string') throw new TestMeshError('config.condition must be an expression');
    const maxMs = optionalDuration(config, 'max_duration') ?? 30_000;
    const intervalMs = optionalDuration(config, 'interval') ?? 1000;
    const onTimeout = optionalString(config, 'on_timeout') ?? 'fail';
    if (onTimeout !== 'fail' && onTimeout !== 'continue')
      throw new TestMeshError(`config.on_timeout must be fail or continue, got ${JSON.stringify(onTimeout)}`);
    const block = ctx.step.blocks.find((b) => b.key === 'steps');
    const started = Date.now();
    let attempts = 0;
    for (;;) {
      attempts++;
      if (block) {
        const outcome = await ctx.runBlock(block, { instance: `[${attempts - 1}]` });
        if (outcome.failed) throw new TestMeshError(`attempt ${attempts} failed: ${outcome.error}`);
      }
      if (isTruthy(ctx.evaluate(condition))) return result(condition, true, attempts, Date.now() - started);
      const elapsed = Date.now() - started;
      if (elapsed + intervalMs > maxMs) {
        if (onTimeout === 'continue') {
          ctx.log('warn', `wait_until: ${condition} still false after ${formatDuration(elapsed)}; continuing`);
          return result(condition, false, attempts, elapsed);
        }
        throw new TestMeshError(`${condition} still false after ${attempts} checks in ${formatDuration(elapsed)}`);
      }
      await sleep(intervalMs, ctx.signal);
    }
  },
});
