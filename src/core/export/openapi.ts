/**
 * Flows -> an OpenAPI 3.1 document derived from their `http_request` steps: a path per URL (a
 * placeholder in a segment becomes a path parameter), an operation per method (the step id as
 * operationId, the flow as tag), query and header parameters, request bodies with a schema
 * inferred from the body, responses from the status assertions (with the properties that
 * `body.x != nil` checks and `$.body.x` outputs name), servers from the URL bases and security
 * schemes from the credential headers. `testmesh import --from openapi` reads it back into flows.
 * Literal values under secret-looking names are masked; placeholders stay as written.
 */
import { allSteps, type FlowDef, type StepDef } from '../flow/types';
import { UniqueNames } from '../import/naming';
import { isPlaceholder, isSecretHeader } from '../import/secretValues';
import { looksSecret, SECRET_MASK } from '../secrets';

export const OPENAPI_VERSION = '3.1.0';

export interface OpenApiExport {
  document: Record<string, unknown>;
  /** Steps that are not http_request, `flow: step (action)`. */
  skipped: string[];
  /** Steps that call an operation an earlier step already described, `flow: step (METHOD /path)`. */
  merged: string[];
}

type Json = Record<string, unknown>;

/** Headers the document says through other fields (content, security) rather than as parameters. */
const IMPLIED_HEADERS = new Set(['content-type', 'accept', 'authorization', 'cookie', 'content-length', 'host']);
const PLACEHOLDER = /^(?:\$\{([^{}]+)\}|\{\{([^{}]+)\}\})/;
const WHOLE_PLACEHOLDER = /^(?:\$\{([^{}]+)\}|\{\{([^{}]+)\}\})$/;

/** A URL split into its base (a placeholder or an origin), its path and its query string. */
export function splitUrl(url: string): { base?: string; baseVariable?: string; path: string; query: string } {
  let rest = url.trim();
  let base: string | undefined;
  let baseVariable: string | undefined;
  const leading = PLACEHOLDER.exec(rest);
  if (leading) {
    baseVariable = (leading[1] ?? leading[2]).trim();
    base = leading[0];
    rest = rest.slice(leading[0].length);
  } else {
    const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
    if (origin) {
      base = origin[0];
      rest = rest.slice(origin[0].length);
    }
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const query = q >= 0 ? rest.slice(q + 1) : '';
  const path = q >= 0 ? rest.slice(0, q) : rest;
  return { base, baseVariable, path: path.startsWith('/') ? path : `/${path}`, query };
}

/** A parameter name from a placeholder name: `create_user.id` -> `id`. */
function parameterName(placeholder: string): string {
  const last = placeholder.split('.').pop() ?? placeholder;
  const name = last.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+|_+$/g, '');
  return name || 'param';
}

/** The templated path and its path parameters: each placeholder in a segment becomes `{name}`. */
export function templatePath(path: string): { template: string; parameters: string[] } {
  const parameters: string[] = [];
  const segments = path.split('/').map((segment) =>
    segment.replace(/\$\{([^{}]+)\}|\{\{([^{}]+)\}\}/g, (_whole, a: string | undefined, b: string | undefined) => {
      let name = parameterName((a ?? b ?? '').trim());
      for (let n = 2; parameters.includes(name); n++) name = `${parameterName((a ?? b ?? '').trim())}_${n}`;
      parameters.push(name);
      return `\u0000${name}\u0001`;
    }),
  );
  // Literal braces cannot appear in an OpenAPI path; placeholders become `{name}` only after escaping them.
  const template = segments
    .join('/')
    .replace(/[{}]/g, (c) => encodeURIComponent(c))
    .replace(/\u0000/g, '{')
    .replace(/\u0001/g, '}');
  return { template: template.replace(/\/{2,}/g, '/') || '/', parameters };
}

/** A JSON schema for an example value; placeholders say nothing about their type. */
function schemaOf(value: unknown, depth = 0): Json {
  if (depth > 16) return {};
  if (typeof value === 'string') return WHOLE_PLACEHOLDER.test(value) ? {} : { type: 'string' };
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'integer' : 'number' };
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (value === null) return { type: 'null' };
  if (Array.isArray(value)) return { type: 'array', items: value.length ? schemaOf(value[0], depth + 1) : {} };
  if (typeof value === 'object') {
    const properties: Json = {};
    for (const [key, v] of Object.entries(value)) properties[key] = schemaOf(v, depth + 1);
    return { type: 'object', properties };
  }
  return {};
}

/** A value with literal secrets masked: under secret-looking keys, and whole values given as secrets. */
function masked(value: unknown, depth = 0, key = ''): unknown {
  if (typeof value === 'string') return key && looksSecret(key) && !isPlaceholder(value) ? SECRET_MASK : value;
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => masked(v, depth + 1, key));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v, depth + 1, k)]));
}

/** A literal scalar as an example (numbers and booleans keep their type); undefined for placeholders. */
function exampleText(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'string' || isPlaceholder(value)) return undefined;
  return value;
}

