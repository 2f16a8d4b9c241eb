/**
 * Bulk operations on the workspace's flow files (TestMesh's `/api/v1/bulk/flows/*`): add and
 * remove tags, move to a folder, duplicate, delete, find-and-replace. Every operation is planned
 * first (each flow's text before and after, nothing written), so a preview answers with exactly
 * what applying would do. Files are read and written only through workspaceFlows.ts, the same path
 * policy as the flow routes. The last applied operation of a workspace can be undone once, and
 * only where no file changed since. A move rewrites the run_flow paths that lead to or from the
 * moved files (runFlowReferences.ts).
 */
import { realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import { errorMessage, TestMeshError } from './errors';
import { setFlowField, setFlowTags, readKey } from './flowTextEdits';
import { rewriteForMoves } from './runFlowReferences';
import {
  deleteWorkspaceFlow,
  FlowFileError,
  isNewFlowName,
  listWorkspaceFlows,
  readWorkspaceFlow,
  workspaceFlowTexts,
  resolveFlowPath,
  writeWorkspaceFlow,
} from './workspaceFlows';

export type BulkFlowOperation = 'tags/add' | 'tags/remove' | 'move' | 'duplicate' | 'delete' | 'find-replace';
export const BULK_FLOW_OPERATIONS: readonly BulkFlowOperation[] = [
  'tags/add',
  'tags/remove',
  'move',
  'duplicate',
  'delete',
  'find-replace',
];

export const MAX_BULK_FLOWS = 1000;
const MAX_TAGS = 100;
const MAX_TEXT = 500;

export interface BulkFlowRequest {
  flow_ids: string[];
  tags?: string[];
  /** `move`: workspace-relative folder ('' = the workspace folder itself). */
  folder?: string;
  find?: string;
  replace?: string;
  match_case?: boolean;
  whole_word?: boolean;
  /** `find-replace`: `name`, `description`, `definition` (the whole file) or '' (the whole file). */
  in_field?: '' | 'name' | 'description' | 'definition';
  preview?: boolean;
}

/** One changed line range: lines `line`.. of the old text replaced by `added`. */
export interface DiffHunk {
  line: number;
  removed: string[];
  added: string[];
}

export interface FlowChange {
  flow_id: string;
  action: 'update' | 'create' | 'delete' | 'move';
  /** `move` and `create` (duplicate): the new file. */
  new_flow_id?: string;
  diff: DiffHunk[];
  /** Why a flow the request did not name changes: `run_flow paths` (a move rewrote them). */
  reason?: 'run_flow paths';
}

export interface FindMatch {
  flow_id: string;
  flow_name: string;
  field: 'name' | 'description' | 'definition';
  line: number;
  column: number;
  context: string;
  match_text: string;
}

export interface BulkFlowItem {
  flow_id: string;
  status: 'updated' | 'unchanged' | 'created' | 'moved' | 'deleted' | 'restored' | 'error';
  new_flow_id?: string;
  error?: string;
}

export interface BulkFlowAnswer {
  /** TestMesh's BulkResult fields. */
  total: number;
  succeeded: number;
  failed: number;
  errors?: string[];
  preview: boolean;
  operation: BulkFlowOperation | 'undo';
  results: BulkFlowItem[];
  changes: FlowChange[];
  /** `find-replace`: every match, as TestMesh lists them (with line and column). */
  matches?: FindMatch[];
  /** `duplicate`: TestMesh's list of copies. */
  new_flows?: { original_id: string; new_id: string; name: string }[];
  /** Whether `POST /api/v1/bulk/flows/undo` can take this change back. */
  undoable: boolean;
}

/** One file write of a plan: `before`/`after` text, `null` for "no such file". */
interface Write {
  id: string;
  before: string | null;
  after: string | null;
  /** Flows whose move this write's run_flow references point to: if one fails, this write is skipped. */
  requires?: string[];
}

interface Plan {
  items: BulkFlowItem[];
  changes: FlowChange[];
  writes: Write[];
  matches?: FindMatch[];
  newFlows?: { original_id: string; new_id: string; name: string }[];
}

interface JournalEntry {
  operation: BulkFlowOperation;
  writes: Write[];
}

/** The last applied change per workspace (real path), and a queue so operations never interleave. */
const journals = new Map<string, JournalEntry>();
const queues = new Map<string, Promise<unknown>>();

async function serialized<T>(workspace: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(workspace) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  queues.set(workspace, settled);
  try {
    return await next;
  } finally {
    if (queues.get(workspace) === settled) queues.delete(workspace);
  }
}

async function workspaceKey(workspace: string): Promise<string> {
  try {
    return await realpath(workspace);
  } catch {
    throw new TestMeshError(`the workspace folder ${workspace} does not exist`);
  }
}

function checkText(value: unknown, name: string, allowEmpty = false): string {
  if (typeof value !== 'string') throw new TestMeshError(`${name} must be text`);
  if (!allowEmpty && value === '') throw new TestMeshError(`${name} must not be empty`);
  if (value.length > MAX_TEXT) throw new TestMeshError(`${name} is longer than ${MAX_TEXT} characters`);
  return value;
}

/** Checks a request body against the operation; returns it typed. */
export function parseBulkFlowRequest(operation: BulkFlowOperation, body: Record<string, unknown>): BulkFlowRequest {
  const known = new Set([
    'flow_ids',
    'preview',
    ...(operation.startsWith('tags/') ? ['tags'] : []),
    ...(operation === 'move' ? ['folder'] : []),
    ...(operation === 'find-replace' ? ['find', 'replace', 'match_case', 'whole_word', 'in_field'] : []),
  ]);
  for (const key of Object.keys(body))
    if (!known.has(key))
      throw new TestMeshError(`unknown field '${key}' for bulk ${operation} (${[...known].join(', ')})`);
  const ids = body.flow_ids ?? (operation === 'find-replace' ? [] : undefined);
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && id.length > 0))
    throw new TestMeshError('flow_ids must be a list of flow ids (workspace-relative paths)');
  if (ids.length === 0 && operation !== 'find-replace') throw new TestMeshError('flow_ids must name at least one flow');
  if (ids.length > MAX_BULK_FLOWS) throw new TestMeshError(`at most ${MAX_BULK_FLOWS} flows at once`);
  if (body.preview !== undefined && typeof body.preview !== 'boolean')
    throw new TestMeshError('preview must be true or false');
  const request: BulkFlowRequest = { flow_ids: [...new Set(ids as string[])], preview: body.preview === true };
  if (operation.startsWith('tags/')) {
    const tags = body.tags;
    if (!Array.isArray(tags) || tags.length === 0) throw new TestMeshError('tags must be a non-empty list of tags');
    if (tags.length > MAX_TAGS) throw new TestMeshError(`at most ${MAX_TAGS} tags at once`);
    request.tags = tags.map((t) => {
      const tag = checkText(t, 'a tag').trim();
      if (!tag || /[\u0000-\u001f\u007f]/.test(tag))
        throw new TestMeshError(`tag ${JSON.stringify(t)} is empty or has control characters`);
      return tag;
    });
  }
  if (operation === 'move') {
    const folder = checkText(body.folder ?? '', 'folder', true)
      .replace(/^\.(\/|$)/, '')
      .replace(/\/+$/, '');
    request.folder = folder;
  }
  if (operation === 'find-replace') {
    request.find = checkText(body.find, 'find');
    request.replace = checkText(body.replace ?? '', 'replace', true);
    for (const flag of ['match_case', 'whole_word'] as const) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
        throw new TestMeshError(`${flag} must be true or false`);
      request[flag] = body[flag] === true;
    }
    const field = body.in_field ?? '';
    if (!['', 'name', 'description', 'definition'].includes(field as string))
      throw new TestMeshError(`in_field must be name, description, definition or empty, got ${JSON.stringify(field)}`);
    request.in_field = field as BulkFlowRequest['in_field'];
  }
  return request;
}

