/**
 * `transform`: builds a new map from `input`. Each transform is a path into the input (`$.a.b`),
 * a field (`$name`), or a literal value.
 */
import { TestMeshError, errorMessage } from '../errors';
import { parseOutputPath, readPath } from '../path';
import { optionalMap } from './config';
import { registerAction } from './registry';

function applyTransform(input: unknown, spec: unknown): unknown {
  if (typeof spec !== 'string' || !spec.startsWith('$')) return spec;
  const path = spec.startsWith('$.') || spec.startsWith('$[') || spec === '$' ? spec : `$.${spec.slice(1)}`;
  return readPath(input, parseOutputPath(path));
}

registerAction({
  name: 'transform',
  honoursSignal: true,
  async run(config) {
    const input = config.input ?? {};
    const transforms = optionalMap(config, 'transforms') ?? {};
    const out: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(transforms)) {
      try {
        out[name] = applyTransform(input, spec);
      } catch (err) {
        throw new TestMeshError(`transform '${name}': ${errorMessage(err)}`);
      }
    }
    return out;
  },
});
