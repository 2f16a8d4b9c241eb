/**
 * The JSON Schema (draft-07) of flow files, built from ACTION_SPECS and the key tables in
 * actionSpecs.ts, for the Red Hat YAML extension (completion, hover, checks while typing).
 * `schemas/flow.schema.json` is this function's output, committed; test/unit/schema/schema.test.ts
 * fails when the two differ and checks that the schema agrees with the validator (validate.ts).
 *
 * Regenerate after changing actionSpecs.ts: `npm run schema` (scripts/generate-schema.mjs).
 *
 * How the schema mirrors the validator:
 * - Every value the validator accepts, the schema accepts (no squiggle the Problems panel would
 *   not show), including the lenient corners: `key:` with no value for optional config keys,
 *   numbers and booleans where text is read (`name: 42`), `${...}`/`{{...}}` placeholders for
 *   typed config values, a single assertion instead of a list.
 * - Unknown keys are `additionalProperties: false`: the YAML extension shows those as warnings,
 *   as the validator does.
 * - What JSON Schema cannot say stays with the validator: expression syntax, output path syntax,
 *   duplicate step ids, YAML anchors and aliases, and the `retry` without `max_attempts` warning.
 */
import { TestMeshError } from '../errors';
import { ACTION_SPECS, FLOW_KEYS, RETRY_KEYS, STEP_KEYS, type ConfigKeySpec, type KeySpec } from './actionSpecs';

/** A JSON Schema object. Only the draft-07 keywords this file emits are named. */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  $ref?: string;
  title?: string;
  description?: string;
  /** Hover and completion text of VS Code's JSON and YAML language servers (rendered as Markdown). */
  markdownDescription?: string;
  type?: JsonType | JsonType[];
  enum?: unknown[];
  /** Per-value hover texts for `enum` (VS Code extension keywords). */
  enumDescriptions?: string[];
  markdownEnumDescriptions?: string[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  /** Values offered by completion (VS Code extension keyword). */
  defaultSnippets?: Array<{ label: string; body: unknown }>;
  /** The message shown when `pattern` does not match (VS Code extension keyword). */
  patternErrorMessage?: string;
  minLength?: number;
  minimum?: number;
  minItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  if?: JsonSchema;
  then?: JsonSchema;
  else?: JsonSchema;
  definitions?: Record<string, JsonSchema>;
}

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/**
 * A string holding a placeholder; the same test as `hasPlaceholder` in template.ts. The validator
 * skips type checks of such config values (they are known only at run time).
 */
export const PLACEHOLDER_PATTERN = '\\$\\{[^{}]*\\}|\\{\\{[^{}]*\\}\\}';

/** What parseDuration (duration.ts) accepts as text: `"500ms"`, `"1m30s"`, `"1.5s"`, `"250"`. */
export const DURATION_PATTERN = '^\\s*(?:\\d+(?:\\.\\d+)?|(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h))+)\\s*$';

/** A step id, as validate.ts checks it. */
export const STEP_ID_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*$';

/** Any character that is not white space: the validator refuses blank names, expressions and paths. */
const NOT_BLANK = '\\S';

const PLACEHOLDER_HINT = 'a placeholder like ${NAME} or {{step.key}}';

const ref = (name: string): JsonSchema => ({ $ref: `#/definitions/${name}` });

