/**
 * What the editor features know about one flow document: its steps (ids, names, actions,
 * outputs, config keys), flow `env`, `for_each` item names, `run_flow` targets, and every place a
 * variable or step is referred to (placeholders in any string, bare names in expressions), all
 * with source offsets. Read from the YAML syntax tree, tolerant of half-typed text: whatever has
 * the shape of a step counts, errors or not. Never throws on hostile input; never expands aliases.
 */
import { isMap, isScalar, isSeq, type Document, type Node as YamlNode, type Pair } from 'yaml';
import { ACTION_SPECS } from '../flow/actionSpecs';
import type { Phase } from '../flow/types';
import { PHASES } from '../flow/types';

/** Half-open offsets [start, end) into the document text. */
export interface Span {
  start: number;
  end: number;
}

export interface OutputInfo {
  name: string;
  /** The output's key (`user_id:`). */
  key: Span;
  /** The path as written (`$.body.id`). */
  path: string;
  value?: Span;
  step: StepInfo;
}

export interface StepInfo {
  /** Position in source order among all steps, nested ones included. */
  index: number;
  id: string;
  /** The `id:` value, when the step has one. */
  idSpan?: Span;
  name?: string;
  nameSpan?: Span;
  action: string;
  actionSpan?: Span;
  phase: Phase;
  parent?: StepInfo;
  /** The whole step mapping. */
  span: Span;
  outputs: OutputInfo[];
  /** Keys of the step mapping (`id`, `action`, `config`, ...). */
  keys: Array<{ key: string; span: Span }>;
  /** Keys of `config`, with the span of their value. */
  configKeys: Array<{ key: string; span: Span; value?: Span }>;
  /** The `config:` mapping itself. */
  configSpan?: Span;
  /** `for_each`: the name nested steps see the item as (`item` unless `item_name` says otherwise). */
  itemName?: { name: string; span?: Span };
  /** `run_flow`: the `flow` value and the `input` keys. */
  runFlow?: { target: string; span: Span; inputs: Array<{ name: string; span: Span }> };
}

export interface EnvEntry {
  name: string;
  key: Span;
  value: unknown;
}

/** Where a reference appears: `{{...}}`/`${...}` in a string, or a bare name in an expression. */
export type ReferenceSite = 'placeholder' | 'expression';

/** A dotted name in use: `user_id`, `create.user_id`, `create.body.id`. */
export interface NameReference {
  site: ReferenceSite;
  /** The segments up to the first one that is not a plain name (`body.items[0]` -> `body`, `items`). */
  segments: string[];
  /** Span of each segment. */
  spans: Span[];
  /** The whole inner text of a placeholder, or the dotted name of an expression. */
  span: Span;
  /** The step the reference is in (undefined in flow `env`). */
  step?: StepInfo;
}

/** A string the engine reads as an expression: `when`, `assert`, conditions. */
export interface ExpressionSite {
  span: Span;
  step: StepInfo;
}

export interface FlowModel {
  /** The flow mapping (`flow:` value, or the root). */
  span?: Span;
  name?: string;
  nameSpan?: Span;
  env: EnvEntry[];
  /** The `env:` key. */
  envSpan?: Span;
  envFile?: { path: string; span: Span };
  /** The phase keys present (`setup:`, `steps:`, `teardown:`), with the span of their list. */
  phases: Array<{ phase: Phase; key: Span; span: Span }>;
  /** Every step, nested ones included, in source order. */
  steps: StepInfo[];
  references: NameReference[];
  expressions: ExpressionSite[];
}

