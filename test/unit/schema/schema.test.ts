/**
 * schemas/flow.schema.json: generated from ACTION_SPECS (never edited by hand), complete (every
 * action, key and definition described for hover), and in agreement with the validator on the
 * example flows and a corpus of valid and invalid ones.
 *
 * The agreement, exactly:
 * - a flow the validator accepts (no error diagnostic), the schema accepts: no schema error;
 * - a flow the validator refuses, the schema refuses too, except for the rules JSON Schema cannot
 *   express (corpus cases marked `validatorOnly`: expression and path syntax);
 * - unknown keys are warnings on both sides and both name the same keys.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { parseDuration } from '../../../src/core/duration';
import { ACTION_SPECS, FLOW_KEYS, RETRY_KEYS, STEP_KEYS } from '../../../src/core/flow/actionSpecs';
import { parseFlowText } from '../../../src/core/flow/load';
import {
  buildFlowSchema,
  DURATION_PATTERN,
  PLACEHOLDER_PATTERN,
  renderFlowSchema,
  STEP_ID_PATTERN,
  type JsonSchema,
} from '../../../src/core/flow/schema';
import { hasPlaceholder } from '../../../src/core/template';
import { CORPUS } from './corpus';
import { checkJsonSchema, schemaErrors, type SchemaProblem } from './jsonSchemaCheck';

// out/test/unit/schema -> repository root
const ROOT = resolve(__dirname, '..', '..', '..', '..');
const SCHEMA_FILE = join(ROOT, 'schemas', 'flow.schema.json');
const REGENERATE = 'npm run schema';

/** `unknown flow key 'x'`, `unknown config key 'x'`, `unknown key 'x' next to 'flow:'`, ... */
const UNKNOWN_KEY_WARNING = /^(?:.*: )?unknown (?:[a-z_]+ )?key '([^']*)'/;

function committedSchema(): JsonSchema {
  return JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as JsonSchema;
}

interface Verdicts {
  validatorErrors: string[];
  validatorUnknownKeys: string[];
  schemaErrors: SchemaProblem[];
  schemaUnknownKeys: string[];
}

