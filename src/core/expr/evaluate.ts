import { hasPlaceholder, interpolateString, stringifyValue, UNRESOLVED } from '../template';
import { formatValue } from '../format';
import { headerKey } from '../path';
import { EXPR_LANG_FUNCTIONS } from './exprLangFunctions';
import { ExpressionError, syntaxError } from './lexer';
import { compileRegex } from './regex';
import type { BinaryNode, CallNode, Node } from './parser';

/** Returned by scope lookups for names the scope does not know. */
export const NOT_FOUND: unique symbol = Symbol('NOT_FOUND');

export interface ExpressionScope {
  /** Value of a top-level identifier (`status`, `body`, a variable), or NOT_FOUND. */
  get(name: string): unknown;
  /** Value of a `${...}` / `{{...}}` placeholder written inside an expression, given its trimmed inner text
   *  (e.g. `user_id`, `create_user.body.id`, `TIMESTAMP`), or NOT_FOUND. Optional. */
  placeholder?(text: string): unknown;
}

export type Evaluator = (scope: ExpressionScope) => unknown;

/** Longest text `matches` runs on (the engine is linear; this bounds one match's time). */
export const MAX_MATCH_SUBJECT_LENGTH = 100_000;
/** Deepest value `==` compares; deeper is certainly not what a test means and would exhaust the stack. */
const MAX_COMPARE_DEPTH = 1000;

/** false, nil, 0, NaN and '' are falsy; everything else (also empty arrays and objects) is truthy. */
export function isTruthy(value: unknown): boolean {
  return (
    value !== false && value !== null && value !== undefined && value !== 0 && value !== '' && !Number.isNaN(value)
  );
}

// ---------------------------------------------------------------------------------------------
// Values

const NUMBER_TEXT = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * A number or boolean and text that writes it: `200 == "200"`, `true == "true"`. TestMesh keeps
 * every variable as text (fmt's %v), so flows written for it compare captured numbers with quoted
 * strings; this is the only conversion `==` makes.
 */
function scalarTextEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'string') [a, b] = [b, a];
  if (typeof b !== 'string') return false;
  if (typeof a === 'number') return NUMBER_TEXT.test(b) && Number(b) === a;
  if (typeof a === 'boolean') return b === String(a);
  return false;
}

/** Whether `==` against this literal text may convert (see scalarTextEqual): then the fast path cannot be used. */
function looksScalar(text: string): boolean {
  return text === 'true' || text === 'false' || NUMBER_TEXT.test(text);
}

/** Deep equality; the only conversion is between a number or boolean and its text (scalarTextEqual); nil equals only nil. */
export function deepEqual(a: unknown, b: unknown, offset: number, depth = 0): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a !== 'object' || typeof b !== 'object') return scalarTextEqual(a, b);
  if (depth > MAX_COMPARE_DEPTH)
    throw new ExpressionError(`cannot compare values nested more than ${MAX_COMPARE_DEPTH} levels deep`, offset);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i], offset, depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  for (const key of aKeys) {
    if (!Object.hasOwn(b, key)) return false;
    if (!deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], offset, depth + 1))
      return false;
  }
  return true;
}

/** Reads an own property or an element; missing, nil or a prototype name gives nil, never an inherited value. */
function readMember(target: unknown, key: unknown, node: Node): unknown {
  if (target === null || target === undefined) return null;
  if (typeof key === 'number') {
    if (Array.isArray(target) || typeof target === 'string') {
      if (!Number.isInteger(key)) return null;
      const index = key < 0 ? target.length + key : key;
      return index >= 0 && index < target.length ? (target[index] ?? null) : null;
    }
    key = String(key);
  } else if (typeof key !== 'string') {
    if (key === null || key === undefined) return null;
    throw new ExpressionError(`an index must be a string or a number, got ${formatValue(key, 60)}`, node.start);
  }
  if (typeof target !== 'object') return null;
  if (target instanceof Map) return target.has(key) ? (target.get(key) ?? null) : null;
  return Object.hasOwn(target, key as string) ? ((target as Record<string, unknown>)[key as string] ?? null) : null;
}

