/**
 * The engine of `matches`: RE2 semantics through re2js (a pure-JavaScript port of RE2/J), so
 * every match runs in time linear in the pattern and the text. JavaScript's own RegExp
 * backtracks: `"aaaa…!" matches "^(a+)+$"` froze the host for tens of seconds, and a step
 * timeout or cancel cannot stop a synchronous match. RE2 is also the syntax users write for
 * TestMesh (expr-lang is Go, whose regexp is RE2): inline flags like `(?i)`, `(?s)`, `(?m)`,
 * classes, `\d\w\s\b`, named groups. Backreferences and lookaround, which need backtracking,
 * are refused with a message saying so.
 */
import type { RE2JS } from 're2js';
import { re2js } from '../libraries';
import { ExpressionError, syntaxError } from './lexer';

/** Longest regular expression `matches` accepts. */
export const MAX_PATTERN_LENGTH = 1000;

/** A compiled `matches` pattern. */
export interface LinearRegex {
  /** True when the pattern matches anywhere in `text` (like RegExp.test). */
  test(text: string): boolean;
}

// Compiled once per pattern text.
const cache = new Map<string, LinearRegex>();
const MAX_CACHED = 500;

function shown(pattern: string): string {
  const text = JSON.stringify(pattern);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** RE2's parse messages, in the words JavaScript users know for the common ones. */
const FAMILIAR: Record<string, string> = {
  'missing closing )': 'Unterminated group',
  'missing closing ]': 'Unterminated character class',
  'unexpected )': "Unmatched ')'",
  'missing argument to repetition operator': 'Nothing to repeat',
};

function explain(message: string): string {
  const [head] = message.split(/: `/);
  return FAMILIAR[head] ?? message;
}

/** Compiles a `matches` pattern; errors point at `offset` (compile-time errors are syntax errors). */
export function compileRegex(pattern: string, offset: number, atCompileTime = false): LinearRegex {
  const cached = cache.get(pattern);
  if (cached) return cached;
  if (pattern.length > MAX_PATTERN_LENGTH) {
    const what = `regular expression is too long (${pattern.length} characters)`;
    const limit = `at most ${MAX_PATTERN_LENGTH} are allowed`;
    throw atCompileTime ? syntaxError(what, offset, limit) : new ExpressionError(`${what}: ${limit}`, offset);
  }
  let compiled: RE2JS;
  try {
    compiled = re2js().RE2JS.compile(pattern);
  } catch (err) {
    const raw = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    let reason = explain(raw);
    if (/Perl syntax: `\(\?[=!<]/.test(raw) || /escape sequence: `\\[1-9]/.test(raw))
      reason += ' (lookaround and backreferences are not supported: matches runs in linear time, RE2 syntax)';
    const what = `invalid regular expression ${shown(pattern)}`;
    throw atCompileTime ? syntaxError(what, offset, reason) : new ExpressionError(`${what}: ${reason}`, offset);
  }
  const regex: LinearRegex = { test: (text) => compiled.matcher(text).find() };
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, regex);
  return regex;
}
