/**
 * Output paths into a step result: `$.body.id`, `$.headers.x-request-id`, `$.items[0]`,
 * `$['content-type']`, or the same without the leading `$` (`body.id`).
 * Parsed once per distinct path; read on every step run, so both stay small and allocation-light.
 */
import { TestMeshError } from './errors';

/** A property name (string) or an array index (number). */
export type PathSegment = string | number;

/** A malformed path; `offset` is the 0-based index into the path text of the problem. */
export class PathError extends TestMeshError {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'PathError';
  }
}

const DOT = 46; // .
const OPEN = 91; // [
const CLOSE = 93; // ]
const QUOTE = 39; // '
const DQUOTE = 34; // "
const BACKSLASH = 92;
const DOLLAR = 36;

function fail(text: string, offset: number, what: string): never {
  throw new PathError(`invalid path ${JSON.stringify(text)}: ${what} at position ${offset + 1}`, offset);
}

/** Reads a `.key` / bare key: everything up to the next `.` or `[`. Returns the end index. */
function keyEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === DOT || c === OPEN) break;
    i++;
  }
  return i;
}

/** Parses a path into segments. Throws `PathError` (a TestMeshError) with the offset of the problem. */
export function parseOutputPath(text: string): PathSegment[] {
  if (typeof text !== 'string') throw new PathError(`a path must be a string, got ${typeof text}`, 0);
  const segments: PathSegment[] = [];
  let i = 0;
  if (text.length === 0) fail(text, 0, 'empty path');
  if (text.charCodeAt(0) === DOLLAR) {
    i = 1;
  } else if (text.charCodeAt(0) !== OPEN) {
    // Bare path: the first key has no leading dot.
    const end = keyEnd(text, 0);
    if (end === 0) fail(text, 0, 'expected a property name');
    segments.push(text.slice(0, end));
    i = end;
  }
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      const end = keyEnd(text, i + 1);
      if (end === i + 1) fail(text, i + 1, 'expected a property name after "."');
      segments.push(text.slice(i + 1, end));
      i = end;
    } else if (c === OPEN) {
      i = readBracket(text, i, segments);
    } else {
      fail(text, i, `expected "." or "[" but found ${JSON.stringify(text[i])}`);
    }
  }
  return segments;
}

/** Reads `[n]`, `['key']` or `["key"]` starting at `open`; returns the index after `]`. */
function readBracket(text: string, open: number, segments: PathSegment[]): number {
  let i = open + 1;
  const c = text.charCodeAt(i);
  if (c === QUOTE || c === DQUOTE) {
    let key = '';
    i++;
    let closed = false;
    while (i < text.length) {
      const ch = text.charCodeAt(i);
      if (ch === BACKSLASH && i + 1 < text.length) {
        key += text[i + 1];
        i += 2;
        continue;
      }
      if (ch === c) {
        closed = true;
        i++;
        break;
      }
      key += text[i];
      i++;
    }
    if (!closed) fail(text, open, 'unterminated quoted key');
    if (text.charCodeAt(i) !== CLOSE) fail(text, i, 'expected "]" after the quoted key');
    segments.push(key);
    return i + 1;
  }
  const start = i;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d < 48 || d > 57) break;
    i++;
  }
  if (i === start) fail(text, start, 'expected an index or a quoted key after "["');
  if (text.charCodeAt(i) !== CLOSE) fail(text, i, 'expected "]"');
  segments.push(Number(text.slice(start, i)));
  return i + 1;
}

/** Follows `segments` into `value`, own properties only; `undefined` when any step is missing. */
export function readPath(value: unknown, segments: readonly PathSegment[]): unknown {
  return followPath(value, segments, false);
}

/** `body.id` -> `$.body.id`, `[0]` -> `$[0]`; `$`-paths are returned unchanged. */
export function normalizeOutputPath(text: string): string {
  if (text.startsWith('$')) return text;
  return text.startsWith('[') ? `$${text}` : `$.${text}`;
}

/**
 * The own key of `target` that `key` names. HTTP header names are case-insensitive, so under a
 * `headers` map a miss retries ignoring case (`headers['Content-Type']` finds `content-type`).
 */
export function headerKey(target: object, key: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(target, key)) return key;
  const lower = key.toLowerCase();
  for (const own of Object.keys(target)) if (own.toLowerCase() === lower) return own;
  return undefined;
}

/** Like readPath, with header names matched ignoring case under any `headers` key. */
export function readPathWithHeaders(value: unknown, segments: readonly PathSegment[]): unknown {
  return followPath(value, segments, true);
}

function followPath(value: unknown, segments: readonly PathSegment[], headersIgnoreCase: boolean): unknown {
  let current = value;
  for (let i = 0; i < segments.length; i++) {
    if (current === null || current === undefined) return undefined;
    const segment = segments[i];
    if (typeof current === 'string') {
      // Strings answer indexes and `length`, nothing inherited.
      if (typeof segment === 'number') current = segment < current.length ? current[segment] : undefined;
      else current = segment === 'length' ? current.length : undefined;
      continue;
    }
    if (typeof current !== 'object') return undefined;
    let key: string | undefined = typeof segment === 'number' ? String(segment) : segment;
    if (!Object.prototype.hasOwnProperty.call(current, key)) {
      key =
        headersIgnoreCase && i > 0 && segments[i - 1] === 'headers' && typeof segment === 'string'
          ? headerKey(current, segment)
          : undefined;
      if (key === undefined) return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * An output path read the way TestMesh reads it: against the response body first, then against the
 * whole step result. So `$.id` is the body's `id`, and `$.status`, `$.headers.x`, `$.body.x` still
 * reach the result when the body has no such key (or has it as null). `$` alone is the whole result.
 * `undefined` when neither has it.
 */
export function readOutputPath(result: unknown, segments: readonly PathSegment[], ownId?: string): unknown {
  const found = readOutputPathOnce(result, segments);
  // `count.first_row.total` written in step `count` (TestMesh's seed flows do): the author means the rest.
  if (found === undefined && ownId !== undefined && segments.length > 1 && segments[0] === ownId)
    return readOutputPathOnce(result, segments.slice(1));
  return found;
}

function readOutputPathOnce(result: unknown, segments: readonly PathSegment[]): unknown {
  if (segments.length === 0) return result;
  if (
    result !== null &&
    typeof result === 'object' &&
    !Array.isArray(result) &&
    Object.prototype.hasOwnProperty.call(result, 'body')
  ) {
    const fromBody = readPathWithHeaders((result as Record<string, unknown>).body, segments);
    if (fromBody !== undefined && fromBody !== null) return fromBody;
    const fromResult = readPathWithHeaders(result, segments);
    return fromResult !== undefined ? fromResult : fromBody;
  }
  return readPathWithHeaders(result, segments);
}
