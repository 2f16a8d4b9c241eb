/**
 * Reading a YAML syntax tree with positions: ranges and diagnostics, aliases followed (unknown
 * and cyclic ones reported once), `<<` merge keys applied, scalars read as text, plain values built.
 * Works on the tree (never `toJS`), so every value keeps its position; aliases are measured before
 * anything expands them (checkAliases in limits.ts), so alias bombs and cycles cost nothing.
 * The flow rules built on it are in validate.ts.
 */
import type { LineCounter, Node as YamlNode } from 'yaml';
import type { FlowDiagnostic, Severity, SourcePosition, SourceRange } from '../errors';
import { checkAliases, collectAnchors, MAX_ALIAS_EXPANSION, MAX_NESTING_DEPTH } from './limits';
import { isAlias, isMap, isScalar, isSeq } from './yamlNodeKinds';
import { fastStart, fastValueEnd } from './yamlSubset';

/** One `key: value` of a mapping, merge keys (`<<`) already applied. */
export interface Entry {
  key: string;
  keyNode: YamlNode;
  value: YamlNode | null;
}

/** Mappings up to this many keys are searched in order; larger ones get a Map index. */
const SMALL_MAPPING = 16;

/**
 * A mapping's entries by key, in written order, the first of a repeated key kept. A step's
 * mappings have a handful of keys each, and a generated flow has tens of thousands of them: a
 * short list searched in order costs a fraction of a Map (and its iterators) per mapping, and
 * the index keeps a hostile mapping of 100,000 keys linear.
 */
export class Entries {
  private readonly list: Entry[];
  private count = 0;
  private index?: Map<string, Entry>;

  /** `expected`: how many entries there will likely be (room is made for them at once). */
  constructor(expected = 0) {
    this.list = new Array<Entry>(expected);
  }

  get(key: string): Entry | undefined {
    if (this.index) return this.index.get(key);
    const list = this.list;
    for (let i = 0; i < this.count; i++) if (list[i].key === key) return list[i];
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Adds `entry` unless its key is already there. */
  add(entry: Entry): void {
    if (this.get(entry.key) !== undefined) return;
    if (this.count < this.list.length) this.list[this.count] = entry;
    else this.list.push(entry);
    this.count++;
    if (this.index) this.index.set(entry.key, entry);
    else if (this.count > SMALL_MAPPING) this.index = new Map(this.values().map((e) => [e.key, e]));
  }

  /** The entries in written order (not to be changed). */
  values(): readonly Entry[] {
    // Room made for entries that did not come (repeated keys, merge keys) is given back.
    if (this.list.length > this.count) this.list.length = this.count;
    return this.list;
  }
}

export class YamlReader {
  private readonly resolved = new Map<YamlNode, YamlNode | null>();
  /** Aliases already reported as unknown or cyclic. */
  private readonly brokenAliases = new Set<YamlNode>();
  private anchors?: Map<string, YamlNode[]>;
  /** Aliases inside the node they name (`&a [*a]`): expanding them would never end. */
  private cyclic = new Set<YamlNode>();
  /** Index in lineStarts of the line the last position was on: positions are mostly asked in order. */
  private lastLine = 0;

  constructor(
    protected readonly doc: { contents: unknown },
    protected readonly text: string,
    private readonly lineCounter: LineCounter,
    protected readonly file: string,
    protected readonly diagnostics: FlowDiagnostic[],
  ) {}

  /**
   * Measures the document's aliases before anything expands them; false (and an error) for an
   * alias bomb or a nesting too deep to walk.
   */
  aliasesWithinLimits(contents: YamlNode | null): boolean {
    // Without a '*' in the text there is no alias, and no need to walk the tree for them.
    if (!this.text.includes('*')) return true;
    const aliases = checkAliases(contents, (alias) => this.deref(alias));
    this.cyclic = aliases.cyclic;
    if (aliases.tooLarge) {
      this.error(
        aliases.tooLarge,
        `aliases ('*name') expand to more than ${MAX_ALIAS_EXPANSION} extra values (refused, this looks like an alias bomb)`,
      );
      return false;
    }
    if (aliases.tooDeep) {
      this.error(
        aliases.tooDeep,
        `with its aliases expanded, the YAML nests deeper than ${MAX_NESTING_DEPTH} levels (refused)`,
      );
      return false;
    }
    return true;
  }

  // ---- positions and diagnostics -------------------------------------------------------------