/** Whether a node reads a `headers` map (`headers`, `response.headers`, `login.headers`): header names ignore case. */
function readsHeaders(node: Node): boolean {
  if (node.type === 'name') return node.name === 'headers';
  return node.type === 'member' && node.property.type === 'literal' && node.property.value === 'headers';
}

/** readMember for header maps: `headers['Content-Type']` finds `content-type`, as HTTP means it. */
function readHeader(target: unknown, key: unknown, node: Node): unknown {
  if (
    typeof key === 'string' &&
    target !== null &&
    typeof target === 'object' &&
    !Array.isArray(target) &&
    !(target instanceof Map)
  ) {
    const own = headerKey(target, key);
    if (own !== undefined) return readMember(target, own, node);
  }
  return readMember(target, key, node);
}

// ---------------------------------------------------------------------------------------------
// Operators

export type BinaryOperation = (left: unknown, right: unknown) => unknown;

function operandError(node: BinaryNode, need: string, left: unknown, right: unknown, hint = ''): ExpressionError {
  return new ExpressionError(
    `'${node.operator}' needs ${need}, got ${formatValue(left, 60)} and ${formatValue(right, 60)}${hint}`,
    node.operatorStart,
  );
}

function containsValue(haystack: unknown, needle: unknown, node: BinaryNode, left: unknown, right: unknown): boolean {
  if (haystack === null || haystack === undefined) return false;
  if (typeof haystack === 'string') {
    if (typeof needle === 'string') return haystack.includes(needle);
    throw operandError(node, 'text to look for in text', left, right);
  }
  if (Array.isArray(haystack)) {
    for (const item of haystack) if (deepEqual(item, needle, node.operatorStart)) return true;
    return false;
  }
  if (typeof haystack === 'object') {
    if (typeof needle === 'string' || typeof needle === 'number') {
      const key = String(needle);
      return haystack instanceof Map ? haystack.has(key) : Object.hasOwn(haystack, key);
    }
    throw operandError(node, 'a key (string) to look for in an object', left, right);
  }
  throw operandError(node, 'a string, an array or an object to look in', left, right);
}

function affix(node: BinaryNode, check: (text: string, part: string) => boolean): BinaryOperation {
  return (left, right) => {
    if (typeof left === 'string' && typeof right === 'string') return check(left, right);
    if ((left === null || left === undefined) && typeof right === 'string') return false;
    throw operandError(node, 'two strings', left, right);
  };
}

function compare(node: BinaryNode, test: (order: number) => boolean): BinaryOperation {
  return (left, right) => {
    if (
      (typeof left === 'number' && typeof right === 'number') ||
      (typeof left === 'string' && typeof right === 'string')
    ) {
      // NaN compares false either way, like in any language.
      return left < right ? test(-1) : left > right ? test(1) : left === right ? test(0) : false;
    }
    throw operandError(node, 'two numbers or two strings', left, right);
  };
}

function arithmetic(node: BinaryNode, compute: (a: number, b: number) => number): BinaryOperation {
  return (left, right) => {
    if (typeof left === 'number' && typeof right === 'number') return compute(left, right);
    throw operandError(node, 'two numbers', left, right);
  };
}

function divide(node: BinaryNode, compute: (a: number, b: number) => number): BinaryOperation {
  return arithmetic(node, (a, b) => {
    if (b === 0) throw new ExpressionError(`division by zero in '${node.operator}'`, node.operatorStart);
    return compute(a, b);
  });
}

function plus(node: BinaryNode): BinaryOperation {
  return (left, right) => {
    if (typeof left === 'number' && typeof right === 'number') return left + right;
    if (typeof left === 'string' && typeof right === 'string') return left + right;
    if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
    const mixed = typeof left === 'string' || typeof right === 'string';
    throw operandError(
      node,
      'two numbers, two strings or two arrays',
      left,
      right,
      mixed ? '; use string(x) to join a value to text' : '',
    );
  };
}

