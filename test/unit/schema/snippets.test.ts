/**
 * snippets/flow.json: every snippet, tabbed through with its defaults (and with each option of
 * each choice), gives a flow that the validator reads without a single diagnostic and the JSON
 * Schema accepts. Snippets never teach an invalid flow.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { formatDiagnostic } from '../../../src/core/errors';
import { ACTION_SPECS } from '../../../src/core/flow/actionSpecs';
import { parseFlowText } from '../../../src/core/flow/load';
import type { JsonSchema } from '../../../src/core/flow/schema';
import { checkJsonSchema } from './jsonSchemaCheck';
import { expandSnippet, parseSnippet, walkSnippet, type SnippetNode } from './snippetSyntax';

const ROOT = resolve(__dirname, '..', '..', '..', '..');

interface Snippet {
  prefix: string | string[];
  body: string | string[];
  description: string;
  isFileTemplate?: boolean;
}

const snippets = JSON.parse(readFileSync(join(ROOT, 'snippets', 'flow.json'), 'utf8')) as Record<string, Snippet>;
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'flow.schema.json'), 'utf8')) as JsonSchema;

function bodyText(snippet: Snippet): string {
  return Array.isArray(snippet.body) ? snippet.body.join('\n') : snippet.body;
}

function indent(text: string, by: number): string {
  return text
    .split('\n')
    .map((line) => (line ? ' '.repeat(by) + line : line))
    .join('\n');
}

/** Puts a snippet where it belongs (its first line says where) inside a minimal flow. */
function inFlow(text: string): string {
  const host = '    - id: host_step\n      action: log\n      config: {message: host}\n';
  if (text.startsWith('flow:')) return `${text}\n`;
  if (text.startsWith('- ')) return `flow:\n  name: Snippet check\n  steps:\n${indent(text, 4)}\n`;
  if (/^(setup|teardown):/.test(text)) return `flow:\n  name: Snippet check\n${indent(text, 2)}\n  steps:\n${host}`;
  return `flow:\n  name: Snippet check\n  steps:\n${host}${indent(text, 6)}\n`; // a step key (retry)
}

/** The expansions to check: all defaults, then each other option of each choice. */
function expansions(nodes: SnippetNode[]): Array<{ label: string; text: string }> {
  const out = [{ label: 'defaults', text: expandSnippet(nodes) }];
  walkSnippet(nodes, (node) => {
    if (node.kind !== 'choice') return;
    for (const option of node.options.slice(1))
      out.push({ label: `$${node.index} = ${option}`, text: expandSnippet(nodes, { [node.index]: option }) });
  });
  return out;
}

describe('flow snippets', () => {
  it('are there, with a prefix, a description and a body each', () => {
    assert.ok(Object.keys(snippets).length > 0);
    for (const [name, snippet] of Object.entries(snippets)) {
      assert.ok(
        (Array.isArray(snippet.prefix) ? snippet.prefix.length : snippet.prefix) &&
          snippet.description &&
          bodyText(snippet),
        name,
      );
    }
  });

  it('cover a new flow, every action, setup, teardown and retry', () => {
    const bodies = Object.values(snippets).map(bodyText);
    assert.ok(
      bodies.some((b) => b.startsWith('flow:')),
      'a new flow',
    );
    for (const action of Object.keys(ACTION_SPECS)) {
      assert.ok(
        bodies.some((b) => new RegExp(`^\\s*(?:- )?action: ${action}$`, 'm').test(b)),
        `a step of ${action}`,
      );
    }
    for (const key of ['setup', 'teardown', 'retry'])
      assert.ok(
        bodies.some((b) => b.startsWith(`${key}:`)),
        key,
      );
  });

  it('have unique prefixes', () => {
    const prefixes = Object.values(snippets).flatMap((s) => (Array.isArray(s.prefix) ? s.prefix : [s.prefix]));
    assert.deepEqual(
      prefixes.filter((p, i) => prefixes.indexOf(p) !== i),
      [],
    );
  });

  for (const [name, snippet] of Object.entries(snippets)) {
    describe(name, () => {
      const nodes = parseSnippet(bodyText(snippet));

      it('gives every tab stop a default or choices, ends at $0, and uses no snippet variables', () => {
        const defined = new Set<number>();
        const used = new Set<number>();
        let final = false;
        walkSnippet(nodes, (node) => {
          assert.notEqual(
            node.kind,
            'variable',
            `write \\$ for a literal $ (found the variable ${node.kind === 'variable' ? node.name : ''})`,
          );
          if (node.kind === 'placeholder' || node.kind === 'choice') defined.add(node.index);
          if (node.kind === 'tabstop') {
            if (node.index === 0) final = true;
            else used.add(node.index);
          }
        });
        for (const index of used) assert.ok(defined.has(index), `$${index} repeats a tab stop that has no default`);
        assert.ok(final, 'the cursor ends at $0');
      });

      for (const { label, text } of expansions(nodes)) {
        it(`expands (${label}) to a valid flow`, () => {
          const yaml = inFlow(text);
          const { flow, diagnostics } = parseFlowText(yaml, '/tmp/snippet.flow.yaml');
          assert.deepEqual(diagnostics.map(formatDiagnostic), [], yaml);
          assert.ok(flow, yaml);
          assert.deepEqual(checkJsonSchema(schema, parseDocument(yaml).toJS()), [], yaml);
        });
      }
    });
  }
});
