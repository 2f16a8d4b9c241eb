/**
 * Random YAML documents in the shapes flow files take (block and flow collections, every scalar
 * style, comments, blank lines, anchors and aliases), for comparing the subset parser with the
 * `yaml` package. Deterministic for a given random source.
 */
export function randomYaml(random: () => number, maxDepth = 4): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const anchors: string[] = [];
  let anchorCount = 0;
  const SCALARS = [
    'x',
    'hello world',
    '1',
    '-2',
    '+3',
    '0o17',
    '0x1F',
    '1.5',
    '-.5e3',
    '.inf',
    '-.Inf',
    '.nan',
    'true',
    'False',
    'NULL',
    '~',
    'null',
    'http://a.b/c?d=e#f',
    'a:b',
    'a#b',
    '${BASE}/x/{{id}}',
    'status == 200',
    "it's",
    'x-y_z',
    '-x',
    ':x',
    '?x',
    '1_000',
    '0.',
    '12e',
    'yes',
    'on',
    '"q"',
    '"a \\" b \\n \\u00e9 \\x41 \\t"',
    "'single ''quoted'''",
    '""',
    "''",
    '"#not comment"',
    "'a: b'",
    '"{{x}}"',
    'é ü 你好',
  ];
  const KEYS = [
    'a',
    'b',
    'name',
    'id',
    'url',
    'x y',
    '"quoted key"',
    "'k'",
    '1',
    'true',
    'null',
    '<<',
    'k-1',
    'a.b',
    'é',
  ];
  const comment = () => (random() < 0.15 ? ` # ${pick(['c', 'note: x', '#', ''])}` : '');
  const blankOrComment = (indent: string) => {
    const r = random();
    if (r < 0.08) return ['\n'];
    if (r < 0.12) return [`${indent}# own line\n`];
    if (r < 0.14) return [`# column zero\n`];
    if (r < 0.15) return [`${indent}  # deeper\n`];
    return [];
  };
  const anchor = () => {
    if (random() < 0.1) {
      const name = `a${anchorCount++}`;
      anchors.push(name);
      return `&${name} `;
    }
    return '';
  };
  const flowValue = (depth: number): string => {
    const r = random();
    if (depth < maxDepth && r < 0.2) {
      const items = Array.from({ length: Math.floor(random() * 4) }, () => flowValue(depth + 1));
      return `${anchor()}[${items.join(pick([', ', ',', ' , ']))}${items.length && random() < 0.1 ? ',' : ''}]`;
    }
    if (depth < maxDepth && r < 0.35) {
      const used = new Set<string>();
      const items: string[] = [];
      for (let i = Math.floor(random() * 4); i > 0; i--) {
        const key = pick(KEYS.filter((k) => k !== '<<'));
        if (used.has(key)) continue;
        used.add(key);
        items.push(`${key}: ${flowValue(depth + 1)}`);
      }
      return `${anchor()}{${items.join(', ')}}`;
    }
    if (anchors.length && r < 0.4) return `*${pick(anchors)}`;
    const s = pick(SCALARS);
    return /^[-?:][^ ]/.test(s) || s.includes('#') || s.includes(': ')
      ? `"${s.replace(/["\\]/g, '')}"`
      : s.replace(/[,[\]{}]/g, '');
  };
  const blockScalar = (indent: string): string => {
    const style = pick(['|', '>', '|-', '>-', '|+']);
    const lines: string[] = [];
    for (let i = 1 + Math.floor(random() * 4); i > 0; i--) {
      const r = random();
      lines.push(
        r < 0.15 ? '' : r < 0.3 ? `${indent}    more indented ${i}` : `${indent}  line ${i}: text # not a comment`,
      );
    }
    while (lines[0] === '') lines.shift();
    if (!lines.length) lines.push(`${indent}  x`);
    return `${style}${comment()}\n${lines.join('\n')}\n`;
  };
  const blockValue = (indent: string, depth: number, inSeq: boolean): string => {
    // Returns text that follows `key:` or `-` (starting with a space or a newline).
    const r = random();
    if (depth < maxDepth && r < 0.25)
      return `${random() < 0.2 ? ` ${anchor().trim()}` : ''}${comment()}\n${blockMap(indent + '  ', depth + 1)}`;
    if (depth < maxDepth && r < 0.4) {
      const seqIndent = !inSeq && random() < 0.3 ? indent : indent + '  ';
      return `${comment()}\n${blockSeq(seqIndent, depth + 1)}`;
    }
    if (r < 0.47) return ` ${blockScalar(indent)}`;
    if (r < 0.52) return `${comment()}\n`;
    if (r < 0.56) return ` long plain text\n${indent}  continued here\n\n${indent}  and after a blank\n`;
    return ` ${flowValue(depth)}${comment()}\n`;
  };
  const blockMap = (indent: string, depth: number): string => {
    let out = '';
    const used = new Set<string>();
    for (let i = 1 + Math.floor(random() * 4); i > 0; i--) {
      const key = pick(KEYS);
      if (used.has(key)) continue;
      used.add(key);
      out += blankOrComment(indent).join('');
      out += `${indent}${key}:${blockValue(indent, depth, false)}`;
    }
    return out;
  };
  const blockSeq = (indent: string, depth: number): string => {
    let out = '';
    for (let i = 1 + Math.floor(random() * 4); i > 0; i--) {
      out += blankOrComment(indent).join('');
      const r = random();
      if (depth < maxDepth && r < 0.3) {
        // compact mapping: `- key: value` then the other keys under it
        const inner = blockMap(indent + '  ', depth + 1);
        out += `${indent}- ${inner.slice(indent.length + 2)}`;
      } else if (depth < maxDepth && r < 0.35) {
        const inner = blockSeq(indent + '  ', depth + 1);
        out += `${indent}- ${inner.slice(indent.length + 2)}`;
      } else {
        out += `${indent}-${blockValue(indent, depth, true)}`;
      }
    }
    return out;
  };
  return random() < 0.8 ? blockMap('', 0) : random() < 0.5 ? blockSeq('', 0) : `${flowValue(0)}\n`;
}
