/**
 * JSON-aware matching of a received message against an `expected` value from a flow:
 * objects match when every expected key matches (extra keys in the message are fine), lists
 * match element by element, and text that holds JSON is compared as the JSON it holds, so
 * `expected: {type: pong}`, `expected: '{"type":"pong"}'` and `expected: {count: "3"}` all
 * mean what a person would expect.
 */

/** Why `actual` does not match `expected` (`at $.type: expected "pong", got "hello"`), or undefined when it does. */
export function findMismatch(expected: unknown, actual: unknown, path = '$'): string | undefined {
  if (typeof expected === 'string') {
    if (typeof actual === 'string') return expected === actual ? undefined : differ(path, expected, actual);
    // Text that holds JSON (or a number/boolean given as text) compares as that value.
    const parsed = parseJson(expected);
    if (parsed.ok) return findMismatch(parsed.value, actual, path);
    return differ(path, expected, actual);
  }
  if (expected === null || expected === undefined)
    return actual === null || actual === undefined ? undefined : differ(path, null, actual);
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `at ${path}: expected a list, got ${show(actual)}`;
    if (actual.length !== expected.length)
      return `at ${path}: expected a list of ${expected.length}, got ${actual.length} item(s)`;
    for (let i = 0; i < expected.length; i++) {
      const why = findMismatch(expected[i], actual[i], `${path}[${i}]`);
      if (why) return why;
    }
    return undefined;
  }
  if (typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
      return `at ${path}: expected an object, got ${show(actual)}`;
    const record = actual as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected as Record<string, unknown>)) {
      const childPath = /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      if (!Object.prototype.hasOwnProperty.call(record, key))
        return `at ${childPath}: missing (expected ${show(value)})`;
      const why = findMismatch(value, record[key], childPath);
      if (why) return why;
    }
    return undefined;
  }
  // number or boolean: the message's text "42" was already parsed to 42 by the caller; a string
  // value "42" inside a JSON message still matches 42.
  if (actual === expected) return undefined;
  if (typeof actual === 'string' && actual === String(expected)) return undefined;
  return differ(path, expected, actual);
}

export function matchesExpected(expected: unknown, actual: unknown): boolean {
  return findMismatch(expected, actual) === undefined;
}

/** A message's text as JSON when it is JSON, else the text itself. */
export function parseMessageText(text: string): unknown {
  const parsed = parseJson(text);
  return parsed.ok ? parsed.value : text;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch {
    return { ok: false };
  }
}

function differ(path: string, expected: unknown, actual: unknown): string {
  return `at ${path}: expected ${show(expected)}, got ${show(actual)}`;
}

/** A short JSON rendering of a value for error messages. */
export function show(value: unknown, max = 120): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  text ??= String(value);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
