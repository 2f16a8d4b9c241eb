/**
 * Safety limits for flow YAML: how deep a file may nest and how much its aliases may expand.
 * Everything here works on the YAML syntax tree without expanding aliases and without recursion,
 * so a hostile file (alias bomb, alias cycle, deep nesting) costs one linear walk.
 */
import type { Node as YamlNode } from 'yaml';
import { isAlias, isMap, isSeq } from './yamlNodeKinds';

/** Deepest nesting of mappings and lists a flow file may have. */
export const MAX_NESTING_DEPTH = 64;
/**
 * How many nodes aliases (`*name`) may add when expanded: plenty for shared headers or steps,
 * far too few for an alias bomb ("billion laughs"), which is refused before anything expands it.
 */
export const MAX_ALIAS_EXPANSION = 100_000;

/** Every anchored node by name, in document order; one iterative walk, done only when an alias shows up. */
export function collectAnchors(root: YamlNode | null): Map<string, YamlNode[]> {
  const anchors = new Map<string, YamlNode[]>();
  const stack: unknown[] = root ? [root] : [];
  const found: YamlNode[] = [];
  while (stack.length > 0) {
    const node = stack.pop() as YamlNode;
    if (!node || typeof node !== 'object') continue;
    if ((node as { anchor?: string }).anchor) found.push(node);
    if (isMap(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) {
        stack.push(node.items[i].value, node.items[i].key);
      }
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
    }
  }
  found.sort((a, b) => (a.range?.[0] ?? 0) - (b.range?.[0] ?? 0));
  for (const node of found) {
    const name = (node as { anchor?: string }).anchor as string;
    const list = anchors.get(name);
    if (list) list.push(node);
    else anchors.set(name, [node]);
  }
  return anchors;
}

export interface AliasCheck {
  /** The alias at which expanding aliases would add more than MAX_ALIAS_EXPANSION values. */
  tooLarge?: YamlNode;
  /** The alias whose expansion nests deeper than MAX_NESTING_DEPTH. */
  tooDeep?: YamlNode;
  /** Aliases inside the node they name: the only way an expansion can loop. */
  cyclic: Set<YamlNode>;
}

/**
 * Measures what expanding the aliases of a document would do, without expanding anything: one
 * iterative post-order walk that records each anchored node's expanded size and height (an alias
 * always names an earlier node, so both are known by the time the alias is met). An alias whose
 * target is still open on the walk's stack names its own ancestor: a cycle.
 */
export function checkAliases(root: YamlNode | null, resolve: (alias: YamlNode) => YamlNode | null): AliasCheck {
  const result: AliasCheck = { cyclic: new Set() };
  if (!root) return result;
  interface Frame {
    node: YamlNode;
    children: unknown[];
    index: number;
    /** Values in the expanded subtree, this node included. */
    size: number;
    /** Levels of mappings and lists in the expanded subtree, this node included. */
    height: number;
  }
  const measured = new Map<YamlNode, { size: number; height: number }>();
  const open = new Set<YamlNode>();
  const childrenOf = (node: YamlNode): unknown[] => {
    if (isSeq(node)) return node.items;
    if (isMap(node)) return node.items.flatMap((pair) => [pair.key, pair.value]);
    return [];
  };
  const stack: Frame[] = [];
  const enter = (node: YamlNode) => {
    stack.push({ node, children: childrenOf(node), index: 0, size: 1, height: 1 });
    open.add(node);
  };
  if (isMap(root) || isSeq(root)) enter(root);
  let added = 0;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.index < top.children.length) {
      const child = top.children[top.index++] as YamlNode | null;
      if (!child || typeof child !== 'object') continue;
      if (isAlias(child)) {
        const target = resolve(child);
        if (target && open.has(target)) {
          result.cyclic.add(child);
          continue;
        }
        const m = target ? measured.get(target) : undefined;
        const size = m?.size ?? 1;
        added += size;
        top.size += size;
        if (m && 1 + m.height > top.height) top.height = 1 + m.height;
        if (added > MAX_ALIAS_EXPANSION && !result.tooLarge) result.tooLarge = child;
        if (m && stack.length + m.height > MAX_NESTING_DEPTH && !result.tooDeep) result.tooDeep = child;
      } else if (isMap(child) || isSeq(child)) {
        enter(child);
      } else {
        top.size += 1;
      }
      continue;
    }
    stack.pop();
    open.delete(top.node);
    if ((top.node as { anchor?: string }).anchor) measured.set(top.node, { size: top.size, height: top.height });
    const parent = stack[stack.length - 1];
    if (parent) {
      parent.size += top.size;
      if (1 + top.height > parent.height) parent.height = 1 + top.height;
    }
    // A bomb is known as soon as it passes the limit; cycles found so far are enough then.
    if (result.tooLarge) return result;
  }
  return result;
}

/**
 * Exact nesting depth check, iterative so a hostile file cannot overflow the stack.
 * Returns the first node deeper than `max`, if any.
 */
export function findTooDeep(root: YamlNode | null | undefined, max = MAX_NESTING_DEPTH): YamlNode | undefined {
  if (!root) return undefined;
  const nodes: unknown[] = [root];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop() as YamlNode;
    const depth = depths.pop() as number;
    if (isMap(node)) {
      if (depth > max) return node;
      for (const pair of node.items) {
        if (pair.key && typeof pair.key === 'object') {
          nodes.push(pair.key);
          depths.push(depth + 1);
        }
        if (pair.value && typeof pair.value === 'object') {
          nodes.push(pair.value);
          depths.push(depth + 1);
        }
      }
    } else if (isSeq(node)) {
      if (depth > max) return node;
      for (const item of node.items) {
        if (item && typeof item === 'object') {
          nodes.push(item);
          depths.push(depth + 1);
        }
      }
    }
  }
  return undefined;
}
