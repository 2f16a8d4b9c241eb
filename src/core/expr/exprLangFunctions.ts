/**
 * More of expr-lang's built-in functions (TestMesh's expression language), for flows that use
 * them: string, list and number helpers with expr-lang's names and argument order. Each checks its
 * arguments and fails with an ExpressionError naming the function, never a JavaScript TypeError.
 */
import { ExpressionError } from './lexer';
import type { CallNode } from './parser';

interface ExtraFunction {
  readonly arity: number;
  readonly call: (args: unknown[], node: CallNode) => unknown;
}

/** Longest text split/replace/toJSON produce; beyond it a flow is not testing anything real. */
const MAX_TEXT = 1_000_000;

function need(node: CallNode, what: string, value: unknown): ExpressionError {
  const shown =
    value === null || value === undefined
      ? 'nil'
      : Array.isArray(value)
        ? 'a list'
        : typeof value === 'object'
          ? 'an object'
          : (JSON.stringify(value)?.slice(0, 60) ?? typeof value);
  return new ExpressionError(`${node.name}() needs ${what}, got ${shown}`, node.start);
}

function text(value: unknown, node: CallNode, which = ''): string {
  if (typeof value !== 'string') throw need(node, `a string${which}`, value);
  return value;
}

function list(value: unknown, node: CallNode): unknown[] {
  if (!Array.isArray(value)) throw need(node, 'a list', value);
  return value;
}

function numbers(value: unknown, node: CallNode): number[] {
  const items = list(value, node);
  for (const item of items) if (typeof item !== 'number') throw need(node, 'a list of numbers', item);
  return items as number[];
}

function number(value: unknown, node: CallNode): number {
  if (typeof value !== 'number') throw need(node, 'a number', value);
  return value;
}

function capped(result: string, node: CallNode): string {
  if (result.length > MAX_TEXT)
    throw new ExpressionError(
      `${node.name}() would make a text of ${result.length} characters, at most ${MAX_TEXT} are allowed`,
      node.start,
    );
  return result;
}

export const EXPR_LANG_FUNCTIONS: Record<string, ExtraFunction> = {
  first: { arity: 1, call: ([v], node) => (list(v, node).length ? list(v, node)[0] : null) },
  last: { arity: 1, call: ([v], node) => (list(v, node).length ? list(v, node).at(-1) : null) },
  join: {
    arity: 2,
    call([v, sep], node) {
      const items = list(v, node);
      for (const item of items) if (typeof item !== 'string') throw need(node, 'a list of strings', item);
      return capped(items.join(text(sep, node, ' as the separator')), node);
    },
  },
  split: { arity: 2, call: ([v, sep], node) => text(v, node).split(text(sep, node, ' as the separator')) },
  replace: {
    arity: 3,
    call: ([v, from, to], node) =>
      capped(
        text(v, node)
          .split(text(from, node, ' to replace'))
          .join(text(to, node, ' to put in')),
        node,
      ),
  },
  trimPrefix: {
    arity: 2,
    call: ([v, p], node) => (text(v, node).startsWith(text(p, node)) ? text(v, node).slice(text(p, node).length) : v),
  },
  trimSuffix: {
    arity: 2,
    call: ([v, s], node) =>
      text(v, node).endsWith(text(s, node)) && text(s, node) !== '' ? text(v, node).slice(0, -text(s, node).length) : v,
  },
  hasPrefix: { arity: 2, call: ([v, p], node) => text(v, node).startsWith(text(p, node)) },
  hasSuffix: { arity: 2, call: ([v, s], node) => text(v, node).endsWith(text(s, node)) },
  indexOf: { arity: 2, call: ([v, part], node) => text(v, node).indexOf(text(part, node)) },
  round: { arity: 1, call: ([v], node) => Math.round(number(v, node)) },
  ceil: { arity: 1, call: ([v], node) => Math.ceil(number(v, node)) },
  floor: { arity: 1, call: ([v], node) => Math.floor(number(v, node)) },
  sum: { arity: 1, call: ([v], node) => numbers(v, node).reduce((a, b) => a + b, 0) },
  // reduce, not Math.min(...list): spreading a long list overflows the call stack.
  min: {
    arity: 1,
    call: ([v], node) => numbers(v, node).reduce<number | null>((a, b) => (a === null || b < a ? b : a), null),
  },
  max: {
    arity: 1,
    call: ([v], node) => numbers(v, node).reduce<number | null>((a, b) => (a === null || b > a ? b : a), null),
  },
  type: {
    arity: 1,
    call([v]) {
      if (v === null || v === undefined) return 'nil';
      if (Array.isArray(v)) return 'array';
      if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
      if (typeof v === 'boolean') return 'bool';
      if (typeof v === 'object') return 'map';
      return typeof v;
    },
  },
  fromJSON: {
    arity: 1,
    call([v], node) {
      try {
        return JSON.parse(text(v, node)) as unknown;
      } catch (err) {
        if (err instanceof ExpressionError) throw err;
        throw need(node, 'JSON text', v);
      }
    },
  },
  toJSON: {
    arity: 1,
    call([v], node) {
      try {
        return capped(JSON.stringify(v) ?? 'null', node);
      } catch (err) {
        if (err instanceof ExpressionError) throw err;
        throw need(node, 'a value that can be written as JSON', v);
      }
    },
  },
};
