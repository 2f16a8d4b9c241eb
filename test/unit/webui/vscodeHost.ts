/**
 * What an extension host does for the webview, for the tests: answers the protocol's requests
 * from an ExecutionManager and pushes subscribed events (replay after `since`, then live).
 */
import { answerAnalytics } from '../../../src/core/analytics/answer';
import { bulkExecutions } from '../../../src/core/bulkExecutions';
import { bulkFlows, parseBulkFlowRequest, undoBulkFlows } from '../../../src/core/bulkFlows';
import { parseRunFilter } from '../../../src/core/history/runFilter';
import type { ExecutionEvent } from '../../../src/core/events';
import type { ExecutionManager } from '../../../src/core/executions';
import { listWorkspaceFlows } from '../../../src/core/workspaceFlows';
import type { HostToWebviewMessage, RequestHandlers } from '../../../src/webview/protocol';

export function hostHandlers(
  manager: ExecutionManager,
  workspace: string,
  post: (message: HostToWebviewMessage) => void,
  /** Receives the steps the page asks to copy as curl (the extension's copyAsCurl.ts writes the clipboard). */
  copied: Array<{ execution_id: string; step_id: string; attempt?: number }> = [],
): RequestHandlers {
  const subscriptions = new Map<number, () => void>();
  const missing = (id: string) => new Error(`no execution ${id}`);
  return {
    analytics: async ({ kind, query }) => answerAnalytics(manager.store.runs, kind, query),
    listExecutions: async ({ limit, offset, ...filter }) => {
      const page = await manager.search({ ...parseRunFilter(filter), limit, offset });
      return { executions: page.executions, total: page.total };
    },
    bulkExecutions: ({ action, body }) => bulkExecutions(manager, action, body, 'editor'),
    bulkFlows: ({ operation, body }) => bulkFlows(workspace, operation, parseBulkFlowRequest(operation, body)),
    undoBulkFlows: ({ preview }) => undoBulkFlows(workspace, preview === true),
    getSummary: async ({ execution_id }) => {
      const execution = manager.get(execution_id);
      if (!execution) throw missing(execution_id);
      return execution;
    },
    getExecution: async ({ execution_id }) => {
      const execution = manager.get(execution_id);
      if (!execution) throw missing(execution_id);
      return {
        execution,
        steps: (await manager.steps(execution_id)) ?? [],
        logs: (await manager.logs(execution_id)) ?? [],
      };
    },
    getStepDetail: async ({ execution_id, step_id }) => (await manager.stepDetail(execution_id, step_id)) ?? [],
    listFlows: async () =>
      (await listWorkspaceFlows(workspace)).map((f) => ({
        id: f.id,
        file: f.file,
        name: f.name,
        tags: f.tags,
        errors: f.errors,
      })),
    trigger: ({ flow_id, variables }) => manager.start({ flow_id, variables, trigger: 'editor' }),
    cancel: async ({ execution_id }) => {
      manager.cancel(execution_id);
      return null;
    },
    subscribe: async ({ subscription, execution_id, since }) => {
      const send = (event: ExecutionEvent) => post({ kind: 'event', subscription, event });
      if (execution_id === undefined) {
        subscriptions.set(subscription, manager.subscribe(send));
        return null;
      }
      // Subscribe first and hold live events while the past ones are replayed, then drop overlaps.
      const held: ExecutionEvent[] = [];
      let replaying = true;
      const unsubscribe = manager.subscribeExecution(execution_id, (event) =>
        replaying ? held.push(event) : send(event),
      );
      subscriptions.set(subscription, unsubscribe);
      const past = await manager.eventsSince(execution_id, since);
      if (!past) throw missing(execution_id);
      let last = since;
      for (const event of [...past, ...held]) {
        if (event.seq <= last) continue;
        last = event.seq;
        send(event);
      }
      replaying = false;
      return null;
    },
    copyAsCurl: async (params) => {
      copied.push(params);
      return null;
    },
    unsubscribe: async ({ subscription }) => {
      subscriptions.get(subscription)?.();
      subscriptions.delete(subscription);
      return null;
    },
  };
}
