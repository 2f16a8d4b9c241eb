/** `condition`: evaluates an expression and runs the `then` or the `else` steps. */
import { TestMeshError } from '../errors';
import { isTruthy } from '../expr';
import { registerAction } from './registry';

registerAction({
  name: 'condition',
  rawConfigKeys: ['condition'],
  async run(config, ctx) {
    const expression = config.condition;
    if (typeof expression !== 'string' && typeof expression !== 'boolean')
      throw new TestMeshError('config.condition must be an expression');
    const value = typeof expression === 'boolean' ? expression : isTruthy(ctx.evaluate(expression));
    const key = value ? 'then' : 'else';
    const block = ctx.step.blocks.find((b) => b.key === key);
    if (block) {
      const outcome = await ctx.runBlock(block);
      if (outcome.failed) throw new TestMeshError(`'${key}' branch failed: ${outcome.error}`);
    }
    return { condition: value, branch: block ? key : 'none' };
  },
});
