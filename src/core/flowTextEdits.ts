/**
 * Small edits of a flow file's text that keep everything else as written (comments, order,
 * quoting, blank lines): set the `tags` list, set `name` or `description`. Each edit replaces the
 * text of one YAML node, found through the parser's ranges, and is checked by parsing the result
 * again; an edit that cannot be made that way throws instead of rewriting the file.
 */
import { isMap, isScalar, isSeq, parseDocument, type Pair, type YAMLMap } from 'yaml';
import { TestMeshError } from './errors';

type Range = [number, number, number];

interface FlowMap {
  map: YAMLMap;
  text: string;
}

/** The map holding the flow's keys: under the root key `flow:`, or the root itself. */
function flowMap(text: string): FlowMap {
  const document = parseDocument(text, { keepSourceTokens: false });
  if (document.errors.length) throw new TestMeshError(`the file is not valid YAML: ${document.errors[0].message}`);
  const root = document.contents;
  if (!isMap(root)) throw new TestMeshError('the file is not a YAML map');
  const nested = root.get('flow', true);
  const map = isMap(nested) ? nested : root;
  if (map.flow) throw new TestMeshError('the flow is written in YAML flow style ({...}); edit it by hand');
  return { map, text };
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

function rangeOf(node: unknown): Range | undefined {
  const range = (node as { range?: Range } | null)?.range;
  return Array.isArray(range) ? range : undefined;
}

const PLAIN = /^[A-Za-z0-9_.][A-Za-z0-9_.\-/ ()]*$/;
const YAML_WORDS = /^(true|false|yes|no|on|off|null|~|y|n|[-+]?\.inf|\.nan)$/i;

/** One line of YAML for a string: plain when that reads back as the same string, else JSON-quoted. */
function yamlString(value: string): string {
  const plain =
    PLAIN.test(value) && !value.endsWith(' ') && !YAML_WORDS.test(value) && !/^[-+.]?\d/.test(value) && value !== '';
  return plain ? value : JSON.stringify(value);
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

/** The line breaks that end `text` (a loop: a regex like /\n*$/ is quadratic on runs of them). */
function trailingBreaks(text: string): string {
  let start = text.length;
  while (start > 0 && text.charCodeAt(start - 1) === 10) start--;
  return text.slice(start);
}

/** No control characters: what a single-quoted scalar can hold on one line. */
function printable(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) < 32 || value.charCodeAt(i) === 127) return false;
  return true;
}

/**
 * The text that sets a scalar to `value`, for [start, end) of the old text: quoted stays quoted the
 * same way, anything else becomes plain when that reads back the same; line breaks that ended the
 * old value (block scalars include them) are kept.
 */
export function scalarReplacement(
  text: string,
  range: Range,
  value: string,
): { start: number; end: number; newText: string } {
  const old = text.slice(range[0], range[1]);
  const trailing = trailingBreaks(old);
  const written = old.startsWith('"')
    ? JSON.stringify(value)
    : old.startsWith("'") && printable(value)
      ? `'${value.replace(/'/g, "''")}'`
      : yamlString(value);
  return { start: range[0], end: range[1], newText: written + trailing };
}

function replaceScalar(text: string, range: Range, value: string): string {
  const { start, end, newText } = scalarReplacement(text, range, value);
  return splice(text, start, end, newText);
}

function flowSequence(items: readonly string[]): string {
  return `[${items.map(yamlString).join(', ')}]`;
}

/** The text with the flow's `tags` set to `tags` (the key is added after `name` when missing). */
export function setFlowTags(text: string, tags: readonly string[]): string {
  const { map } = flowMap(text);
  const pair = pairOf(map, 'tags');
  let next: string;
  if (pair) {
    const range = rangeOf(pair.value);
    const keyRange = rangeOf(pair.key)!;
    if (!range || (isScalar(pair.value) && pair.value.value === null)) {
      // `tags:` with no value: put the list after the colon.
      const colon = text.indexOf(':', keyRange[1]);
      next = splice(text, colon + 1, colon + 1, ` ${flowSequence(tags)}`);
    } else if (isSeq(pair.value) && !pair.value.flow && tags.length > 0) {
      const column = range[0] - lineStart(text, range[0]);
      const old = text.slice(range[0], range[1]);
      const trailing = trailingBreaks(old);
      const items = tags.map((t) => `- ${yamlString(t)}`).join(`\n${' '.repeat(column)}`);
      next = splice(text, range[0], range[1], items + trailing);
    } else if (isSeq(pair.value) && !pair.value.flow) {
      // An empty list cannot be a block sequence: the value moves up beside the key.
      const colon = text.indexOf(':', keyRange[1]);
      const old = text.slice(range[0], range[1]);
      const trailing = trailingBreaks(old);
      next = splice(text, colon + 1, range[1], ` []${trailing || ''}`);
    } else {
      next = splice(text, range[0], range[1], flowSequence(tags));
    }
  } else {
    const name = pairOf(map, 'name') ?? (map.items[0] as Pair | undefined);
    if (!name) throw new TestMeshError('the flow has no keys to place tags beside');
    const keyStart = rangeOf(name.key)![0];
    const indent = ' '.repeat(keyStart - lineStart(text, keyStart));
    const after = map.items[map.items.indexOf(name) + 1] as Pair | undefined;
    const line = `${indent}tags: ${flowSequence(tags)}\n`;
    if (after) {
      next = splice(text, lineStart(text, rangeOf(after.key)![0]), lineStart(text, rangeOf(after.key)![0]), line);
    } else {
      next = text.endsWith('\n') ? text + line : `${text}\n${line}`;
    }
  }
  const check = readKey(next, 'tags');
  if (!Array.isArray(check) || check.length !== tags.length || check.some((t, i) => t !== tags[i]))
    throw new TestMeshError('the tags could not be set without rewriting the file; edit them by hand');
  return next;
}

/** The text with the flow's `name` or `description` set to `value`. */
export function setFlowField(text: string, key: 'name' | 'description', value: string): string {
  const { map } = flowMap(text);
  const pair = pairOf(map, key);
  const range = rangeOf(pair?.value);
  if (!pair || !range || !isScalar(pair.value)) throw new TestMeshError(`the flow has no ${key} to change`);
  const next = replaceScalar(text, range, value);
  if (readKey(next, key) !== value)
    throw new TestMeshError(`the ${key} could not be set without rewriting the file; edit it by hand`);
  return next;
}

/** A key of the flow map as plain data (`undefined` when absent or the text does not parse). */
export function readKey(text: string, key: string): unknown {
  try {
    const { map } = flowMap(text);
    const value = pairOf(map, key)?.value;
    return value === undefined || value === null ? undefined : (value as { toJSON(): unknown }).toJSON();
  } catch {
    return undefined;
  }
}