/** Changed lines between two texts: line by line when the line count stays, else one hunk. */
function diffLines(before: string, after: string): DiffHunk[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length === b.length) {
    const hunks: DiffHunk[] = [];
    a.forEach((line, i) => {
      if (line !== b[i]) hunks.push({ line: i + 1, removed: [line], added: [b[i]] });
    });
    return hunks;
  }
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  return [{ line: start + 1, removed: a.slice(start, endA), added: b.slice(start, endB) }];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function findPattern(request: BulkFlowRequest): RegExp {
  const body = escapeRegExp(request.find!);
  // Whole word: not preceded or followed by a letter, digit or underscore.
  const source = request.whole_word ? `(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])` : body;
  return new RegExp(source, `gu${request.match_case ? '' : 'i'}`);
}

function matchesIn(
  text: string,
  pattern: RegExp,
  flow: { id: string; name: string },
  field: FindMatch['field'],
  lineOffset: number,
): FindMatch[] {
  const out: FindMatch[] = [];
  for (const match of text.matchAll(pattern)) {
    const index = match.index ?? 0;
    const before = text.slice(0, index);
    const line = before.split('\n').length;
    const lineBegin = before.lastIndexOf('\n') + 1;
    const lineEnd = text.indexOf('\n', index);
    const context = text.slice(lineBegin, lineEnd < 0 ? undefined : lineEnd).trim();
    out.push({
      flow_id: flow.id,
      flow_name: flow.name,
      field,
      line: line + lineOffset,
      column: index - lineBegin + 1,
      context: context.length > 160 ? `${context.slice(0, 157)}…` : context,
      match_text: match[0],
    });
  }
  return out;
}

