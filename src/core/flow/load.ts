/**
 * Reading flow files: size and nesting limits first, then YAML, then FlowDef building and
 * validation (validate.ts). Never throws: every problem, including hostile input, becomes a
 * diagnostic with a file position.
 */
import { promises as fs } from 'node:fs';
import {
  isMap,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  parseDocument,
  YAMLParseError,
  type Document,
  type Node as YamlNode,
  type YAMLError,
} from 'yaml';
import { errorMessage, type FlowDiagnostic, type SourcePosition, type SourceRange } from '../errors';
import { formatBytes } from '../format';
import { findTooDeep, MAX_NESTING_DEPTH } from './limits';
import type { FlowDef } from './types';
import { BUILD_AGAIN, buildFlow, buildFlowWhileParsing } from './validate';
import { lineCounterFor, parseYamlSubset, type YamlSubsetResult } from './yamlSubset';

/**
 * Largest flow file read by default. Loading is linear in the size (yamlSubset.ts); a generated
 * flow of 10,000 http_request steps is about 2 MB, so 4 MiB leaves it room, while the worst
 * 4 MiB file still loads in about a second off the editor's and the server's main thread
 * (loadInWorker.ts) and hand-written flows are a thousand times smaller.
 */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

export interface ParseFlowOptions {
  /** Refuse texts larger than this many bytes (UTF-8). Default 4 MiB (DEFAULT_MAX_BYTES). */
  maxBytes?: number;
  /** Handed the parsed YAML syntax tree, so editor features can read it without parsing again. */
  onSyntax?: (document: Document.Parsed, lineCounter: LineCounter) => void;
}

export interface FlowLoadResult {
  /** Present whenever there is no error diagnostic (warnings allowed). */
  flow?: FlowDef;
  /** Errors and warnings, sorted by position. */
  diagnostics: FlowDiagnostic[];
}

/** YAML syntax errors reported per file; the rest are counted in one last diagnostic. */
const MAX_SYNTAX_ERRORS = 50;

const START: SourceRange = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };

