/**
 * The worker thread behind loadOffThread.ts: loads flows it is sent and posts the results back
 * in order. Started by loadOffThread.ts only; running it alone does nothing.
 */
import { parentPort } from 'node:worker_threads';
import { parseWithModel } from '../language/parseWithModel';
import type { FlowModel } from '../language/model';
import { loadFlowFile, parseFlowText, type FlowLoadResult, type ParseFlowOptions } from './load';

export type FlowWork =
  /** `withModel`: also the editor's model of the text (language/model.ts), from the same parse. */
  | { kind: 'text'; text: string; file: string; options: ParseFlowOptions; withModel?: boolean }
  | { kind: 'file'; file: string; options: ParseFlowOptions };

export type FlowWorkerRequest = FlowWork & { id: number };

export interface FlowWorkerResponse {
  id: number;
  result: FlowLoadResult;
  /** Plain data (shared step objects survive the structured clone as shared objects). */
  model?: FlowModel;
}

const port = parentPort;
if (port) {
  // One at a time, in order: a file read awaits, the parse itself is synchronous.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: FlowWorkerRequest) => {
    queue = queue.then(async () => {
      const answer =
        request.kind === 'text'
          ? request.withModel
            ? parseWithModel(request.text, request.file, request.options)
            : { result: parseFlowText(request.text, request.file, request.options) }
          : { result: await loadFlowFile(request.file, request.options) };
      port.postMessage({ id: request.id, ...answer } satisfies FlowWorkerResponse);
    });
  });
}
