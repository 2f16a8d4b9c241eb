/**
 * Postman collections (v2.0 and v2.1) -> flows. Requests directly in the collection make one
 * flow named after it; each folder makes a flow (nested folders land in sub-folders). Collection
 * and folder variables go to the flow's `env`, an environment file's to the `.env` file; secret-
 * looking variables are left empty there and never written in clear. Auth (bearer, basic, API key)
 * becomes headers, simple test scripts assertions and outputs (postmanScripts.ts); whatever is not
 * translated stays as a comment at its step and in the summary.
 */
import { looksSecret } from '../secrets';
import { isObject, parseDocumentText, stringOf } from './documentText';
import { hasHeader, setHeader } from './headers';
import { MAX_DEPTH, MAX_FLOWS, MAX_STEPS_PER_FLOW } from './limits';
import { ImportError, type ImportedFlow, type ImportedRequest, type ImportedStep, type ImportResult } from './model';
import { isPlainName, slug, stepIdFrom, UniqueNames } from './naming';
import { translateTestScript } from './postmanScripts';
import { protectBody, protectHeader, protectUrl, VariableSink } from './secretValues';

type Json = Record<string, unknown>;

/** Postman's dynamic variables that have a built-in of our own. */
const DYNAMIC: Record<string, string> = {
  $guid: 'UUID',
  $randomUUID: 'UUID',
  $timestamp: 'TIMESTAMP',
  $isoTimestamp: 'ISO_TIMESTAMP',
  $randomInt: 'RANDOM_ID',
};

interface Context {
  sink: VariableSink;
  notes: string[];
  /** Variable names as written -> the plain names the flows use. */
  renamed: Map<string, string>;
  /** Collection variables (name -> value), plain names. */
  collectionVars: Map<string, string>;
  /** Names the environment file sets (they win over collection variables, as in Postman). */
  environmentNames: Set<string>;
}

function descriptionOf(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value : isObject(value) ? stringOf(value.content) : undefined;
  return text?.trim() ? text.trim() : undefined;
}

function plainName(name: string, ctx: Context): string {
  if (isPlainName(name)) return name;
  let plain = ctx.renamed.get(name);
  if (!plain) {
    plain = slug(name, '_', 'var');
    if (!/^[a-z_]/.test(plain)) plain = `v_${plain}`;
    ctx.renamed.set(name, plain);
  }
  return plain;
}

/** A Postman string with its `{{vars}}` made ours: plain names, dynamic variables as built-ins. */
function text(value: unknown, ctx: Context, notes: string[]): string {
  const s = stringOf(value) ?? '';
  return s.replace(/\{\{([^{}]{1,200})\}\}/g, (whole, inner: string) => {
    const name = inner.trim();
    if (name.startsWith('$')) {
      const builtin = DYNAMIC[name];
      if (builtin) return `{{${builtin}}}`;
      notes.push(`dynamic variable {{${name}}} (replaced by {{RANDOM_ID}})`);
      return '{{RANDOM_ID}}';
    }
    return `{{${plainName(name, ctx)}}}`;
  });
}

/** Key/value lists of Postman (`[{key, value, disabled}]`), enabled entries only. */
function pairs(list: unknown): Array<[string, unknown]> {
  if (!Array.isArray(list)) return [];
  const out: Array<[string, unknown]> = [];
  for (const entry of list) {
    if (!isObject(entry) || entry.disabled === true || entry.enabled === false) continue;
    const key = stringOf(entry.key);
    if (key !== undefined && key !== '') out.push([key, entry.value]);
  }
  return out;
}

/** Auth parameters: v2.1 lists `[{key, value}]`, v2.0 an object. */
function authParams(auth: Json, type: string): Record<string, unknown> {
  const raw = auth[type];
  if (Array.isArray(raw)) return Object.fromEntries(pairs(raw));
  return isObject(raw) ? raw : {};
}