/** The status codes a step's assertions expect, as response keys (`201`, `2XX`). */
export function expectedStatuses(step: StepDef): string[] {
  const out = new Set<string>();
  for (const { expression } of step.assert) {
    for (const m of expression.matchAll(/\bstatus\s*==\s*(\d{3})\b/g)) out.add(m[1]);
    const list = /\bstatus\s+in\s*\[([\d\s,]+)\]/.exec(expression);
    if (list) for (const code of list[1].split(',')) if (/^\s*\d{3}\s*$/.test(code)) out.add(code.trim());
    if (/\bstatus\s*>=\s*200\s*&&\s*status\s*<\s*300\b/.test(expression)) out.add('2XX');
  }
  return [...out];
}

/** Response body properties the step relies on: `body.x != nil` checks (required) and `$.body.x` outputs. */
function responseSchema(step: StepDef): Json | undefined {
  const required = new Set<string>();
  const properties: Json = {};
  for (const { expression } of step.assert) {
    const m = /^\s*body\.([A-Za-z_][A-Za-z0-9_]*)\s*!=\s*nil\s*$/.exec(expression);
    if (m) required.add(m[1]);
  }
  for (const path of Object.values(step.output)) {
    const m = /^\$\.body\.([A-Za-z_][A-Za-z0-9_]*)/.exec(path);
    if (m) properties[m[1]] = {};
  }
  for (const name of required) properties[name] ??= {};
  if (!Object.keys(properties).length) return undefined;
  const schema: Json = { type: 'object', properties };
  if (required.size) schema.required = [...required];
  return schema;
}

class Document {
  readonly paths: Record<string, Json> = {};
  readonly servers: Json[] = [];
  readonly securitySchemes: Json = {};
  readonly tags: Json[] = [];
  private readonly operationIds = new UniqueNames();
  /** Path templates by shape (`/users/{}`): paths that differ only in parameter names are one path. */
  private readonly shapes = new Map<string, string>();

  /** The path to use for a template: an earlier one of the same shape, else this one. */
  path(template: string): string {
    const shape = template.replace(/\{[^{}]*\}/g, '{}');
    const known = this.shapes.get(shape);
    if (known) return known;
    this.shapes.set(shape, template);
    return template;
  }

