/**
 * Reads VS Code snippet bodies (the part of the syntax the flow snippets use: tab stops,
 * placeholders, choices, escapes) and expands them to the text a user gets by pressing Tab
 * through them. Variables (`$TM_FILENAME`, `${NAME}`) are reported, not expanded: in a flow
 * snippet `${BASE_URL}` must be written `\${BASE_URL}`, or VS Code would eat it as a variable.
 */

export type SnippetNode =
  | { kind: 'text'; text: string }
  | { kind: 'tabstop'; index: number }
  | { kind: 'placeholder'; index: number; children: SnippetNode[] }
  | { kind: 'choice'; index: number; options: string[] }
  | { kind: 'variable'; name: string };

export function parseSnippet(body: string): SnippetNode[] {
  const parser = new Parser(body);
  const nodes = parser.sequence(false);
  if (parser.at < body.length)
    throw new Error(`snippet: unexpected '${body[parser.at]}' at ${parser.at} in ${JSON.stringify(body)}`);
  return nodes;
}

class Parser {
  at = 0;

  constructor(private readonly text: string) {}

  /** Nodes up to the end, or up to an unescaped `}` when inside a placeholder. */
  sequence(inPlaceholder: boolean): SnippetNode[] {
    const nodes: SnippetNode[] = [];
    let text = '';
    const flush = () => {
      if (text) nodes.push({ kind: 'text', text });
      text = '';
    };
    while (this.at < this.text.length) {
      const c = this.text[this.at];
      if (c === '\\' && '$}\\'.includes(this.text[this.at + 1] ?? '')) {
        text += this.text[this.at + 1];
        this.at += 2;
      } else if (c === '}' && inPlaceholder) {
        break;
      } else if (c === '$') {
        const node = this.dollar();
        if (node) {
          flush();
          nodes.push(node);
        } else {
          text += '$';
          this.at++;
        }
      } else {
        text += c;
        this.at++;
      }
    }
    flush();
    return nodes;
  }

  /** `$1`, `${1}`, `${1:...}`, `${1|a,b|}`, `$NAME`, `${NAME...}`; undefined when `$` is just text. */
  private dollar(): SnippetNode | undefined {
    const rest = this.text.slice(this.at);
    let m = /^\$(\d+)/.exec(rest);
    if (m) {
      this.at += m[0].length;
      return { kind: 'tabstop', index: Number(m[1]) };
    }
    m = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    if (m) {
      this.at += m[0].length;
      return { kind: 'variable', name: m[1] };
    }
    m = /^\$\{(\d+)([}:|])/.exec(rest);
    if (m) {
      const index = Number(m[1]);
      this.at += m[0].length;
      if (m[2] === '}') return { kind: 'tabstop', index };
      if (m[2] === ':') {
        const children = this.sequence(true);
        this.expect('}');
        return { kind: 'placeholder', index, children };
      }
      return { kind: 'choice', index, options: this.choiceOptions() };
    }
    m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    if (m) {
      this.at += m[0].length;
      const end = this.text.indexOf('}', this.at);
      this.at = end < 0 ? this.text.length : end + 1;
      return { kind: 'variable', name: m[1] };
    }
    return undefined;
  }

  private choiceOptions(): string[] {
    const options: string[] = [];
    let option = '';
    while (this.at < this.text.length) {
      const c = this.text[this.at];
      if (c === '\\' && ',|\\'.includes(this.text[this.at + 1] ?? '')) {
        option += this.text[this.at + 1];
        this.at += 2;
      } else if (c === ',') {
        options.push(option);
        option = '';
        this.at++;
      } else if (c === '|' && this.text[this.at + 1] === '}') {
        options.push(option);
        this.at += 2;
        return options;
      } else {
        option += c;
        this.at++;
      }
    }
    throw new Error('snippet: unterminated choice');
  }

  private expect(c: string): void {
    if (this.text[this.at] !== c)
      throw new Error(`snippet: expected '${c}' at ${this.at} in ${JSON.stringify(this.text)}`);
    this.at++;
  }
}

/** Every node, nested ones included. */
export function walkSnippet(nodes: SnippetNode[], visit: (node: SnippetNode) => void): void {
  for (const node of nodes) {
    visit(node);
    if (node.kind === 'placeholder') walkSnippet(node.children, visit);
  }
}

/**
 * The text after tabbing through: placeholders keep their default, a choice takes
 * `choices[index]` (default its first option), a bare `$n` repeats tab stop n's value, `$0` is empty.
 */
export function expandSnippet(nodes: SnippetNode[], choices: Record<number, string> = {}): string {
  const values = new Map<number, string>();
  const render = (list: SnippetNode[]): string =>
    list
      .map((node) => {
        switch (node.kind) {
          case 'text':
            return node.text;
          case 'placeholder': {
            const value = render(node.children);
            if (!values.has(node.index)) values.set(node.index, value);
            return value;
          }
          case 'choice': {
            const value = choices[node.index] ?? node.options[0];
            values.set(node.index, value);
            return value;
          }
          case 'tabstop':
            return '';
          case 'variable':
            throw new Error(`snippet uses the variable '${node.name}' (write \\$ for a literal $)`);
        }
      })
      .join('');
  render(nodes); // first pass: learn every tab stop's value
  const mirror = (list: SnippetNode[]): string =>
    list
      .map((node) => {
        if (node.kind === 'tabstop') return node.index === 0 ? '' : (values.get(node.index) ?? '');
        if (node.kind === 'placeholder') return mirror(node.children);
        if (node.kind === 'choice') return values.get(node.index) ?? '';
        if (node.kind === 'variable') throw new Error(`snippet uses the variable '${node.name}'`);
        return node.text;
      })
      .join('');
  return mirror(nodes);
}