function urlOf(url: unknown, ctx: Context, notes: string[]): string {
  if (typeof url === 'string') return text(url, ctx, notes);
  if (!isObject(url)) return '';
  let raw = typeof url.raw === 'string' ? url.raw : '';
  if (!raw) {
    const host = Array.isArray(url.host) ? url.host.map(String).join('.') : (stringOf(url.host) ?? '');
    const path = Array.isArray(url.path)
      ? url.path.map((p) => (isObject(p) ? String(p.value ?? '') : String(p))).join('/')
      : (stringOf(url.path) ?? '');
    const protocol = stringOf(url.protocol);
    const query = pairs(url.query)
      .map(([k, v]) => `${k}=${stringOf(v) ?? ''}`)
      .join('&');
    raw = `${protocol ? `${protocol}://` : ''}${host}${path ? `/${path}` : ''}${query ? `?${query}` : ''}`;
  } else if (Array.isArray(url.query)) {
    // Disabled query parameters are in `raw` too: drop them.
    for (const entry of url.query)
      if (isObject(entry) && entry.disabled === true && typeof entry.key === 'string') {
        const value = stringOf(entry.value) ?? '';
        raw = raw.replace(
          new RegExp(`([?&])${escapeRegex(entry.key)}=${escapeRegex(value)}(&|$)`),
          (_, a: string, b: string) => (b ? a : ''),
        );
      }
  }
  // Path variables `:id`: their value, or a variable of the same name.
  for (const [key, value] of pairs(url.variable)) {
    const replacement = stringOf(value) ? String(value) : `{{${key}}}`;
    raw = raw.replace(new RegExp(`/:${escapeRegex(key)}(?=[/?#]|$)`), `/${replacement}`);
  }
  return text(raw, ctx, notes);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** JSON text that may hold unquoted placeholders (`{"id": {{id}}}`), parsed; the text itself when it is no JSON. */
function jsonBody(raw: string): unknown {
  const quoted = raw.replace(/(:\s*|\[\s*|,\s*)(\{\{[^{}"]+\}\})(?=\s*[,}\]])/g, '$1"$2"');
  try {
    return JSON.parse(quoted);
  } catch {
    return raw;
  }
}

function applyAuth(
  auth: Json | undefined,
  request: ImportedRequest,
  ctx: Context,
  notes: string[],
  where: string,
): void {
  if (!auth) return;
  const type = stringOf(auth.type) ?? '';
  if (type === 'noauth' || type === '') return;
  const params = authParams(auth, type);
  if (type === 'bearer') {
    const token = text(params.token, ctx, notes);
    if (!hasHeader(request.headers, 'authorization'))
      setHeader(request.headers, 'Authorization', protectHeader('Authorization', `Bearer ${token}`, ctx.sink, where));
    return;
  }
  if (type === 'basic') {
    const user = text(params.username, ctx, notes);
    const password = text(params.password, ctx, notes);
    if (/\{\{/.test(user + password)) {
      const name = ctx.sink.secret(
        'BASIC_AUTH',
        `${user}:${password}`,
        `base64 of ${user}:${password} (was basic auth in ${where})`,
      );
      setHeader(request.headers, 'Authorization', `Basic \${${name}}`);
    } else
      setHeader(
        request.headers,
        'Authorization',
        protectHeader(
          'Authorization',
          `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
          ctx.sink,
          where,
        ),
      );
    return;
  }
  if (type === 'apikey') {
    const key = text(params.key, ctx, notes) || 'X-API-Key';
    const value = text(params.value, ctx, notes);
    if (stringOf(params.in) === 'query') {
      const url = request.url;
      request.url = protectUrl(
        `${url}${url.includes('?') ? '&' : '?'}${encodeURIComponent(key)}=${value}`,
        ctx.sink,
        where,
      );
    } else setHeader(request.headers, key, protectHeader(key, value, ctx.sink, where));
    return;
  }
  notes.push(`${type} auth`);
}

function scriptLines(events: unknown, listen: string): string[] {
  if (!Array.isArray(events)) return [];
  const lines: string[] = [];
  for (const event of events) {
    if (!isObject(event) || event.listen !== listen || event.disabled === true || !isObject(event.script)) continue;
    const exec = event.script.exec;
    if (Array.isArray(exec)) lines.push(...exec.map((l) => String(l)));
    else if (typeof exec === 'string') lines.push(...exec.split(/\r?\n/));
  }
  return lines;
}

function stepOf(item: Json, ids: UniqueNames, inherited: Json | undefined, ctx: Context, where: string): ImportedStep {
  const notes: string[] = [];
  const request = typeof item.request === 'string' ? { url: item.request } : isObject(item.request) ? item.request : {};
  const method = (stringOf(request.method) ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  const headerList =
    typeof request.header === 'string'
      ? request.header
          .split(/\r?\n/)
          .map((line) => line.split(/:(.*)/s))
          .filter((p) => p[0].trim())
          .map(([k, v]) => ({ key: k.trim(), value: (v ?? '').trim() }))
      : request.header;
  for (const [key, value] of pairs(headerList))
    setHeader(headers, key, protectHeader(key, text(value, ctx, notes), ctx.sink, where));
  const out: ImportedRequest = { method, url: protectUrl(urlOf(request.url, ctx, notes), ctx.sink, where), headers };
  const body = isObject(request.body) ? request.body : undefined;
  if (body && body.disabled !== true) {
    const mode = stringOf(body.mode);
    if (mode === 'raw') {
      const raw = text(body.raw, ctx, notes);
      const language =
        isObject(body.options) && isObject(body.options.raw) ? stringOf(body.options.raw.language) : undefined;
      const type = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
      const isJson = language === 'json' || type.includes('json') || /^\s*[[{]/.test(raw);
      if (raw !== '') out.body = protectBody(isJson ? jsonBody(raw) : raw, ctx.sink, where);
      if (isJson && typeof out.body !== 'string' && !type) setHeader(headers, 'Content-Type', 'application/json');
    } else if (mode === 'urlencoded') {
      const fields = pairs(body.urlencoded).map(
        ([k, v]) =>
          `${encodeURIComponent(k)}=${text(v, ctx, notes).replace(/[^{}$A-Za-z0-9_.~-]/g, (c) => encodeURIComponent(c))}`,
      );
      out.body = protectBody(fields.join('&'), ctx.sink, where);
      if (!hasHeader(headers, 'content-type')) setHeader(headers, 'Content-Type', 'application/x-www-form-urlencoded');
    } else if (mode === 'graphql' && isObject(body.graphql)) {
      const variables = stringOf(body.graphql.variables);
      out.body = {
        query: text(body.graphql.query, ctx, notes),
        ...(variables ? { variables: jsonBody(text(variables, ctx, notes)) } : {}),
      };
      if (!hasHeader(headers, 'content-type')) setHeader(headers, 'Content-Type', 'application/json');
    } else if (mode) notes.push(`${mode} body (http_request sends JSON or text bodies)`);
  }
  const auth = isObject(request.auth) ? request.auth : inherited;
  applyAuth(auth, out, ctx, notes, where);
  const script = translateTestScript(scriptLines(item.event, 'test'));
  for (const line of script.untranslated) notes.push(`test script: ${line}`);
  const prerequest = scriptLines(item.event, 'prerequest').filter((l) => l.trim() && !l.trim().startsWith('//'));
  if (prerequest.length)
    notes.push(
      `pre-request script (${prerequest.length} line${prerequest.length === 1 ? '' : 's'}): ${prerequest[0].trim()}${prerequest.length > 1 ? ' …' : ''}`,
    );
  const name = stringOf(item.name)?.trim() || `${method} ${out.url}`;
  const givenId = stringOf(item.id);
  // Our own export writes readable step ids; Postman's own ids are UUIDs, which nobody types.
  const id = ids.take(givenId && /^[a-z][a-z0-9_]{0,59}$/.test(givenId) ? givenId : stepIdFrom(name));
  for (const note of notes) ctx.notes.push(`${where}: ${note}`);
  return {
    id,
    name,
    request: curlyPlaceholders(out) as ImportedRequest,
    assert: script.assert,
    output: script.output,
    notes,
  };
}

/** `${NAME}` (the secret placeholders) -> `{{NAME}}`: a flow from Postman writes its variables one way. */
function curlyPlaceholders(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, '{{$1}}');
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => curlyPlaceholders(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, curlyPlaceholders(v, depth + 1)]));
}

/** Names of the variables a flow's steps use. */
function usedNames(steps: readonly ImportedStep[]): Set<string> {
  const used = new Set<string>();
  for (const m of JSON.stringify(steps.map((s) => s.request)).matchAll(
    /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
  ))
    used.add(m[1] ?? m[2]);
  return used;
}

function variablesOf(list: unknown, ctx: Context): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of pairs(list)) out.set(plainName(key, ctx), text(value, ctx, []));
  return out;
}

export function importPostman(doc: unknown, environmentText?: string): ImportResult {
  if (!isObject(doc) || !isObject(doc.info) || !Array.isArray(doc.item))
    throw new ImportError('not a Postman collection: it needs "info" and "item"');
  const title = stringOf(doc.info.name)?.trim() || 'Postman collection';
  const ctx: Context = {
    sink: new VariableSink(),
    notes: [],
    renamed: new Map(),
    collectionVars: new Map(),
    environmentNames: new Set(),
  };
  ctx.collectionVars = variablesOf(doc.variable, ctx);
  if (environmentText !== undefined) {
    const env = parseDocumentText(environmentText, 'the environment file');
    if (!isObject(env) || !Array.isArray(env.values))
      throw new ImportError('the environment file is no Postman environment (no "values")');
    for (const entry of env.values) {
      if (!isObject(entry) || entry.enabled === false) continue;
      const key = stringOf(entry.key);
      if (!key) continue;
      const name = plainName(key, ctx);
      ctx.environmentNames.add(name);
      const value = stringOf(entry.value) ?? '';
      if (entry.type === 'secret' || looksSecret(name))
        ctx.sink.declareSecret(name, `from the Postman environment ${stringOf(env.name) ?? ''}`.trim());
      else
        ctx.sink.plain(name, text(value, ctx, []), `from the Postman environment ${stringOf(env.name) ?? ''}`.trim());
    }
  }
  const flows: ImportedFlow[] = [];
  const rootAuth = isObject(doc.auth) ? doc.auth : undefined;

  const makeFlow = (
    name: string,
    description: string | undefined,
    items: Json[],
    folderVars: Map<string, string>,
    auth: Json | undefined,
    folder: string | undefined,
    where: string,
  ) => {
    if (flows.length >= MAX_FLOWS) throw new ImportError(`more than ${MAX_FLOWS} folders; split the collection`);
    if (items.length > MAX_STEPS_PER_FLOW)
      throw new ImportError(`${where} has more than ${MAX_STEPS_PER_FLOW} requests`);
    const ids = new UniqueNames();
    const steps = items.map((item, i) =>
      stepOf(item, ids, auth, ctx, `${where} / ${stringOf(item.name) ?? `request ${i + 1}`}`),
    );
    const env: Record<string, string> = {};
    const used = usedNames(steps);
    const outputs = new Set(steps.flatMap((s) => Object.keys(s.output)));
    for (const vars of [ctx.collectionVars, folderVars])
      for (const [key, value] of vars) {
        if (!used.has(key) || ctx.environmentNames.has(key)) continue;
        if (looksSecret(key))
          ctx.sink.declareSecret(key, `a ${vars === folderVars ? 'folder' : 'collection'} variable of ${title}`);
        // A variable a step sets with its output needs no starting value here (outputs win anyway).
        else if (!(outputs.has(key) && value === '')) env[key] = value;
      }
    flows.push({
      name,
      description,
      suite: title,
      tags: ['imported', 'postman'],
      env,
      steps,
      fileStem: slug(name.split(' / ').pop() ?? name, '-', 'flow'),
      folder,
    });
  };

  const walk = (items: unknown[], path: string[], auth: Json | undefined, depth: number) => {
    if (depth > MAX_DEPTH) throw new ImportError(`folders nested deeper than ${MAX_DEPTH} levels`);
    const requests = items.filter((i): i is Json => isObject(i) && !Array.isArray(i.item));
    const folders = items.filter((i): i is Json => isObject(i) && Array.isArray(i.item));
    return { requests, folders, path, auth, depth };
  };

  // Requests directly in the collection: one flow named after it.
  const top = walk(doc.item, [], rootAuth, 0);
  if (top.requests.length)
    makeFlow(title, descriptionOf(doc.info.description), top.requests, new Map(), rootAuth, undefined, title);
  const queue: Array<{ folder: Json; path: string[]; auth: Json | undefined; depth: number }> = top.folders.map(
    (folder) => ({ folder, path: [], auth: rootAuth, depth: 1 }),
  );
  while (queue.length) {
    const { folder, path, auth: inheritedAuth, depth } = queue.shift()!;
    const name = stringOf(folder.name)?.trim() || 'Folder';
    const auth = isObject(folder.auth) ? folder.auth : inheritedAuth;
    const inner = walk(folder.item as unknown[], [...path, name], auth, depth);
    const flowName = [...path, name].join(' / ');
    if (inner.requests.length)
      makeFlow(
        flowName,
        descriptionOf(folder.description),
        inner.requests,
        variablesOf(folder.variable, ctx),
        auth,
        path.map((p) => slug(p, '-', 'folder')).join('/') || undefined,
        `${title} / ${flowName}`,
      );
    queue.push(...inner.folders.map((f) => ({ folder: f, path: [...path, name], auth, depth: depth + 1 })));
  }
  if (!flows.length) throw new ImportError(`the collection ${title} has no requests`);
  for (const [from, to] of ctx.renamed) ctx.notes.push(`variable {{${from}}} is called {{${to}}} in the flows`);
  return { format: 'postman', title, flows, variables: ctx.sink.list(), notTranslated: ctx.notes };
}