  position(offset: number): SourcePosition {
    const starts = this.lineCounter.lineStarts;
    const count = starts.length;
    if (count === 0 || offset < starts[0]) return { line: 1, column: offset + 1 };
    // The last line starting at or before `offset`: looked for next to the previous answer first.
    let line = Math.min(this.lastLine, count - 1);
    let low: number;
    let high: number;
    if (starts[line] > offset) {
      // Mostly a few lines back: the start of the node whose end was asked last.
      for (let steps = 0; steps < 8 && line > 0 && starts[line] > offset; steps++) line--;
      low = starts[line] <= offset ? line : 0;
      high = line;
    } else {
      for (let steps = 0; steps < 8 && line + 1 < count && starts[line + 1] <= offset; steps++) line++;
      low = line;
      high = line + 1 < count && starts[line + 1] <= offset ? count - 1 : line;
    }
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    line = low;
    this.lastLine = line;
    return { line: line + 1, column: offset - starts[line] + 1 };
  }

  /** Range of [start, end) in the text, trailing whitespace left out. */
  offsetsRange(start: number, end: number): SourceRange {
    let e = Math.min(end, this.text.length);
    while (e > start) {
      const c = this.text.charCodeAt(e - 1);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      e--;
    }
    return { start: this.position(start), end: this.position(Math.max(e, start)) };
  }