/** Parses and validates a flow file's text. Never throws. */
export function parseFlowText(text: string, file: string, options: ParseFlowOptions = {}): FlowLoadResult {
  const diagnostics: FlowDiagnostic[] = [];
  // The YAML parser and the checks create an Error per problem and only ever read its message.
  // Hosts that raise the stack trace limit (mocha: Infinity, the VS Code extension host: 100)
  // would make each one capture a long stack; a half-typed file in the editor has hundreds.
  // Everything below is synchronous, so nothing else runs while the limit is lowered.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const flow = parseInto(text, file, options, diagnostics);
    sortDiagnostics(diagnostics);
    // An error in one step fails that step when it runs (as in TestMesh); any other refuses the flow.
    const failed = diagnostics.some((d) => d.severity === 'error' && d.step === undefined);
    return failed || !flow ? { diagnostics } : { flow, diagnostics };
  } catch (err) {
    // A bug of ours, not of the file; still a diagnostic rather than a crash of the caller.
    diagnostics.push({
      file,
      range: START,
      severity: 'error',
      message: `could not read the flow: ${errorMessage(err)}`,
    });
    return { diagnostics };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

function parseInto(
  text: string,
  file: string,
  options: ParseFlowOptions,
  diagnostics: FlowDiagnostic[],
): FlowDef | undefined {
  const fail = (range: SourceRange, message: string) => {
    diagnostics.push({ file, range, severity: 'error', message });
    return undefined;
  };
  if (typeof text !== 'string') return fail(START, `expected the text of a flow file, got ${typeof text}`);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // UTF-16 length <= UTF-8 bytes <= 3 * length: the exact count is only needed near the limit.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes)) {
    return fail(
      START,
      `the file is too large: ${formatBytes(Buffer.byteLength(text, 'utf8'))}, flow files may have at most ${formatBytes(maxBytes)} (refused)`,
    );
  }

  // Usually the flow is built while the subset parser reads it (see StepSink). The editor wants
  // the whole syntax tree (onSyntax), and a step may name an anchor anywhere: those are parsed
  // first and built after, as is a text the subset parser leaves to the yaml package.
  let fast: YamlSubsetResult | undefined;
  if (!options.onSyntax && !text.includes('*')) {
    const lineCounter = lineCounterFor(text);
    const flow = buildFlowWhileParsing(text, lineCounter, file, diagnostics, (sink) => {
      fast = parseYamlSubset(text, { lineCounter, steps: sink });
      return fast && fast.duplicateKeys.length === 0 && fast.depth <= MAX_NESTING_DEPTH ? fast : undefined;
    });
    if (flow !== BUILD_AGAIN) return flow;
    // Built steps are gone from the tree: parse again for the ordinary way.
    if (fast) fast = parseYamlSubset(text);
  } else {
    fast = parseYamlSubset(text);
  }

  // The subset parser measures the nesting as it goes (and gives up far past the limit), so only a
  // text it leaves to the yaml package, or one it found too deep, needs the separate depth scan.
  if (!fast || fast.depth > MAX_NESTING_DEPTH) {
    const deep = tooDeepOffset(text);
    if (deep !== undefined) {
      const at = positionOf(text, deep);
      return fail({ start: at, end: at }, nestingMessage());
    }
  }

  const doc = fast ? fromSubset(fast) : parseYaml(text);
  const { lineCounter } = doc;
  // Editor features read only the tree (`contents`) of what they are handed; the subset parser
  // builds no yaml Document, just nodes of the same shape.
  options.onSyntax?.(doc as unknown as Document.Parsed, lineCounter);

  const rangeOf = (pos: [number, number]): SourceRange => {
    const start = lineCounter.linePos(pos[0]);
    const end = lineCounter.linePos(Math.max(pos[0], pos[1]));
    return {
      start: { line: start.line || 1, column: start.line ? start.col : pos[0] + 1 },
      end: { line: end.line || 1, column: end.line ? end.col : pos[1] + 1 },
    };
  };
  let syntaxErrors = 0;
  for (const err of doc.errors) {
    if (err.code === 'MULTIPLE_DOCS') {
      // TestMesh reads the first document only; so do we, but say so.
      diagnostics.push({
        file,
        range: rangeOf(err.pos),
        severity: 'warning',
        message: 'only the first YAML document of the file is used; the rest (after ---) is ignored',
      });
      continue;
    }
    syntaxErrors++;
    // One broken line can cascade into thousands of YAML errors; the first ones say enough.
    if (syntaxErrors > MAX_SYNTAX_ERRORS) continue;
    diagnostics.push({ file, range: rangeOf(err.pos), severity: 'error', message: yamlErrorMessage(err, text) });
  }
  if (syntaxErrors > MAX_SYNTAX_ERRORS) {
    const last = diagnostics[diagnostics.length - 1];
    diagnostics.push({
      file,
      range: last.range,
      severity: 'error',
      message: `${syntaxErrors - MAX_SYNTAX_ERRORS} more YAML syntax errors not shown`,
    });
  }
  for (const warning of doc.warnings) {
    diagnostics.push({ file, range: rangeOf(warning.pos), severity: 'warning', message: `YAML: ${warning.message}` });
  }
  if (syntaxErrors > 0) return undefined;

  // The subset parser measured the nesting as it went; only the yaml package's tree needs the walk.
  const tooDeep = doc.depth !== undefined && doc.depth <= MAX_NESTING_DEPTH ? undefined : findTooDeep(doc.contents);
  if (tooDeep) {
    const start = tooDeep.range?.[0] ?? 0;
    return fail(rangeOf([start, start]), nestingMessage());
  }
  return buildFlow(doc, text, lineCounter, file, diagnostics);
}

interface ParsedYaml {
  contents: YamlNode | null;
  lineCounter: LineCounter;
  errors: YAMLError[];
  warnings: YAMLError[];
  /** Deepest nesting of mappings and lists, when the parser measured it. */
  depth?: number;
}

