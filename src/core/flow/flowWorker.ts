/**
 * The worker thread behind loadOffThread.ts: loads flows it is sent and posts the results back
 * in order. Started by loadOffThread.ts only; running it alone does nothing.
 */
import { parentPort } from 'node:worker_threads';
import { loadFlowFile, parseFlowText, type FlowLoadResult, type ParseFlowOptions } from './load';

export type FlowWork =
  | { kind: 'text'; text: string; file: string; options: ParseFlowOptions }
  | { kind: 'file'; file: string; options: ParseFlowOptions };

export type FlowWorkerRequest = FlowWork & { id: number };

export interface FlowWorkerResponse {
  id: number;
  result: FlowLoadResult;
}

const port = parentPort;
if (port) {
  // One at a time, in order: a file read awaits, the parse itself is synchronous.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: FlowWorkerRequest) => {
    queue = queue.then(async () => {
      const result =
        request.kind === 'text'
          ? parseFlowText(request.text, request.file, request.options)
          : await loadFlowFile(request.file, request.options);
      port.postMessage({ id: request.id, result } satisfies FlowWorkerResponse);
    });
  });
}
