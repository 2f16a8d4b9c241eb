/**
 * Flows -> a Postman collection v2.1: a folder per flow (its `env` as folder variables), a
 * request per `http_request` step (its id kept as the item id), assertions and outputs as test
 * script lines Postman runs (`pm.response.to.have.status(200)`, `pm.expect(jsonData.x).to.eql(…)`,
 * `pm.environment.set(…)`), and what Postman cannot say as `// TestMesh assertion:` lines that
 * `testmesh import` reads back. `${NAME}` placeholders become Postman's `{{NAME}}`.
 */
import type { FlowDef, StepDef } from '../flow/types';
import { ASSERTION_MARKER, OUTPUT_MARKER } from '../import/postmanScripts';

export const POSTMAN_SCHEMA_V21 = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

export interface PostmanExport {
  collection: Record<string, unknown>;
  /** Steps that are not http_request, `flow: step (action)`. */
  skipped: string[];
}

/** `${NAME}` -> `{{NAME}}` in every string of a value. */
function postmanVars(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(/\$\{([^{}]*)\}/g, (_, name: string) => `{{${name.trim()}}}`);
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => postmanVars(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, postmanVars(v, depth + 1)]));
}

/** `body.items[0].id` -> `.items[0].id` when the expression is a plain member path under `body`. */
function bodyPath(expr: string): string | undefined {
  const m = /^body((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\]|\['[^'\\]*'\])*)$/.exec(expr.trim());
  return m ? m[1].replace(/\['([^'\\]*)'\]/g, (_, k: string) => `[${JSON.stringify(k)}]`) : undefined;
}

/** An expression literal as JavaScript, or undefined. */
function jsLiteral(text: string): string | undefined {
  const t = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(t) || t === 'true' || t === 'false') return t;
  if (t === 'nil' || t === 'null') return 'null';
  if (/^"(?:[^"\\]|\\.)*"$/.test(t)) return t;
  const single = /^'((?:[^'\\]|\\.)*)'$/.exec(t);
  return single ? JSON.stringify(single[1].replace(/\\'/g, "'")) : undefined;
}

/** One assertion as a Postman script line; the marker line when Postman cannot say it. */
function assertionLine(expr: string): { line: string; usesJson: boolean } {
  const status = /^status\s*==\s*(\d{3})$/.exec(expr.trim());
  if (status) return { line: `pm.response.to.have.status(${status[1]});`, usesJson: false };
  const m = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(expr.trim());
  if (m) {
    const path = bodyPath(m[1]);
    const value = jsLiteral(m[3]);
    if (path !== undefined && value !== undefined && !/\{\{|\$\{/.test(value)) {
      if (value === 'null')
        return { line: `pm.expect(jsonData${path}).to.${m[2] === '==' ? 'not.exist' : 'exist'};`, usesJson: true };
      return { line: `pm.expect(jsonData${path}).to.${m[2] === '==' ? '' : 'not.'}eql(${value});`, usesJson: true };
    }
  }
  return { line: `${ASSERTION_MARKER} ${expr}`, usesJson: false };
}

function testScript(step: StepDef): string[] {
  const lines: string[] = [];
  let usesJson = false;
  for (const a of step.assert) {
    const translated = assertionLine(a.expression);
    usesJson ||= translated.usesJson;
    lines.push(translated.line);
  }
  for (const [name, path] of Object.entries(step.output)) {
    const m = /^\$\.body((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*)$/.exec(path);
    if (m && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      lines.push(`pm.environment.set(${JSON.stringify(name)}, jsonData${m[1]});`);
      usesJson = true;
    } else lines.push(`${OUTPUT_MARKER} ${name} = ${path}`);
  }
  if (usesJson) lines.unshift('var jsonData = pm.response.json();');
  return lines;
}

function requestItem(step: StepDef): Record<string, unknown> {
  const config = postmanVars(step.config) as Record<string, unknown>;
  let url = typeof config.url === 'string' ? config.url : '';
  if (config.query && typeof config.query === 'object' && !Array.isArray(config.query)) {
    const query = Object.entries(config.query as Record<string, unknown>)
      .map(([k, v]) => `${encodeURIComponent(k)}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join('&');
    if (query) url += `${url.includes('?') ? '&' : '?'}${query}`;
  }
  const headers =
    config.headers && typeof config.headers === 'object' && !Array.isArray(config.headers)
      ? Object.entries(config.headers as Record<string, unknown>).map(([key, value]) => ({
          key,
          value: typeof value === 'string' ? value : JSON.stringify(value),
        }))
      : [];
  const request: Record<string, unknown> = {
    method: typeof config.method === 'string' ? config.method.toUpperCase() : 'GET',
    header: headers,
    url,
  };
  if (config.body !== undefined && config.body !== null) {
    request.body =
      typeof config.body === 'string'
        ? { mode: 'raw', raw: config.body }
        : { mode: 'raw', raw: JSON.stringify(config.body, null, 2), options: { raw: { language: 'json' } } };
  }
  const item: Record<string, unknown> = { id: step.id, name: step.name, request };
  const exec = testScript(step);
  if (exec.length) item.event = [{ listen: 'test', script: { type: 'text/javascript', exec } }];
  return item;
}

export function flowsToPostman(flows: readonly FlowDef[], title?: string): PostmanExport {
  const skipped: string[] = [];
  const suites = [...new Set(flows.map((f) => f.suite).filter((s): s is string => !!s))];
  const name = title ?? (flows.length === 1 ? flows[0].name : suites.length === 1 ? suites[0] : 'TestMesh flows');
  const item = flows.map((flow) => {
    const requests: Record<string, unknown>[] = [];
    for (const step of [...flow.setup, ...flow.steps, ...flow.teardown]) {
      if (step.action === 'http_request') requests.push(requestItem(step));
      else skipped.push(`${flow.name}: ${step.id} (${step.action})`);
    }
    const folder: Record<string, unknown> = { name: flow.name, item: requests };
    if (flow.description) folder.description = flow.description;
    const variables = Object.entries(flow.env).map(([key, value]) => ({
      key,
      value: typeof value === 'string' ? postmanVars(value) : JSON.stringify(value),
    }));
    if (variables.length) folder.variable = variables;
    return folder;
  });
  return {
    collection: { info: { name, schema: POSTMAN_SCHEMA_V21 }, item },
    skipped,
  };
}