  range(node: YamlNode | null | undefined, fallback?: YamlNode | null): SourceRange {
    // The subset parser's nodes give their offsets without building a `range` array.
    const fast = node ?? fallback;
    const start = fastStart(fast);
    if (start !== undefined) return this.offsetsRange(start, fastValueEnd(fast) as number);
    const r = node?.range ?? fallback?.range;
    if (!r) return { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
    return this.offsetsRange(r[0], r[1]);
  }

  report(severity: Severity, range: SourceRange, message: string): void {
    this.diagnostics.push({ file: this.file, range, severity, message });
  }

  error(at: YamlNode | SourceRange | null | undefined, message: string): void {
    // A broken alias has had its one message; what it would have been is no news.
    if (at && !isRange(at) && this.brokenAliases.has(at)) return;
    this.report('error', isRange(at) ? at : this.range(at), message);
  }

  warn(at: YamlNode | SourceRange | null | undefined, message: string): void {
    this.report('warning', isRange(at) ? at : this.range(at), message);
  }

  // ---- YAML tree helpers ---------------------------------------------------------------------

  /** Follows an alias to its anchored node (to read it). Null for an unknown anchor, reported once. */
  deref(node: YamlNode | null | undefined): YamlNode | null {
    if (!node || !isAlias(node)) return node ?? null;
    const known = this.resolved.get(node);
    if (known !== undefined) return known;
    const target = this.findAnchor(node.source, node.range?.[0] ?? 0) ?? null;
    if (!target) this.brokenAlias(node, `unknown alias '*${node.source}': no '&${node.source}' anchor before it`);
    this.resolved.set(node, target);
    return target;
  }

  /**
   * Follows an alias to walk into what it names. An alias inside the node it names would make
   * the walk endless: reported once, and null.
   */
  expand(node: YamlNode | null | undefined): YamlNode | null {
    if (!node || !isAlias(node)) return node ?? null;
    if (this.cyclic.has(node)) {
      this.brokenAlias(node, `alias '*${node.source}' refers to a node that contains it`);
      return null;
    }
    return this.deref(node);
  }

  private brokenAlias(node: YamlNode, message: string): void {
    if (this.brokenAliases.has(node)) return;
    this.report('error', this.range(node), message);
    this.brokenAliases.add(node);
  }

  /** The last node anchored as `name` that starts before `offset` (YAML's rule). */
  private findAnchor(name: string, offset: number): YamlNode | undefined {
    if (!this.anchors) this.anchors = collectAnchors(this.doc.contents as YamlNode | null);
    const candidates = this.anchors.get(name);
    if (!candidates) return undefined;
    let found: YamlNode | undefined;
    for (const node of candidates) {
      if ((node.range?.[0] ?? 0) < offset) found = node;
    }
    return found;
  }

  /** The entries of a mapping with `<<` merge keys applied (explicit keys win). */
  entries(map: YamlNode): Entries {
    if (!isMap(map)) return new Entries();
    const items = map.items;
    const out = new Entries(items.length);
    // Made only for a mapping with merge keys: most have none.
    let merges: Entry[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const pair = items[i];
      const keyNode = pair.key as YamlNode | null;
      const value = (pair.value ?? null) as YamlNode | null;
      const key = this.keyText(keyNode, map);
      if (key === undefined) continue;
      const entry: Entry = { key, keyNode: keyNode ?? map, value };
      if (key === '<<' && isScalar(keyNode) && keyNode.type === 'PLAIN') (merges ??= []).push(entry);
      else out.add(entry);
    }
    if (merges) for (const merge of merges) this.applyMerge(merge, out);
    return out;
  }

  private applyMerge(merge: Entry, out: Entries): void {
    const source = this.expand(merge.value);
    const maps = isSeq(source) ? source.items.map((item) => this.expand(item as YamlNode)) : [source];
    for (const m of maps) {
      if (!m) continue; // an alias problem, already reported
      if (!isMap(m)) {
        this.error(
          merge.value ?? merge.keyNode,
          "'<<' merges only mappings (use '<<: *name' with an anchored mapping)",
        );
        continue;
      }
      for (const entry of this.entries(m).values()) out.add(entry);
    }
  }

  private keyText(keyNode: YamlNode | null, map: YamlNode): string | undefined {
    const node = this.deref(keyNode);
    if (isScalar(node)) {
      const value = node.value;
      if (typeof value === 'string') return value;
      return value === null || value === undefined ? '' : String(value);
    }
    this.error(keyNode ?? map, 'a mapping key must be a plain name, not a list or a mapping');
    return undefined;
  }

  /** Plain JavaScript value of a node, aliases expanded. */
  value(node: YamlNode | null | undefined): unknown {
    const target = this.expand(node);
    if (!target) return null;
    if (isScalar(target)) return target.value ?? null;
    if (isSeq(target)) return target.items.map((item) => this.value(item as YamlNode));
    if (isMap(target)) {
      const out: Record<string, unknown> = {};
      for (const entry of this.entries(target).values()) setOwn(out, entry.key, this.value(entry.value));
      return out;
    }
    return null;
  }

  /**
   * The text of a scalar that is text (aliases followed), else undefined, without a message: for
   * the usual case, before scalarText's message is put into words.
   */
  textOf(node: YamlNode | null): string | undefined {
    const target = this.deref(node);
    return isScalar(target) && typeof target.value === 'string' ? target.value : undefined;
  }

  /** A scalar that must be text: strings as is, numbers and booleans as written. */
  scalarText(node: YamlNode | null, what: string): string | undefined {
    const target = this.deref(node);
    if (isScalar(target) && target.value !== null && typeof target.value !== 'object') return String(target.value);
    this.error(node, `${what} must be text, got ${describe(target)}`);
    return undefined;
  }

  /** The first line of a mapping: where "missing key" errors point, instead of the whole block. */
  keyAnchor(map: YamlNode): SourceRange {
    const start = map.range?.[0] ?? 0;
    const newline = this.text.indexOf('\n', start);
    return this.offsetsRange(start, newline < 0 ? this.text.length : newline);
  }

  /**
   * Range starting at character `offset` of a scalar's value. Exact for a single-line plain or
   * quoted scalar; otherwise the whole scalar.
   */
  innerRange(node: YamlNode | null, offset: number): SourceRange {
    const whole = this.range(node);
    if (!isScalar(node) || !node.range || whole.start.line !== whole.end.line) return whole;
    const start = node.range[0];
    const end = node.range[1];
    let at: number;
    if (node.type === 'PLAIN') at = start + offset;
    else if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')
      at = quotedOffset(this.text, start, end, offset, node.type === 'QUOTE_DOUBLE');
    else return whole;
    at = Math.max(start, Math.min(at, Math.max(start, end - 1)));
    return { start: this.position(at), end: whole.end };
  }
}

function isRange(x: unknown): x is SourceRange {
  return typeof x === 'object' && x !== null && 'start' in x && 'end' in x && !('range' in x);
}

export function isEmptyList(node: YamlNode | null): boolean {
  return !node || (isSeq(node) && node.items.length === 0) || (isScalar(node) && node.value === null);
}

/** Sets a key as an own data property, `__proto__` included. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Source offset of the `offset`-th character of a quoted scalar's value: skips the opening quote
 * and counts escapes (`\n`, `\u00e9`, `''`) as the one character they stand for.
 */
function quotedOffset(text: string, start: number, end: number, offset: number, double: boolean): number {
  let i = start + 1;
  let n = 0;
  while (i < end - 1 && n < offset) {
    const c = text.charCodeAt(i);
    if (double && c === 92) {
      const next = text[i + 1];
      i += next === 'x' ? 4 : next === 'u' ? 6 : next === 'U' ? 10 : 2;
    } else if (!double && c === 39 && text.charCodeAt(i + 1) === 39) {
      i += 2;
    } else {
      i++;
    }
    n++;
  }
  return i;
}

export function describe(node: YamlNode | null | undefined): string {
  if (!node) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return describeValue(node.value);
  return 'something else';
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return String(value);
  return String(value);
}
