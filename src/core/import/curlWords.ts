/**
 * Splits shell text into commands of words, the way a shell would for the curl commands people
 * paste: bash (single quotes, double quotes with backslash escapes, `$'…'`, backslash-newline
 * continuations, `#` comments, `;` `&&` `||` `|` separators) and Windows cmd (`^` escapes and
 * continuations, as in a browser's "Copy as cURL (cmd)", then the C runtime's `"` and `\"`
 * rules). One pass over the text: linear in its length.
 */

export type Dialect = 'bash' | 'cmd';

/** cmd when the text uses cmd's escape character as continuation or before quotes. */
function dialectOf(text: string): Dialect {
  return /\^\r?\n|\^"/.test(text) ? 'cmd' : 'bash';
}

const ANSI_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  v: '\v',
};

/** A shell variable (`$NAME` or `${NAME}`) at `i`: becomes the flow placeholder `${NAME}`. */
function shellVariableAt(text: string, i: number): { name: string; length: number } | undefined {
  const m = /^\$(?:([A-Za-z_][A-Za-z0-9_]{0,127})|\{([A-Za-z_][A-Za-z0-9_]{0,127})\})/.exec(text.slice(i, i + 132));
  return m ? { name: m[1] ?? m[2], length: m[0].length } : undefined;
}

/** Commands (lists of words) in bash text. */
function bashCommands(text: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  /** After a `|`: the rest of that command is another program's (jq, grep), not curl's. */
  let piped = false;
  const endWord = () => {
    if (inWord && !piped) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length) commands.push(words);
    words = [];
    piped = false;
  };
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '\n') {
        i++;
        continue;
      }
      if (next === '\r' && text[i + 2] === '\n') {
        i += 2;
        continue;
      }
      if (next !== undefined) {
        word += next;
        inWord = true;
        i++;
      }
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? n : end;
      word += text.slice(i + 1, stop);
      inWord = true;
      i = stop;
      continue;
    }
    if (c === '$' && text[i + 1] === "'") {
      i += 2;
      for (; i < n && text[i] !== "'"; i++) {
        if (text[i] === '\\' && i + 1 < n) {
          const e = text[++i];
          if (e === 'x' && /^[0-9a-fA-F]{1,2}/.test(text.slice(i + 1, i + 3))) {
            const hex = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 1, i + 3))![0];
            word += String.fromCharCode(parseInt(hex, 16));
            i += hex.length;
          } else if (e === 'u' && /^[0-9a-fA-F]{4}/.test(text.slice(i + 1, i + 5))) {
            word += String.fromCharCode(parseInt(text.slice(i + 1, i + 5), 16));
            i += 4;
          } else word += ANSI_ESCAPES[e] ?? `\\${e}`;
        } else word += text[i];
      }
      inWord = true;
      continue;
    }
    if (c === '"') {
      inWord = true;
      for (i++; i < n && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < n && '$`"\\\n'.includes(text[i + 1])) {
          i++;
          if (text[i] !== '\n') word += text[i];
        } else if (text[i] === '$') {
          const name = shellVariableAt(text, i);
          word += name ? `\${${name.name}}` : '$';
          if (name) i += name.length - 1;
        } else word += text[i];
      }
      continue;
    }
    if (c === '#' && !inWord) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end - 1;
      continue;
    }
    if (c === '\n' || c === ';') {
      endCommand();
      continue;
    }
    if (c === '&' || c === '|') {
      if (text[i + 1] === c) {
        i++;
        endCommand();
      } else if (c === '|') {
        endWord();
        piped = true;
      } else endCommand();
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      continue;
    }
    if (c === '$') {
      const name = shellVariableAt(text, i);
      if (name) {
        word += `\${${name.name}}`;
        inWord = true;
        i += name.length - 1;
        continue;
      }
    }
    word += c;
    inWord = true;
  }
  endCommand();
  return commands;
}

/** Commands in Windows cmd text: `^` escapes first, then the C runtime's argument rules per line. */
function cmdCommands(text: string): string[][] {
  let unescaped = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '^') {
      unescaped += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '\n') i++;
    else if (next === '\r' && text[i + 2] === '\n') i += 2;
    else if (next !== undefined) {
      unescaped += next;
      i++;
    }
  }
  const commands: string[][] = [];
  for (const line of unescaped.split(/\r?\n/)) {
    const words: string[] = [];
    let word = '';
    let inWord = false;
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '\\') {
        let slashes = 0;
        while (line[i] === '\\') {
          slashes++;
          i++;
        }
        if (line[i] === '"') {
          word += '\\'.repeat(Math.floor(slashes / 2));
          if (slashes % 2 === 1) word += '"';
          else {
            quoted = !quoted;
          }
        } else {
          word += '\\'.repeat(slashes);
          i--;
        }
        inWord = true;
        continue;
      }
      if (c === '"') {
        quoted = !quoted;
        inWord = true;
        continue;
      }
      if (!quoted && (c === ' ' || c === '\t')) {
        if (inWord) words.push(word);
        word = '';
        inWord = false;
        continue;
      }
      word += c;
      inWord = true;
    }
    if (inWord) words.push(word);
    if (words.length) commands.push(words);
  }
  return commands;
}

/** The commands of a pasted text, each a list of words. */
export function splitCommands(text: string, dialect: Dialect = dialectOf(text)): string[][] {
  return dialect === 'cmd' ? cmdCommands(text) : bashCommands(text);
}
