/**
 * The variables and step ids an expression reads: its top-level names (`create.body.id` reads
 * `create`) and the first name of each placeholder (`{{create.id}}`, also inside quoted strings).
 * For checks that run before anything is evaluated (ambiguous step ids).
 */
import { placeholdersIn } from '../template';
import { parse, type Node } from './parser';

const HEAD = /^[^.[]+/;

/** Names an expression reads, in order of appearance, without repeats; an expression that does not parse reads none. */
export function namesRead(source: string): string[] {
  let root: Node;
  try {
    root = parse(source);
  } catch {
    return [];
  }
  const out = new Set<string>();
  const visit = (node: Node): void => {
    switch (node.type) {
      case 'name':
        out.add(node.name);
        return;
      case 'placeholder':
        addHead(node.text, out);
        return;
      case 'literal':
        // Quoted strings (and lists of them) may hold placeholders: `body.id == "{{create.id}}"`.
        for (const text of placeholdersIn(node.value)) addHead(text, out);
        return;
      case 'array':
        node.elements.forEach(visit);
        return;
      case 'member':
        visit(node.object);
        visit(node.property);
        return;
      case 'call':
        node.args.forEach(visit);
        return;
      case 'unary':
        visit(node.operand);
        return;
      case 'binary':
      case 'logical':
        visit(node.left);
        visit(node.right);
        return;
      case 'conditional':
        visit(node.test);
        visit(node.consequent);
        visit(node.alternate);
        return;
    }
  };
  visit(root);
  return [...out];
}

/** The first name of a placeholder's text: `create` of `create.body.id`. */
export function placeholderHead(text: string): string | undefined {
  return HEAD.exec(text)?.[0];
}

function addHead(text: string, into: Set<string>): void {
  const head = placeholderHead(text);
  if (head) into.add(head);
}