/** The id of a flow once it sits in `folder`. */
function movedId(id: string, folder: string): string {
  const base = posix.basename(id);
  return folder ? `${folder}/${base}` : base;
}

/** A free name beside `id` for its copy: `<stem>-copy.<ext>`, `-copy-2`, ...; `.flow.yaml` when the policy needs it. */
async function copyId(workspace: string, id: string, taken: Set<string>): Promise<string> {
  const dir = posix.dirname(id);
  const base = posix.basename(id);
  const ext = /\.flow\.ya?ml$/i.exec(base)?.[0] ?? /\.ya?ml$/i.exec(base)![0];
  const stem = base.slice(0, base.length - ext.length);
  for (let n = 1; n < 1000; n++) {
    const name = `${stem}-copy${n === 1 ? '' : `-${n}`}`;
    let candidate = `${dir === '.' ? '' : `${dir}/`}${name}${ext}`;
    if (!isNewFlowName(candidate)) candidate = `${dir === '.' ? '' : `${dir}/`}${name}.flow.yaml`;
    if (taken.has(candidate)) continue;
    if (!(await resolveFlowPath(workspace, candidate)).exists) return candidate;
  }
  throw new TestMeshError(`no free name for a copy of ${id}`);
}

/** Works out every file change of an operation without writing anything. */
async function plan(workspace: string, operation: BulkFlowOperation, request: BulkFlowRequest): Promise<Plan> {
  const result: Plan = { items: [], changes: [], writes: [] };
  const ids =
    operation === 'find-replace' && request.flow_ids.length === 0
      ? (await listWorkspaceFlows(workspace)).map((f) => f.id)
      : request.flow_ids;
  if (operation === 'move' && request.folder) {
    // The folder is checked like a flow id (no `..`, no dot-folders, no way out through links).
    await resolveFlowPath(workspace, `${request.folder}/probe.flow.yaml`);
  }
  const pattern = operation === 'find-replace' ? findPattern(request) : undefined;
  if (pattern) result.matches = [];
  if (operation === 'duplicate') result.newFlows = [];
  const taken = new Set<string>();
  const moves = new Map<string, string>();
  for (const id of ids) {
    try {
      const flow = await readWorkspaceFlow(workspace, id);
      const before = flow.content;
      const name = flow.name ?? id;
      const update = (after: string) => {
        if (after === before) return result.items.push({ flow_id: id, status: 'unchanged' });
        result.items.push({ flow_id: id, status: 'updated' });
        result.changes.push({ flow_id: id, action: 'update', diff: diffLines(before, after) });
        result.writes.push({ id, before, after });
      };
      switch (operation) {
        case 'tags/add': {
          const tags = [...flow.tags];
          for (const tag of request.tags!) if (!tags.includes(tag)) tags.push(tag);
          update(tags.length === flow.tags.length ? before : setFlowTags(before, tags));
          break;
        }
        case 'tags/remove': {
          const tags = flow.tags.filter((t) => !request.tags!.includes(t));
          update(tags.length === flow.tags.length ? before : setFlowTags(before, tags));
          break;
        }
        case 'move': {
          const target = movedId(id, request.folder!);
          if (target === id) {
            result.items.push({ flow_id: id, status: 'unchanged' });
            break;
          }
          if (taken.has(target) || (await resolveFlowPath(workspace, target)).exists)
            throw new FlowFileError(`${target} already exists`, 'exists');
          if (!isNewFlowName(target))
            throw new FlowFileError(
              `${target} would not be a flow file name (*.flow.yaml anywhere, or any YAML under flows/)`,
              'forbidden',
            );
          taken.add(target);
          moves.set(id, target);
          result.items.push({ flow_id: id, status: 'moved', new_flow_id: target });
          result.changes.push({ flow_id: id, action: 'move', new_flow_id: target, diff: [] });
          result.writes.push({ id: target, before: null, after: before }, { id, before, after: null });
          break;
        }
        case 'duplicate': {
          const target = await copyId(workspace, id, taken);
          taken.add(target);
          const copyName = `${name} (Copy)`;
          const after = flow.name ? setFlowField(before, 'name', copyName) : before;
          result.items.push({ flow_id: id, status: 'created', new_flow_id: target });
          result.changes.push({ flow_id: id, action: 'create', new_flow_id: target, diff: diffLines(before, after) });
          result.writes.push({ id: target, before: null, after });
          result.newFlows!.push({ original_id: id, new_id: target, name: copyName });
          break;
        }
        case 'delete': {
          result.items.push({ flow_id: id, status: 'deleted' });
          result.changes.push({ flow_id: id, action: 'delete', diff: [] });
          result.writes.push({ id, before, after: null });
          break;
        }
        case 'find-replace': {
          let after = before;
          const field = request.in_field || 'definition';
          if (field === 'definition') {
            result.matches!.push(...matchesIn(before, pattern!, { id, name }, 'definition', 0));
            after = before.replace(pattern!, () => request.replace!);
          } else {
            const value = readKey(before, field);
            if (typeof value === 'string') {
              result.matches!.push(...matchesIn(value, pattern!, { id, name }, field, 0));
              const next = value.replace(pattern!, () => request.replace!);
              if (next !== value) after = setFlowField(before, field, next);
            }
          }
          update(after);
          break;
        }
      }
    } catch (err) {
      result.items.push({ flow_id: id, status: 'error', error: errorMessage(err) });
    }
  }
  if (moves.size) await planReferenceUpdates(workspace, moves, result);
  return result;
}

