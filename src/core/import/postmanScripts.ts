/**
 * The simple Postman test scripts, translated line by line: status checks, `pm.expect(jsonData.x)`
 * comparisons, header and response-time checks become assertions; `pm.environment.set("x",
 * jsonData.y)` becomes an output. Any other line is returned as untranslated. Also reads back the
 * `// TestMesh assertion:` / `// TestMesh output:` lines our own Postman export writes for what
 * Postman's script language cannot say.
 */

export interface TranslatedScript {
  assert: string[];
  output: Record<string, string>;
  untranslated: string[];
}

/** Longest script line looked at; longer ones are listed as not translated. */
const MAX_SCRIPT_LINE = 2000;

export const ASSERTION_MARKER = '// TestMesh assertion:';
export const OUTPUT_MARKER = '// TestMesh output:';

/** `jsonData.items[0]["id"]` after the alias -> `.items[0]['id']` (our member syntax), or undefined. */
function memberPath(text: string): string | undefined {
  if (text === '') return '';
  const m = /^(?:\.[A-Za-z_$][A-Za-z0-9_$]*|\[\d+\]|\[(?:"[^"\\]*"|'[^'\\]*')\])+$/.exec(text);
  if (!m) return undefined;
  return text.replace(/\[(?:"([^"]*)"|'([^']*)')\]/g, (_, a: string | undefined, b: string | undefined) => {
    const key = a ?? b ?? '';
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `['${key.replace(/'/g, "\\'")}']`;
  });
}

/** An output path for a member path: `.items[0].id` -> `$.body.items[0].id`. */
function outputPath(path: string): string {
  return `$.body${path.replace(/\['([^']*)'\]/g, (_, k: string) => `["${k}"]`)}`;
}

/** A JavaScript literal as an expression literal (numbers, strings, booleans, null), or undefined. */
function literal(text: string): string | undefined {
  const t = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(t) || t === 'true' || t === 'false') return t;
  if (t === 'null' || t === 'undefined') return 'nil';
  const m = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')$/.exec(t);
  if (m) {
    const raw = (m[1] ?? m[2] ?? '').replace(/\\(['"\\])/g, '$1');
    return JSON.stringify(raw);
  }
  return undefined;
}

function literalList(text: string): string | undefined {
  const m = /^\[(.*)\]$/.exec(text.trim());
  if (!m) return undefined;
  const items = m[1].trim() === '' ? [] : m[1].split(',').map(literal);
  return items.every((i) => i !== undefined) ? `[${items.join(', ')}]` : undefined;
}

/** The expression of a subject inside `pm.expect(…)`: `body.x`, `status`, `duration_ms`, or undefined. */
function subject(text: string, aliases: ReadonlySet<string>): string | undefined {
  const t = text.trim();
  if (/^pm\.response\.(code|status)$/.test(t) || t === 'responseCode.code') return 'status';
  if (t === 'pm.response.responseTime' || t === 'responseTime') return 'duration_ms';
  const direct = /^pm\.response\.json\(\)(.*)$/.exec(t);
  if (direct) {
    const path = memberPath(direct[1]);
    return path === undefined ? undefined : `body${path}`;
  }
  const m = /^([A-Za-z_$][A-Za-z0-9_$]*)(.*)$/.exec(t);
  if (m && aliases.has(m[1])) {
    const path = memberPath(m[2]);
    return path === undefined ? undefined : `body${path}`;
  }
  return undefined;
}

function expectation(line: string, aliases: ReadonlySet<string>): string | undefined {
  const m =
    /^pm\.expect\((.+?)\)((?:\.(?:to|be|have|been|is|that|which|and|deep|not))*)\.([A-Za-z]+)(?:\((.*)\))?$/.exec(line);
  if (!m) return undefined;
  const left = subject(m[1], aliases);
  if (!left) return undefined;
  const negated = /\.not\b/.test(m[2]);
  const verb = m[3];
  const arg = m[4];
  const compare = (op: string, value: string | undefined) =>
    value === undefined ? undefined : `${left} ${op} ${value}`;
  let expr: string | undefined;
  switch (verb) {
    case 'eql':
    case 'equal':
    case 'equals':
    case 'eq':
      expr = compare(negated ? '!=' : '==', arg === undefined ? undefined : literal(arg));
      return expr;
    case 'above':
    case 'greaterThan':
    case 'gt':
      return negated ? undefined : compare('>', arg && literal(arg));
    case 'below':
    case 'lessThan':
    case 'lt':
      return negated ? undefined : compare('<', arg && literal(arg));
    case 'least':
    case 'gte':
      return negated ? undefined : compare('>=', arg && literal(arg));
    case 'most':
    case 'lte':
      return negated ? undefined : compare('<=', arg && literal(arg));
    case 'oneOf':
      return negated ? undefined : compare('in', arg && literalList(arg));
    case 'include':
    case 'includes':
    case 'contain':
    case 'contains':
      return negated || arg === undefined || literal(arg) === undefined
        ? undefined
        : `${left} contains ${literal(arg)}`;
    case 'lengthOf':
    case 'length':
      return negated || arg === undefined || literal(arg) === undefined ? undefined : `len(${left}) == ${literal(arg)}`;
    case 'exist':
    case 'undefined':
    case 'null':
      if (arg !== undefined) return undefined;
      // exist: != nil; undefined/null: == nil; `not` flips either.
      return `${left} ${(verb === 'exist') !== negated ? '!=' : '=='} nil`;
    case 'true':
    case 'false':
      return arg === undefined ? `${left} ${negated ? '!=' : '=='} ${verb}` : undefined;
    case 'ok':
      return arg === undefined && !negated ? `${left} != nil` : undefined;
  }
  return undefined;
}

/** Translates the lines of a Postman `test` script. */
export function translateTestScript(lines: readonly string[]): TranslatedScript {
  const out: TranslatedScript = { assert: [], output: {}, untranslated: [] };
  const aliases = new Set<string>();
  for (const raw of lines) {
    for (const piece of raw.split(/;\s*(?=\S)/)) {
      // Script lines are hostile input: the patterns below only ever see short ones.
      if (piece.length > MAX_SCRIPT_LINE) {
        out.untranslated.push(`${piece.slice(0, 80)}… (a line of ${piece.length} characters)`);
        continue;
      }
      // The structure of pm.test blocks goes; the checks inside are what count.
      const line = piece
        .trim()
        .replace(/^pm\.test\(\s*(["'`])(?:(?!\1).)*\1\s*,\s*(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{\s*/, '')
        .replace(/^\}\s*\)\s*;?\s*/, '')
        .replace(/;+$/, '')
        .trim();
      if (line === '') continue;
      if (line.startsWith(ASSERTION_MARKER)) {
        out.assert.push(line.slice(ASSERTION_MARKER.length).trim());
        continue;
      }
      if (line.startsWith(OUTPUT_MARKER)) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S.*)$/.exec(line.slice(OUTPUT_MARKER.length).trim());
        if (m) out.output[m[1]] = m[2];
        else out.untranslated.push(line);
        continue;
      }
      if (line.startsWith('//')) continue;
      const alias =
        /^(?:var|let|const)\s+([A-Za-z_$][A-Za-z0-9_$]*)\s*=\s*(?:pm\.response\.json\(\)|JSON\.parse\(\s*responseBody\s*\))$/.exec(
          line,
        );
      if (alias) {
        aliases.add(alias[1]);
        continue;
      }
      const status = /^pm\.response\.to\.(?:have\.status|be\.status)\((\d{3})\)$/.exec(line);
      if (status) {
        out.assert.push(`status == ${status[1]}`);
        continue;
      }
      if (/^pm\.response\.to\.be\.ok$/.test(line)) {
        out.assert.push('status == 200');
        continue;
      }
      const header = /^pm\.response\.to\.have\.header\((["'])([^"']+)\1\)$/.exec(line);
      if (header) {
        out.assert.push(`headers['${header[2].toLowerCase()}'] != nil`);
        continue;
      }
      const legacy = /^tests\[(["']).*\1\]\s*=\s*responseCode\.code\s*===?\s*(\d{3})$/.exec(line);
      if (legacy) {
        out.assert.push(`status == ${legacy[2]}`);
        continue;
      }
      const set =
        /^(?:pm\.(?:environment|collectionVariables|globals|variables)\.set|postman\.set(?:Environment|Global)Variable)\(\s*(["'])([A-Za-z_][A-Za-z0-9_]*)\1\s*,\s*(.+)\)$/.exec(
          line,
        );
      if (set) {
        const value = subject(set[3], aliases);
        if (value?.startsWith('body')) {
          out.output[set[2]] = outputPath(value.slice(4));
          continue;
        }
      }
      const expected = expectation(line, aliases);
      if (expected) {
        out.assert.push(expected);
        continue;
      }
      out.untranslated.push(line);
    }
  }
  return out;
}
