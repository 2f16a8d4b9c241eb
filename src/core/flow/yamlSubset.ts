/**
 * A fast, linear parser for the YAML that flow files are written in: block mappings and lists,
 * flow collections (`[a, b]`, `{k: v}`), plain, quoted and block (`|`, `>`) scalars, comments,
 * anchors and aliases. It builds the same syntax tree as the `yaml` package (nodes that `isMap`,
 * `isSeq`, `isScalar`, `isAlias` recognise, with the same `range` offsets and core-schema values),
 * about ten times faster, and finds duplicate keys with a hash set instead of yaml's quadratic scan.
 *
 * It accepts only what it fully understands and is valid YAML. Anything else (tags, directives,
 * several documents, explicit `?` keys, tabs, CRLF, multi-line quoted scalars, and every syntax
 * error) makes it return undefined, and the caller parses with the `yaml` package, which gives
 * the exact error messages. So this parser never has to produce an error message of its own,
 * except for duplicate keys (valid syntax, refused by our rules).
 *
 * Everything is a loop over character codes with bounded recursion: past MAX_SUBSET_DEPTH levels
 * of nesting it gives up (load.ts then finds and reports the place), and each character is looked
 * at a constant number of times.
 */
import { LineCounter, type Node as YamlNode } from 'yaml';
import { MAX_NESTING_DEPTH } from './limits';
import { ScalarInterner } from './yamlInterner';
import { ALIAS, MAP, NODE_TYPE, PAIR, SCALAR, SEQ } from './yamlNodeKinds';

type Range = [number, number, number];
export type ScalarType = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';

// Plain objects carrying yaml's node-type symbol: what validate.ts and limits.ts read of a node.
// The three offsets of yaml's `range` are plain fields, and `range` is built when read: a
// 10,000-step flow has a quarter of a million nodes, and an array each made the tree half again
// as large (and the garbage collector copy it all while it grows).
//
// Each node class sets all its fields in its own constructor, with no base class constructor and
// no class field initializers: in a fresh process, before anything is optimised, each of those
// is one more function call per node. FastRanged is only the prototype they share (set below).
abstract class FastRanged {
  declare start: number;
  declare valueEnd: number;
  declare end: number;

  /** yaml's `[start, value end, node end]`. */
  get range(): Range {
    return [this.start, this.valueEnd, this.end];
  }
}

class FastScalar {
  declare value: unknown;
  declare type: ScalarType;
  declare start: number;
  declare valueEnd: number;
  declare end: number;
  declare anchor?: string;
  constructor(value: unknown, type: ScalarType, start: number, valueEnd: number, end: number) {
    this.start = start;
    this.valueEnd = valueEnd;
    this.end = end;
    this.value = value;
    this.type = type;
  }
}

class FastAlias {
  declare source: string;
  declare start: number;
  declare valueEnd: number;
  declare end: number;
  constructor(source: string, start: number, valueEnd: number, end: number) {
    this.start = start;
    this.valueEnd = valueEnd;
    this.end = end;
    this.source = source;
  }
}

class FastPair {
  declare key: FastNode;
  declare value: FastNode | null;
  constructor(key: FastNode, value: FastNode | null) {
    this.key = key;
    this.value = value;
  }
}

/** What a collection holds until the parser gives it its items: one shared empty list. */
const NO_ITEMS: never[] = [];

class FastMap {
  declare items: FastPair[];
  declare flow: boolean;
  declare start: number;
  declare valueEnd: number;
  declare end: number;
  declare anchor?: string;
  constructor(at: number, flow: boolean) {
    this.start = at;
    this.valueEnd = at;
    this.end = at;
    this.items = NO_ITEMS;
    this.flow = flow;
  }
}

class FastSeq {
  declare items: FastNode[];
  declare flow: boolean;
  declare start: number;
  declare valueEnd: number;
  declare end: number;
  declare anchor?: string;
  constructor(at: number, flow: boolean) {
    this.start = at;
    this.valueEnd = at;
    this.end = at;
    this.items = NO_ITEMS;
    this.flow = flow;
  }
}

for (const type of [FastScalar, FastAlias, FastMap, FastSeq])
  Object.setPrototypeOf(type.prototype, FastRanged.prototype);

// The node type on the prototypes, not on each node: one property fewer to create per node.
for (const [type, symbol] of [
  [FastScalar, SCALAR],
  [FastAlias, ALIAS],
  [FastPair, PAIR],
  [FastMap, MAP],
  [FastSeq, SEQ],
] as const) {
  Object.defineProperty(type.prototype, NODE_TYPE, { value: symbol });
}

type FastNode = FastScalar | FastAlias | FastMap | FastSeq;

export interface YamlSubsetResult {
  /** The root node (null for an empty document), shaped like the `yaml` package's. */
  contents: YamlNode | null;
  lineCounter: LineCounter;
  /** Offsets of keys that repeat an earlier key of the same mapping. */
  duplicateKeys: number[];
  /** Deepest nesting of mappings and lists (aliases not followed), as limits.ts's findTooDeep counts it. */
  depth: number;
}

/** Start offset of a node made here, without building its `range` array; undefined for other nodes. */
export function fastStart(node: unknown): number | undefined {
  return node instanceof FastRanged ? node.start : undefined;
}

/** Value-end offset (yaml's `range[1]`) of a node made here; undefined for other nodes. */
export function fastValueEnd(node: unknown): number | undefined {
  return node instanceof FastRanged ? node.valueEnd : undefined;
}

/** Thrown (one shared object, no stack) when the text leaves the subset: the caller falls back. */
const UNSUPPORTED = { unsupported: true };
function unsupported(): never {
  throw UNSUPPORTED;
}