const PLACEHOLDER = /\$\{([^{}]*)\}|\{\{([^{}]*)\}\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*/;
/** Words of the expression language that are never variables. */
export const EXPRESSION_KEYWORDS: ReadonlySet<string> = new Set([
  'true',
  'false',
  'nil',
  'null',
  'and',
  'or',
  'not',
  'in',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
]);

/** Builds the model of a parsed YAML document. `text` is the document's text. */
export function analyzeFlowDocument(doc: Document.Parsed | Document, text: string): FlowModel {
  const model: FlowModel = { env: [], phases: [], steps: [], references: [], expressions: [] };
  try {
    new Analyzer(text, model).root(doc.contents as YamlNode | null);
  } catch {
    // The model is best effort: what was read before a surprise is still useful.
  }
  model.references.sort((a, b) => a.span.start - b.span.start);
  return model;
}

function spanOf(node: YamlNode | null | undefined): Span | undefined {
  const r = node?.range;
  return r ? { start: r[0], end: Math.max(r[0], r[1]) } : undefined;
}

function scalarString(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  return v === null || v === undefined || typeof v === 'object' ? undefined : String(v);
}

function pairKey(pair: Pair): string | undefined {
  return scalarString(pair.key);
}

class Analyzer {
  constructor(
    private readonly text: string,
    private readonly model: FlowModel,
  ) {}

  root(contents: YamlNode | null): void {
    if (!isMap(contents)) return;
    const flowPair = contents.items.find((p) => pairKey(p) === 'flow');
    const flowMap = flowPair ? flowPair.value : contents;
    if (!isMap(flowMap)) return;
    this.model.span = spanOf(flowMap as YamlNode);
    for (const pair of flowMap.items) {
      const key = pairKey(pair);
      const keySpan = spanOf(pair.key as YamlNode);
      const value = pair.value as YamlNode | null;
      if (!key || !keySpan) continue;
      if (key === 'name') {
        this.model.name = scalarString(value);
        this.model.nameSpan = spanOf(value) ?? keySpan;
      } else if (key === 'env') {
        this.model.envSpan = keySpan;
        if (isMap(value)) {
          for (const entry of value.items) {
            const name = pairKey(entry);
            const span = spanOf(entry.key as YamlNode);
            if (name && span)
              this.model.env.push({ name, key: span, value: isScalar(entry.value) ? entry.value.value : undefined });
            this.strings(entry.value as YamlNode, undefined);
          }
        }
      } else if (key === 'env_file') {
        const path = scalarString(value);
        const span = spanOf(value);
        if (path && span) this.model.envFile = { path, span };
      } else if ((PHASES as readonly string[]).includes(key)) {
        const phase = key as Phase;
        this.model.phases.push({ phase, key: keySpan, span: spanOf(value) ?? keySpan });
        this.stepList(value, phase, undefined);
      }
    }
  }

  private stepList(node: YamlNode | null, phase: Phase, parent: StepInfo | undefined, idPrefix = ''): void {
    if (!isSeq(node)) return;
    node.items.forEach((item, index) => {
      if (isMap(item))
        this.step(item as YamlNode, phase, parent, idPrefix ? `${idPrefix}_${index}` : `${phase}_${index}`);
    });
  }

  private step(map: YamlNode, phase: Phase, parent: StepInfo | undefined, defaultId: string): void {
    if (!isMap(map)) return;
    const span = spanOf(map);
    if (!span) return;
    const step: StepInfo = {
      index: this.model.steps.length,
      id: defaultId,
      action: '',
      phase,
      span,
      outputs: [],
      keys: [],
      configKeys: [],
    };
    if (parent) step.parent = parent;
    this.model.steps.push(step);
    let config: YamlNode | null = null;
    const later: Array<() => void> = [];
    for (const pair of map.items) {
      const key = pairKey(pair);
      const keySpan = spanOf(pair.key as YamlNode);
      if (!key || !keySpan) continue;
      step.keys.push({ key, span: keySpan });
      const value = pair.value as YamlNode | null;
      switch (key) {
        case 'id': {
          const id = scalarString(value);
          if (id && NAME.test(id)) {
            step.id = id;
            step.idSpan = this.valueSpan(value);
          }
          break;
        }
        case 'name':
          step.name = scalarString(value);
          step.nameSpan = spanOf(value);
          break;
        case 'action':
          step.action = scalarString(value) ?? '';
          step.actionSpan = this.valueSpan(value);
          break;
        case 'config':
          config = value;
          step.configSpan = spanOf(value) ?? keySpan;
          break;
        case 'output':
          if (isMap(value)) {
            for (const entry of value.items) {
              const name = pairKey(entry);
              const keyNode = spanOf(entry.key as YamlNode);
              if (!name || !keyNode) continue;
              step.outputs.push({
                name,
                key: keyNode,
                path: scalarString(entry.value) ?? '',
                value: spanOf(entry.value as YamlNode),
                step,
              });
            }
          }
          break;
        case 'when':
          later.push(() => this.expression(value, step));
          break;
        case 'assert':
          later.push(() => this.expressionList(value, step));
          break;
        default:
          later.push(() => this.strings(value, step));
      }
    }
    // Nested steps come after their parent in source order, and their ids after the parent's.
    if (isMap(config)) this.config(config, step);
    for (const run of later) run();
  }

  private config(map: YamlNode, step: StepInfo): void {
    if (!isMap(map)) return;
    const spec = Object.prototype.hasOwnProperty.call(ACTION_SPECS, step.action)
      ? ACTION_SPECS[step.action]
      : undefined;
    if (step.action === 'for_each') step.itemName = { name: 'item' };
    for (const pair of map.items) {
      const key = pairKey(pair);
      const keySpan = spanOf(pair.key as YamlNode);
      if (!key || !keySpan) continue;
      const value = pair.value as YamlNode | null;
      step.configKeys.push({ key, span: keySpan, value: spanOf(value) });
      const keySpec = spec && Object.prototype.hasOwnProperty.call(spec.config, key) ? spec.config[key] : undefined;
      if (keySpec?.nested === 'steps') {
        this.stepList(value, step.phase, step, `${step.id}.${key}`);
      } else if (keySpec?.nested === 'branches') {
        if (isSeq(value)) {
          value.items.forEach((branch, i) => {
            if (!isMap(branch)) return;
            const steps = branch.items.find((p) => pairKey(p) === 'steps');
            if (steps) this.stepList(steps.value as YamlNode, step.phase, step, `${step.id}.branch${i}`);
          });
        }
      } else if (keySpec?.type === 'expression') {
        this.expression(value, step);
      } else if (keySpec?.listOf === 'expression') {
        this.expressionList(value, step);
      } else if (
        keySpec?.orExpression &&
        isScalar(value) &&
        typeof value.value === 'string' &&
        !value.value.includes('{{') &&
        !value.value.includes('${')
      ) {
        this.expression(value, step);
      } else {
        if (step.action === 'for_each' && key === 'item_name') {
          const name = scalarString(value);
          if (name) step.itemName = { name, span: this.valueSpan(value) };
        }
        if (step.action === 'run_flow' && key === 'flow') {
          const target = scalarString(value);
          const span = this.valueSpan(value);
          if (target && span) step.runFlow = { target, span, inputs: step.runFlow?.inputs ?? [] };
        }
        if (step.action === 'run_flow' && key === 'input' && isMap(value)) {
          const inputs = value.items.flatMap((p) => {
            const name = pairKey(p);
            const span = spanOf(p.key as YamlNode);
            return name && span ? [{ name, span }] : [];
          });
          if (step.runFlow) step.runFlow.inputs = inputs;
          else step.runFlow = { target: '', span: keySpan, inputs };
        }
        this.strings(value, step);
      }
    }
  }

  /** The span of a scalar's text without its quotes. */
  private valueSpan(node: YamlNode | null): Span | undefined {
    const span = spanOf(node);
    if (!span || !isScalar(node)) return span;
    const start = span.start;
    let end = span.end;
    while (end > start && /\s/.test(this.text[end - 1])) end--;
    if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')
      return { start: start + 1, end: Math.max(start + 1, end - 1) };
    return { start, end };
  }

  /** Placeholders in every string under a node. */
  private strings(node: YamlNode | null, step: StepInfo | undefined): void {
    if (!node) return;
    if (isScalar(node)) {
      if (typeof node.value === 'string' && node.range) this.placeholders(node.range[0], node.range[1], step);
    } else if (isSeq(node)) {
      for (const item of node.items) this.strings(item as YamlNode, step);
    } else if (isMap(node)) {
      for (const pair of node.items) this.strings(pair.value as YamlNode, step);
    }
  }

  /** Finds `{{...}}` and `${...}` in the source between two offsets. */
  private placeholders(start: number, end: number, step: StepInfo | undefined): void {
    const source = this.text.slice(start, end);
    if (!source.includes('{{') && !source.includes('${')) return;
    PLACEHOLDER.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = PLACEHOLDER.exec(source))) {
      const inner = m[1] ?? m[2];
      const innerStart = start + m.index + 2;
      const lead = inner.length - inner.trimStart().length;
      const ref = this.dotted(inner.trim(), innerStart + lead, 'placeholder', step);
      if (ref) this.model.references.push(ref);
    }
  }

  /** Reads `a.b.c` (stopping at anything else) from `text`, which starts at `offset`. */
  private dotted(
    text: string,
    offset: number,
    site: ReferenceSite,
    step: StepInfo | undefined,
  ): NameReference | undefined {
    const segments: string[] = [];
    const spans: Span[] = [];
    let i = 0;
    for (;;) {
      const m = NAME.exec(text.slice(i));
      if (!m) break;
      segments.push(m[0]);
      spans.push({ start: offset + i, end: offset + i + m[0].length });
      i += m[0].length;
      if (text[i] !== '.') break;
      i++;
    }
    if (!segments.length) return undefined;
    return { site, segments, spans, span: { start: offset, end: offset + text.length }, step };
  }

  private expressionList(node: YamlNode | null, step: StepInfo): void {
    if (isSeq(node)) {
      for (const item of node.items) {
        if (isMap(item)) {
          const expression = item.items.find((p) => pairKey(p) === 'expression');
          if (expression) this.expression(expression.value as YamlNode, step);
        } else this.expression(item as YamlNode, step);
      }
    } else this.expression(node, step);
  }

  /** Bare names of an expression; placeholders inside it too. */
  private expression(node: YamlNode | null, step: StepInfo): void {
    if (!isScalar(node) || !node.range) return;
    const span = spanOf(node)!;
    this.model.expressions.push({ span, step });
    this.placeholders(node.range[0], node.range[1], step);
    const value = node.value;
    if (typeof value !== 'string') return;
    // Offsets map 1:1 onto the source only when the value appears there verbatim (no escapes, one line).
    const at = this.text.slice(node.range[0], node.range[1]).indexOf(value);
    if (at < 0 || value.includes('\n')) return;
    for (const ref of expressionNames(value, node.range[0] + at, step)) this.model.references.push(ref);
  }
}