/** Plain text and Markdown descriptions, so hovers render `code` and plain clients still read well. */
function describe(text: string, extra?: string): Pick<JsonSchema, 'description' | 'markdownDescription'> {
  const markdown = extra ? `${text}\n\n${extra}` : text;
  return { description: markdown.replace(/`/g, ''), markdownDescription: markdown };
}

function hasOwn(table: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, key);
}

// ---- value shapes --------------------------------------------------------------------------
// Inlined rather than $ref'd: the YAML extension shows a referenced schema's description over the
// key's own, and a key's own words ("Request timeout") say more than "A duration".

const EXPRESSION_HELP =
  "Expressions: `status == 200`, `body.items[0].id == user_id`, `len(body.items) > 0 && headers['content-type'] contains 'json'`; " +
  'operators `== != < > <= >=`, `&& || !` (also `and or not`), `in`, `contains`, `startsWith`, `endsWith`, `matches`, `len(x)`, `a ? b : c`.';

/** What parseDuration accepts, or a placeholder; `nullable` for "not set". */
function durationValue(nullable: boolean): JsonSchema {
  return {
    type: nullable ? ['string', 'number', 'null'] : ['string', 'number'],
    minimum: 0,
    pattern: `${DURATION_PATTERN}|${PLACEHOLDER_PATTERN}`,
    patternErrorMessage: `Expected a duration like "500ms", "2s" or "1m", or ${PLACEHOLDER_HINT}.`,
  };
}

/** An expression: a non-blank string, or a number or boolean (read as written). */
function expressionValue(nullable: boolean): JsonSchema {
  return {
    type: nullable ? ['string', 'number', 'boolean', 'null'] : ['string', 'number', 'boolean'],
    pattern: NOT_BLANK,
    patternErrorMessage: 'The expression is empty.',
  };
}

/** Text as the validator reads it: numbers and true/false count, written as they are. */
function textValue(): JsonSchema {
  return { type: ['string', 'number', 'boolean'] };
}

// ---- shared definitions ----------------------------------------------------------------------

function sharedDefinitions(): Record<string, JsonSchema> {
  return {
    assertion: {
      title: 'assertion',
      ...describe(
        'An expression that must be true, or `{expression, message}` with the message shown when it is not.',
        EXPRESSION_HELP,
      ),
      anyOf: [
        expressionValue(false),
        {
          type: 'object',
          required: ['expression'],
          properties: {
            expression: {
              ...expressionValue(false),
              ...describe('The expression that must be true.', EXPRESSION_HELP),
            },
            message: { ...textValue(), ...describe('Shown instead of the generic message when the assertion fails.') },
          },
          additionalProperties: false,
        },
      ],
    },
    retry: retrySchema(),
    onError: {
      title: 'on_error',
      ...describe(STEP_KEYS.on_error.description),
      anyOf: [
        {
          enum: ['fail', 'continue'],
          markdownEnumDescriptions: ['The flow fails (default).', 'Report the failure and go on with the next step.'],
        },
        {
          type: 'object',
          required: ['action'],
          properties: {
            action: {
              ...describe('`continue` or `fail` (the form TestMesh itself reads).'),
              enum: ['fail', 'continue'],
            },
          },
          additionalProperties: false,
        },
      ],
    },
    branch: {
      title: 'parallel branch',
      ...describe(
        "A branch of a `parallel` step: `{steps: [...]}`, or one step written in place (as TestMesh's generator writes them).",
      ),
      anyOf: [
        {
          type: 'object',
          required: ['steps'],
          properties: {
            steps: { type: 'array', items: ref('step'), ...describe('Steps of this branch, run one after the other.') },
          },
          additionalProperties: false,
        },
        ref('step'),
      ],
    },
  };
}

/** Validator rules of the retry keys (validate.ts `retry`), by key of RETRY_KEYS. */
function retryKeySchemas(): Record<string, JsonSchema> {
  return {
    max_attempts: { type: 'integer', minimum: 1 },
    delay: { ...durationValue(false), default: '1s' },
    backoff: { enum: ['fixed', 'exponential'], default: 'fixed' },
  };
}

function retrySchema(): JsonSchema {
  // RETRY_KEYS marks max_attempts required, but the validator only warns when it is missing (the
  // step then runs once), so the schema leaves it optional rather than flag a valid flow.
  return {
    title: 'retry',
    ...describe(STEP_KEYS.retry.description),
    type: 'object',
    properties: keyProperties(RETRY_KEYS, retryKeySchemas(), 'retry'),
    additionalProperties: false,
  };
}

// ---- flow and step ---------------------------------------------------------------------------

/** Validator rules of the flow keys (validate.ts `buildFlowMap`), by key of FLOW_KEYS. */
function flowKeySchemas(): Record<string, JsonSchema> {
  return {
    name: {
      type: ['string', 'number', 'boolean'],
      pattern: NOT_BLANK,
      patternErrorMessage: "The flow's name is empty.",
    },
    description: { type: ['string', 'number', 'boolean', 'null'] },
    suite: { type: ['string', 'number', 'boolean', 'null'] },
    tags: { type: ['array', 'null'], items: textValue() },
    env: { type: ['object', 'null'] },
    env_file: textValue(),
    setup: { type: ['array', 'null'], items: ref('step') },
    steps: { type: 'array', minItems: 1, items: ref('step') },
    teardown: { type: ['array', 'null'], items: ref('step') },
  };
}

/** Validator rules of the step keys (validate.ts `stepFromMap`), by key of STEP_KEYS. */
function stepKeySchemas(): Record<string, JsonSchema> {
  return {
    id: {
      // A boolean reads as the text "true"/"false", which is a valid id.
      type: ['string', 'boolean'],
      pattern: STEP_ID_PATTERN,
      patternErrorMessage: "Use letters, digits, '_' and '-', starting with a letter or '_'.",
    },
    name: textValue(),
    action: {}, // filled in by stepSchema: the enum of actions
    config: { type: ['object', 'null'] },
    assert: { anyOf: [{ type: 'array', items: ref('assertion') }, ref('assertion'), { type: 'null' }] },
    output: {
      type: ['object', 'null'],
      propertyNames: { minLength: 1 },
      additionalProperties: {
        ...describe('Path into the step result: `$.body.id`, `$.status`, `$.headers.x-request-id`, `$.body.items[0]`.'),
        type: ['string', 'number', 'boolean'],
        pattern: NOT_BLANK,
        patternErrorMessage: 'The path is empty.',
      },
    },
    retry: ref('retry'),
    timeout: durationValue(false),
    when: expressionValue(false),
    on_error: ref('onError'),
  };
}

/** `properties` for a key table; throws when the table has a key this file has no rule for. */
function keyProperties(
  keys: Readonly<Record<string, KeySpec>>,
  rules: Record<string, JsonSchema>,
  what: string,
): Record<string, JsonSchema> {
  const properties: Record<string, JsonSchema> = {};
  for (const key of Object.keys(keys)) {
    if (!hasOwn(rules, key))
      throw new TestMeshError(
        `schema.ts has no JSON Schema rule for the ${what} key '${key}': add one next to the other ${what} keys`,
      );
    properties[key] = { ...rules[key], ...describe(keys[key].description) };
  }
  return properties;
}

function requiredKeys(keys: Readonly<Record<string, KeySpec>>): string[] {
  return Object.keys(keys).filter((key) => keys[key].required);
}

function flowSchema(): JsonSchema {
  return {
    title: 'flow',
    ...describe('A TestMesh flow: a name and the steps to run, with optional setup and teardown steps.'),
    type: 'object',
    required: requiredKeys(FLOW_KEYS),
    properties: keyProperties(FLOW_KEYS, flowKeySchemas(), 'flow'),
    additionalProperties: false,
  };
}

function stepSchema(): JsonSchema {
  const actions = Object.keys(ACTION_SPECS);
  const properties = keyProperties(STEP_KEYS, stepKeySchemas(), 'step');
  properties.action = {
    ...properties.action,
    type: 'string',
    enum: actions,
    markdownEnumDescriptions: actions.map((action) => ACTION_SPECS[action].description),
    enumDescriptions: actions.map((action) => ACTION_SPECS[action].description.replace(/`/g, '')),
  };
  return {
    title: 'step',
    ...describe(
      'A step: an `action` with its `config`, and optional assertions, outputs, retry, timeout, condition and error handling.',
    ),
    type: 'object',
    required: requiredKeys(STEP_KEYS),
    properties,
    additionalProperties: false,
    // One `if action == X then config is X's config` per action: the YAML extension follows
    // these for completion and hover inside `config`.
    allOf: actions.map((action) => {
      const then: JsonSchema = { properties: { config: ref(`config.${action}`) } };
      if (configRequired(action)) then.required = ['config'];
      return { if: { properties: { action: { const: action } }, required: ['action'] }, then };
    }),
  };
}

