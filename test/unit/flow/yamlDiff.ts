/**
 * Compares the subset parser's tree with the `yaml` package's for one text: same shape, values,
 * scalar types, anchors, alias names and ranges (start exact; end equal once trailing whitespace
 * is left out, which is all the loader reads of it). Returns the first difference, or undefined.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { parseYamlSubset } from '../../../src/core/flow/yamlSubset';

export type DiffOutcome = { kind: 'fallback' } | { kind: 'same' } | { kind: 'different'; where: string };

export function diffWithYaml(text: string): DiffOutcome {
  const fast = parseYamlSubset(text);
  if (!fast) return { kind: 'fallback' };
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0)
    return { kind: 'different', where: `the subset accepted a text yaml rejects: ${doc.errors[0].message}` };
  // Trailing whitespace and whole-line comments after a collection are not part of what it means.
  const trimEnd = (end: number, start: number) => {
    let e = end;
    for (;;) {
      while (e > start && /\s/.test(text[e - 1])) e--;
      const lineStart = text.lastIndexOf('\n', e - 1) + 1;
      if (lineStart <= start || !/^\s*#/.test(text.slice(lineStart, e))) return e;
      e = lineStart;
    }
  };
  const walk = (a: YamlNode | null, b: YamlNode | null, path: string): string | undefined => {
    if (!a || !b) return a === b ? undefined : `${path}: ${a ? 'node' : 'null'} vs ${b ? 'node' : 'null'}`;
    const kind = (n: YamlNode) =>
      isMap(n) ? 'map' : isSeq(n) ? 'seq' : isScalar(n) ? 'scalar' : isAlias(n) ? 'alias' : '?';
    if (kind(a) !== kind(b)) return `${path}: ${kind(a)} vs ${kind(b)}`;
    const ra = a.range!;
    const rb = b.range!;
    if (ra[0] !== rb[0]) return `${path}: start ${ra[0]} vs ${rb[0]}`;
    if (trimEnd(ra[1], ra[0]) !== trimEnd(rb[1], rb[0]))
      return `${path}: end ${ra[1]} vs ${rb[1]} (${JSON.stringify(text.slice(ra[0], ra[1]))} vs ${JSON.stringify(text.slice(rb[0], rb[1]))})`;
    if ((a as { anchor?: string }).anchor !== (b as { anchor?: string }).anchor)
      return `${path}: anchor ${(a as { anchor?: string }).anchor} vs ${(b as { anchor?: string }).anchor}`;
    if (isScalar(a) && isScalar(b)) {
      if (!Object.is(a.value, b.value))
        return `${path}: value ${JSON.stringify(a.value)} vs ${JSON.stringify(b.value)}`;
      if (a.type !== b.type) return `${path}: type ${a.type} vs ${b.type}`;
    }
    if (isAlias(a) && isAlias(b) && a.source !== b.source) return `${path}: alias ${a.source} vs ${b.source}`;
    if (isMap(a) && isMap(b)) {
      if (a.items.length !== b.items.length) return `${path}: ${a.items.length} vs ${b.items.length} entries`;
      for (let i = 0; i < a.items.length; i++) {
        const diff =
          walk(a.items[i].key as YamlNode, b.items[i].key as YamlNode, `${path}.key${i}`) ??
          walk(a.items[i].value as YamlNode, b.items[i].value as YamlNode, `${path}.value${i}`);
        if (diff) return diff;
      }
    }
    if (isSeq(a) && isSeq(b)) {
      if (a.items.length !== b.items.length) return `${path}: ${a.items.length} vs ${b.items.length} items`;
      for (let i = 0; i < a.items.length; i++) {
        const diff = walk(a.items[i] as YamlNode, b.items[i] as YamlNode, `${path}[${i}]`);
        if (diff) return diff;
      }
    }
    return undefined;
  };
  const diff = walk(fast.contents, doc.contents as YamlNode | null, '$');
  return diff ? { kind: 'different', where: diff } : { kind: 'same' };
}
