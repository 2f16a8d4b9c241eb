/**
 * Evaluation in a paused step's scope, for the Debug Console, Watch, hovers, conditions and
 * logpoints: text with `{{placeholders}}` is interpolated; anything else is a flow expression.
 * The last HTTP response is visible as `response` (unless a variable of that name exists), and
 * after a step ran, its own result comes first, as in its assertions.
 */
import type { Scope } from '../engine/scope';
import { compileExpression, isTruthy, type ExpressionScope } from '../expr';
import { interpolate, stringifyValue, UNRESOLVED } from '../template';

export interface EvaluationContext {
  scope: Scope;
  /** The most recent HTTP response of the run, if any. */
  lastResponse?: unknown;
  /** The paused step's own result, when the stop is after the step. */
  result?: unknown;
}

function scopeWithResponse(context: EvaluationContext): Scope {
  const { scope, lastResponse } = context;
  if (lastResponse === undefined || scope.variable('response') !== UNRESOLVED) return scope;
  return scope.child({ response: lastResponse });
}

function expressionScope(context: EvaluationContext): ExpressionScope {
  return scopeWithResponse(context).expressionScope(context.result);
}

/** Evaluates text as a template (when it has `{{`) or a flow expression; throws on errors. */
export function evaluateText(text: string, context: EvaluationContext): unknown {
  const source = text.trim();
  if (source.includes('{{')) return interpolate(source, scopeWithResponse(context).resolve);
  return compileExpression(source).evaluate(expressionScope(context));
}

/** A condition of a breakpoint: a flow expression, truthy or not. */
export function conditionHolds(condition: string, context: EvaluationContext): boolean {
  return isTruthy(compileExpression(condition).evaluate(expressionScope(context)));
}

/**
 * A logpoint's message: `{{placeholders}}` filled from the scope, then VS Code's `{expression}`
 * parts evaluated as flow expressions. A part that fails shows its error in place.
 */
export function formatLogMessage(message: string, context: EvaluationContext): string {
  let text: string;
  try {
    text = stringifyValue(interpolate(message, scopeWithResponse(context).resolve));
  } catch (err) {
    text = message.replace(/\{\{[^}]*\}\}/g, (part) => `<${part}: ${(err as Error).message}>`);
  }
  return text.replace(/(?<!\{)\{([^{}]+)\}(?!\})/g, (_, expression: string) => {
    try {
      return stringifyValue(evaluateText(expression, context));
    } catch (err) {
      return `<${expression}: ${(err as Error).message}>`;
    }
  });
}