// ---- action config -------------------------------------------------------------------------

/** An action with a required config key needs a `config` mapping at all. */
function configRequired(action: string): boolean {
  return Object.values(ACTION_SPECS[action].config).some((spec) => spec.required);
}

function configSchema(action: string): JsonSchema {
  const spec = ACTION_SPECS[action];
  const properties: Record<string, JsonSchema> = {};
  for (const [key, keySpec] of Object.entries(spec.config)) properties[key] = configKeySchema(action, key, keySpec);
  const required = Object.keys(spec.config).filter((key) => spec.config[key].required);
  const schema: JsonSchema = {
    title: `${action} config`,
    ...describe(`Settings of \`${action}\`: ${spec.description}`),
    type: required.length > 0 ? 'object' : ['object', 'null'],
    properties,
    additionalProperties: false,
  };
  if (required.length > 0) schema.required = required;
  return schema;
}

/**
 * One config key, following validate.ts `checkConfigValue`: a placeholder string stands for any
 * typed value, and `key:` with nothing is "not set" (allowed unless the key is required).
 * Nested step lists are structure, not values: no placeholder there.
 */
function configKeySchema(action: string, key: string, spec: ConfigKeySpec): JsonSchema {
  const optional = !spec.required;
  const notes: string[] = [];
  if (spec.default !== undefined)
    notes.push(`Default: \`${typeof spec.default === 'string' ? spec.default : JSON.stringify(spec.default)}\`.`);
  if (spec.type === 'expression' || spec.listOf === 'expression' || spec.orExpression) notes.push(EXPRESSION_HELP);
  const doc: JsonSchema = { ...describe(spec.description, notes.join('\n\n') || undefined) };
  if (spec.default !== undefined) doc.default = spec.default;
  const withTypes = (types: JsonType[], rest: JsonSchema = {}): JsonSchema => {
    const all = optional ? [...types, 'null' as const] : types;
    return { ...doc, type: all.length === 1 ? all[0] : all, ...rest };
  };
  // Non-string values and placeholder strings: one schema, since `pattern` only looks at strings.
  const orPlaceholder = (types: JsonType[], rest: JsonSchema = {}): JsonSchema =>
    withTypes([...types, 'string'], {
      ...rest,
      pattern: PLACEHOLDER_PATTERN,
      patternErrorMessage: `Expected ${typeWords(types)}, or ${PLACEHOLDER_HINT}.`,
    });

  if (spec.nested === 'steps') return withTypes(['array'], { items: ref('step') });
  if (spec.nested === 'branches') return withTypes(['array'], { items: ref('branch') });
  switch (spec.type) {
    case 'string':
      return withTypes(['string']);
    case 'number': {
      const rest: JsonSchema = spec.min !== undefined ? { minimum: spec.min } : {};
      return orPlaceholder([spec.integer ? 'integer' : 'number'], rest);
    }
    case 'boolean':
      return orPlaceholder(['boolean']);
    case 'map':
      return orPlaceholder(['object']);
    case 'list':
      if (spec.orExpression) {
        // Any string is read as an expression (or a placeholder) that yields the list.
        return withTypes(['array', 'string'], {
          pattern: NOT_BLANK,
          patternErrorMessage: 'Expected a list, or an expression that yields one.',
        });
      }
      return orPlaceholder(['array'], spec.listOf === 'expression' ? { items: configAssertionSchema() } : {});
    case 'duration':
      return { ...durationValue(optional), ...doc };
    case 'expression':
      return { ...expressionValue(optional), ...doc };
    case 'enum': {
      // A pattern rather than `enum` + `anyOf` with the placeholder: under `anyOf` the YAML
      // extension's hover repeats itself. Completion comes from `defaultSnippets`.
      const values = spec.values ?? [];
      const listed = values.map((v) => `\`${v}\``).join(', ');
      return withTypes(['string'], {
        ...describe(spec.description, [...notes, `One of ${listed}.`].join('\n\n')),
        pattern: `^(?:${values.map(escapeRegExp).join('|')})$|${PLACEHOLDER_PATTERN}`,
        patternErrorMessage: `Expected one of ${values.map((v) => `'${v}'`).join(', ')}, or ${PLACEHOLDER_HINT}.`,
        defaultSnippets: values.map((v) => ({ label: v, body: v })),
      });
    }
    case 'any':
      // A required key needs some value: `key:` with nothing counts as missing.
      return optional ? doc : { ...doc, type: ['string', 'number', 'boolean', 'object', 'array'] };
    case 'steps':
      return withTypes(['array'], { items: ref('step') });
    default:
      throw new TestMeshError(
        `schema.ts does not know the config type '${String((spec as ConfigKeySpec).type)}' of ${action}.${key}`,
      );
  }
}