/**
 * Bare dotted names of an expression (`status`, `create.body.id`), skipping strings, keywords,
 * function calls, members after `]` and placeholders. A light scan, not the parser: it must also
 * work on half-typed expressions.
 */
export function expressionNames(expression: string, offset: number, step?: StepInfo): NameReference[] {
  const out: NameReference[] = [];
  const n = expression.length;
  let i = 0;
  while (i < n) {
    const c = expression[i];
    if (c === '"' || c === "'" || c === '`') {
      i++;
      while (i < n && expression[i] !== c) i += expression[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '{' && expression[i + 1] === '{') {
      const close = expression.indexOf('}}', i);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (c === '$' && expression[i + 1] === '{') {
      const close = expression.indexOf('}', i);
      i = close < 0 ? n : close + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c) && !(i > 0 && /[A-Za-z0-9_.\]$]/.test(expression[i - 1]))) {
      const segments: string[] = [];
      const spans: Span[] = [];
      let j = i;
      for (;;) {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expression.slice(j));
        if (!m) break;
        segments.push(m[0]);
        spans.push({ start: offset + j, end: offset + j + m[0].length });
        j += m[0].length;
        if (expression[j] !== '.' || !/[A-Za-z_]/.test(expression[j + 1] ?? '')) break;
        j++;
      }
      let k = j;
      while (k < n && expression[k] === ' ') k++;
      const isCall = expression[k] === '(';
      if (segments.length && !isCall && !EXPRESSION_KEYWORDS.has(segments[0])) {
        out.push({ site: 'expression', segments, spans, span: { start: offset + i, end: offset + j }, step });
      }
      i = Math.max(j, i + 1);
      continue;
    }
    i++;
  }
  return out;
}