/**
 * The YAML syntax tree of a text, in time linear in its size: the subset parser (yamlSubset.ts)
 * for the YAML flows are written in, the `yaml` package for the rest and for every syntax error.
 * Duplicate keys are found with a hash set either way: yaml's own check (`uniqueKeys`) compares
 * each key with every earlier one, which took over a minute for 100,000 keys.
 */
function fromSubset(fast: YamlSubsetResult): ParsedYaml {
  return {
    contents: fast.contents,
    lineCounter: fast.lineCounter,
    errors: fast.duplicateKeys.map(duplicateKeyError),
    warnings: [],
    depth: fast.depth,
  };
}

function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // No `maxAliasCount` here: it only applies to `toJS`, which we never call. validate.ts reads the
  // syntax tree and measures what aliases would expand to before expanding any (checkAliases).
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false }) as Document.Parsed;
  const contents = doc.contents as YamlNode | null;
  const errors = [...doc.errors, ...findDuplicateKeys(contents).map(duplicateKeyError)];
  errors.sort((a, b) => a.pos[0] - b.pos[0]);
  return { contents, lineCounter, errors, warnings: doc.warnings };
}

function duplicateKeyError(offset: number): YAMLError {
  return new YAMLParseError([offset, offset + 1], 'DUPLICATE_KEY', 'Map keys must be unique');
}

/** Offsets of keys equal (yaml's rule: same scalar value) to an earlier key of their mapping; one iterative walk. */
function findDuplicateKeys(root: YamlNode | null): number[] {
  const found: number[] = [];
  const stack: unknown[] = root ? [root] : [];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key as YamlNode | null;
        if (isScalar(key) && !(typeof key.value === 'number' && Number.isNaN(key.value))) {
          if (seen.has(key.value)) found.push(key.range?.[0] ?? 0);
          else seen.add(key.value);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return found;
}

/** 1-based line and column of an offset, by counting newlines (used before any parsing). */
function positionOf(text: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function nestingMessage(): string {
  return `the YAML nests deeper than ${MAX_NESTING_DEPTH} levels of mappings and lists; a flow never needs that many (refused)`;
}

function yamlErrorMessage(err: YAMLError, text: string): string {
  if (err.code === 'DUPLICATE_KEY') {
    const lineEnd = text.indexOf('\n', err.pos[0]);
    const line = text.slice(err.pos[0], lineEnd < 0 ? text.length : lineEnd);
    const key = (/^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:#]*)/.exec(line)?.[1] ?? '').trim().slice(0, 60);
    return key ? `duplicate key '${key}' in the same mapping` : 'duplicate key in the same mapping';
  }
  if (/call stack/i.test(err.message)) return nestingMessage();
  return `YAML syntax error: ${err.message}`;
}

function sortDiagnostics(diagnostics: FlowDiagnostic[]): void {
  diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column);
}

/**
 * Finds hostile nesting before the YAML parser sees it: the parser and composer slow down and
 * finally recurse out of stack on very deep input. A cheap character scan comes first; only when
 * it sees more than the limit does the YAML lexer (which knows quotes, comments and block
 * scalars) look closer, stopping at the first place that is far too deep (twice the limit).
 * Returns the offset of that place, or undefined. Neither is exact: the exact limit is checked on
 * the parsed tree (findTooDeep), so what slips past these only costs the parser some time.
 */
function tooDeepOffset(text: string): number | undefined {
  if (roughDepth(text) <= MAX_NESTING_DEPTH) return undefined;
  return lexedTooDeep(text, 2 * MAX_NESTING_DEPTH);
}

/**
 * Max over lines of indentation + leading `- `/`? ` indicators + open brackets. Brackets inside
 * quotes are counted too, so it can be fooled; it only decides whether the lexer looks closer.
 */
function roughDepth(text: string): number {
  let max = 0;
  let flow = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    let indent = 0;
    while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) {
      indent++;
      i++;
    }
    let compact = 0;
    for (;;) {
      const c = text.charCodeAt(i);
      const next = text.charCodeAt(i + 1);
      if ((c === 45 || c === 63) && (next === 32 || next === 9)) {
        compact++;
        i += 2;
        while (i < n && text.charCodeAt(i) === 32) i++;
      } else break;
    }
    let lineMax = flow;
    while (i < n) {
      const c = text.charCodeAt(i++);
      if (c === 10) break;
      if (c === 91 || c === 123) {
        flow++;
        if (flow > lineMax) lineMax = flow;
      } else if ((c === 93 || c === 125) && flow > 0) {
        flow--;
      }
    }
    const depth = indent + compact + lineMax;
    if (depth > max) max = depth;
  }
  return max;
}

