/** `assert`: checks expressions against `data`, whose keys are visible at top level (and as `data`). */
import { checkAssertions, type AssertionSource } from '../engine/assertions';
import { TestMeshError } from '../errors';
import { optionalList } from './config';
import { registerAction } from './registry';

function toAssertion(entry: unknown): AssertionSource {
  if (typeof entry === 'string') return { expression: entry };
  if (entry && typeof entry === 'object' && typeof (entry as AssertionSource).expression === 'string') {
    const { expression, message } = entry as AssertionSource;
    return { expression, message: typeof message === 'string' ? message : undefined };
  }
  throw new TestMeshError('config.assertions must be a list of expressions (strings or {expression, message})');
}

registerAction({
  name: 'assert',
  honoursSignal: true,
  rawConfigKeys: ['assertions'],
  async run(config, ctx) {
    const assertions = (optionalList(config, 'assertions') ?? []).map(toAssertion);
    checkAssertions(assertions, ctx.expressionScope(config.data, { data: config.data }));
    return config.data;
  },
});
