/** `delay`: waits, and stops waiting at once on cancel. */
import { TestMeshError } from '../errors';
import { sleep } from '../cancellation';
import { optionalDuration } from './config';
import { registerAction } from './registry';

registerAction({
  name: 'delay',
  honoursSignal: true,
  async run(config, ctx) {
    const ms = optionalDuration(config, 'duration');
    if (ms === undefined) throw new TestMeshError('config.duration is required');
    await sleep(ms, ctx.signal);
    return { duration_ms: ms };
  },
});