/** Characters that may not start a plain scalar. */
const INDICATOR = new Uint8Array(128);
for (const c of ',[]{}#&*!|>\'"%@`') INDICATOR[c.charCodeAt(0)] = 1;
/** Characters that end a plain scalar inside a flow collection. */
const FLOW_INDICATOR = new Uint8Array(128);
for (const c of ',[]{}') FLOW_INDICATOR[c.charCodeAt(0)] = 1;

// Runs of characters with nothing to decide inside them, for the scans below: a sticky regular
// expression skips them in native code, where a loop over charCodeAt runs in the interpreter for
// the first few thousand scalars of a fresh process. Each ends at the line's end at the latest.
/** Inside a plain key: up to a newline, `:` or `#`. */
const KEY_RUN = /[^\n:#]*/y;
/** Inside a plain scalar in block context: up to a newline, a space, `#` or `:`. */
const PLAIN_RUN = /[^\n #:]*/y;
/** Inside a plain scalar in a flow collection: the same, and up to a flow indicator. */
const FLOW_PLAIN_RUN = /[^\n #:,[\]{}]*/y;
/** Inside a double-quoted scalar: up to a newline, `"` or `\`. */
const DOUBLE_QUOTED_RUN = /[^\n"\\]*/y;
/** Inside a single-quoted scalar: up to a newline or `'`. */
const SINGLE_QUOTED_RUN = /[^\n']*/y;

/** End of the run of `pattern` (one of the *_RUN expressions) starting at `at` (< text.length). */
function runEnd(pattern: RegExp, text: string, at: number): number {
  pattern.lastIndex = at;
  pattern.test(text);
  return pattern.lastIndex;
}

/** Nesting of mappings and lists past which the parser gives up (twice the flow limit, limits.ts). */
const MAX_SUBSET_DEPTH = 2 * MAX_NESTING_DEPTH;

/** Mappings up to this many keys are checked for duplicates without a set. */
const SMALL_MAP = 16;

const NL = 10;
const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;

/** Characters the subset never sees: tabs, CR, other controls, BOM (yaml handles them). */
const OUTSIDE_SUBSET = /[\x00-\x09\x0b-\x1f\x7f\ufeff]/;
/** A line starting a directive or a document marker. */
const DOCUMENT_MARKER = /^(?:%|---(?:[ \n]|$)|\.\.\.(?:[ \n]|$))/m;

/** The phases whose block lists a StepSink is handed item by item. */
const PHASE_KEYS = new Set<unknown>(['setup', 'steps', 'teardown']);

/**
 * Takes each item of a flow's `setup`, `steps` and `teardown` block lists (under the root, or
 * under the root's `flow:` key) as soon as the parser has read it, so a builder can turn it into
 * a step while its syntax tree is still young garbage: the list keeps only a stand-in with the
 * item's offsets. A 10,000-step flow otherwise keeps a quarter of a million nodes alive, and the
 * garbage collector copies them all, until the last step is built.
 */
export interface StepSink {
  /** `list` is the start offset of the block list, `index` the item's place in it. */
  stepItem(phase: 'setup' | 'steps' | 'teardown', list: number, index: number, item: YamlNode): void;
}

export interface SubsetOptions {
  /** Line starts of `text`, when the caller needs them before parsing ends (lineCounterFor). */
  lineCounter?: LineCounter;
  steps?: StepSink;
}

/** A LineCounter with every line start of `text`. */
export function lineCounterFor(text: string): LineCounter {
  const lineCounter = new LineCounter();
  const lineStarts = lineCounter.lineStarts;
  lineStarts.push(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return lineCounter;
}

/** Parses `text` if it is in the subset; undefined otherwise (use the `yaml` package then). */
export function parseYamlSubset(text: string, options: SubsetOptions = {}): YamlSubsetResult | undefined {
  if (OUTSIDE_SUBSET.test(text) || DOCUMENT_MARKER.test(text)) return undefined;
  try {
    return new SubsetParser(text, options.steps).document(options.lineCounter ?? lineCounterFor(text));
  } catch (err) {
    if (err === UNSUPPORTED) return undefined;
    // Recursion deeper than the stack allows cannot happen below MAX_SUBSET_DEPTH; if it ever
    // did, load.ts's depth scan and the yaml package report the problem properly.
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}

class SubsetParser {
  private pos = 0;
  private readonly n: number;
  private readonly duplicateKeys: number[] = [];
  /** Item lists being gathered, one per nesting level (gather). */
  private readonly scratch: unknown[][] = [];
  /** Keys of the mappings with more than SMALL_MAP entries. */
  private readonly keySets = new Map<FastMap, Set<unknown>>();
  private readonly plainValues = new ScalarInterner(resolvePlain);
  private readonly quotedValues = new ScalarInterner((text) => text);
  /** Mappings and lists open right now, and the most ever open at once. */
  private open = 0;
  private depth = 0;
  /** Set while reading the value of a root (or root `flow:`) phase key: a block list there goes to the sink. */
  private phaseAhead: 'setup' | 'steps' | 'teardown' | undefined;
  /** Set while reading the value of the root's `flow:` key: its mapping holds the phase keys. */
  private flowAhead = false;
  /** Whether the quoted scalar quoteEnd read last has an escape. */
  private quoteEscaped = false;
  /** Indentation of the line nextContentLine found last. */
  private contentIndent = 0;
  /** The last answer of nextContentLine (knowContentLine): from where, which line, its indentation. */
  private knownFrom = -1;
  private knownLine = -1;
  private knownIndent = 0;

  constructor(
    private readonly text: string,
    private readonly sink?: StepSink,
  ) {
    this.n = text.length;
  }

  document(lineCounter: LineCounter): YamlSubsetResult {
    let contents: FastNode | null = null;
    const first = this.nextContentLine(0);
    if (first >= 0) {
      const indent = this.contentIndent;
      contents = this.blockNode(first + indent, indent, -1);
      if (this.nextContentLine(this.pos) >= 0) unsupported();
    }
    return {
      contents: contents as unknown as YamlNode | null,
      lineCounter,
      duplicateKeys: this.duplicateKeys,
      depth: this.depth,
    };
  }

  // ---- lines -----------------------------------------------------------------------------------

  /**
   * Start of the first line at or after `lineStart` with content other than a comment; -1 at the
   * end. Its indentation is left in `contentIndent`.
   */
  private nextContentLine(from: number): number {
    // Asked again from the same place (a node's end, by the node and then by its parent): the
    // indentation of a long flow is a quarter of its text, better not read three times.
    if (from === this.knownFrom) {
      this.contentIndent = this.knownIndent;
      return this.knownLine;
    }
    const text = this.text;
    let lineStart = from;
    // `from` may be mid-line (just after a node): the rest of that line must be blank or a comment.
    if (from > 0 && text.charCodeAt(from - 1) !== NL) {
      const end = this.restOfLineEnd(from);
      lineStart = end + 1;
    }
    while (lineStart < this.n) {
      let i = lineStart;
      while (text.charCodeAt(i) === SPACE) i++;
      const c = text.charCodeAt(i);
      if (i >= this.n) return -1;
      if (c === NL) {
        lineStart = i + 1;
        continue;
      }
      if (c === HASH) {
        const nl = text.indexOf('\n', i);
        if (nl < 0) return -1;
        lineStart = nl + 1;
        continue;
      }
      this.knowContentLine(from, lineStart, i - lineStart);
      this.contentIndent = i - lineStart;
      return lineStart;
    }
    return -1;
  }

  /** Remembers what nextContentLine(from) answers, found by whoever read that far. */
  private knowContentLine(from: number, lineStart: number, indent: number): void {
    this.knownFrom = from;
    this.knownLine = lineStart;
    this.knownIndent = indent;
  }

  /** From `at` to the end of the line there may be only spaces and a comment; returns the newline's offset (or n). */
  private restOfLineEnd(at: number): number {
    const text = this.text;
    let i = at;
    while (text.charCodeAt(i) === SPACE) i++;
    if (i >= this.n) return this.n;
    const c = text.charCodeAt(i);
    if (c === NL) return i;
    if (c === HASH && (i === at ? i === 0 || isSpaceOrNl(text.charCodeAt(i - 1)) : true)) {
      const nl = text.indexOf('\n', i);
      return nl < 0 ? this.n : nl;
    }
    return unsupported();
  }

  /**
   * End of the comment lines (at least `indent` deep, blank lines between allowed) after a block
   * collection: yaml counts them into the collection's extent, so its parent's range ends there.
   */
  private trailingComments(from: number, indent: number): number {
    const text = this.text;
    let end = from;
    let lineStart = from > 0 && text.charCodeAt(from - 1) !== NL ? this.restOfLineEnd(from) + 1 : from;
    while (lineStart < this.n) {
      let i = lineStart;
      while (text.charCodeAt(i) === SPACE) i++;
      const c = text.charCodeAt(i);
      if (i >= this.n) break;
      if (c === NL) {
        lineStart = i + 1;
        continue;
      }
      if (c !== HASH || i - lineStart < indent) break;
      const nl = text.indexOf('\n', i);
      end = nl < 0 ? this.n : nl;
      lineStart = end + 1;
    }
    return end;
  }

  /**
   * An empty list for the collection just opened to gather its items in, reused by every
   * collection at that level: each gets an exact-size copy at its end, instead of a list grown by
   * push that keeps room for 16 or more (a long flow has hundreds of thousands of short lists).
   */
  private gather<T>(): T[] {
    let list = this.scratch[this.open];
    if (list) list.length = 0;
    else this.scratch[this.open] = list = [];
    return list as T[];
  }

  private enter(): void {
    if (++this.open > this.depth) this.depth = this.open;
    // Far too deep for a flow: load.ts's depth scan finds the place, the recursion stays short.
    if (this.open > MAX_SUBSET_DEPTH) unsupported();
  }

  private lineStartOf(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  // ---- block nodes -----------------------------------------------------------------------------

  /**
   * The block node whose first character is at `at` (column `indent`), inside a parent block
   * at `parentIndent`. Leaves `pos` just after the node.
   */
  private blockNode(at: number, indent: number, parentIndent: number): FastNode {
    const text = this.text;
    const c = text.charCodeAt(at);
    if (c === DASH && isBlankOrEnd(text, at + 1, this.n)) return this.blockSeq(at, indent);
    if (c === 38 /* & */) {
      const { name, end } = this.anchorName(at);
      let i = end;
      while (text.charCodeAt(i) === SPACE) i++;
      if (i >= this.n || text.charCodeAt(i) === NL || text.charCodeAt(i) === HASH) {
        // `&name` alone on its line: it names the block node below.
        const next = this.nextContentLine(i);
        if (next < 0) unsupported();
        const nextIndent = this.contentIndent;
        if (nextIndent <= parentIndent) unsupported();
        const node = this.blockNode(next + nextIndent, nextIndent, parentIndent);
        if (node instanceof FastAlias || (node as { anchor?: string }).anchor !== undefined) unsupported();
        (node as FastScalar).anchor = name;
        return node;
      }
      if (this.keyEnd(i) >= 0) unsupported(); // `&a key: v` anchors the key: not in the subset
      const node = this.inlineValue(i, parentIndent, indent);
      if (node instanceof FastAlias) unsupported();
      (node as FastScalar).anchor = name;
      return node;
    }
    if (this.keyEnd(at) >= 0) return this.blockMap(at, indent);
    return this.inlineValue(at, parentIndent, indent);
  }

  /** A block mapping whose first key starts at `at`, keys at column `indent`. */
  private blockMap(at: number, indent: number): FastMap {
    const text = this.text;
    const map = new FastMap(at, false);
    const isRoot = this.open === 0;
    const holdsPhases = this.sink !== undefined && (isRoot || (this.open === 1 && this.flowAhead));
    this.phaseAhead = undefined;
    this.flowAhead = false;
    this.enter();
    const items = this.gather<FastPair>();
    let keyAt = at;
    for (;;) {
      const colon = this.keyEnd(keyAt);
      if (colon < 0) unsupported();
      const key = this.keyScalar(keyAt, colon);
      this.checkDuplicate(map, items, key);
      if (holdsPhases) {
        this.phaseAhead = PHASE_KEYS.has(key.value) ? (key.value as 'setup' | 'steps' | 'teardown') : undefined;
        this.flowAhead = isRoot && key.value === 'flow';
      }
      const value = this.mapValue(colon + 1, indent);
      this.phaseAhead = undefined;
      this.flowAhead = false;
      items.push(new FastPair(key, value));
      map.valueEnd = map.end = value.end;

      const next = this.nextContentLine(this.pos);
      if (next < 0) break;
      const nextIndent = this.contentIndent;
      if (nextIndent < indent) break;
      if (nextIndent > indent) unsupported();
      keyAt = next + nextIndent;
      if (text.charCodeAt(keyAt) === DASH && isBlankOrEnd(text, keyAt + 1, this.n)) break; // the parent's business
    }
    map.end = Math.max(map.end, this.trailingComments(this.pos, indent));
    map.items = items.slice();
    this.open--;
    return map;
  }

  /**
   * yaml's rule: scalar keys with the same value (`===`, so `1` and `"1"` differ) are duplicates.
   * Small mappings (most of them) compare with their few earlier keys; larger ones use a set,
   * built once they pass SMALL_MAP keys, so the check stays linear.
   */
  private checkDuplicate(map: FastMap, items: readonly FastPair[], key: FastScalar): void {
    const value = key.value;
    if (items.length < SMALL_MAP) {
      for (let i = 0; i < items.length; i++) {
        if ((items[i].key as FastScalar).value === value) {
          this.duplicateKeys.push(key.start);
          return;
        }
      }
      return;
    }
    let seen = this.keySets.get(map);
    if (!seen) {
      seen = new Set();
      for (const pair of items) seen.add((pair.key as FastScalar).value);
      this.keySets.set(map, seen);
    }
    if (typeof value === 'number' && Number.isNaN(value)) return;
    if (seen.has(value)) this.duplicateKeys.push(key.start);
    else seen.add(value);
  }

  /** The value after `key:` (from `at`, just after the colon) of a mapping at column `indent`. */
  private mapValue(at: number, indent: number): FastNode {
    const text = this.text;
    let i = at;
    while (text.charCodeAt(i) === SPACE) i++;
    const c = text.charCodeAt(i);
    if (i >= this.n || c === NL || c === HASH) {
      const next = this.nextContentLine(i);
      if (next >= 0) {
        const nextIndent = this.contentIndent;
        const first = next + nextIndent;
        if (nextIndent > indent) return this.blockNode(first, nextIndent, indent);
        if (nextIndent === indent && text.charCodeAt(first) === DASH && isBlankOrEnd(text, first + 1, this.n))
          return this.blockSeq(first, indent);
      }
      return this.emptyScalar(i);
    }
    if (c === 38 /* & */) return this.anchoredValue(i, indent);
    return this.inlineValue(i, indent, -1);
  }

  /** `&name value` or `&name` + a block node below, as the value of a key or a list item. */
  private anchoredValue(at: number, parentIndent: number): FastNode {
    const text = this.text;
    const { name, end } = this.anchorName(at);
    let i = end;
    while (text.charCodeAt(i) === SPACE) i++;
    const c = text.charCodeAt(i);
    let node: FastNode;
    if (i >= this.n || c === NL || c === HASH) {
      const next = this.nextContentLine(i);
      if (next < 0) unsupported();
      const nextIndent = this.contentIndent;
      const first = next + nextIndent;
      if (nextIndent > parentIndent) node = this.blockNode(first, nextIndent, parentIndent);
      else if (nextIndent === parentIndent && text.charCodeAt(first) === DASH && isBlankOrEnd(text, first + 1, this.n))
        node = this.blockSeq(first, parentIndent);
      else unsupported();
    } else {
      if (this.keyEnd(i) >= 0) unsupported();
      node = this.inlineValue(i, parentIndent, -1);
    }
    if (node instanceof FastAlias || (node as { anchor?: string }).anchor !== undefined) unsupported();
    (node as FastScalar).anchor = name;
    return node;
  }

  /** A block list whose first `-` is at `at`, column `indent`. */
  private blockSeq(at: number, indent: number): FastSeq {
    const text = this.text;
    const seq = new FastSeq(at, false);
    const phase = this.phaseAhead;
    this.phaseAhead = undefined;
    this.flowAhead = false;
    this.enter();
    const items = this.gather<FastNode>();
    let dash = at;
    for (;;) {
      const item = this.seqItem(dash + 1, indent);
      if (phase !== undefined && this.sink) {
        this.sink.stepItem(phase, at, items.length, item as unknown as YamlNode);
        // The step is built; the list keeps where the item was.
        items.push(new FastScalar(null, 'PLAIN', item.start, item.valueEnd, item.end));
      } else {
        items.push(item);
      }
      seq.valueEnd = seq.end = item.end;
      const next = this.nextContentLine(this.pos);
      if (next < 0) break;
      const nextIndent = this.contentIndent;
      if (nextIndent < indent) break;
      if (nextIndent > indent) unsupported();
      dash = next + nextIndent;
      if (!(text.charCodeAt(dash) === DASH && isBlankOrEnd(text, dash + 1, this.n))) break;
    }
    seq.end = Math.max(seq.end, this.trailingComments(this.pos, indent));
    seq.items = items.slice();
    this.open--;
    return seq;
  }

  /** One list item, from just after its `-`. */
  private seqItem(at: number, indent: number): FastNode {
    const text = this.text;
    let i = at;
    while (text.charCodeAt(i) === SPACE) i++;
    const c = text.charCodeAt(i);
    if (i >= this.n || c === NL || c === HASH) {
      const next = this.nextContentLine(i);
      if (next >= 0) {
        const nextIndent = this.contentIndent;
        if (nextIndent > indent) return this.blockNode(next + nextIndent, nextIndent, indent);
      }
      return this.emptyScalar(i);
    }
    if (c === 38 /* & */) return this.anchoredValue(i, indent);
    const column = i - this.lineStartOf(i);
    if (c === DASH && isBlankOrEnd(text, i + 1, this.n)) return this.blockSeq(i, column);
    if (this.keyEnd(i) >= 0) return this.blockMap(i, column);
    return this.inlineValue(i, indent, -1);
  }

  /**
   * `key:` or `-` with nothing after it: null, placed where yaml places it. Its end, like yaml's,
   * takes in the comments that follow, up to the next content line.
   */
  private emptyScalar(at: number): FastScalar {
    this.pos = at;
    const next = this.nextContentLine(at);
    return new FastScalar(null, 'PLAIN', at, at, next < 0 ? this.n : next);
  }

  /**
   * A scalar, alias or flow collection starting at `at` on a line of a block at `parentIndent`.
   * Continuation lines of a plain scalar must be indented more than `parentIndent`.
   */
  private inlineValue(at: number, parentIndent: number, _column: number): FastNode {
    const text = this.text;
    const c = text.charCodeAt(at);
    let node: FastNode;
    if (c === 91 /* [ */ || c === 123 /* { */) {
      node = this.flowCollection(at, parentIndent, 0);
    } else if (c === 34 /* " */ || c === 39 /* ' */) {
      node = this.quoted(at);
    } else if (c === 42 /* * */) {
      const { name, end } = this.anchorName(at);
      node = new FastAlias(name, at, end, end);
      this.pos = end;
    } else if (c === 124 /* | */ || c === 62 /* > */) {
      return this.blockScalar(at, parentIndent);
    } else {
      return this.plainBlock(at, parentIndent);
    }
    // After a quoted scalar, alias or flow collection only a comment may follow on the line.
    const end = this.restOfLineEnd(this.pos);
    node.end = end;
    return node;
  }

  // ---- keys ------------------------------------------------------------------------------------

  /**
   * When a `key:` starts at `at`, the offset of its colon; otherwise -1. Keys are single-line
   * plain or quoted scalars of at most 1024 characters.
   */
  private keyEnd(at: number): number {
    const text = this.text;
    const c = text.charCodeAt(at);
    if (c === 34 || c === 39) {
      const close = this.quoteEnd(at);
      if (close < 0) return -1;
      let i = close;
      while (text.charCodeAt(i) === SPACE) i++;
      return text.charCodeAt(i) === COLON && isBlankOrEnd(text, i + 1, this.n) ? i : -1;
    }
    if (!this.plainStart(at, false)) return -1;
    for (let i = at; i < this.n; i++) {
      i = runEnd(KEY_RUN, text, i);
      if (i >= this.n) return -1;
      const ch = text.charCodeAt(i);
      if (ch === NL) return -1;
      if (ch === COLON && isBlankOrEnd(text, i + 1, this.n)) {
        if (i - at > 1024) unsupported();
        return i;
      }
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) return -1;
    }
    return -1;
  }

  private keyScalar(at: number, colon: number): FastScalar {
    const c = this.text.charCodeAt(at);
    if (c === 34 || c === 39) {
      const key = this.quoted(at);
      key.end = key.valueEnd;
      return key;
    }
    let end = colon;
    while (this.text.charCodeAt(end - 1) === SPACE) end--;
    return new FastScalar(this.plainValues.value(this.text, at, end), 'PLAIN', at, end, end);
  }

  // ---- scalars ---------------------------------------------------------------------------------

  /** May a plain scalar start at `at`? (`-`, `?`, `:` only when followed by a non-space.) */
  private plainStart(at: number, inFlow: boolean): boolean {
    const text = this.text;
    const c = text.charCodeAt(at);
    if (at >= this.n || c === NL || c === SPACE) return false;
    if (c < 128 && INDICATOR[c]) return false;
    if (c === DASH || c === 63 /* ? */ || c === COLON) {
      const next = text.charCodeAt(at + 1);
      if (at + 1 >= this.n || next === SPACE || next === NL) return false;
      if (inFlow && next < 128 && FLOW_INDICATOR[next]) return false;
    }
    return true;
  }

  /** A plain scalar in block context, with its continuation lines folded. */
  private plainBlock(at: number, parentIndent: number): FastScalar {
    const text = this.text;
    if (!this.plainStart(at, false)) unsupported();
    let end = this.plainLineEnd(at);
    let lineEnd = this.restOfLineEnd(end);
    const firstLineEnd = end;
    let value = '';
    let folded = false;
    // Continuation lines: more indented than the parent, not a comment; blank lines become \n.
    if (text.charCodeAt(lineEnd) === NL && text.charCodeAt(end) !== HASH && !this.hasCommentBetween(end, lineEnd)) {
      let scan = lineEnd + 1;
      let blankLines = 0;
      for (;;) {
        let i = scan;
        while (text.charCodeAt(i) === SPACE) i++;
        if (i >= this.n) break;
        const c = text.charCodeAt(i);
        if (c === NL) {
          blankLines++;
          scan = i + 1;
          continue;
        }
        if (c === HASH) break;
        if (i - scan <= parentIndent) {
          // The next content line, which the parent asks for next (from `end`, where this scalar stops).
          this.knowContentLine(end, scan, i - scan);
          break;
        }
        // A continuation line that looks like anything else is left to the yaml package.
        if (c < 128 && (INDICATOR[c] || c === DASH || c === 63 || c === COLON)) unsupported();
        const lineContentEnd = this.plainLineEnd(i);
        const nl = this.restOfLineEnd(lineContentEnd);
        if (lineContentEnd !== nl && !(lineContentEnd < nl && onlySpaces(text, lineContentEnd, nl))) unsupported();
        if (this.keyEndInLine(i, nl)) unsupported();
        if (!folded) value = text.slice(at, firstLineEnd);
        value += (blankLines === 0 ? ' ' : '\n'.repeat(blankLines)) + text.slice(i, lineContentEnd);
        folded = true;
        blankLines = 0;
        end = lineContentEnd;
        lineEnd = nl;
        if (nl >= this.n) break;
        scan = nl + 1;
      }
    }
    this.pos = end;
    const scalar = new FastScalar(
      folded ? value : this.plainValues.value(text, at, firstLineEnd),
      'PLAIN',
      at,
      end,
      lineEnd,
    );
    return scalar;
  }

  private hasCommentBetween(from: number, to: number): boolean {
    for (let i = from; i < to; i++) if (this.text.charCodeAt(i) === HASH) return true;
    return false;
  }

  private keyEndInLine(from: number, to: number): boolean {
    const text = this.text;
    for (let i = from; i < to; i++) if (text.charCodeAt(i) === COLON && isBlankOrEnd(text, i + 1, this.n)) return true;
    return false;
  }

  /**
   * End of a single-line plain scalar in block context (trailing spaces excluded): before ` #`,
   * a `: ` (which would make it a key: unsupported here), or the line's end.
   */
  private plainLineEnd(at: number): number {
    const text = this.text;
    let i = at;
    let end = at;
    for (; i < this.n; i++) {
      const run = runEnd(PLAIN_RUN, text, i);
      if (run > i) {
        end = i = run;
        if (i >= this.n) break;
      }
      const c = text.charCodeAt(i);
      if (c === NL) break;
      if (c === SPACE) continue;
      if (c === HASH && text.charCodeAt(i - 1) === SPACE) break;
      if (c === COLON && isBlankOrEnd(text, i + 1, this.n)) unsupported();
      end = i + 1;
    }
    return end;
  }

  /**
   * Offset just after the closing quote of the quoted scalar at `at`, on the same line; -1 if
   * none. Leaves in `quoteEscaped` whether the scalar has an escape (`\` in double quotes, `''`
   * in single ones), the one thing that makes its value differ from its text.
   */
  private quoteEnd(at: number): number {
    const text = this.text;
    const quote = text.charCodeAt(at);
    const run = quote === 34 ? DOUBLE_QUOTED_RUN : SINGLE_QUOTED_RUN;
    this.quoteEscaped = false;
    for (let i = at + 1; i < this.n; i++) {
      i = runEnd(run, text, i);
      if (i >= this.n) return -1;
      const c = text.charCodeAt(i);
      if (c === NL) return -1;
      if (quote === 34 && c === 92 /* \ */) {
        this.quoteEscaped = true;
        i++;
        continue;
      }
      if (c === quote) {
        if (quote === 39 && text.charCodeAt(i + 1) === 39) {
          this.quoteEscaped = true;
          i++;
          continue;
        }
        return i + 1;
      }
    }
    return -1;
  }

  private quoted(at: number): FastScalar {
    const text = this.text;
    const end = this.quoteEnd(at);
    if (end < 0) unsupported(); // multi-line or unterminated: the yaml package decides
    this.pos = end;
    const single = text.charCodeAt(at) === 39;
    if (!this.quoteEscaped)
      return new FastScalar(
        this.quotedValues.value(text, at + 1, end - 1),
        single ? 'QUOTE_SINGLE' : 'QUOTE_DOUBLE',
        at,
        end,
        end,
      );
    const inner = text.slice(at + 1, end - 1);
    if (single) return new FastScalar(inner.replace(/''/g, "'"), 'QUOTE_SINGLE', at, end, end);
    return new FastScalar(unescapeDouble(inner), 'QUOTE_DOUBLE', at, end, end);
  }

  /** `|` or `>` with optional chomping indicator; content lines more indented than `parentIndent`. */
  private blockScalar(at: number, parentIndent: number): FastScalar {
    const text = this.text;
    const literal = text.charCodeAt(at) === 124;
    let i = at + 1;
    let chomp: 'clip' | 'strip' | 'keep' = 'clip';
    const ch = text.charCodeAt(i);
    if (ch === DASH) {
      chomp = 'strip';
      i++;
    } else if (ch === 43 /* + */) {
      chomp = 'keep';
      i++;
    }
    const headerEnd = this.restOfLineEnd(i); // an indentation digit is not in the subset: unsupported there
    if (headerEnd >= this.n) unsupported();
    // Content: the first non-blank line fixes the indentation.
    let lineStart = headerEnd + 1;
    let contentIndent = -1;
    const lines: string[] = [];
    let trailingBlank = 0;
    let lastContentEnd = headerEnd;
    let end = headerEnd + 1;
    let maxBlankIndent = 0;
    while (lineStart < this.n) {
      let j = lineStart;
      while (text.charCodeAt(j) === SPACE) j++;
      const nlAt = j < this.n ? text.indexOf('\n', j) : -1;
      const lineEnd = nlAt < 0 ? this.n : nlAt;
      const indent = j - lineStart;
      if (j >= this.n || text.charCodeAt(j) === NL) {
        // A blank line: part of the scalar if more content follows.
        if (contentIndent >= 0 && indent > contentIndent) unsupported(); // spaces that are content
        if (contentIndent < 0 && indent > maxBlankIndent) maxBlankIndent = indent;
        trailingBlank++;
        lineStart = lineEnd + 1;
        continue;
      }
      if (contentIndent < 0) {
        if (indent <= parentIndent) break;
        if (maxBlankIndent > indent) unsupported();
        contentIndent = indent;
      } else if (indent < contentIndent) {
        break;
      }
      for (let k = 0; k < trailingBlank; k++) lines.push('');
      trailingBlank = 0;
      lines.push(text.slice(lineStart + contentIndent, lineEnd));
      lastContentEnd = lineEnd;
      end = Math.min(lineEnd + 1, this.n);
      lineStart = lineEnd + 1;
    }
    if (contentIndent < 0) unsupported(); // an empty block scalar: rare, left to the yaml package
    let value: string;
    if (literal) value = lines.join('\n');
    else {
      // Folding: a line break between two text lines becomes a space (or, with blank lines
      // between, one \n per blank line); next to a more indented line every break is kept.
      value = '';
      let blanks = 0;
      let previous: string | undefined;
      for (const line of lines) {
        if (line === '') {
          blanks++;
          continue;
        }
        if (previous === undefined) value = '\n'.repeat(blanks) + line;
        else if (previous.charCodeAt(0) !== SPACE && line.charCodeAt(0) !== SPACE)
          value += (blanks === 0 ? ' ' : '\n'.repeat(blanks)) + line;
        else value += '\n'.repeat(blanks + 1) + line;
        previous = line;
        blanks = 0;
      }
    }
    if (chomp === 'keep') unsupported(); // trailing-blank-line rules: left to the yaml package
    if (chomp === 'clip' && lastContentEnd < this.n) value += '\n';
    else if (chomp === 'clip' && lastContentEnd >= this.n) value += '\n';
    this.pos = lastContentEnd;
    void end;
    return new FastScalar(value, literal ? 'BLOCK_LITERAL' : 'BLOCK_FOLDED', at, lastContentEnd, lastContentEnd);
  }

  private anchorName(at: number): { name: string; end: number } {
    const text = this.text;
    let i = at + 1;
    while (i < this.n) {
      const c = text.charCodeAt(i);
      if (c === SPACE || c === NL || (c < 128 && FLOW_INDICATOR[c])) break;
      i++;
    }
    if (i === at + 1) unsupported();
    return { name: text.slice(at + 1, i), end: i };
  }

  // ---- flow collections ------------------------------------------------------------------------

  /** Skips spaces, newlines and comments inside a flow collection; lines must stay indented. */
  private flowSpace(at: number, parentIndent: number): number {
    const text = this.text;
    let i = at;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === SPACE) i++;
      else if (c === NL) {
        i++;
        let j = i;
        while (text.charCodeAt(j) === SPACE) j++;
        const k = text.charCodeAt(j);
        if (j < this.n && k !== NL && k !== HASH && j - i <= parentIndent) unsupported();
        i = j;
      } else if (c === HASH && isSpaceOrNl(text.charCodeAt(i - 1))) {
        const nl = text.indexOf('\n', i);
        if (nl < 0) unsupported();
        i = nl;
      } else return i;
    }
  }

  private flowCollection(at: number, parentIndent: number, depth: number): FastMap | FastSeq {
    const text = this.text;
    const isMapOpen = text.charCodeAt(at) === 123;
    const close = isMapOpen ? 125 : 93;
    const node = isMapOpen ? new FastMap(at, true) : new FastSeq(at, true);
    this.enter();
    const items = this.gather<FastPair & FastNode>();
    let i = this.flowSpace(at + 1, parentIndent);
    while (text.charCodeAt(i) !== close) {
      if (i >= this.n) unsupported();
      if (isMapOpen) {
        const key = this.flowScalar(i, parentIndent, true);
        if (!(key instanceof FastScalar)) unsupported();
        let j = this.flowSpace(this.pos, parentIndent);
        if (text.charCodeAt(j) !== COLON) unsupported(); // `{a, b}`: keys without values
        const adjacent = key.type !== 'PLAIN' && j === this.pos;
        if (!adjacent && !isBlankOrEnd(text, j + 1, this.n)) unsupported();
        this.checkDuplicate(node as FastMap, items, key);
        j = this.flowSpace(j + 1, parentIndent);
        const c = text.charCodeAt(j);
        if (c === 44 || c === close) unsupported(); // `{a: }`: empty values
        const value = this.flowValue(j, parentIndent, depth);
        (items as FastPair[]).push(new FastPair(key, value));
      } else {
        const value = this.flowValue(i, parentIndent, depth);
        (items as FastNode[]).push(value);
        const j = this.flowSpace(this.pos, parentIndent);
        if (text.charCodeAt(j) === COLON) unsupported(); // `[a: b]`: single-pair mappings
      }
      i = this.flowSpace(this.pos, parentIndent);
      const c = text.charCodeAt(i);
      if (c === 44 /* , */) i = this.flowSpace(i + 1, parentIndent);
      else if (c !== close) unsupported();
    }
    const end = i + 1;
    node.valueEnd = end;
    node.end = end;
    node.items = items.slice();
    this.open--;
    this.pos = end;
    return node;
  }

  private flowValue(at: number, parentIndent: number, depth: number): FastNode {
    const text = this.text;
    const c = text.charCodeAt(at);
    if (c === 38 /* & */) {
      const { name, end } = this.anchorName(at);
      const i = this.flowSpace(end, parentIndent);
      if (i === end && i < this.n && text.charCodeAt(i) !== SPACE) unsupported();
      const node = this.flowValue(i, parentIndent, depth);
      if (node instanceof FastAlias || (node as { anchor?: string }).anchor !== undefined) unsupported();
      (node as FastScalar).anchor = name;
      return node;
    }
    if (c === 91 || c === 123) return this.flowCollection(at, parentIndent, depth + 1);
    return this.flowScalar(at, parentIndent, false);
  }

  /** A quoted or plain scalar, or an alias, inside a flow collection. */
  private flowScalar(at: number, parentIndent: number, isKey: boolean): FastNode {
    const text = this.text;
    const c = text.charCodeAt(at);
    if (c === 34 || c === 39) return this.quoted(at);
    if (c === 42 /* * */) {
      if (isKey) unsupported();
      const { name, end } = this.anchorName(at);
      this.pos = end;
      return new FastAlias(name, at, end, end);
    }
    if (!this.plainStart(at, true)) unsupported();
    let i = at;
    let end = at;
    for (; i < this.n; i++) {
      const run = runEnd(FLOW_PLAIN_RUN, text, i);
      if (run > i) {
        end = i = run;
        if (i >= this.n) break;
      }
      const ch = text.charCodeAt(i);
      if (ch === NL) break;
      if (ch === SPACE) continue;
      if (ch < 128 && FLOW_INDICATOR[ch]) break;
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) break;
      if (ch === COLON) {
        const next = text.charCodeAt(i + 1);
        if (i + 1 >= this.n || next === SPACE || next === NL || (next < 128 && FLOW_INDICATOR[next])) break;
      }
      end = i + 1;
    }
    // A plain scalar at a line's end must be followed by `,` or the closing bracket (else it
    // continues on the next line: left to the yaml package).
    if (text.charCodeAt(i) === NL || (i < this.n && text.charCodeAt(i) === SPACE && this.continuesOnNextLine(i))) {
      const next = text.charCodeAt(this.flowSpace(i, parentIndent));
      if (next !== 44 && next !== 93 && next !== 125) unsupported();
    }
    this.pos = end;
    return new FastScalar(this.plainValues.value(text, at, end), 'PLAIN', at, end, end);
  }

  /** After spaces from `at`, does the line end with the plain scalar unfinished (no indicator)? */
  private continuesOnNextLine(at: number): boolean {
    let i = at;
    while (this.text.charCodeAt(i) === SPACE) i++;
    return this.text.charCodeAt(i) === NL;
  }
}

function isSpaceOrNl(c: number): boolean {
  return c === SPACE || c === NL;
}

function isBlankOrEnd(text: string, at: number, n: number): boolean {
  if (at >= n) return true;
  const c = text.charCodeAt(at);
  return c === SPACE || c === NL;
}

function onlySpaces(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === HASH) return false;
    if (c !== SPACE) return false;
  }
  return true;
}

// ---- values ------------------------------------------------------------------------------------

// The YAML 1.2 core schema, as the `yaml` package resolves plain scalars.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** Core-schema value of a plain scalar's text. */
export function resolvePlain(raw: string): unknown {
  const c = raw.charCodeAt(0);
  // Most plain scalars are words: only these first characters can start anything but a string.
  const maybeSpecial =
    (c >= 48 && c <= 57) ||
    c === 45 ||
    c === 43 ||
    c === 46 ||
    c === 126 ||
    c === 110 ||
    c === 78 ||
    c === 116 ||
    c === 84 ||
    c === 102 ||
    c === 70 ||
    raw.length === 0;
  if (!maybeSpecial) return raw;
  if (NULL.test(raw)) return null;
  if (BOOL.test(raw)) return c === 116 || c === 84;
  if (INT_OCT.test(raw)) return parseInt(raw.slice(2), 8);
  if (INT.test(raw)) return parseInt(raw, 10);
  if (INT_HEX.test(raw)) return parseInt(raw.slice(2), 16);
  if (FLOAT_NAN.test(raw))
    return raw.slice(-3).toLowerCase() === 'nan' ? NaN : c === 45 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (FLOAT_EXP.test(raw) || FLOAT.test(raw)) return parseFloat(raw);
  return raw;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  '\t': '\t',
};

/** Double-quoted escapes; an escape yaml would reject leaves the subset. */
function unescapeDouble(inner: string): string {
  let out = '';
  let last = 0;
  for (let i = inner.indexOf('\\'); i >= 0; i = inner.indexOf('\\', last)) {
    out += inner.slice(last, i);
    const e = inner[i + 1];
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined && Object.prototype.hasOwnProperty.call(SIMPLE_ESCAPES, e)) {
      out += simple;
      last = i + 2;
      continue;
    }
    const digits = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (!digits) unsupported();
    const hex = inner.slice(i + 2, i + 2 + digits);
    if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) unsupported();
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) unsupported();
    out += String.fromCodePoint(code);
    last = i + 2 + digits;
  }
  return out + inner.slice(last);
}
