/**
 * A small JSON Schema checker for the draft-07 subset schemas/flow.schema.json uses, so the tests
 * can hold the schema against the validator without a dependency. A keyword it does not know is
 * an exception, never silently ignored: a new keyword in the schema needs a rule here first.
 *
 * Like the YAML extension, it treats `additionalProperties: false` as a warning (`unknownKey`):
 * a subschema with only such warnings still counts as matching in `anyOf`, `oneOf` and `if`.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonSchema } from '../../../src/core/flow/schema';

export interface SchemaProblem {
  /** JSON-pointer-like path of the value: `/flow/steps/0/config/url`. */
  path: string;
  message: string;
  kind: 'error' | 'unknownKey';
  /** For `unknownKey`: the key. */
  key?: string;
}

/** Keywords that only document; they never change whether a value matches. */
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  'title',
  'description',
  'markdownDescription',
  'default',
  'enumDescriptions',
  'markdownEnumDescriptions',
  'patternErrorMessage',
  'defaultSnippets',
  'definitions',
]);

const CHECKED = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'pattern',
  'minLength',
  'minimum',
  'minItems',
  'items',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'allOf',
  'anyOf',
  'oneOf',
  'if',
  'then',
  'else',
]);

/** Checks `value` against `root`; returns every problem found. */
export function checkJsonSchema(root: JsonSchema, value: unknown): SchemaProblem[] {
  return new Checker(root).check(root, value, '');
}

export function schemaErrors(problems: SchemaProblem[]): SchemaProblem[] {
  return problems.filter((p) => p.kind === 'error');
}

class Checker {
  private readonly regexps = new Map<string, RegExp>();

  constructor(private readonly root: JsonSchema) {}

  check(schema: JsonSchema | boolean, value: unknown, path: string): SchemaProblem[] {
    if (schema === true) return [];
    if (schema === false) return [error(path, 'no value is allowed here')];
    for (const keyword of Object.keys(schema)) {
      if (!ANNOTATIONS.has(keyword) && !CHECKED.has(keyword))
        throw new Error(`jsonSchemaCheck: unsupported keyword '${keyword}' at ${path || '/'}`);
    }
    const s = schema as JsonSchema & { oneOf?: JsonSchema[] };
    if (s.$ref !== undefined) {
      // Draft-07: keywords next to $ref are ignored, so the schema may only put annotations there.
      const siblings = Object.keys(s).filter((k) => k !== '$ref' && !ANNOTATIONS.has(k));
      if (siblings.length > 0)
        throw new Error(
          `jsonSchemaCheck: '${siblings.join(', ')}' next to $ref at ${path || '/'} would be ignored by draft-07`,
        );
      return this.check(this.resolve(s.$ref), value, path);
    }
    const problems: SchemaProblem[] = [];
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      if (!types.some((t) => hasType(value, t))) {
        return [error(path, `expected ${types.join(' or ')}, got ${typeName(value)}`)];
      }
    }
    if (s.enum !== undefined && !s.enum.some((v) => isDeepStrictEqual(v, value)))
      problems.push(error(path, `expected one of ${JSON.stringify(s.enum)}, got ${JSON.stringify(value)}`));
    if (s.const !== undefined && !isDeepStrictEqual(s.const, value))
      problems.push(error(path, `expected ${JSON.stringify(s.const)}`));
    if (typeof value === 'string') {
      if (s.pattern !== undefined && !this.regexp(s.pattern).test(value))
        problems.push(error(path, `${JSON.stringify(value)} does not match ${s.pattern}`));
      if (s.minLength !== undefined && Array.from(value).length < s.minLength)
        problems.push(error(path, `shorter than ${s.minLength}`));
    }
    if (typeof value === 'number' && s.minimum !== undefined && value < s.minimum)
      problems.push(error(path, `less than ${s.minimum}`));
    if (Array.isArray(value)) {
      if (s.minItems !== undefined && value.length < s.minItems)
        problems.push(error(path, `fewer than ${s.minItems} items`));
      if (s.items !== undefined)
        value.forEach((item, i) => problems.push(...this.check(s.items as JsonSchema, item, `${path}/${i}`)));
    }
    if (isObject(value)) problems.push(...this.checkObject(s, value, path));
    if (s.allOf) for (const sub of s.allOf) problems.push(...this.check(sub, value, path));
    if (s.anyOf) problems.push(...this.checkAnyOf(s.anyOf, value, path));
    if (s.oneOf) {
      const results = s.oneOf.map((sub) => this.check(sub, value, path));
      const passing = results.filter((r) => schemaErrors(r).length === 0);
      if (passing.length === 1) problems.push(...passing[0]);
      else
        problems.push(error(path, passing.length === 0 ? 'matches none of oneOf' : 'matches more than one of oneOf'));
    }
    if (s.if !== undefined) {
      const matches = schemaErrors(this.check(s.if, value, path)).length === 0;
      const branch = matches ? s.then : s.else;
      if (branch !== undefined) problems.push(...this.check(branch, value, path));
    }
    return problems;
  }

  private checkObject(s: JsonSchema, value: Record<string, unknown>, path: string): SchemaProblem[] {
    const problems: SchemaProblem[] = [];
    for (const key of s.required ?? []) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) problems.push(error(path, `missing '${key}'`));
    }
    for (const key of Object.keys(value)) {
      const at = `${path}/${key}`;
      if (s.propertyNames !== undefined) problems.push(...this.check(s.propertyNames, key, at));
      const declared = s.properties !== undefined && Object.prototype.hasOwnProperty.call(s.properties, key);
      if (declared) problems.push(...this.check((s.properties as Record<string, JsonSchema>)[key], value[key], at));
      else if (s.additionalProperties === false)
        problems.push({ path: at, message: `unknown key '${key}'`, kind: 'unknownKey', key });
      else if (s.additionalProperties !== undefined && s.additionalProperties !== true)
        problems.push(...this.check(s.additionalProperties, value[key], at));
    }
    return problems;
  }

  private checkAnyOf(alternatives: JsonSchema[], value: unknown, path: string): SchemaProblem[] {
    const failures: SchemaProblem[][] = [];
    for (const sub of alternatives) {
      const result = this.check(sub, value, path);
      if (schemaErrors(result).length === 0) return result;
      failures.push(result);
    }
    const reasons = failures.map((f) => schemaErrors(f)[0]?.message).join('; ');
    return [error(path, `matches none of anyOf (${reasons})`)];
  }

  private resolve(ref: string): JsonSchema {
    const match = /^#\/definitions\/([^/]+)$/.exec(ref);
    const target = match ? this.root.definitions?.[match[1]] : undefined;
    if (!target) throw new Error(`jsonSchemaCheck: cannot resolve $ref '${ref}'`);
    return target;
  }

  private regexp(pattern: string): RegExp {
    let re = this.regexps.get(pattern);
    if (!re) {
      // The `u` flag, as the YAML extension compiles patterns: it rejects sloppy escapes.
      re = new RegExp(pattern, 'u');
      this.regexps.set(pattern, re);
    }
    return re;
  }
}

function error(path: string, message: string): SchemaProblem {
  return { path: path || '/', message, kind: 'error' };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'null':
      return value === null;
    default:
      throw new Error(`jsonSchemaCheck: unknown type '${type}'`);
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
