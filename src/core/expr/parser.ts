import { ExpressionError, syntaxError, Token, tokenize } from './lexer';

/** How deep brackets, parentheses, prefix operators and ternaries may nest. */
export const MAX_NESTING = 100;
/** How deep the syntax tree may grow (long operator chains count too); keeps evaluation far from the stack limit. */
export const MAX_TREE_DEPTH = 1000;

export type BinaryOperator =
  | '=='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | 'in'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'matches'
  | 'not in'
  | 'not contains'
  | 'not startsWith'
  | 'not endsWith'
  | 'not matches'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '**';

export type LogicalOperator = '&&' | '||' | '??';

interface NodeBase {
  /** 0-based start and end (exclusive) in the source; `source.slice(start, end)` is the node's text. */
  readonly start: number;
  readonly end: number;
  /** Height of the subtree (a leaf is 1). */
  readonly depth: number;
}

export interface LiteralNode extends NodeBase {
  readonly type: 'literal';
  readonly value: unknown;
}
export interface ArrayNode extends NodeBase {
  readonly type: 'array';
  readonly elements: readonly Node[];
}
export interface NameNode extends NodeBase {
  readonly type: 'name';
  readonly name: string;
}
export interface PlaceholderNode extends NodeBase {
  readonly type: 'placeholder';
  readonly text: string;
}
export interface MemberNode extends NodeBase {
  readonly type: 'member';
  readonly object: Node;
  readonly property: Node;
}
export interface CallNode extends NodeBase {
  readonly type: 'call';
  readonly name: string;
  readonly args: readonly Node[];
}
export interface UnaryNode extends NodeBase {
  readonly type: 'unary';
  readonly operator: '!' | '-' | '+';
  readonly operand: Node;
}
export interface BinaryNode extends NodeBase {
  readonly type: 'binary';
  readonly operator: BinaryOperator;
  readonly left: Node;
  readonly right: Node;
  /** Where the operator is written, for evaluation errors. */
  readonly operatorStart: number;
}
export interface LogicalNode extends NodeBase {
  readonly type: 'logical';
  readonly operator: LogicalOperator;
  readonly left: Node;
  readonly right: Node;
}
export interface ConditionalNode extends NodeBase {
  readonly type: 'conditional';
  readonly test: Node;
  readonly consequent: Node;
  readonly alternate: Node;
}

export type Node =
  | LiteralNode
  | ArrayNode
  | NameNode
  | PlaceholderNode
  | MemberNode
  | CallNode
  | UnaryNode
  | BinaryNode
  | LogicalNode
  | ConditionalNode;

interface InfixOperator {
  readonly precedence: number;
  readonly rightAssociative?: boolean;
}

// Precedences follow expr-lang, so flows written for TestMesh group the same way.
const INFIX: Record<string, InfixOperator> = {
  '||': { precedence: 10 },
  or: { precedence: 10 },
  '&&': { precedence: 15 },
  and: { precedence: 15 },
  '==': { precedence: 20 },
  '!=': { precedence: 20 },
  '<': { precedence: 20 },
  '>': { precedence: 20 },
  '<=': { precedence: 20 },
  '>=': { precedence: 20 },
  in: { precedence: 20 },
  contains: { precedence: 20 },
  startsWith: { precedence: 20 },
  endsWith: { precedence: 20 },
  matches: { precedence: 20 },
  not: { precedence: 20 },
  '+': { precedence: 30 },
  '-': { precedence: 30 },
  '*': { precedence: 60 },
  '/': { precedence: 60 },
  '%': { precedence: 60 },
  '**': { precedence: 100, rightAssociative: true },
  '??': { precedence: 500 },
};
const NOT_PRECEDENCE = 50;
const NEGATE_PRECEDENCE = 90;

/** Words that are operators, so they cannot be variable names at the start of an operand. */
const OPERATOR_WORDS = new Set(['and', 'or', 'in', 'contains', 'startsWith', 'endsWith', 'matches']);
const NEGATABLE = new Set(['in', 'contains', 'startsWith', 'endsWith', 'matches']);

