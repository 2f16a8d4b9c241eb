import { binaryOperation, builtinFunction, compileNode, Evaluator, ExpressionScope, isTruthy } from './evaluate';
import { formatValue } from '../format';
import type { BinaryNode, Node } from './parser';

export interface AssertionOutcome {
  passed: boolean;
  message?: string;
  expected?: unknown;
  actual?: unknown;
}

/** One operand worth showing in a failure message: its source text and the value it had. */
interface Operand {
  readonly text: string;
  readonly value: unknown;
}

/** An evaluation that remembers why it came out the way it did. */
interface Probe {
  readonly value: unknown;
  /** Worked out only for a failure message: most checks pass. */
  readonly operands: () => readonly Operand[];
  readonly expected: unknown;
  readonly actual: unknown;
}

type Prober = (scope: ExpressionScope) => Probe;

const MAX_OPERAND_TEXT = 80;

/** The one answer for every passing check (callers only read it). */
const PASSED: AssertionOutcome = Object.freeze({ passed: true });

/**
 * Builds `check` for an expression: it evaluates exactly once (placeholders like `${UUID}` must not be
 * read twice) and, when the result is falsy, says which operands had which values.
 */
export function compileCheck(root: Node, source: string): (scope: ExpressionScope) => AssertionOutcome {
  const probe = compileProbe(root, source);
  const shownSource = source.trim();
  return (scope) => {
    const result = probe(scope);
    if (isTruthy(result.value)) return PASSED;
    const got = uniqueOperands(result.operands())
      .map((o) => `${o.text} = ${formatValue(o.value)}`)
      .join(', ');
    const message = got ? `${shownSource}: got ${got}` : `${shownSource}: evaluated to ${formatValue(result.value)}`;
    return { passed: false, message, expected: result.expected, actual: result.actual };
  };
}

function uniqueOperands(operands: readonly Operand[]): Operand[] {
  const seen = new Set<string>();
  return operands.filter((o) => !seen.has(o.text) && seen.add(o.text));
}

function operandText(node: Node, source: string): string {
  const text = source.slice(node.start, node.end);
  return text.length > MAX_OPERAND_TEXT ? `${text.slice(0, MAX_OPERAND_TEXT)}…` : text;
}

/** The operand list for a node's value: literals explain nothing, anything else is shown with its value. */
function shown(node: Node, source: string, value: unknown): Operand[] {
  return node.type === 'literal' ? [] : [{ text: operandText(node, source), value }];
}

function compileProbe(node: Node, source: string): Prober {
  switch (node.type) {
    case 'binary':
      return probeBinary(node, source);
    case 'logical': {
      if (node.operator === '??') break;
      const left = compileProbe(node.left, source);
      const right = compileProbe(node.right, source);
      if (node.operator === '&&') {
        // The first falsy conjunct is the explanation.
        return (scope) => {
          const first = left(scope);
          if (!isTruthy(first.value)) return { ...first, value: false };
          const second = right(scope);
          return { ...second, value: isTruthy(second.value) };
        };
      }
      return (scope) => {
        const first = left(scope);
        if (isTruthy(first.value)) return { ...first, value: true };
        const second = right(scope);
        if (isTruthy(second.value)) return { ...second, value: true };
        const operands = () => [...first.operands(), ...second.operands()];
        return { value: false, operands, expected: true, actual: false };
      };
    }
    case 'unary': {
      if (node.operator !== '!') break;
      const operand = compileProbe(node.operand, source);
      return (scope) => {
        const inner = operand(scope);
        const value = !isTruthy(inner.value);
        const operands = () => {
          const within = inner.operands();
          return within.length > 0 ? within : shown(node.operand, source, inner.value);
        };
        return { value, operands, expected: true, actual: value };
      };
    }
    case 'conditional': {
      const test = compileNode(node.test);
      const consequent = compileProbe(node.consequent, source);
      const alternate = compileProbe(node.alternate, source);
      return (scope) => (isTruthy(test(scope)) ? consequent(scope) : alternate(scope));
    }
    case 'call': {
      const fn = builtinFunction(node);
      const args = node.args.map(compileNode);
      return (scope) => {
        const values = args.map((arg) => arg(scope));
        const value = fn.call(values, node);
        const operands = () => node.args.flatMap((arg, i) => shown(arg, source, values[i]));
        return { value, operands, expected: true, actual: value };
      };
    }
    default:
      break;
  }
  const evaluate: Evaluator = compileNode(node);
  return (scope) => {
    const value = evaluate(scope);
    return { value, operands: () => shown(node, source, value), expected: true, actual: value };
  };
}

const ORDERING = new Set(['<', '>', '<=', '>=']);

function probeBinary(node: BinaryNode, source: string): Prober {
  const left = compileNode(node.left);
  const right = compileNode(node.right);
  const operation = binaryOperation(node);
  const equality = node.operator === '==' || node.operator === '!=';
  const ordering = ORDERING.has(node.operator);
  return (scope) => {
    const l = left(scope);
    const r = right(scope);
    const value = operation(l, r);
    const operands = () => [...shown(node.left, source, l), ...shown(node.right, source, r)];
    if (equality && node.right.type === 'literal') return { value, operands, expected: r, actual: l };
    if (equality && node.left.type === 'literal') return { value, operands, expected: l, actual: r };
    if (ordering) return { value, operands, expected: `${node.operator} ${formatValue(r)}`, actual: l };
    return { value, operands, expected: true, actual: value };
  };
}
