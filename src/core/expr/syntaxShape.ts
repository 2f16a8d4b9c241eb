/**
 * The syntax shape of an expression: its text with each stand-alone run of digits written `0`.
 * Two expressions of the same shape are both valid or both invalid, so a loader that has checked
 * `body.id == 17` need not parse `body.id == 4711` (generated flows have thousands of those).
 *
 * Why that holds: a run is replaced only when the characters on both sides of it are in NEUTRAL
 * (or the text ends there): spaces, operators and brackets, never a letter, digit, `_`, `.`, `\`,
 * `$`, a quote or a brace. Outside a string such a run is a whole number token in plain decimal
 * (a hex `0x`, an exponent, a fraction, a `1_000` separator and a name all need one of the
 * excluded characters next to the run), and the parser never looks at a number's value except
 * after `.` (excluded). Inside a string or a placeholder the text is not checked, except its escapes,
 * which all start with `\` or use braces (excluded). The length limit is the one thing a longer run
 * changes: a text over MAX_EXPRESSION_LENGTH has no shape (it is always parsed, and refused).
 */
import { isDigit, MAX_EXPRESSION_LENGTH } from './lexer';

const NEUTRAL = new Uint8Array(128);
for (const c of ' \t=!<>+-*/%()[]&|?:') NEUTRAL[c.charCodeAt(0)] = 1;

function neutral(c: number): boolean {
  return c < 128 && NEUTRAL[c] === 1;
}

/** The shape of `source`; undefined when it has no stand-alone digit run to replace, or is over the length limit. */
export function syntaxShape(source: string): string | undefined {
  if (source.length > MAX_EXPRESSION_LENGTH) return undefined;
  let out: string | undefined;
  let copied = 0;
  const n = source.length;
  for (let i = 0; i < n;) {
    if (!isDigit(source.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isDigit(source.charCodeAt(i))) i++;
    const before = start === 0 || neutral(source.charCodeAt(start - 1));
    const after = i === n || neutral(source.charCodeAt(i));
    if (before && after && !(i - start === 1 && source.charCodeAt(start) === 48)) {
      out = (out ?? '') + source.slice(copied, start) + '0';
      copied = i;
    }
  }
  return out === undefined ? undefined : out + source.slice(copied);
}
