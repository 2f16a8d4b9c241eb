/**
 * One parse per document version, shared: diagnostics, the Test Explorer's discovery and every
 * editor feature ask here with the file and its current text, and whoever asks first pays for
 * the YAML parse and validation. The language model (model.ts) is built from the same syntax
 * tree on first use. Keyed by file; a changed text replaces the entry (small LRU). Large texts
 * (many files at a scan, a big file being edited) are parsed in the flow worker with their model
 * (getOffThread), so the extension host's thread only receives the result.
 */
import type { Document, LineCounter } from 'yaml';
import { parseFlowText, type FlowLoadResult } from '../flow/load';
import { INLINE_MAX_BYTES, parseFlowWithModelOffThread } from '../flow/loadOffThread';
import { analyzeFlowDocument, shiftModel, type FlowModel } from './model';

export interface ParsedFlow {
  readonly file: string;
  readonly text: string;
  /** The loader's result: the flow when valid, and every diagnostic. */
  readonly result: FlowLoadResult;
  /** The editor's view of the document (built on first use). */
  readonly model: FlowModel;
  readonly lines: LineIndex;
}

/** 0-based line/character <-> offset, for one text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): { line: number; character: number } {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: at - this.starts[lo] };
  }

  offset(line: number, character: number): number {
    if (line < 0) return 0;
    if (line >= this.starts.length) return this.text.length;
    const end = line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.text.length;
    return Math.min(this.starts[line] + Math.max(0, character), end);
  }

  lineText(line: number): string {
    const start = this.starts[line] ?? this.text.length;
    const next = this.starts[line + 1];
    return this.text.slice(start, next === undefined ? this.text.length : next - 1).replace(/\r$/, '');
  }
}

class Entry implements ParsedFlow {
  private syntax: { document: Document.Parsed; lineCounter: LineCounter } | undefined;
  private builtModel: FlowModel | undefined;
  private builtLines: LineIndex | undefined;
  readonly result: FlowLoadResult;

  constructor(
    readonly file: string,
    readonly text: string,
    /** Both already made elsewhere (the flow worker): nothing is parsed here. */
    parsed?: { result: FlowLoadResult; model: FlowModel },
  ) {
    if (parsed) {
      this.result = parsed.result;
      this.builtModel = parsed.model;
      return;
    }
    this.result = parseFlowText(text, file, {
      onSyntax: (document, lineCounter) => (this.syntax = { document, lineCounter }),
    });
  }

  get model(): FlowModel {
    if (!this.builtModel) {
      this.builtModel = this.syntax
        ? analyzeFlowDocument(this.syntax.document, this.text)
        : { env: [], phases: [], steps: [], references: [], expressions: [] };
      // The model holds what it needs; the syntax tree can go.
      this.syntax = undefined;
    }
    return this.builtModel;
  }

  get lines(): LineIndex {
    this.builtLines ??= new LineIndex(this.text);
    return this.builtLines;
  }
}

export class ParsedFlowCache {
  private readonly entries = new Map<string, Entry>();
  /** Parses running in the flow worker, by file: one per text, shared by whoever asks meanwhile. */
  private readonly inFlight = new Map<string, { text: string; parsed: Promise<ParsedFlow> }>();
  /** Large-text parses sent to the worker (tests read it). */
  readonly stats = { offThread: 0 };

  constructor(private readonly maxEntries = 64) {}

  /** The parse of `text` as the file `file`: from the cache when the text is the same. */
  get(file: string, text: string): ParsedFlow {
    const known = this.entries.get(file);
    if (known && known.text === text) {
      // Most recently used last.
      this.entries.delete(file);
      this.entries.set(file, known);
      return known;
    }
    return this.store(new Entry(file, text));
  }

  /**
   * Like get, but a text larger than INLINE_MAX_BYTES is parsed in the flow worker (the YAML
   * parse, validation and the editor's model), so many or large files never hold the caller's
   * event loop (the extension host) for more than a few milliseconds at a time.
   */
  getOffThread(file: string, text: string): Promise<ParsedFlow> {
    const known = this.cached(file, text);
    if (known || text.length <= INLINE_MAX_BYTES / 3 || Buffer.byteLength(text, 'utf8') <= INLINE_MAX_BYTES)
      return Promise.resolve(known ?? this.get(file, text));
    const running = this.inFlight.get(file);
    if (running?.text === text) return running.parsed;
    this.stats.offThread++;
    const parsed = parseFlowWithModelOffThread(text, file).then((made) => {
      if (this.inFlight.get(file)?.parsed === parsed) this.inFlight.delete(file);
      // A parse of the same text that finished meanwhile (get) wins: one object per text.
      return this.cached(file, text) ?? this.store(new Entry(file, text, made));
    });
    this.inFlight.set(file, { text, parsed });
    return parsed;
  }

  private store(entry: Entry): ParsedFlow {
    this.entries.delete(entry.file);
    this.entries.set(entry.file, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return entry;
  }

  /** The parse of exactly this text, if it is cached. */
  cached(file: string, text: string): ParsedFlow | undefined {
    const known = this.entries.get(file);
    return known && known.text === text ? known : undefined;
  }

  /** The latest parse of a file, whatever its text, if any. */
  peek(file: string): ParsedFlow | undefined {
    return this.entries.get(file);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * An earlier parse carried over to a changed text (see shiftModel): what editor requests on a big
 * document use right after an edit, until the real parse of the new text is in (diagnostics and
 * discovery make it a moment later). Its `result` is the earlier text's.
 */
export function carriedOver(previous: ParsedFlow, text: string): ParsedFlow {
  const old = previous.text;
  const max = Math.min(old.length, text.length);
  let prefix = 0;
  while (prefix < max && old.charCodeAt(prefix) === text.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && old.charCodeAt(old.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix))
    suffix++;
  const model = shiftModel(previous.model, prefix, old.length - suffix, text.length - old.length);
  return { file: previous.file, text, result: previous.result, model, lines: new LineIndex(text) };
}

/** The process-wide cache the extension's features share. */
export const parsedFlows = new ParsedFlowCache();

/** parseFlowText through the shared cache, large texts parsed in the flow worker (discovery, diagnostics). */
export async function parseFlowSharedOffThread(text: string, file: string): Promise<FlowLoadResult> {
  return (await parsedFlows.getOffThread(file, text)).result;
}