/** An entry of the assert action's `assertions`: read like a step's `assert`, extra keys ignored. */
function configAssertionSchema(): JsonSchema {
  return {
    ...describe('An expression, or `{expression, message}`.'),
    anyOf: [
      expressionValue(false),
      {
        type: 'object',
        required: ['expression'],
        properties: {
          expression: { ...expressionValue(false), ...describe('The expression that must be true.', EXPRESSION_HELP) },
        },
      },
    ],
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function typeWords(types: JsonType[]): string {
  const words: Record<JsonType, string> = {
    string: 'text',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
    object: 'a mapping',
    array: 'a list',
    null: 'nothing',
  };
  return types.map((t) => words[t]).join(' or ');
}

// ---- the whole schema ----------------------------------------------------------------------

/** The JSON Schema of a flow file. A pure function of ACTION_SPECS and the key tables. */
export function buildFlowSchema(): JsonSchema {
  const definitions: Record<string, JsonSchema> = {
    flow: flowSchema(),
    step: stepSchema(),
    ...sharedDefinitions(),
  };
  for (const action of Object.keys(ACTION_SPECS)) definitions[`config.${action}`] = configSchema(action);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'TestMesh flow',
    ...describe(
      'A TestMesh flow file: `flow:` with `name` and `steps` (a file with `name` and `steps` at the top is read as a flow too).',
    ),
    type: 'object',
    // Offered in completion in both forms; `then` and `else` below decide which form a file has.
    properties: {
      flow: {
        ...ref('flow'),
        ...describe('The flow: `name`, `steps` and optional `setup`, `teardown`, `env`, `tags`.'),
      },
    },
    if: { required: ['flow'] },
    then: { properties: { flow: {} }, additionalProperties: false },
    else: ref('flow'),
    definitions,
  };
}

/** The text of schemas/flow.schema.json: two-space JSON with a final newline. */
export function renderFlowSchema(): string {
  return `${JSON.stringify(buildFlowSchema(), null, 2)}\n`;
}