function matches(node: BinaryNode): BinaryOperation {
  const literal =
    node.right.type === 'literal' && typeof node.right.value === 'string' && !hasPlaceholder(node.right.value)
      ? compileRegex(node.right.value, node.right.start, true)
      : undefined;
  return (left, right) => {
    if (typeof right !== 'string') throw operandError(node, 'a regular expression (string) on the right', left, right);
    if (left === null || left === undefined) return false;
    if (typeof left !== 'string') throw operandError(node, 'a string on the left', left, right);
    if (left.length > MAX_MATCH_SUBJECT_LENGTH) {
      throw new ExpressionError(
        `'matches' runs on at most ${MAX_MATCH_SUBJECT_LENGTH} characters, the text has ${left.length}`,
        node.operatorStart,
      );
    }
    return (literal ?? compileRegex(right, node.right.start)).test(left);
  };
}

/** The operation a binary node performs on its two evaluated operands. */
export function binaryOperation(node: BinaryNode): BinaryOperation {
  const offset = node.operatorStart;
  const negate =
    (op: BinaryOperation): BinaryOperation =>
    (l, r) =>
      !op(l, r);
  switch (node.operator) {
    case '==':
      return (l, r) => deepEqual(l, r, offset);
    case '!=':
      return (l, r) => !deepEqual(l, r, offset);
    case '<':
      return compare(node, (o) => o < 0);
    case '>':
      return compare(node, (o) => o > 0);
    case '<=':
      return compare(node, (o) => o <= 0);
    case '>=':
      return compare(node, (o) => o >= 0);
    case 'contains':
      return (l, r) => containsValue(l, r, node, l, r);
    case 'in':
      return (l, r) => containsValue(r, l, node, l, r);
    case 'startsWith':
      return affix(node, (text, part) => text.startsWith(part));
    case 'endsWith':
      return affix(node, (text, part) => text.endsWith(part));
    case 'matches':
      return matches(node);
    case 'not contains':
      return (l, r) => !containsValue(l, r, node, l, r);
    case 'not in':
      return (l, r) => !containsValue(r, l, node, l, r);
    case 'not startsWith':
      return negate(affix(node, (text, part) => text.startsWith(part)));
    case 'not endsWith':
      return negate(affix(node, (text, part) => text.endsWith(part)));
    case 'not matches':
      return negate(matches(node));
    case '+':
      return plus(node);
    case '-':
      return arithmetic(node, (a, b) => a - b);
    case '*':
      return arithmetic(node, (a, b) => a * b);
    case '/':
      return divide(node, (a, b) => a / b);
    case '%':
      return divide(node, (a, b) => a % b);
    case '**':
      return arithmetic(node, (a, b) => a ** b);
  }
}

// ---------------------------------------------------------------------------------------------
// Functions

interface BuiltinFunction {
  readonly arity: number;
  readonly call: (args: unknown[], node: CallNode) => unknown;
}

function argumentError(node: CallNode, need: string, value: unknown): ExpressionError {
  return new ExpressionError(`${node.name}() needs ${need}, got ${formatValue(value, 60)}`, node.start);
}

function stringArgument(args: unknown[], node: CallNode): string {
  if (typeof args[0] !== 'string') throw argumentError(node, 'a string', args[0]);
  return args[0];
}

function plainObject(value: unknown, node: CallNode): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw argumentError(node, 'an object', value);
  return value instanceof Map ? Object.fromEntries(value) : (value as Record<string, unknown>);
}

function toNumber(value: unknown, node: CallNode): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value.trim());
    if (!Number.isNaN(parsed)) return parsed;
  }
  throw argumentError(node, 'a number or a numeric string', value);
}

function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) count++; // a low surrogate belongs to the character before it
  }
  return count;
}