const WHITESPACE = /^[ \t]+$/;

/**
 * Depth estimate from YAML lexer tokens: open flow brackets + the stack of block indentation
 * levels + `-`/`?` indicators on the current line. Stops at the first token over `limit`.
 */
function lexedTooDeep(text: string, limit: number): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let offset = 0;
  let lineIndent = 0;
  let atLineStart = true;
  let lineIndicators = 0;
  for (const token of new Lexer().lex(text)) {
    const start = offset;
    // The lexer adds zero-width control tokens; everything else is a slice of the text.
    if (token === '\x02' || token === '\x1f' || token === '\x18') continue;
    offset += token.length;
    const first = token.charCodeAt(0);
    if (token === '\n' || token === '\r\n') {
      atLineStart = true;
      lineIndent = 0;
      lineIndicators = 0;
      continue;
    }
    if ((first === 32 || first === 9) && WHITESPACE.test(token)) {
      if (atLineStart) lineIndent = token.length;
      continue;
    }
    if (token.charCodeAt(token.length - 1) === 10) {
      // A block scalar's content ends its last line: the next token starts a new one.
      atLineStart = true;
      lineIndent = 0;
      lineIndicators = 0;
      continue;
    }
    if (first === 35) continue; // comment
    if (atLineStart) {
      atLineStart = false;
      if (flow === 0) {
        while (indents.length > 0 && indents[indents.length - 1] >= lineIndent) indents.pop();
        indents.push(lineIndent);
      }
    }
    if (token === '[' || token === '{') flow++;
    else if ((token === ']' || token === '}') && flow > 0) flow--;
    else if (token === '-' || token === '?') lineIndicators++;
    if (flow + indents.length + lineIndicators > limit) return start;
  }
  return undefined;
}

/** Reads and parses a flow file. Never throws: an unreadable file is a diagnostic at 1:1. */
export async function loadFlowFile(file: string, options: ParseFlowOptions = {}): Promise<FlowLoadResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) {
      return {
        diagnostics: [
          { file, range: START, severity: 'error', message: `cannot read the flow: ${file} is not a file` },
        ],
      };
    }
    if (stat.size > maxBytes) {
      return {
        diagnostics: [
          {
            file,
            range: START,
            severity: 'error',
            message: `the file is too large: ${formatBytes(stat.size)}, flow files may have at most ${formatBytes(maxBytes)} (refused)`,
          },
        ],
      };
    }
    const text = await fs.readFile(file, 'utf8');
    return parseFlowText(text, file, options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
    return { diagnostics: [{ file, range: START, severity: 'error', message: `cannot read the flow: ${reason}` }] };
  }
}

const ROOT_FLOW_KEY = /^(?:flow|"flow"|'flow')[ \t]*:(?:[ \t]|$)/m;
const ROOT_NAME_KEY = /^(?:name|"name"|'name')[ \t]*:(?:[ \t]|$)/m;
const ROOT_STEPS_KEY = /^(?:steps|"steps"|'steps')[ \t]*:(?:[ \t]|$)/m;

/**
 * Cheap test for workspace discovery: does this YAML text look like a flow (a root `flow:` key,
 * or root `name:` and `steps:` keys)? Reads only line starts; no YAML parsing.
 */
export function looksLikeFlowFile(text: string): boolean {
  if (typeof text !== 'string') return false;
  if (ROOT_FLOW_KEY.test(text)) return true;
  return ROOT_NAME_KEY.test(text) && ROOT_STEPS_KEY.test(text);
}