  /** The server of a URL base, added once; its index. */
  server(base: string | undefined, variable: string | undefined, flows: readonly FlowDef[]): number | undefined {
    if (!base) return undefined;
    let server: Json;
    if (variable) {
      const name = variable.replace(/[^A-Za-z0-9_]/g, '_');
      const given = flows.map((f) => f.env[variable]).find((v) => typeof v === 'string' && /^https?:\/\//.test(v));
      const fallback = typeof given === 'string' && !isPlaceholder(given) ? given : 'http://localhost';
      server = {
        url: `{${name}}`,
        description: `\${${variable}} in the flows`,
        variables: { [name]: { default: fallback.replace(/\/$/, '') } },
      };
    } else server = { url: base };
    const at = this.servers.findIndex((s) => s.url === server.url);
    if (at >= 0) return at;
    this.servers.push(server);
    return this.servers.length - 1;
  }

  operationId(stepId: string): string {
    return this.operationIds.take(stepId);
  }

  tag(flow: FlowDef): string {
    if (!this.tags.some((t) => t.name === flow.name))
      this.tags.push(flow.description ? { name: flow.name, description: flow.description } : { name: flow.name });
    return flow.name;
  }

  /** The security scheme of a credential header or query parameter; its name. */
  security(where: 'header' | 'query', name: string, value: string): string {
    const lower = name.toLowerCase();
    let key: string;
    let scheme: Json;
    if (where === 'header' && lower === 'authorization' && /^bearer\s/i.test(value)) {
      key = 'bearerAuth';
      scheme = { type: 'http', scheme: 'bearer' };
    } else if (where === 'header' && lower === 'authorization' && /^basic\s/i.test(value)) {
      key = 'basicAuth';
      scheme = { type: 'http', scheme: 'basic' };
    } else {
      key = `${name.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;
      key = key.charAt(0).toLowerCase() + key.slice(1) || 'apiKey';
      scheme = { type: 'apiKey', in: where, name };
    }
    this.securitySchemes[key] ??= scheme;
    return key;
  }
}

function operationOf(
  doc: Document,
  flow: FlowDef,
  step: StepDef,
  flows: readonly FlowDef[],
): { path: string; method: string; operation: Json } {
  const config = step.config;
  const method = (typeof config.method === 'string' ? config.method : 'GET').toLowerCase();
  const url = splitUrl(typeof config.url === 'string' ? config.url : '/');
  // An earlier path of the same shape is reused, with its parameter names.
  const template = doc.path(templatePath(url.path).template);
  const pathNames = [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
  const serverIndex = doc.server(url.base, url.baseVariable, flows);
  const parameters: Json[] = pathNames.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const security: Array<Record<string, string[]>> = [];
  const query: Array<[string, unknown]> = [];
  for (const pair of url.query.split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    const name = eq >= 0 ? pair.slice(0, eq) : pair;
    const value = eq >= 0 ? pair.slice(eq + 1) : '';
    let decoded = value;
    try {
      decoded = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      // Not percent-encoded text: keep it as written.
    }
    query.push([name, decoded]);
  }
  if (config.query && typeof config.query === 'object' && !Array.isArray(config.query))
    for (const [name, value] of Object.entries(config.query as Json)) query.push([name, value]);
  for (const [name, value] of query) {
    if (parameters.some((p) => p.in === 'query' && p.name === name)) continue;
    if (looksSecret(name) || /(^|[-_])key$/i.test(name)) {
      security.push({ [doc.security('query', name, String(value))]: [] });
      continue;
    }
    const example = exampleText(Array.isArray(value) ? value[0] : value);
    const parameter: Json = {
      name,
      in: 'query',
      schema: example === undefined ? { type: 'string' } : schemaOf(example),
    };
    if (example !== undefined) parameter.example = example;
    parameters.push(parameter);
  }
  let contentType: string | undefined;
  if (config.headers && typeof config.headers === 'object' && !Array.isArray(config.headers))
    for (const [name, raw] of Object.entries(config.headers as Json)) {
      const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
      const lower = name.toLowerCase();
      if (lower === 'content-type') contentType = value;
      if (lower === 'authorization' || (isSecretHeader(name) && !IMPLIED_HEADERS.has(lower))) {
        security.push({ [doc.security('header', name, value)]: [] });
        continue;
      }
      if (IMPLIED_HEADERS.has(lower) || parameters.some((p) => p.in === 'header' && p.name === name)) continue;
      const example = exampleText(value);
      const parameter: Json = { name, in: 'header', schema: { type: 'string' } };
      if (example !== undefined) parameter.example = example;
      parameters.push(parameter);
    }
  const operation: Json = { operationId: doc.operationId(step.id), summary: step.name, tags: [doc.tag(flow)] };
  if (parameters.length) operation.parameters = parameters;
  if (config.body !== undefined && config.body !== null) {
    const body = masked(config.body);
    const type =
      contentType && !isPlaceholder(contentType)
        ? contentType.split(';')[0].trim()
        : typeof body === 'string'
          ? 'text/plain'
          : 'application/json';
    operation.requestBody = {
      required: true,
      content: { [type]: { schema: typeof body === 'string' ? { type: 'string' } : schemaOf(body), example: body } },
    };
  }
  const statuses = expectedStatuses(step);
  const schema = responseSchema(step);
  const responses: Json = {};
  for (const code of statuses.length ? statuses : ['default']) {
    const response: Json = { description: code === 'default' ? 'Any response' : `Expected by ${flow.name}` };
    if (schema && code !== 'default' && code.startsWith('2')) response.content = { 'application/json': { schema } };
    responses[code] = response;
  }
  operation.responses = responses;
  if (security.length) operation.security = [Object.assign({}, ...security)];
  if (serverIndex !== undefined && serverIndex > 0) operation.servers = [doc.servers[serverIndex]];
  return { path: template, method, operation };
}

/** The OpenAPI document of the flows' http_request steps. */
export function flowsToOpenApi(flows: readonly FlowDef[], title?: string): OpenApiExport {
  const doc = new Document();
  const skipped: string[] = [];
  const merged: string[] = [];
  for (const flow of flows) {
    for (const step of allSteps(flow)) {
      if (step.action !== 'http_request') {
        skipped.push(`${flow.name}: ${step.id} (${step.action})`);
        continue;
      }
      const { path, method, operation } = operationOf(doc, flow, step, flows);
      const item = (doc.paths[path] ??= {});
      const existing = item[method] as Json | undefined;
      if (existing) {
        // Another step calls the same operation: its expected statuses join the documented responses.
        Object.assign(existing.responses as Json, {
          ...(operation.responses as Json),
          ...(existing.responses as Json),
        });
        merged.push(`${flow.name}: ${step.id} (${method.toUpperCase()} ${path})`);
        continue;
      }
      item[method] = operation;
    }
  }
  const suites = [...new Set(flows.map((f) => f.suite).filter((s): s is string => !!s))];
  const name = title ?? (flows.length === 1 ? flows[0].name : suites.length === 1 ? suites[0] : 'TestMesh flows');
  const document: Json = {
    openapi: OPENAPI_VERSION,
    info: { title: name, version: '1.0.0', description: 'Derived from TestMesh flows by testmesh export.' },
  };
  if (doc.servers.length) document.servers = doc.servers;
  if (doc.tags.length) document.tags = doc.tags;
  document.paths = doc.paths;
  if (Object.keys(doc.securitySchemes).length) document.components = { securitySchemes: doc.securitySchemes };
  return { document, skipped, merged };
}