/** The innermost step whose mapping contains `offset`. */
export function stepAt(model: FlowModel, offset: number): StepInfo | undefined {
  let found: StepInfo | undefined;
  for (const step of model.steps) {
    if (step.span.start > offset) break;
    if (offset <= step.span.end) found = step;
  }
  return found;
}

/** The reference whose span contains `offset` (end inclusive, so a cursor right after a name counts). */
export function referenceAt(model: FlowModel, offset: number): NameReference | undefined {
  let lo = 0;
  let hi = model.references.length - 1;
  let candidate = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (model.references[mid].span.start <= offset) {
      candidate = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = candidate; i >= 0 && i > candidate - 3; i--) {
    const ref = model.references[i];
    if (ref.span.start <= offset && offset <= ref.span.end) return ref;
  }
  return undefined;
}

export function contains(span: Span | undefined, offset: number): boolean {
  return !!span && span.start <= offset && offset <= span.end;
}

/**
 * The model of an earlier text moved onto a text that differs from it in one region: old
 * [changeStart, oldEnd) became new [changeStart, oldEnd + delta). Spans after the change move by
 * `delta`, spans around it stretch, references inside it are dropped (the next real parse brings
 * them). Lets requests on a big document answer right after an edit, without waiting for a parse.
 */
export function shiftModel(model: FlowModel, changeStart: number, oldEnd: number, delta: number): FlowModel {
  const newEnd = oldEnd + delta;
  const at = (o: number, isEnd: boolean) =>
    o < changeStart || (!isEnd && o === changeStart) ? o : o >= oldEnd ? o + delta : isEnd ? newEnd : changeStart;
  const sp = (s: Span): Span => ({ start: at(s.start, false), end: at(s.end, true) });
  const opt = (s: Span | undefined) => (s ? sp(s) : undefined);
  const steps = new Map<StepInfo, StepInfo>();
  for (const s of model.steps) {
    steps.set(s, {
      ...s,
      span: sp(s.span),
      idSpan: opt(s.idSpan),
      nameSpan: opt(s.nameSpan),
      actionSpan: opt(s.actionSpan),
      configSpan: opt(s.configSpan),
      keys: s.keys.map((k) => ({ key: k.key, span: sp(k.span) })),
      configKeys: s.configKeys.map((k) => ({ key: k.key, span: sp(k.span), value: opt(k.value) })),
      itemName: s.itemName && { name: s.itemName.name, span: opt(s.itemName.span) },
      runFlow: s.runFlow && {
        target: s.runFlow.target,
        span: sp(s.runFlow.span),
        inputs: s.runFlow.inputs.map((i) => ({ name: i.name, span: sp(i.span) })),
      },
      outputs: [],
    });
  }
  for (const [old, moved] of steps) {
    if (old.parent) moved.parent = steps.get(old.parent);
    moved.outputs = old.outputs.map((o) => ({ ...o, key: sp(o.key), value: opt(o.value), step: moved }));
  }
  const outside = (s: Span) => s.end < changeStart || s.start >= oldEnd;
  return {
    span: opt(model.span),
    name: model.name,
    nameSpan: opt(model.nameSpan),
    env: model.env.map((e) => ({ ...e, key: sp(e.key) })),
    envSpan: opt(model.envSpan),
    envFile: model.envFile && { path: model.envFile.path, span: sp(model.envFile.span) },
    phases: model.phases.map((p) => ({ phase: p.phase, key: sp(p.key), span: sp(p.span) })),
    steps: [...steps.values()],
    references: model.references
      .filter((r) => outside(r.span))
      .map((r) => ({ ...r, spans: r.spans.map(sp), span: sp(r.span), step: r.step && steps.get(r.step) })),
    expressions: model.expressions.map((e) => ({ span: sp(e.span), step: steps.get(e.step)! })),
  };
}
