/** `for_each`: runs the nested steps once per item, with `item` (or `item_name`) and `index` set. */
import { TestMeshError } from '../errors';
import { optionalString } from './config';
import { registerAction } from './registry';

const MAX_ITEMS = 100_000;

registerAction({
  name: 'for_each',
  async run(config, ctx) {
    let items = config.items;
    // A string that is not already a list is an expression that yields one (`body.users`).
    if (typeof items === 'string') items = ctx.evaluate(items);
    if (!Array.isArray(items))
      throw new TestMeshError(`config.items must be a list, got ${items === null ? 'nil' : typeof items}`);
    if (items.length > MAX_ITEMS)
      throw new TestMeshError(`config.items has ${items.length} items; the limit is ${MAX_ITEMS}`);
    const itemName = optionalString(config, 'item_name') ?? 'item';
    const block = ctx.step.blocks.find((b) => b.key === 'steps');
    if (!block) return { iterations: 0, items: items.length };
    for (let index = 0; index < items.length; index++) {
      const outcome = await ctx.runBlock(block, { extra: { [itemName]: items[index], index }, instance: `[${index}]` });
      if (outcome.failed) throw new TestMeshError(`iteration ${index} failed: ${outcome.error}`);
      if (ctx.signal.aborted) break;
    }
    return { iterations: items.length, items: items.length };
  },
});