const FUNCTIONS: Record<string, BuiltinFunction> = {
  len: {
    arity: 1,
    call([value], node) {
      if (typeof value === 'string') return countCodePoints(value);
      if (Array.isArray(value)) return value.length;
      if (value instanceof Map) return value.size;
      if (value !== null && typeof value === 'object') return Object.keys(value).length;
      throw argumentError(node, 'a string, an array or an object', value);
    },
  },
  lower: { arity: 1, call: (args, node) => stringArgument(args, node).toLowerCase() },
  upper: { arity: 1, call: (args, node) => stringArgument(args, node).toUpperCase() },
  trim: { arity: 1, call: (args, node) => stringArgument(args, node).trim() },
  string: {
    arity: 1,
    call([value], node) {
      if (typeof value === 'string') return value;
      if (value === null || value === undefined) return 'null';
      if (typeof value !== 'object') return String(value);
      try {
        return JSON.stringify(value instanceof Map ? Object.fromEntries(value) : value);
      } catch {
        throw argumentError(node, 'a value that can be written as JSON', value);
      }
    },
  },
  int: {
    arity: 1,
    call([value], node) {
      const n = Math.trunc(toNumber(value, node));
      if (!Number.isFinite(n)) throw argumentError(node, 'a finite number', value);
      return n;
    },
  },
  float: { arity: 1, call: ([value], node) => toNumber(value, node) },
  abs: {
    arity: 1,
    call([value], node) {
      if (typeof value !== 'number') throw argumentError(node, 'a number', value);
      return Math.abs(value);
    },
  },
  keys: { arity: 1, call: ([value], node) => Object.keys(plainObject(value, node)) },
  values: { arity: 1, call: ([value], node) => Object.values(plainObject(value, node)) },
  has: {
    arity: 2,
    call([target, key], node) {
      if (target === null || target === undefined) return false;
      if (typeof key !== 'string' && typeof key !== 'number')
        throw argumentError(node, 'a key (string or number) as its second argument', key);
      if (Array.isArray(target))
        return typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < target.length;
      if (target instanceof Map) return target.has(String(key));
      if (typeof target === 'object') return Object.hasOwn(target, String(key));
      throw argumentError(node, 'an object or an array as its first argument', target);
    },
  },
  // expr-lang's other helpers (first, last, split, join, replace, round, sum, type, toJSON, …).
  ...EXPR_LANG_FUNCTIONS,
};

export const FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS).sort();

/** The built-in a call node names, checked at compile time for existence and argument count. */
export function builtinFunction(node: CallNode): BuiltinFunction {
  const fn = Object.hasOwn(FUNCTIONS, node.name) ? FUNCTIONS[node.name] : undefined;
  if (!fn)
    throw syntaxError(
      `unknown function '${node.name}'`,
      node.start,
      `known functions are ${FUNCTION_NAMES.join(', ')}`,
    );
  if (fn.arity !== node.args.length) {
    const plural = fn.arity === 1 ? '' : 's';
    throw syntaxError(
      'wrong number of arguments',
      node.start,
      `${node.name}() takes ${fn.arity} argument${plural}, got ${node.args.length}`,
    );
  }
  return fn;
}

// ---------------------------------------------------------------------------------------------
// Compilation to closures: the tree is walked once, evaluation is plain function calls.

function unknownNameError(name: string, offset: number): ExpressionError {
  return new ExpressionError(`unknown name '${name}'`, offset);
}

