import { TestMeshError } from '../errors';

/** Longest expression we accept; flow files are hand-written, so anything longer is a mistake or hostile. */
export const MAX_EXPRESSION_LENGTH = 10_000;

/** Any problem with an expression: a syntax error at compile time or a failed operation at evaluation time. */
export class ExpressionError extends TestMeshError {
  constructor(
    message: string,
    /** 0-based index into the expression of the offending token. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/** A syntax error that names the place (1-based column in the message) and what was expected. */
export function syntaxError(what: string, offset: number, detail?: string): ExpressionError {
  return new ExpressionError(`${what} at column ${offset + 1}${detail ? `: ${detail}` : ''}`, offset);
}

export type TokenKind = 'number' | 'string' | 'word' | 'placeholder' | 'op' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Operator text, word text, string value, placeholder inner text (trimmed) or number source. */
  readonly text: string;
  /** Parsed value for numbers. */
  readonly number?: number;
  /** 0-based start and end (exclusive) in the source. */
  readonly start: number;
  readonly end: number;
}

// Longest first, so `**` wins over `*` and `?.` over `?`.
const OPERATORS = [
  '===',
  '!==',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '**',
  '?.',
  '??',
  '<',
  '>',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
  '?',
  ':',
  '.',
  ',',
  '(',
  ')',
  '[',
  ']',
];
/** Operators by their first character, longest first. */
const OPERATORS_BY_FIRST = new Map<string, string[]>();
for (const op of OPERATORS) OPERATORS_BY_FIRST.set(op[0], [...(OPERATORS_BY_FIRST.get(op[0]) ?? []), op]);

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
  '/': '/',
};

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || isDigit(c);
}

/** Splits an expression into tokens; the last one is always `eof`. */
export function tokenize(source: string): Token[] {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(
      `expression is too long: ${source.length} characters, at most ${MAX_EXPRESSION_LENGTH} are allowed`,
      MAX_EXPRESSION_LENGTH,
    );
  }
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c)) {
      i = readNumber(source, i, tokens);
    } else if (isWordStart(c)) {
      while (i < n && isWordPart(source.charCodeAt(i))) i++;
      tokens.push({ kind: 'word', text: source.slice(start, i), start, end: i });
    } else if (c === 39 || c === 34 || c === 96) {
      i = readString(source, i, tokens);
    } else if (c === 36 && source.charCodeAt(i + 1) === 123) {
      i = readPlaceholder(source, i, '${', '}', tokens);
    } else if (c === 123 && source.charCodeAt(i + 1) === 123) {
      i = readPlaceholder(source, i, '{{', '}}', tokens);
    } else {
      const op = OPERATORS_BY_FIRST.get(source[i])?.find((o) => source.startsWith(o, i));
      if (op === '===' || op === '!==') {
        throw syntaxError(`unexpected '${op}'`, i, `use '${op.slice(0, 2)}' (it never converts between types)`);
      }
      if (op === undefined) throw unexpectedCharacter(source, i);
      tokens.push({ kind: 'op', text: op, start, end: i + op.length });
      i += op.length;
    }
  }
  tokens.push({ kind: 'eof', text: '', start: n, end: n });
  return tokens;
}

function unexpectedCharacter(source: string, i: number): ExpressionError {
  const ch = String.fromCodePoint(source.codePointAt(i) ?? 0);
  const hints: Record<string, string> = {
    '=': "use '==' to compare",
    '&': "use '&&' or 'and'",
    '|': "use '||' or 'or'",
    '{': 'object literals are not supported; placeholders are written ${name} or {{name}}',
  };
  return syntaxError(`unexpected character '${ch}'`, i, hints[ch] ?? 'expected an expression or an operator');
}