/** Parses one expression into a syntax tree, or throws an ExpressionError naming the column and what was expected. */
export function parse(source: string): Node {
  return new Parser(source).parseAll();
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private nesting = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parseAll(): Node {
    const node = this.parseExpression();
    const next = this.peek();
    if (next.kind !== 'eof') {
      const hint =
        next.kind === 'op' && (next.text === ')' || next.text === ']')
          ? `there is no matching '${next.text === ')' ? '(' : '['}'`
          : 'expected an operator or the end of the expression';
      throw this.unexpected(next, hint);
    }
    return node;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    const token = this.tokens[this.index];
    if (this.index < this.tokens.length - 1) this.index++;
    return token;
  }

  private isOp(text: string, token = this.peek()): boolean {
    return token.kind === 'op' && token.text === text;
  }

  private isWord(text: string, token = this.peek()): boolean {
    return token.kind === 'word' && token.text === text;
  }

  private expectOp(text: string, detail: string): Token {
    const token = this.peek();
    if (!this.isOp(text, token)) throw this.unexpected(token, detail);
    return this.next();
  }

  private unexpected(token: Token, detail: string): ExpressionError {
    return syntaxError(`unexpected ${describeToken(token, this.source)}`, token.start, detail);
  }

  /** Runs `parse` one nesting level deeper, refusing input that would nest without bound. */
  private nested<T>(at: Token, parse: () => T): T {
    if (++this.nesting > MAX_NESTING) {
      throw syntaxError(
        'expression is nested too deeply',
        at.start,
        `at most ${MAX_NESTING} levels of brackets, parentheses and operators are allowed`,
      );
    }
    try {
      return parse();
    } finally {
      this.nesting--;
    }
  }

  private node<T extends Node>(fields: Omit<T, 'depth'>, children: readonly Node[]): T {
    let depth = 0;
    for (const child of children) if (child.depth > depth) depth = child.depth;
    if (depth + 1 > MAX_TREE_DEPTH) {
      throw syntaxError(
        'expression is too complex',
        fields.start,
        `at most ${MAX_TREE_DEPTH} nested operations are allowed`,
      );
    }
    // Adding the field in place keeps object shapes stable; a spread copy made parsing three times slower.
    (fields as unknown as { depth: number }).depth = depth + 1;
    return fields as T;
  }

  /** expression := binary ('?' expression ':' expression)? */
  private parseExpression(): Node {
    return this.nested(this.peek(), () => {
      const test = this.parseBinary(0);
      if (!this.isOp('?')) return test;
      this.next();
      const consequent = this.parseExpression();
      this.expectOp(':', "expected ':' and the value to use when the condition is false");
      const alternate = this.parseExpression();
      return this.node<ConditionalNode>(
        { type: 'conditional', test, consequent, alternate, start: test.start, end: alternate.end },
        [test, consequent, alternate],
      );
    });
  }

  private infixAt(): { operator: InfixOperator; width: number } | undefined {
    const token = this.peek();
    if (token.kind !== 'op' && token.kind !== 'word') return undefined;
    const operator = INFIX[token.text];
    if (operator === undefined || !Object.hasOwn(INFIX, token.text)) return undefined;
    return { operator, width: token.text === 'not' ? 2 : 1 };
  }

  /** Precedence climbing over the infix operators. */
  private parseBinary(minPrecedence: number): Node {
    let left = this.parseUnary();
    for (;;) {
      const found = this.infixAt();
      if (!found || found.operator.precedence < minPrecedence) return left;
      const opToken = this.next();
      let text = opToken.text;
      if (text === 'not') {
        const after = this.peek();
        if (after.kind !== 'word' || !NEGATABLE.has(after.text)) {
          throw this.unexpected(after, "expected 'in', 'contains', 'startsWith', 'endsWith' or 'matches' after 'not'");
        }
        text = `not ${this.next().text}`;
      }
      const nextMin = found.operator.rightAssociative ? found.operator.precedence : found.operator.precedence + 1;
      const right = found.operator.rightAssociative
        ? this.nested(opToken, () => this.parseBinary(nextMin))
        : this.parseBinary(nextMin);
      left = this.makeInfix(text, left, right, opToken.start);
    }
  }

  private makeInfix(text: string, left: Node, right: Node, operatorStart: number): Node {
    const span = { start: left.start, end: right.end };
    if (text === '&&' || text === 'and' || text === '||' || text === 'or' || text === '??') {
      const operator: LogicalOperator = text === 'and' ? '&&' : text === 'or' ? '||' : (text as LogicalOperator);
      return this.node<LogicalNode>({ type: 'logical', operator, left, right, ...span }, [left, right]);
    }
    return this.node<BinaryNode>(
      { type: 'binary', operator: text as BinaryOperator, left, right, operatorStart, ...span },
      [left, right],
    );
  }

  private parseUnary(): Node {
    const token = this.peek();
    if (this.isOp('!', token) || this.isWord('not', token)) {
      this.next();
      const operand = this.nested(token, () => this.parseBinary(NOT_PRECEDENCE));
      return this.node<UnaryNode>({ type: 'unary', operator: '!', operand, start: token.start, end: operand.end }, [
        operand,
      ]);
    }
    if (this.isOp('-', token) || this.isOp('+', token)) {
      this.next();
      const operand = this.nested(token, () => this.parseBinary(NEGATE_PRECEDENCE));
      // Fold `-5` into a literal, so `x == -5` explains itself like any comparison with a literal.
      if (operand.type === 'literal' && typeof operand.value === 'number') {
        const value = token.text === '-' ? -operand.value : operand.value;
        return this.node<LiteralNode>({ type: 'literal', value, start: token.start, end: operand.end }, []);
      }
      return this.node<UnaryNode>(
        { type: 'unary', operator: token.text as '-' | '+', operand, start: token.start, end: operand.end },
        [operand],
      );
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePrimary(): Node {
    const token = this.peek();
    switch (token.kind) {
      case 'number':
        this.next();
        return this.node<LiteralNode>({ type: 'literal', value: token.number, start: token.start, end: token.end }, []);
      case 'string':
        this.next();
        return this.node<LiteralNode>({ type: 'literal', value: token.text, start: token.start, end: token.end }, []);
      case 'placeholder':
        this.next();
        return this.node<PlaceholderNode>(
          { type: 'placeholder', text: token.text, start: token.start, end: token.end },
          [],
        );
      case 'word':
        return this.parseWord(token);
      case 'op':
        if (token.text === '(') return this.parseParenthesized(token);
        if (token.text === '[') return this.parseArray(token);
        break;
      case 'eof':
        break;
    }
    throw this.unexpected(token, 'expected an expression');
  }

  private parseWord(token: Token): Node {
    const literal =
      token.text === 'true'
        ? true
        : token.text === 'false'
          ? false
          : token.text === 'nil' || token.text === 'null'
            ? null
            : undefined;
    if (literal !== undefined) {
      this.next();
      return this.node<LiteralNode>({ type: 'literal', value: literal, start: token.start, end: token.end }, []);
    }
    if (OPERATOR_WORDS.has(token.text)) throw this.unexpected(token, 'expected an expression');
    this.next();
    if (this.isOp('(')) return this.parseCall(token);
    return this.node<NameNode>({ type: 'name', name: token.text, start: token.start, end: token.end }, []);
  }

  private parseParenthesized(open: Token): Node {
    this.next();
    const inner = this.parseExpression();
    this.expectOp(')', `expected ')' to close the '(' at column ${open.start + 1}`);
    return inner;
  }

  /** Comma-separated expressions up to `close`; a trailing comma is allowed. */
  private parseList(open: Token, close: string): Node[] {
    const items: Node[] = [];
    while (!this.isOp(close)) {
      items.push(this.parseExpression());
      if (this.isOp(',')) {
        this.next();
        continue;
      }
      if (!this.isOp(close))
        throw this.unexpected(
          this.peek(),
          `expected ',' or '${close}' to close the '${open.text}' at column ${open.start + 1}`,
        );
    }
    this.next();
    return items;
  }

  private parseArray(open: Token): Node {
    this.next();
    const elements = this.parseList(open, ']');
    const end = this.tokens[this.index - 1].end;
    // An array of literals is itself a literal: computed once, and `x in [200, 201]` explains like a literal.
    if (elements.every((e) => e.type === 'literal')) {
      const value = Object.freeze(elements.map((e) => (e as LiteralNode).value));
      return this.node<LiteralNode>({ type: 'literal', value, start: open.start, end }, []);
    }
    return this.node<ArrayNode>({ type: 'array', elements, start: open.start, end }, elements);
  }

  private parseCall(nameToken: Token): Node {
    const open = this.next();
    const args = this.parseList(open, ')');
    const end = this.tokens[this.index - 1].end;
    return this.node<CallNode>({ type: 'call', name: nameToken.text, args, start: nameToken.start, end }, args);
  }

  /** `.name`, `?.name`, `[index]`, `?.[index]`, and `(` after something that is not a function name. */
  private parsePostfix(node: Node): Node {
    for (;;) {
      const token = this.peek();
      if (this.isOp('.', token) || this.isOp('?.', token)) {
        this.next();
        if (token.text === '?.' && this.isOp('[')) {
          node = this.parseIndex(node);
          continue;
        }
        const name = this.peek();
        const isIndex = name.kind === 'number' && Number.isInteger(name.number) && /^\d+$/.test(name.text);
        if (name.kind !== 'word' && !isIndex)
          throw this.unexpected(name, `expected a property name after '${token.text}'`);
        this.next();
        const key = isIndex ? name.number : name.text;
        const property = this.node<LiteralNode>({ type: 'literal', value: key, start: name.start, end: name.end }, []);
        node = this.node<MemberNode>({ type: 'member', object: node, property, start: node.start, end: name.end }, [
          node,
          property,
        ]);
      } else if (this.isOp('[', token)) {
        node = this.parseIndex(node);
      } else if (this.isOp('(', token)) {
        throw this.unexpected(token, 'only the built-in functions can be called, like len(x)');
      } else {
        return node;
      }
    }
  }

  private parseIndex(object: Node): Node {
    const open = this.next();
    const property = this.parseExpression();
    const close = this.expectOp(']', `expected ']' to close the '[' at column ${open.start + 1}`);
    return this.node<MemberNode>({ type: 'member', object, property, start: object.start, end: close.end }, [
      object,
      property,
    ]);
  }
}

function describeToken(token: Token, source: string): string {
  if (token.kind === 'eof') return 'end of expression';
  let text = source.slice(token.start, token.end);
  if (text.length > 30) text = `${text.slice(0, 30)}...`;
  if (token.kind === 'string') return `string ${text}`;
  return `'${text}'`;
}
