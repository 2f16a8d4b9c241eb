/** `log`: writes a message to the execution's log. */
import type { LogLevel } from '../events';
import { TestMeshError } from '../errors';
import { stringifyValue } from '../template';
import { optionalString } from './config';
import { registerAction } from './registry';

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

registerAction({
  name: 'log',
  honoursSignal: true,
  async run(config, ctx) {
    const message = stringifyValue(config.message);
    const level = optionalString(config, 'level') ?? 'info';
    if (!LEVELS.has(level))
      throw new TestMeshError(`config.level must be one of debug, info, warn, error, got ${JSON.stringify(level)}`);
    ctx.log(level as LogLevel, message);
    return { message, level };
  },
});
