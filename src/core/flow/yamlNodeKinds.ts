/**
 * What kind of YAML syntax node a value is: the `yaml` package's isMap, isSeq, isScalar and
 * isAlias, with the same rule (the node's `Symbol.for('yaml.node.type')` property), written here
 * so that the loader's calls are plain function calls. The bundle imports the `yaml` package as
 * CommonJS, and each call to one of its exports goes through a getter first: the loader asks
 * about a node kind a few hundred thousand times for a long flow, and in a fresh process, before
 * the getters are optimised away, that cost more than the checks themselves.
 */
import type { Alias, Scalar, YAMLMap, YAMLSeq } from 'yaml';

export const NODE_TYPE = Symbol.for('yaml.node.type');
export const MAP = Symbol.for('yaml.map');
export const SEQ = Symbol.for('yaml.seq');
export const SCALAR = Symbol.for('yaml.scalar');
export const ALIAS = Symbol.for('yaml.alias');
export const PAIR = Symbol.for('yaml.pair');

type Tagged = { [NODE_TYPE]?: symbol };

export function isMap<K = unknown, V = unknown>(node: unknown): node is YAMLMap<K, V> {
  return !!node && typeof node === 'object' && (node as Tagged)[NODE_TYPE] === MAP;
}

export function isSeq<T = unknown>(node: unknown): node is YAMLSeq<T> {
  return !!node && typeof node === 'object' && (node as Tagged)[NODE_TYPE] === SEQ;
}

export function isScalar<T = unknown>(node: unknown): node is Scalar<T> {
  return !!node && typeof node === 'object' && (node as Tagged)[NODE_TYPE] === SCALAR;
}

export function isAlias(node: unknown): node is Alias {
  return !!node && typeof node === 'object' && (node as Tagged)[NODE_TYPE] === ALIAS;
}
