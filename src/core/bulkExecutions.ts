/**
 * Bulk actions on executions (re-run, cancel, delete) for the REST routes and the VS Code panel:
 * the targets are given ids, or every execution a filter finds (at most 1000), and the answer says
 * per id what happened.
 */
import { errorMessage, TestMeshError } from './errors';
import type { ExecutionManager } from './executions';
import { MAX_PAGE, parseRunFilter } from './history/runFilter';
import type { ExecutionTrigger } from './history/types';

export type BulkExecutionAction = 'rerun' | 'cancel' | 'delete';

export interface BulkExecutionItem {
  id: string;
  status: string;
  /** The new execution of a re-run. */
  execution_id?: string;
  error?: string;
}

export interface BulkExecutionAnswer {
  results: BulkExecutionItem[];
  total: number;
  succeeded: number;
  failed: number;
}

const OK_STATUSES = new Set(['started', 'cancelled', 'deleted']);

/** The ids a bulk request names: `{"ids": [...]}`, or every execution `{"filter": {...}}` finds. */
async function bulkTargets(manager: ExecutionManager, body: unknown): Promise<string[]> {
  const request = body as Record<string, unknown> | null;
  if (
    request === null ||
    typeof request !== 'object' ||
    Array.isArray(request) ||
    (request.ids === undefined) === (request.filter === undefined)
  )
    throw new TestMeshError('expected JSON {"ids": ["<execution id>", ...]} or {"filter": {...}}');
  if (request.ids !== undefined) {
    if (!Array.isArray(request.ids) || !request.ids.every((id) => typeof id === 'string' && id.length > 0))
      throw new TestMeshError('ids must be a list of execution ids');
    if (request.ids.length > MAX_PAGE) throw new TestMeshError(`at most ${MAX_PAGE} ids at once`);
    return [...new Set(request.ids as string[])];
  }
  const filter = parseRunFilter(request.filter as Record<string, unknown>);
  const page = await manager.search({ ...filter, limit: MAX_PAGE });
  return page.executions.map((e) => e.id);
}

async function rerun(manager: ExecutionManager, ids: string[], trigger: ExecutionTrigger) {
  const items: BulkExecutionItem[] = [];
  for (const id of ids) {
    try {
      const started = await manager.rerun(id, trigger);
      items.push(started ? { id, status: 'started', execution_id: started.id } : { id, status: 'not_found' });
    } catch (err) {
      items.push({ id, status: 'error', error: errorMessage(err) });
    }
  }
  return items;
}

async function cancel(manager: ExecutionManager, ids: string[]) {
  const items: BulkExecutionItem[] = [];
  for (const id of ids) {
    if (manager.isRunning(id)) {
      manager.cancel(id);
      items.push({ id, status: 'cancelled' });
    } else items.push({ id, status: (await manager.find(id)) ? 'not_running' : 'not_found' });
  }
  return items;
}

/** Runs one bulk action over the executions `body` names. */
export async function bulkExecutions(
  manager: ExecutionManager,
  action: BulkExecutionAction,
  body: unknown,
  trigger: ExecutionTrigger,
): Promise<BulkExecutionAnswer> {
  const ids = await bulkTargets(manager, body);
  const items =
    action === 'rerun'
      ? await rerun(manager, ids, trigger)
      : action === 'cancel'
        ? await cancel(manager, ids)
        : await manager.delete(ids);
  const succeeded = items.filter((i) => OK_STATUSES.has(i.status)).length;
  return { results: items, total: items.length, succeeded, failed: items.length - succeeded };
}