/**
 * A move keeps run_flow steps working: relative `flow:` paths that lead to a moved file, and those
 * written in a moved file, are rewritten in every flow of the workspace. Flows touched only for that
 * are listed as `updated`, and are written after the moves they depend on.
 */
async function planReferenceUpdates(workspace: string, moves: Map<string, string>, result: Plan): Promise<void> {
  const exists = (id: string) =>
    resolveFlowPath(workspace, id).then(
      (target) => target.exists,
      () => false,
    );
  const texts = new Map((await workspaceFlowTexts(workspace)).map((f) => [f.id, f.text] as const));
  for (const id of new Set([...texts.keys(), ...moves.keys()])) {
    const listed = texts.get(id);
    const moved = moves.get(id);
    const create = moved === undefined ? undefined : result.writes.find((w) => w.id === moved && w.before === null);
    try {
      // A moved flow's text is its create write's (what was read when the move was planned).
      const before = create ? create.after! : (listed ?? (await readWorkspaceFlow(workspace, id)).content);
      const { text: after, movedTargets } = await rewriteForMoves(before, id, moves, exists);
      if (after === before) continue;
      if (create) {
        create.after = after;
        const change = result.changes.find((c) => c.flow_id === id && c.action === 'move');
        if (change) change.diff = diffLines(before, after);
        continue;
      }
      result.items.push({ flow_id: id, status: 'updated' });
      result.changes.push({ flow_id: id, action: 'update', diff: diffLines(before, after), reason: 'run_flow paths' });
      result.writes.push({ id, before, after, requires: movedTargets });
    } catch (err) {
      if (create) continue;
      result.items.push({
        flow_id: id,
        status: 'error',
        error: `run_flow references not updated: ${errorMessage(err)}`,
      });
    }
  }
}

/** Writes one planned change; the new text is validated by writeWorkspaceFlow like a PUT. */
async function applyWrite(workspace: string, write: Write, restoring: boolean): Promise<void> {
  if (write.after === null) return deleteWorkspaceFlow(workspace, write.id);
  await writeWorkspaceFlow(workspace, write.id, write.after, write.before === null ? 'create' : 'replace', {
    anyFlowName: restoring,
  });
}

function answer(
  operation: BulkFlowOperation | 'undo',
  preview: boolean,
  items: BulkFlowItem[],
  changes: FlowChange[],
  undoable: boolean,
): BulkFlowAnswer {
  const failed = items.filter((i) => i.status === 'error');
  return {
    total: items.length,
    succeeded: items.length - failed.length,
    failed: failed.length,
    ...(failed.length ? { errors: failed.map((i) => `${i.flow_id}: ${i.error}`) } : {}),
    preview,
    operation,
    results: items,
    changes,
    undoable,
  };
}

