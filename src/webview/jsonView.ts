/**
 * Pretty-printed JSON with token colours, built from text nodes (never HTML). Very large values
 * are shown as plain indented text: thousands of coloured spans cost more than they help.
 */
import { h } from './dom';

const HIGHLIGHT_LIMIT = 200_000;

type Token = 'key' | 'string' | 'number' | 'boolean' | 'null' | 'punct';

/**
 * A `<pre>` showing `value`. A string that holds JSON (a body) is parsed and shown as JSON unless
 * `literal` is set, which shows strings quoted (assertion operands, where `"200"` is not `200`).
 */
export function jsonView(value: unknown, label?: string, literal = false): HTMLPreElement {
  const pre = h('pre', { class: 'code', tabindex: 0, 'aria-label': label });
  if (value === undefined) {
    pre.classList.add('muted');
    pre.textContent = 'undefined';
    return pre;
  }
  const parsed = typeof value === 'string' && !literal ? tryParseJson(value) : { ok: true as const, value };
  if (!parsed.ok) {
    pre.textContent = value as string;
    return pre;
  }
  const text = stringify(parsed.value);
  if (text.length > HIGHLIGHT_LIMIT) {
    pre.textContent = text;
    return pre;
  }
  pre.classList.add('json');
  const fragment = document.createDocumentFragment();
  emit(parsed.value, 0, (token, text) => {
    if (token === 'punct') fragment.appendChild(document.createTextNode(text));
    else fragment.appendChild(h('span', { class: `j-${token}`, text }));
  });
  pre.appendChild(fragment);
  return pre;
}

function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const trimmed = text.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch {
    return { ok: false };
  }
}

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

function emit(value: unknown, depth: number, put: (token: Token, text: string) => void): void {
  const indent = '  '.repeat(depth + 1);
  const close = '  '.repeat(depth);
  if (value === null || value === undefined) return put('null', 'null');
  switch (typeof value) {
    case 'string':
      return put('string', JSON.stringify(value));
    case 'number':
    case 'bigint':
      return put('number', String(value));
    case 'boolean':
      return put('boolean', String(value));
    case 'object':
      break;
    default:
      return put('string', JSON.stringify(String(value)));
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return put('punct', '[]');
    put('punct', '[\n');
    value.forEach((item, i) => {
      put('punct', indent);
      emit(item, depth + 1, put);
      put('punct', i < value.length - 1 ? ',\n' : '\n');
    });
    return put('punct', `${close}]`);
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return put('punct', '{}');
  put('punct', '{\n');
  entries.forEach(([key, item], i) => {
    put('punct', indent);
    put('key', JSON.stringify(key));
    put('punct', ': ');
    emit(item, depth + 1, put);
    put('punct', i < entries.length - 1 ? ',\n' : '\n');
  });
  put('punct', `${close}}`);
}
