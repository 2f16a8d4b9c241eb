/**
 * OpenAPI 3.0 / 3.1 and Swagger 2.0 documents (JSON or YAML, local `$ref`s) -> flows: one per tag
 * (per first path segment for untagged operations), a step per operation with example
 * parameters and bodies from the document's examples and schemas, a status assertion from the
 * documented responses and, unless switched off, assertions on the required properties of the
 * response schema. The server URL goes to `BASE_URL` in the `.env` file; security schemes become
 * headers with empty secret variables.
 */
import { isObject, stringOf } from './documentText';
import { MAX_FLOWS, MAX_STEPS_PER_FLOW } from './limits';
import { ImportError, type ImportedFlow, type ImportedRequest, type ImportedStep, type ImportResult } from './model';
import { exampleOf, givenExample } from './openapiExamples';
import { RefResolver } from './openapiRefs';
import { fileStemFrom, isPlainName, stepIdFrom, UniqueNames, variableNameFrom } from './naming';
import { protectBody, VariableSink } from './secretValues';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** Most required-property assertions per step. */
const MAX_SCHEMA_CHECKS = 10;

interface Operation {
  method: string;
  path: string;
  op: Json;
  pathItem: Json;
}

function baseUrlOf(doc: Json): { url: string; comment: string } {
  if (typeof doc.swagger === 'string') {
    const host = stringOf(doc.host);
    const scheme = Array.isArray(doc.schemes) && doc.schemes.length ? String(doc.schemes[0]) : 'https';
    const base = (stringOf(doc.basePath) ?? '').replace(/\/$/, '');
    return host
      ? { url: `${scheme}://${host}${base}`, comment: 'host and basePath of the document' }
      : { url: `http://localhost${base}`, comment: 'the document names no host: point this at the API' };
  }
  const server = Array.isArray(doc.servers) ? doc.servers.find(isObject) : undefined;
  let url = server ? (stringOf(server.url) ?? '') : '';
  if (server && isObject(server.variables))
    for (const [name, v] of Object.entries(server.variables))
      if (isObject(v)) url = url.split(`{${name}}`).join(stringOf(v.default) ?? '');
  url = url.replace(/\/$/, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return { url, comment: 'the first server of the document' };
  return { url: `http://localhost${url}`, comment: 'the document names no absolute server: point this at the API' };
}

/** Parameters of an operation: path-level ones overridden by the operation's (same name and `in`). */
function parametersOf(operation: Operation, refs: RefResolver): Json[] {
  const byKey = new Map<string, Json>();
  for (const list of [operation.pathItem.parameters, operation.op.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const p = refs.object(raw);
      if (p && typeof p.name === 'string' && typeof p.in === 'string') byKey.set(`${p.in}:${p.name}`, p);
    }
  }
  return [...byKey.values()];
}

function parameterExample(p: Json, refs: RefResolver): unknown {
  const given = givenExample(p, refs);
  if (given.found) return given.value;
  // Swagger 2.0 keeps the type on the parameter itself.
  return exampleOf(isObject(p.schema) ? p.schema : p, refs);
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(asText).join(',');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The media type to send and its object: JSON first, then form, then text. */
function pickMedia(content: Json): [string, Json] | undefined {
  const entries = Object.entries(content).filter((e): e is [string, Json] => isObject(e[1]));
  return (
    entries.find(([t]) => /^application\/(.+\+)?json/.test(t)) ??
    entries.find(([t]) => t === 'application/x-www-form-urlencoded') ??
    entries.find(([t]) => t.startsWith('text/')) ??
    entries[0]
  );
}

function formEncode(value: unknown): string {
  if (!isObject(value)) return asText(value);
  return Object.entries(value)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(asText(v))}`)
    .join('&');
}

/** The documented success: an assertion and the response schema (for the optional checks). */
function successOf(op: Json, refs: RefResolver, swagger: boolean): { assertion?: string; schema?: unknown } {
  if (!isObject(op.responses)) return {};
  const codes = Object.keys(op.responses);
  const exact = codes.filter((c) => /^2\d\d$/.test(c)).sort();
  const pick = exact[0] ?? codes.find((c) => /^2xx$/i.test(c));
  if (!pick) return {};
  const response = refs.object(op.responses[pick]);
  let schema: unknown;
  if (response) {
    if (swagger) schema = response.schema;
    else if (isObject(response.content)) {
      const json = Object.entries(response.content).find(([t]) => /^application\/(.+\+)?json/.test(t));
      if (json && isObject(json[1])) schema = json[1].schema;
    }
  }
  return { assertion: /^2xx$/i.test(pick) ? 'status >= 200 && status < 300' : `status == ${pick}`, schema };
}

function schemaChecks(schemaValue: unknown, refs: RefResolver): string[] {
  const schema = refs.object(schemaValue);
  if (!schema) return [];
  const required = new Set<string>();
  const collect = (s: Json | undefined, depth: number) => {
    if (!s || depth > 8) return;
    if (Array.isArray(s.required)) for (const r of s.required) if (typeof r === 'string') required.add(r);
    if (Array.isArray(s.allOf)) for (const part of s.allOf) collect(refs.object(part), depth + 1);
  };
  collect(schema, 0);
  return [...required]
    .filter(isPlainName)
    .slice(0, MAX_SCHEMA_CHECKS)
    .map((name) => `body.${name} != nil`);
}

/** Headers (or query parameters) of the first security requirement, with empty secret variables. */
function applySecurity(
  doc: Json,
  op: Json,
  request: ImportedRequest,
  sink: VariableSink,
  notes: string[],
  refs: RefResolver,
): void {
  const requirements = Array.isArray(op.security) ? op.security : Array.isArray(doc.security) ? doc.security : [];
  const first = requirements.find(isObject);
  if (!first) return;
  const schemes =
    isObject(doc.components) && isObject(doc.components.securitySchemes)
      ? doc.components.securitySchemes
      : isObject(doc.securityDefinitions)
        ? doc.securityDefinitions
        : {};
  for (const name of Object.keys(first)) {
    const scheme = refs.object(schemes[name]);
    if (!scheme) continue;
    const variable = variableNameFrom(name);
    const type = stringOf(scheme.type);
    const httpScheme = (stringOf(scheme.scheme) ?? '').toLowerCase();
    const declare = (comment: string) => sink.declareSecret(variable, comment);
    if ((type === 'http' && httpScheme === 'bearer') || type === 'oauth2' || type === 'openIdConnect') {
      request.headers.Authorization = `Bearer \${${variable}}`;
      declare(
        type === 'http'
          ? `bearer token for the ${name} scheme`
          : `access token of the ${name} ${type} scheme (get one first)`,
      );
    } else if ((type === 'http' && httpScheme === 'basic') || type === 'basic') {
      request.headers.Authorization = `Basic \${${variable}}`;
      declare(`base64 of user:password for the ${name} scheme`);
    } else if (type === 'apiKey' && typeof scheme.name === 'string') {
      const where = stringOf(scheme.in);
      if (where === 'header') request.headers[scheme.name] = `\${${variable}}`;
      else if (where === 'query') request.query = { ...(request.query ?? {}), [scheme.name]: `\${${variable}}` };
      else if (where === 'cookie') request.headers.Cookie = `${scheme.name}=\${${variable}}`;
      declare(`API key of the ${name} scheme`);
    } else notes.push(`security scheme ${name} (${type ?? 'unknown'})`);
    // One scheme of the requirement is enough for a readable step.
    return;
  }
}

function stepOf(
  doc: Json,
  operation: Operation,
  ids: UniqueNames,
  refs: RefResolver,
  sink: VariableSink,
  schemaChecksOn: boolean,
): ImportedStep {
  const { op, method, path } = operation;
  const swagger = typeof doc.swagger === 'string';
  const notes: string[] = [];
  let url = path;
  const headers: Record<string, string> = {};
  const query: Record<string, string> = {};
  const form: Record<string, unknown> = {};
  let body: unknown;
  let contentType: string | undefined;
  for (const p of parametersOf(operation, refs)) {
    const name = String(p.name);
    const where = String(p.in);
    if (where === 'body') {
      body = exampleOf(p.schema, refs);
      const given = givenExample(p, refs);
      if (given.found) body = given.value;
      contentType = 'application/json';
      continue;
    }
    const required = p.required === true || where === 'path';
    const given =
      givenExample(p, refs).found || (isObject(p.schema) && ('example' in p.schema || 'default' in p.schema));
    if (!required && !given) continue;
    const value = parameterExample(p, refs);
    if (where === 'path') url = url.split(`{${name}}`).join(encodeURIComponent(asText(value ?? name)));
    else if (where === 'query') query[name] = asText(value);
    else if (where === 'header' && !/^(accept|content-type|authorization)$/i.test(name)) headers[name] = asText(value);
    else if (where === 'cookie')
      headers.Cookie = `${headers.Cookie ? `${headers.Cookie}; ` : ''}${name}=${asText(value)}`;
    else if (where === 'formData') {
      if (p.type === 'file') notes.push(`file upload field '${name}'`);
      else form[name] = value;
    }
  }
  if (Object.keys(form).length) {
    body = formEncode(form);
    contentType = 'application/x-www-form-urlencoded';
  }
  const requestBody = refs.object(op.requestBody);
  if (requestBody && isObject(requestBody.content)) {
    const media = pickMedia(requestBody.content);
    if (media) {
      const [type, mediaObject] = media;
      const given = givenExample(mediaObject, refs);
      const example = given.found ? given.value : exampleOf(mediaObject.schema, refs);
      if (/json/.test(type)) body = example ?? {};
      else if (type === 'application/x-www-form-urlencoded') body = formEncode(example);
      else if (type.startsWith('text/')) body = asText(example);
      else notes.push(`${type} request body`);
      if (body !== undefined) contentType = type;
    }
  }
  if (contentType && body !== undefined) headers['Content-Type'] = contentType;
  const request: ImportedRequest = { method: method.toUpperCase(), url: `\${BASE_URL}${url}`, headers };
  if (Object.keys(query).length) request.query = query;
  const operationName = `${method.toUpperCase()} ${path}`;
  if (body !== undefined) request.body = protectBody(body, sink, operationName);
  applySecurity(doc, op, request, sink, notes, refs);
  const success = successOf(op, refs, swagger);
  const assert: string[] = [];
  // Without a documented success (only errors or `default`), any answer but an error passes.
  assert.push(success.assertion ?? 'status < 400');
  if (schemaChecksOn && success.schema) assert.push(...schemaChecks(success.schema, refs));
  const summary = stringOf(op.summary)?.trim();
  const operationId = stringOf(op.operationId);
  const id = ids.take(stepIdFrom(operationId ?? summary ?? operationName));
  return { id, name: summary || operationId || operationName, request, assert, output: {}, notes };
}

export function importOpenApi(docValue: unknown, options: { schemaChecks?: boolean } = {}): ImportResult {
  if (!isObject(docValue) || !isObject(docValue.paths))
    throw new ImportError('not an OpenAPI document: it has no "paths"');
  const doc = docValue;
  const version = stringOf(doc.openapi) ?? stringOf(doc.swagger) ?? '';
  if (!/^(2\.0|3\.[01])(\.\d+)?$/.test(version))
    throw new ImportError(`OpenAPI version ${JSON.stringify(version)} is not supported (2.0, 3.0 and 3.1 are)`);
  const refs = new RefResolver(doc);
  const title = (isObject(doc.info) && stringOf(doc.info.title)?.trim()) || 'OpenAPI';
  const sink = new VariableSink();
  const base = baseUrlOf(doc);
  sink.plain('BASE_URL', base.url, base.comment);
  const groups = new Map<string, Operation[]>();
  // Tags in the order the document lists them, then as they first appear.
  if (Array.isArray(doc.tags))
    for (const t of doc.tags) if (isObject(t) && typeof t.name === 'string') groups.set(t.name, []);
  for (const [path, rawItem] of Object.entries(doc.paths as Json)) {
    const pathItem = refs.object(rawItem);
    if (!pathItem) continue;
    for (const method of METHODS) {
      const op = refs.object(pathItem[method]);
      if (!op) continue;
      const tag =
        Array.isArray(op.tags) && typeof op.tags[0] === 'string'
          ? op.tags[0]
          : (path.split('/').filter(Boolean)[0] ?? 'root').replace(/[{}]/g, '');
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ method, path, op, pathItem });
    }
  }
  const tagDescriptions = new Map<string, string>();
  if (Array.isArray(doc.tags))
    for (const t of doc.tags)
      if (isObject(t) && typeof t.name === 'string' && typeof t.description === 'string')
        tagDescriptions.set(t.name, t.description);
  const flows: ImportedFlow[] = [];
  const notTranslated: string[] = [];
  for (const [tag, operations] of groups) {
    if (!operations.length) continue;
    if (flows.length >= MAX_FLOWS) throw new ImportError(`more than ${MAX_FLOWS} tags`);
    if (operations.length > MAX_STEPS_PER_FLOW)
      throw new ImportError(`tag ${tag} has more than ${MAX_STEPS_PER_FLOW} operations`);
    const ids = new UniqueNames();
    const steps = operations.map((o) => stepOf(doc, o, ids, refs, sink, options.schemaChecks !== false));
    for (const step of steps) for (const note of step.notes) notTranslated.push(`${tag} / ${step.name}: ${note}`);
    flows.push({
      name: `${title}: ${tag}`,
      description: tagDescriptions.get(tag),
      suite: title,
      tags: ['imported', 'openapi'],
      env: {},
      steps,
      fileStem: fileStemFrom(tag),
    });
  }
  if (!flows.length) throw new ImportError(`${title} has no operations`);
  for (const ref of refs.unresolved)
    notTranslated.push(`$ref ${ref} (only references inside the document are followed)`);
  return { format: 'openapi', title, flows, variables: sink.list(), notTranslated };
}