function verdicts(schema: JsonSchema, text: string, file: string): Verdicts {
  const { diagnostics } = parseFlowText(text, file);
  const validatorUnknownKeys: string[] = [];
  for (const d of diagnostics) {
    const m = d.severity === 'warning' ? UNKNOWN_KEY_WARNING.exec(d.message) : null;
    if (m) validatorUnknownKeys.push(m[1]);
  }
  // `<<` merge keys applied, as the validator and the YAML extension do.
  const value = parseDocument(text, { merge: true }).toJS();
  const problems = checkJsonSchema(schema, value ?? null);
  return {
    validatorErrors: diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`),
    validatorUnknownKeys: validatorUnknownKeys.sort(),
    schemaErrors: schemaErrors(problems),
    schemaUnknownKeys: problems
      .filter((p) => p.kind === 'unknownKey')
      .map((p) => p.key as string)
      .sort(),
  };
}

function show(v: Verdicts): string {
  return `validator errors:\n  ${v.validatorErrors.join('\n  ') || '(none)'}\nschema errors:\n  ${v.schemaErrors.map((p) => `${p.path}: ${p.message}`).join('\n  ') || '(none)'}`;
}

function flowFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const entry of entries.sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...flowFiles(path));
    else if (/\.ya?ml$/.test(entry)) out.push(path);
  }
  return out;
}

/** Every subschema with its JSON path, for structural checks. */
function walk(schema: unknown, path: string, visit: (s: JsonSchema, path: string) => void): void {
  if (typeof schema !== 'object' || schema === null) return;
  if (Array.isArray(schema)) {
    schema.forEach((s, i) => walk(s, `${path}/${i}`, visit));
    return;
  }
  const s = schema as JsonSchema;
  visit(s, path);
  for (const key of ['items', 'additionalProperties', 'propertyNames', 'if', 'then', 'else'] as const)
    walk(s[key], `${path}/${key}`, visit);
  for (const key of ['anyOf', 'allOf'] as const) walk(s[key], `${path}/${key}`, visit);
  for (const key of ['properties', 'definitions'] as const) {
    for (const [name, sub] of Object.entries(s[key] ?? {})) walk(sub, `${path}/${key}/${name}`, visit);
  }
}

describe('flow JSON Schema', () => {
  describe('the committed file', () => {
    it('is exactly what buildFlowSchema() makes (regenerate with: ' + REGENERATE + ')', () => {
      assert.deepEqual(committedSchema(), buildFlowSchema(), `schemas/flow.schema.json is out of date: ${REGENERATE}`);
      assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), renderFlowSchema(), 'same content, different formatting');
    });

    it('is a fresh object every time (callers may change it)', () => {
      const first = buildFlowSchema();
      (first.definitions as Record<string, JsonSchema>).step.required?.push('changed');
      delete (first.definitions as Record<string, JsonSchema>)['config.log'];
      assert.deepEqual(buildFlowSchema(), committedSchema());
    });

    it('is draft-07 and resolves every $ref', () => {
      const schema = buildFlowSchema();
      assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
      walk(schema, '', (s, path) => {
        if (s.$ref === undefined) return;
        const name = /^#\/definitions\/(.+)$/.exec(s.$ref)?.[1];
        assert.ok(name && schema.definitions?.[name], `${path}: $ref ${s.$ref} does not resolve`);
      });
    });
  });

  describe('completeness', () => {
    const schema = buildFlowSchema();
    const defs = schema.definitions ?? {};

    it('describes every definition and every property (hover text)', () => {
      const missing: string[] = [];
      for (const [name, def] of Object.entries(defs))
        if (!def.description || !def.markdownDescription) missing.push(`definitions/${name}`);
      walk(schema, '', (s, path) => {
        for (const [key, sub] of Object.entries(s.properties ?? {})) {
          // `if`/`then` only select schemas; hover shows the property's own description.
          if (/\/(?:if|then)$/.test(path)) continue;
          if (!sub.description || !sub.markdownDescription) missing.push(`${path}/properties/${key}`);
        }
      });
      assert.deepEqual(missing, []);
    });

    it('has the flow, step and retry keys of actionSpecs.ts', () => {
      assert.deepEqual(Object.keys(defs.flow.properties ?? {}), Object.keys(FLOW_KEYS));
      assert.deepEqual(Object.keys(defs.step.properties ?? {}), Object.keys(STEP_KEYS));
      assert.deepEqual(Object.keys(defs.retry.properties ?? {}), Object.keys(RETRY_KEYS));
      assert.deepEqual(defs.flow.required, ['name', 'steps']);
      assert.deepEqual(defs.step.required, ['action']);
    });

    it('offers every action, with its description, and its config keys after `action: X`', () => {
      const actions = Object.keys(ACTION_SPECS);
      const action = defs.step.properties?.action;
      assert.deepEqual(action?.enum, actions);
      assert.deepEqual(
        action?.markdownEnumDescriptions,
        actions.map((a) => ACTION_SPECS[a].description),
      );
      const branches = defs.step.allOf ?? [];
      assert.equal(branches.length, actions.length);
      for (const [i, name] of actions.entries()) {
        assert.equal(branches[i].if?.properties?.action.const, name);
        assert.equal(branches[i].then?.properties?.config.$ref, `#/definitions/config.${name}`);
        const config = defs[`config.${name}`];
        assert.deepEqual(Object.keys(config.properties ?? {}), Object.keys(ACTION_SPECS[name].config), name);
        const required = Object.keys(ACTION_SPECS[name].config).filter((k) => ACTION_SPECS[name].config[k].required);
        assert.deepEqual(config.required ?? [], required, name);
        for (const [key, spec] of Object.entries(ACTION_SPECS[name].config)) {
          if (spec.default !== undefined)
            assert.deepEqual(config.properties?.[key].default, spec.default, `${name}.${key} default`);
          if (spec.type === 'enum')
            assert.deepEqual(
              config.properties?.[key].defaultSnippets?.map((d) => d.body),
              spec.values,
              `${name}.${key} values`,
            );
        }
      }
    });
  });

  describe('patterns match the code they stand for', () => {
    it('placeholder pattern == hasPlaceholder (template.ts)', () => {
      const re = new RegExp(PLACEHOLDER_PATTERN, 'u');
      const samples = [
        '${A}',
        '{{a.b}}',
        'x ${A} y',
        'x{{ a }}y',
        '${}',
        '{{}}',
        '$A',
        '{A}',
        '{{A}',
        '${A',
        '${{A}}',
        '{{{A}}}',
        'plain',
        '',
        '$ {A}',
        '{ {A}}',
      ];
      for (const s of samples) assert.equal(re.test(s), hasPlaceholder(s), JSON.stringify(s));
    });

    it('duration pattern == parseDuration (duration.ts) on text', () => {
      const re = new RegExp(DURATION_PATTERN, 'u');
      const samples = [
        '500ms',
        '2s',
        '1m',
        '1h',
        '1m30s',
        '1.5s',
        '250',
        '2.5',
        ' 2s ',
        '1h2m3s4ms',
        '2 s',
        '2sec',
        's',
        '',
        '1.s',
        '.5s',
        '-1s',
        '1d',
        '2S',
        '1ms1',
        'ms',
        '10mss',
        '3m3',
        '\t5m\n',
      ];
      for (const s of samples) {
        let accepted = true;
        try {
          parseDuration(s);
        } catch {
          accepted = false;
        }
        assert.equal(re.test(s), accepted, JSON.stringify(s));
      }
    });

    it('step id pattern == the validator on ids', () => {
      const re = new RegExp(STEP_ID_PATTERN, 'u');
      for (const id of ['a', '_a', 'a-b_c9', 'A', '9a', '-a', 'a b', 'a.b', '', 'ü']) {
        const text = `flow:\n  name: x\n  steps:\n    - id: "${id}"\n      action: log\n      config: {message: x}\n`;
        const { flow } = parseFlowText(text, '/tmp/ids.flow.yaml');
        assert.equal(re.test(id), flow !== undefined, JSON.stringify(id));
      }
    });
  });

  describe('agreement with the validator', () => {
    const schema = committedSchema();

    describe('example flows', () => {
      const files = [...flowFiles(join(ROOT, 'examples', 'flows')), ...flowFiles(join(ROOT, 'examples', 'failing'))];
      it('there are example flows to check', () => assert.ok(files.length > 0));
      for (const file of files) {
        it(relative(ROOT, file), () => {
          const v = verdicts(schema, readFileSync(file, 'utf8'), file);
          assert.deepEqual(v.validatorErrors, [], 'examples are valid flows');
          assert.deepEqual(v.schemaErrors, [], show(v));
          assert.deepEqual(v.schemaUnknownKeys, v.validatorUnknownKeys);
        });
      }
    });

    describe('corpus', () => {
      for (const c of CORPUS) {
        it(`${c.valid ? 'valid' : 'invalid'}: ${c.name}`, () => {
          const v = verdicts(schema, c.yaml, '/tmp/corpus.flow.yaml');
          assert.equal(v.validatorErrors.length === 0, c.valid, `validator: ${show(v)}`);
          const schemaValid = c.validatorOnly ? !c.valid : c.valid;
          assert.equal(
            v.schemaErrors.length === 0,
            schemaValid,
            `schema (${c.validatorOnly ?? 'should agree with the validator'}): ${show(v)}`,
          );
          assert.deepEqual(v.schemaUnknownKeys, v.validatorUnknownKeys, 'unknown keys');
          assert.deepEqual(v.validatorUnknownKeys, [...(c.unknownKeys ?? [])].sort(), 'unknown keys the case expects');
        });
      }
    });
  });
});
