/**
 * Writes imported flows as YAML a person would have written: `id`, `name`, `action`, `config`
 * (method, url, headers, query, body), `assert`, `output`, in that order; a blank line between
 * steps; what was not translated as a comment above its step. Also plans the file names (unique,
 * readable, inside the output folder) and the `.env` file of the variables.
 */
import { Document, isMap, isSeq, type YAMLMap } from 'yaml';
import type { ImportedFlow, ImportedStep, ImportedVariable, ImportResult } from './model';
import { fileStemFrom, UniqueNames } from './naming';

/** A file to write, relative to the output folder (`/`-separated, never `..`). */
export interface PlannedFile {
  path: string;
  text: string;
  kind: 'flow' | 'environment';
  /** The flow's name, for flow files. */
  flowName?: string;
}

function stepObject(step: ImportedStep): Record<string, unknown> {
  const { request } = step;
  const config: Record<string, unknown> = { method: request.method, url: request.url };
  if (Object.keys(request.headers).length) config.headers = request.headers;
  if (request.query && Object.keys(request.query).length) config.query = request.query;
  if (request.body !== undefined) config.body = request.body;
  if (request.timeout) config.timeout = request.timeout;
  const out: Record<string, unknown> = { id: step.id, name: step.name, action: 'http_request', config };
  if (step.assert.length) out.assert = step.assert;
  if (Object.keys(step.output).length) out.output = step.output;
  return out;
}

/** Comment text: one `#` line per note line, never breaking out of the comment. */
function commentOf(notes: readonly string[]): string {
  return notes
    .flatMap((note) => note.split(/\r\n|\r|\n/))
    .map((line) => ` ${line.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ')}`)
    .join('\n');
}

/** The YAML text of one flow. */
export function renderFlow(flow: ImportedFlow, header: readonly string[] = []): string {
  const body: Record<string, unknown> = { name: flow.name };
  if (flow.description) body.description = flow.description;
  if (flow.suite) body.suite = flow.suite;
  if (flow.tags.length) body.tags = flow.tags;
  if (Object.keys(flow.env).length) body.env = flow.env;
  body.steps = flow.steps.map(stepObject);
  const doc = new Document({ flow: body });
  if (header.length) doc.commentBefore = commentOf(header);
  const steps = doc.getIn(['flow', 'steps'], true);
  if (isSeq(steps)) {
    steps.items.forEach((node, i) => {
      if (!isMap(node)) return;
      if (i > 0) (node as YAMLMap).spaceBefore = true;
      const notes = flow.steps[i].notes;
      if (notes.length) (node as YAMLMap).commentBefore = commentOf(['Not translated:', ...notes.map((n) => `  ${n}`)]);
    });
  }
  const flowNode = doc.get('flow', true);
  if (isMap(flowNode)) {
    const stepsPair = flowNode.items.find((p) => (p.key as { value?: unknown })?.value === 'steps');
    if (stepsPair && (stepsPair.key as { spaceBefore?: boolean }))
      (stepsPair.key as { spaceBefore?: boolean }).spaceBefore = true;
  }
  return doc.toString({ lineWidth: 0, indentSeq: true });
}

/** Text of a `.env` line value: quoted when it has spaces, quotes or `#`. */
function envValue(value: string): string {
  if (value === '' || /^[A-Za-z0-9_./:@%+,=-]+$/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/** The `.env` text of the variables: secrets left empty with a comment saying what goes there. */
function renderEnvironment(title: string, variables: readonly ImportedVariable[]): string {
  const lines = [`# Variables of ${title.replace(/[\r\n]/g, ' ')} (written by testmesh import).`];
  lines.push('# Secrets are left empty: fill them in here or pass them with --secret NAME=VALUE.');
  for (const v of variables) {
    if (v.comment) lines.push(`# ${v.name}: ${v.comment.replace(/[\r\n]/g, ' ')}${v.secret ? ' (secret)' : ''}`);
    lines.push(`${v.name}=${v.secret ? '' : envValue(v.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Folder path made of safe segments only. */
function safeFolder(folder: string | undefined): string {
  if (!folder) return '';
  return folder
    .split('/')
    .map((part) => fileStemFrom(part))
    .filter(Boolean)
    .join('/');
}

/** Every file an import writes, with unique readable names: `<stem>.flow.yaml` and `<title>.env`. */
export function planFiles(result: ImportResult, header: readonly string[] = []): PlannedFile[] {
  const taken = new UniqueNames();
  const files: PlannedFile[] = [];
  for (const flow of result.flows) {
    const folder = safeFolder(flow.folder);
    const stem = taken.takeStem(`${folder ? `${folder}/` : ''}${fileStemFrom(flow.fileStem)}`);
    files.push({ path: `${stem}.flow.yaml`, text: renderFlow(flow, header), kind: 'flow', flowName: flow.name });
  }
  if (result.variables.length)
    files.push({
      path: `${fileStemFrom(result.title)}.env`,
      text: renderEnvironment(result.title, result.variables),
      kind: 'environment',
    });
  return files;
}
