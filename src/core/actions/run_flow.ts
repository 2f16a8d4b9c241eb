/** `run_flow`: runs another flow as part of this one; its captured outputs become this step's result. */
import { TestMeshError } from '../errors';
import { optionalBoolean, optionalMap, requireString } from './config';
import { registerAction } from './registry';

registerAction({
  name: 'run_flow',
  async run(config, ctx) {
    const reference = requireString(config, 'flow');
    const input = optionalMap(config, 'input') ?? {};
    const inheritEnv = optionalBoolean(config, 'inherit_env') ?? true;
    const outcome = await ctx.runSubflow(reference, input, inheritEnv);
    if (outcome.status !== 'completed')
      throw new TestMeshError(`flow '${reference}' ${outcome.status}: ${outcome.error ?? ''}`.trimEnd());
    return { ...outcome.outputs, status: outcome.status, outputs: outcome.outputs };
  },
});
