/** `parallel`: runs branches at once, at most `max_concurrent` at a time; `fail_fast` cancels the rest on a failure. */
import { linkedAbort } from '../cancellation';
import { TestMeshError } from '../errors';
import { optionalBoolean, optionalNumber } from './config';
import { registerAction } from './registry';

registerAction({
  name: 'parallel',
  async run(config, ctx) {
    const branches = ctx.step.blocks.filter((b) => b.key.startsWith('branches['));
    const limit = optionalNumber(config, 'max_concurrent') ?? 0;
    const failFast = optionalBoolean(config, 'fail_fast') ?? true;
    const width = limit > 0 ? Math.min(limit, branches.length) : branches.length;

    const branchesSignal = linkedAbort(ctx.signal);
    const errors: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < branches.length) {
        const branch = branches[next++];
        const outcome = await ctx.runBlock(branch, { signal: branchesSignal.signal });
        if (outcome.failed) {
          errors.push(`${branch.key}: ${outcome.error}`);
          if (failFast) branchesSignal.abort(new TestMeshError('another branch failed'));
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: width }, worker));
    } finally {
      branchesSignal.dispose();
    }
    if (errors.length)
      throw new TestMeshError(`${errors.length} of ${branches.length} branches failed: ${errors.join('; ')}`);
    // TestMesh's names too: branches_total, branches_failed, results.branch_<n>.status.
    const results = Object.fromEntries(branches.map((_, i) => [`branch_${i}`, { status: 'completed' }]));
    return { branches: branches.length, failed: 0, branches_total: branches.length, branches_failed: 0, results };
  },
});