/** Runs (or, with `preview`, only plans) one bulk operation on the workspace's flows. */
export async function bulkFlows(
  workspace: string,
  operation: BulkFlowOperation,
  request: BulkFlowRequest,
): Promise<BulkFlowAnswer> {
  const key = await workspaceKey(workspace);
  return serialized(key, async () => {
    const planned = await plan(workspace, operation, request);
    const extras = {
      ...(planned.matches ? { matches: planned.matches } : {}),
      ...(planned.newFlows ? { new_flows: planned.newFlows } : {}),
    };
    if (request.preview) return { ...answer(operation, true, planned.items, planned.changes, false), ...extras };
    const done: Write[] = [];
    const failedIds = new Set<string>();
    for (const write of planned.writes) {
      // A move is two writes (create the new file, delete the old): the delete waits for the create.
      const flowId = planned.items.find((i) => i.new_flow_id === write.id)?.flow_id ?? write.id;
      if (failedIds.has(flowId)) continue;
      const unmoved = write.requires?.find((id) => failedIds.has(id));
      if (unmoved !== undefined) {
        failedIds.add(flowId);
        const item = planned.items.find((i) => i.flow_id === flowId);
        if (item)
          Object.assign(item, { status: 'error', error: `run_flow references not updated: ${unmoved} did not move` });
        continue;
      }
      try {
        await applyWrite(workspace, write, false);
        done.push(write);
      } catch (err) {
        failedIds.add(flowId);
        const item = planned.items.find((i) => i.flow_id === flowId);
        if (item) Object.assign(item, { status: 'error', error: errorMessage(err) });
      }
    }
    const changes = planned.changes.filter((c) => !failedIds.has(c.flow_id));
    if (done.length) journals.set(key, { operation, writes: done });
    return { ...answer(operation, false, planned.items, changes, done.length > 0), ...extras };
  });
}

/** What `undo` would take back now, if anything. */
export async function lastBulkFlowChange(
  workspace: string,
): Promise<{ operation: BulkFlowOperation; files: number } | undefined> {
  const entry = journals.get(await workspaceKey(workspace));
  return entry && { operation: entry.operation, files: entry.writes.length };
}

/** The text of a flow file now, `null` when there is none. */
async function currentText(workspace: string, id: string): Promise<string | null> {
  const target = await resolveFlowPath(workspace, id);
  if (!target.exists) return null;
  return (await readWorkspaceFlow(workspace, id)).content;
}

export class NothingToUndoError extends TestMeshError {
  constructor() {
    super('there is no bulk change to undo');
    this.name = 'NothingToUndoError';
  }
}

export class UndoConflictError extends TestMeshError {
  constructor(readonly conflicts: string[]) {
    super(
      `cannot undo: ${conflicts.length === 1 ? 'a file' : `${conflicts.length} files`} changed since the bulk change (${conflicts.join(', ')}); nothing was undone`,
    );
    this.name = 'UndoConflictError';
  }
}

/**
 * Takes the last applied bulk change back, all or nothing: every file it wrote must still hold
 * what it wrote. With `preview`, answers what undoing would change.
 */
export async function undoBulkFlows(workspace: string, preview = false): Promise<BulkFlowAnswer> {
  const key = await workspaceKey(workspace);
  return serialized(key, async () => {
    const entry = journals.get(key);
    if (!entry) throw new NothingToUndoError();
    const conflicts: string[] = [];
    for (const write of entry.writes) {
      const now = await currentText(workspace, write.id).catch(() => undefined);
      if (now !== write.after) conflicts.push(write.id);
    }
    if (conflicts.length) throw new UndoConflictError(conflicts);
    const reversed = [...entry.writes].reverse().map((w) => ({ id: w.id, before: w.after, after: w.before }));
    const items: BulkFlowItem[] = [];
    const changes: FlowChange[] = reversed.map((w) => ({
      flow_id: w.id,
      action: w.after === null ? 'delete' : w.before === null ? 'create' : 'update',
      diff: w.before !== null && w.after !== null ? diffLines(w.before, w.after) : [],
    }));
    for (const write of reversed) {
      if (preview) {
        items.push({ flow_id: write.id, status: write.after === null ? 'deleted' : 'restored' });
        continue;
      }
      try {
        await applyWrite(workspace, write, true);
        items.push({ flow_id: write.id, status: write.after === null ? 'deleted' : 'restored' });
      } catch (err) {
        items.push({ flow_id: write.id, status: 'error', error: errorMessage(err) });
      }
    }
    if (!preview) journals.delete(key);
    return answer('undo', preview, items, changes, false);
  });
}
