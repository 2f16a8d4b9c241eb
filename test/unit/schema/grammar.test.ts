/**
 * syntaxes/testmesh.injection.tmLanguage.json: the placeholder highlighting injected into YAML.
 * Its regexes use only what JavaScript and Oniguruma read the same way, so they are run here with
 * RegExp, by a tiny matcher that picks patterns the way TextMate does (earliest match first, the
 * first listed pattern on a tie).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILTIN_NAMES } from '../../../src/core/builtins';
import { PLACEHOLDER_PATTERN } from '../../../src/core/flow/schema';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const GRAMMAR_FILE = join(ROOT, 'syntaxes', 'testmesh.injection.tmLanguage.json');

interface Rule {
  match?: string;
  name?: string;
  include?: string;
  captures?: Record<string, { name: string }>;
}

interface Grammar {
  scopeName: string;
  injectionSelector: string;
  patterns: Rule[];
  repository: Record<string, Rule>;
}

const grammar = JSON.parse(readFileSync(GRAMMAR_FILE, 'utf8')) as Grammar;

/** The top-level patterns with their includes resolved, in order. */
function rules(): Array<Rule & { re: RegExp }> {
  return grammar.patterns.map((p) => {
    const rule = p.include ? grammar.repository[p.include.replace(/^#/, '')] : p;
    assert.ok(rule?.match, `pattern ${JSON.stringify(p)} resolves to a match rule`);
    return { ...rule, re: new RegExp(rule.match as string, 'g') };
  });
}

interface Token {
  text: string;
  scope: string;
}

/** Scoped pieces of a line: each capture with its name, or the whole match with the rule's name. */
function tokenize(line: string): Token[] {
  const all = rules();
  const tokens: Token[] = [];
  let at = 0;
  while (at < line.length) {
    let best: { rule: (typeof all)[number]; m: RegExpExecArray } | undefined;
    for (const rule of all) {
      rule.re.lastIndex = at;
      const m = rule.re.exec(line);
      if (m && (!best || m.index < best.m.index)) best = { rule, m };
    }
    if (!best || best.m[0].length === 0) break;
    const { rule, m } = best;
    if (!rule.captures) tokens.push({ text: m[0], scope: rule.name ?? '' });
    else {
      for (const [group, capture] of Object.entries(rule.captures)) {
        const text = m[Number(group)];
        if (text) tokens.push({ text, scope: capture.name });
      }
    }
    at = m.index + m[0].length;
  }
  return tokens;
}

/** [start, end) of every whole match, for comparing with the runtime's placeholder rule. */
function spans(line: string): Array<[number, number]> {
  const all = rules();
  const out: Array<[number, number]> = [];
  let at = 0;
  while (at < line.length) {
    let best: RegExpExecArray | undefined;
    for (const rule of all) {
      rule.re.lastIndex = at;
      const m = rule.re.exec(line);
      if (m && (!best || m.index < best.index)) best = m;
    }
    if (!best) break;
    out.push([best.index, best.index + best[0].length]);
    at = best.index + best[0].length;
  }
  return out;
}

const BEGIN = 'punctuation.definition.template-expression.begin.testmesh';
const END = 'punctuation.definition.template-expression.end.testmesh';
const VARIABLE = 'variable.other.testmesh';
const BUILTIN = 'support.constant.testmesh';

describe('placeholder injection grammar', () => {
  it('is an injection into YAML outside comments, with the scope name package.json names', () => {
    assert.equal(grammar.scopeName, 'testmesh.placeholder.injection');
    assert.equal(grammar.injectionSelector, 'L:source.yaml -comment');
  });

  it('resolves every include and compiles every regex', () => {
    assert.equal(rules().length, grammar.patterns.length);
    for (const [name, rule] of Object.entries(grammar.repository)) {
      assert.doesNotThrow(() => new RegExp(rule.match as string), name);
    }
  });

  it('knows exactly the built-in names of builtins.ts', () => {
    for (const key of ['builtin-dollar', 'builtin-mustache']) {
      const alternation = /\((UUID[^)]*)\)/.exec(grammar.repository[key].match ?? '')?.[1];
      assert.deepEqual(alternation?.split('|').sort(), [...BUILTIN_NAMES].sort(), key);
    }
  });

  it('scopes ${NAME} and {{step.key}} in a plain scalar', () => {
    assert.deepEqual(tokenize('url: ${BASE_URL}/users/{{create_user.body.id}}'), [
      { text: '${', scope: BEGIN },
      { text: 'BASE_URL', scope: VARIABLE },
      { text: '}', scope: END },
      { text: '{{', scope: BEGIN },
      { text: 'create_user.body.id', scope: VARIABLE },
      { text: '}}', scope: END },
    ]);
  });

  it('scopes built-ins as constants, with or without spaces inside', () => {
    assert.deepEqual(tokenize('X-Request-Id: smoke-{{RANDOM_ID}}-{{ TIMESTAMP_MS }}-${ UUID }'), [
      { text: '{{', scope: BEGIN },
      { text: 'RANDOM_ID', scope: BUILTIN },
      { text: '}}', scope: END },
      { text: '{{', scope: BEGIN },
      { text: 'TIMESTAMP_MS', scope: BUILTIN },
      { text: '}}', scope: END },
      { text: '${', scope: BEGIN },
      { text: 'UUID', scope: BUILTIN },
      { text: '}', scope: END },
    ]);
  });

  it('leaves names that only start like a built-in as variables', () => {
    assert.deepEqual(
      tokenize('message: "{{ UUIDS }} {{DATE.x}} ${TIMESTAMPS}"').map((t) => t.scope),
      [BEGIN, VARIABLE, END, BEGIN, VARIABLE, END, BEGIN, VARIABLE, END],
    );
  });

  it('trims spaces from the variable name', () => {
    assert.deepEqual(
      tokenize("Authorization: 'Bearer {{ login.body.token }}'").filter((t) => t.scope === VARIABLE),
      [{ text: 'login.body.token', scope: VARIABLE }],
    );
  });

  it('marks empty placeholders as invalid', () => {
    assert.deepEqual(tokenize('a: ${} {{ }}'), [
      { text: '${}', scope: 'invalid.illegal.empty-placeholder.testmesh' },
      { text: '{{ }}', scope: 'invalid.illegal.empty-placeholder.testmesh' },
    ]);
  });

  it('ignores text that is no placeholder', () => {
    for (const line of [
      "- body.headers['x-request-id'] startsWith 'smoke-'",
      'price: $5 {a: b}',
      'x: { {a} }',
      'y: $ {A}',
      'z: {{a}',
    ]) {
      assert.deepEqual(tokenize(line), [], line);
    }
  });

  it('finds the same placeholders as the runtime does', () => {
    const runtime = new RegExp(PLACEHOLDER_PATTERN, 'g');
    const lines = [
      'url: ${BASE_URL}{{route}}',
      '${{ github.sha }}',
      '{{{A}}}',
      '${A}}',
      '{{a}} and ${b} and {{ c.d[0] }} and ${} and {{}}',
      "body.email == {{item.email}} && x == '${Y}'",
      '${A',
      '',
    ];
    for (const line of lines) {
      const expected = [...line.matchAll(runtime)].map((m): [number, number] => [m.index, m.index + m[0].length]);
      assert.deepEqual(spans(line), expected, line);
    }
  });
});
