/**
 * The one expression language of flow files (assert, when, condition, wait_until), in the style of
 * expr-lang. Parsed by our own parser into a tree, compiled once to closures, never `eval`ed.
 */
import { compileNode, Evaluator, ExpressionScope, isTruthy, NOT_FOUND } from './evaluate';
import { AssertionOutcome, compileCheck } from './explain';
import { ExpressionError } from './lexer';
import { Node, parse } from './parser';

export { NOT_FOUND, isTruthy, ExpressionError };
export type { ExpressionScope, AssertionOutcome };

export interface CompiledExpression {
  readonly source: string;
  /** The value of the expression; throws ExpressionError when an operation fails (unknown name, bad operand types). */
  evaluate(scope: ExpressionScope): unknown;
  /** For assertions: evaluates and, when falsy, explains why. Throws ExpressionError like `evaluate`. */
  check(scope: ExpressionScope): AssertionOutcome;
}

class Compiled implements CompiledExpression {
  private evaluator?: Evaluator;
  private checker?: (scope: ExpressionScope) => AssertionOutcome;

  /** `eager`: compile now, so that compiling reports an unknown function (compileExpression's promise). */
  constructor(
    readonly source: string,
    private readonly root: Node,
    eager: boolean,
  ) {
    if (eager) this.evaluator = compileNode(root);
  }

  evaluate(scope: ExpressionScope): unknown {
    this.evaluator ??= compileNode(this.root);
    return this.evaluator(scope);
  }

  check(scope: ExpressionScope): AssertionOutcome {
    // Built on first use: most expressions (`when`, conditions) are never checked.
    this.checker ??= compileCheck(this.root, this.source);
    return this.checker(scope);
  }
}

const MAX_CACHED = 2000;
const cache = new Map<string, CompiledExpression>();

/** Parses and compiles an expression without the shared cache, for callers that keep what they need. */
function compileUncached(source: string): CompiledExpression {
  if (typeof source !== 'string') throw new ExpressionError(`an expression must be text, got ${typeof source}`, 0);
  return new Compiled(source, parse(source), true);
}

/**
 * Parses an expression that will only be checked (an assertion), without the shared cache. `check`
 * compiles what it needs on first use, so the evaluator, which `check` does not use, is never
 * built; errors compiling would report (an unknown function) surface from the first `check`.
 */
export function compileForCheck(source: string): CompiledExpression {
  if (typeof source !== 'string') throw new ExpressionError(`an expression must be text, got ${typeof source}`, 0);
  return new Compiled(source, parse(source), false);
}

/**
 * Checks an expression's syntax without compiling it (throws ExpressionError like compileExpression).
 * The loader checks every expression of a flow; compiling them there too would build closures that a
 * large flow's run cannot reuse (the shared cache keeps MAX_CACHED), so each would be compiled twice.
 */
export function checkExpressionSyntax(source: string): void {
  if (cache.has(source)) return;
  if (typeof source !== 'string') throw new ExpressionError(`an expression must be text, got ${typeof source}`, 0);
  parse(source);
}

/** Parses and compiles an expression, once per source text; throws ExpressionError on syntax errors. */
export function compileExpression(source: string): CompiledExpression {
  const cached = cache.get(source);
  if (cached) return cached;
  const compiled = compileUncached(source);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}