function readNumber(source: string, i: number, tokens: Token[]): number {
  const start = i;
  const n = source.length;
  if (source.charCodeAt(i) === 48 && (source[i + 1] === 'x' || source[i + 1] === 'X')) {
    i += 2;
    while (i < n && /[0-9a-fA-F_]/.test(source[i])) i++;
    const digits = source.slice(start + 2, i).replace(/_/g, '');
    if (digits === '') throw syntaxError('invalid number', start, 'expected hexadecimal digits after 0x');
    return pushNumber(source, start, i, parseInt(digits, 16), tokens);
  }
  while (i < n && (isDigit(source.charCodeAt(i)) || source[i] === '_')) i++;
  // A fraction needs a digit after the dot, so `items.0.id` still reads as member access.
  if (source[i] === '.' && isDigit(source.charCodeAt(i + 1))) {
    i++;
    while (i < n && (isDigit(source.charCodeAt(i)) || source[i] === '_')) i++;
  }
  if (source[i] === 'e' || source[i] === 'E') {
    let j = i + 1;
    if (source[j] === '+' || source[j] === '-') j++;
    if (isDigit(source.charCodeAt(j))) {
      i = j;
      while (i < n && isDigit(source.charCodeAt(i))) i++;
    }
  }
  const text = source.slice(start, i);
  if (!text.includes('_')) return pushNumber(source, start, i, Number(text), tokens);
  if (text.endsWith('_') || text.includes('__') || text.includes('_.') || text.includes('._') || /_[eE]/.test(text)) {
    throw syntaxError(`invalid number '${text}'`, start, "'_' may only separate digits");
  }
  return pushNumber(source, start, i, Number(text.replace(/_/g, '')), tokens);
}

function pushNumber(source: string, start: number, end: number, value: number, tokens: Token[]): number {
  if (end < source.length && isWordPart(source.charCodeAt(end))) {
    throw syntaxError(`invalid number '${source.slice(start, end + 1)}'`, start, 'a name cannot start with a digit');
  }
  tokens.push({ kind: 'number', text: source.slice(start, end), number: value, start, end });
  return end;
}

function readString(source: string, i: number, tokens: Token[]): number {
  const start = i;
  const quote = source[i];
  const raw = quote === '`'; // backtick strings are raw: handy for regular expressions
  i++;
  let value = '';
  let chunkStart = i;
  while (i < source.length) {
    const ch = source[i];
    if (ch === quote) {
      value += source.slice(chunkStart, i);
      tokens.push({ kind: 'string', text: value, start, end: i + 1 });
      return i + 1;
    }
    if (ch === '\\' && !raw) {
      value += source.slice(chunkStart, i);
      const [decoded, next] = readEscape(source, i);
      value += decoded;
      i = next;
      chunkStart = i;
      continue;
    }
    if ((ch === '\n' || ch === '\r') && !raw) {
      throw syntaxError('unterminated string', start, `expected a closing ${quote} before the end of the line`);
    }
    i++;
  }
  throw syntaxError('unterminated string', start, `expected a closing ${quote}`);
}

/** Decodes the escape at `i` (which is the backslash); returns the text and the index after it. */
function readEscape(source: string, i: number): [string, number] {
  const e = source[i + 1];
  if (e === undefined) throw syntaxError('unterminated string', i, 'expected a character after \\');
  const simple = ESCAPES[e];
  if (simple !== undefined) return [simple, i + 2];
  if (e === 'x') {
    const hex = source.slice(i + 2, i + 4);
    if (!/^[0-9a-fA-F]{2}$/.test(hex))
      throw syntaxError('invalid escape', i, 'expected two hexadecimal digits after \\x');
    return [String.fromCharCode(parseInt(hex, 16)), i + 4];
  }
  if (e === 'u') {
    if (source[i + 2] === '{') {
      const close = source.indexOf('}', i + 3);
      const hex = close < 0 ? '' : source.slice(i + 3, close);
      const code = /^[0-9a-fA-F]{1,6}$/.test(hex) ? parseInt(hex, 16) : -1;
      if (code < 0 || code > 0x10ffff)
        throw syntaxError('invalid escape', i, 'expected \\u{...} with a Unicode code point');
      return [String.fromCodePoint(code), close + 1];
    }
    const hex = source.slice(i + 2, i + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(hex))
      throw syntaxError('invalid escape', i, 'expected four hexadecimal digits after \\u');
    return [String.fromCharCode(parseInt(hex, 16)), i + 6];
  }
  throw syntaxError(
    `invalid escape '\\${e}'`,
    i,
    'known escapes are \\n \\t \\r \\\\ \\\' \\" \\xHH \\uHHHH; use a `raw` string for regular expressions',
  );
}

function readPlaceholder(source: string, i: number, open: string, close: string, tokens: Token[]): number {
  const start = i;
  const end = source.indexOf(close, i + open.length);
  const newline = source.slice(i, end < 0 ? undefined : end).search(/[\r\n]/);
  if (end < 0 || newline >= 0) throw syntaxError(`unterminated placeholder '${open}'`, start, `expected '${close}'`);
  const inner = source.slice(i + open.length, end).trim();
  if (inner === '') throw syntaxError(`empty placeholder '${open}${close}'`, start, 'expected a variable name inside');
  tokens.push({ kind: 'placeholder', text: inner, start, end: end + close.length });
  return end + close.length;
}