export function compileNode(node: Node): Evaluator {
  switch (node.type) {
    case 'literal': {
      const value = node.value;
      // A quoted string may hold placeholders (`body.name == "{{name}}"`, as TestMesh flows write
      // it): they are filled in as text, as TestMesh does by interpolating before evaluating.
      if (typeof value === 'string' && hasPlaceholder(value)) {
        const { start } = node;
        return (scope) => {
          try {
            return stringifyValue(
              interpolateString(value, (text) => {
                const found = scope.placeholder ? scope.placeholder(text) : NOT_FOUND;
                return found === NOT_FOUND ? UNRESOLVED : found;
              }),
            );
          } catch (err) {
            throw new ExpressionError(err instanceof Error ? err.message : String(err), start);
          }
        };
      }
      return () => value;
    }
    case 'name': {
      const { name, start } = node;
      return (scope) => {
        const value = scope.get(name);
        if (value === NOT_FOUND) throw unknownNameError(name, start);
        return value === undefined ? null : value;
      };
    }
    case 'placeholder': {
      const { text, start } = node;
      return (scope) => {
        const value = scope.placeholder ? scope.placeholder(text) : NOT_FOUND;
        if (value === NOT_FOUND) throw new ExpressionError(`unknown variable '${text}'`, start);
        return value === undefined ? null : value;
      };
    }
    case 'array': {
      const elements = node.elements.map(compileNode);
      return (scope) => {
        const result = new Array<unknown>(elements.length);
        for (let i = 0; i < elements.length; i++) result[i] = elements[i](scope);
        return result;
      };
    }
    case 'member': {
      const object = compileNode(node.object);
      const read = readsHeaders(node.object) ? readHeader : readMember;
      if (node.property.type === 'literal') {
        const key = node.property.value;
        return (scope) => read(object(scope), key, node.property);
      }
      const property = compileNode(node.property);
      return (scope) => read(object(scope), property(scope), node.property);
    }
    case 'call': {
      const fn = builtinFunction(node);
      const args = node.args.map(compileNode);
      if (args.length === 1) {
        const [only] = args;
        return (scope) => fn.call([only(scope)], node);
      }
      return (scope) =>
        fn.call(
          args.map((arg) => arg(scope)),
          node,
        );
    }
    case 'unary': {
      const operand = compileNode(node.operand);
      if (node.operator === '!') return (scope) => !isTruthy(operand(scope));
      const negate = node.operator === '-';
      return (scope) => {
        const value = operand(scope);
        if (typeof value !== 'number')
          throw new ExpressionError(
            `unary '${node.operator}' needs a number, got ${formatValue(value, 60)}`,
            node.start,
          );
        return negate ? -value : value;
      };
    }
    case 'binary':
      return compileBinary(node);
    case 'logical': {
      const left = compileNode(node.left);
      const right = compileNode(node.right);
      switch (node.operator) {
        case '&&':
          return (scope) => isTruthy(left(scope)) && isTruthy(right(scope));
        case '||':
          return (scope) => isTruthy(left(scope)) || isTruthy(right(scope));
        case '??':
          return (scope) => left(scope) ?? right(scope);
      }
      break;
    }
    case 'conditional': {
      const test = compileNode(node.test);
      const consequent = compileNode(node.consequent);
      const alternate = compileNode(node.alternate);
      return (scope) => (isTruthy(test(scope)) ? consequent(scope) : alternate(scope));
    }
  }
  throw new ExpressionError('internal error: unknown expression node', (node as Node).start);
}

function compileBinary(node: BinaryNode): Evaluator {
  const left = compileNode(node.left);
  const literal =
    node.right.type === 'literal' && !(typeof node.right.value === 'string' && hasPlaceholder(node.right.value))
      ? node.right.value
      : undefined;
  // Fast path for the most common assertion, `x == <number|string|bool>`: operands are never undefined here.
  if (
    (node.operator === '==' || node.operator === '!=') &&
    (typeof literal === 'number' ||
      typeof literal === 'boolean' ||
      (typeof literal === 'string' && !looksScalar(literal)))
  ) {
    const equal =
      typeof literal === 'string'
        ? (value: unknown) => value === literal
        : (value: unknown) => value === literal || scalarTextEqual(value, literal);
    return node.operator === '==' ? (scope) => equal(left(scope)) : (scope) => !equal(left(scope));
  }
  const right = compileNode(node.right);
  const operation = binaryOperation(node);
  return (scope) => operation(left(scope), right(scope));
}
