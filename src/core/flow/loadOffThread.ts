/**
 * Flow loading that never holds the caller's event loop for long: texts up to INLINE_MAX_BYTES
 * (a few milliseconds of parsing) are parsed in place; larger ones in a worker thread, so the
 * local API keeps answering and the editor keeps typing while a 4 MiB file loads.
 *
 * Same results as parseFlowText / loadFlowFile (load.ts); use these from servers and editors,
 * and the synchronous ones where blocking is fine (the CLI, tests).
 *
 * One worker, started on first use and unref'd (it never keeps a process alive), answers the
 * requests in order. If it dies, its pending requests are loaded in place and the next large
 * request starts a new one.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../errors';
import { DEFAULT_MAX_BYTES, loadFlowFile, parseFlowText, type FlowLoadResult, type ParseFlowOptions } from './load';
import type { FlowModel } from '../language/model';
import { parseWithModel } from '../language/parseWithModel';
import type { FlowWork, FlowWorkerRequest, FlowWorkerResponse } from './flowWorker';

/** Texts up to this size are parsed in place: a few milliseconds even on a slow machine. */
export const INLINE_MAX_BYTES = 32 * 1024;

/** The worker script: next to this module, both in out/ (tests) and in dist/ (bundles). */
const WORKER_FILE = join(__dirname, 'flowWorker.js');

interface Pending {
  resolve: (answer: Answer) => void;
  /** Loads the request in place, when the worker cannot. */
  fallback: () => Promise<Answer>;
}

type Answer = Omit<FlowWorkerResponse, 'id'>;

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function startWorker(): Worker | undefined {
  if (worker) return worker;
  if (!existsSync(WORKER_FILE)) return undefined;
  const started = new Worker(WORKER_FILE);
  started.unref();
  started.on('message', (response: FlowWorkerResponse) => {
    const request = pending.get(response.id);
    if (!request) return;
    pending.delete(response.id);
    if (pending.size === 0) started.unref();
    request.resolve(response);
  });
  const fail = () => {
    if (worker === started) worker = undefined;
    const orphans = [...pending.values()];
    pending.clear();
    for (const request of orphans) void request.fallback().then(request.resolve);
  };
  started.on('error', fail);
  started.on('exit', fail);
  worker = started;
  return started;
}

function viaWorker(request: FlowWork, fallback: () => Promise<FlowLoadResult>): Promise<FlowLoadResult> {
  return askWorker(request, async () => ({ result: await fallback() })).then((answer) => answer.result);
}

function askWorker(request: FlowWork, fallback: () => Promise<Answer>): Promise<Answer> {
  let target: Worker | undefined;
  try {
    target = startWorker();
  } catch {
    target = undefined;
  }
  if (!target) return fallback();
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, { resolve, fallback });
    // Referenced while it has work, so a process waiting only for this answer stays alive.
    target.ref();
    try {
      const message: FlowWorkerRequest = { ...request, id };
      target.postMessage(message);
    } catch (err) {
      pending.delete(id);
      resolve({
        result: {
          diagnostics: [
            {
              file: request.file,
              range: START,
              severity: 'error',
              message: `could not read the flow: ${errorMessage(err)}`,
            },
          ],
        },
      });
    }
  });
}

const START = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };

/** parseFlowText without blocking the event loop on a large text. Never rejects. */
export function parseFlowTextOffThread(
  text: string,
  file: string,
  options: ParseFlowOptions = {},
): Promise<FlowLoadResult> {
  if (
    typeof text !== 'string' ||
    text.length <= INLINE_MAX_BYTES / 3 ||
    Buffer.byteLength(text, 'utf8') <= INLINE_MAX_BYTES
  ) {
    return Promise.resolve(parseFlowText(text, file, options));
  }
  // Refused texts need no worker: the size check is the first thing parseFlowText does.
  if (Buffer.byteLength(text, 'utf8') > (options.maxBytes ?? DEFAULT_MAX_BYTES))
    return Promise.resolve(parseFlowText(text, file, options));
  return viaWorker({ kind: 'text', text, file, options }, async () => parseFlowText(text, file, options));
}

/**
 * parseFlowText plus the editor's model of the text (what hover, completion, CodeLens and the
 * other editor features read, with source offsets), from one parse; large texts in the worker.
 */
export function parseFlowWithModelOffThread(
  text: string,
  file: string,
  options: ParseFlowOptions = {},
): Promise<{ result: FlowLoadResult; model: FlowModel }> {
  const inPlace = async () => parseWithModel(text, file, options);
  if (typeof text !== 'string' || Buffer.byteLength(text, 'utf8') <= INLINE_MAX_BYTES) return inPlace();
  if (Buffer.byteLength(text, 'utf8') > (options.maxBytes ?? DEFAULT_MAX_BYTES)) return inPlace();
  return askWorker({ kind: 'text', text, file, options, withModel: true }, inPlace).then((answer) =>
    answer.model ? (answer as { result: FlowLoadResult; model: FlowModel }) : inPlace(),
  );
}

/** loadFlowFile (reads the file too) without blocking the event loop on a large file. Never rejects. */
export async function loadFlowFileOffThread(file: string, options: ParseFlowOptions = {}): Promise<FlowLoadResult> {
  const size = await stat(file).then(
    (s) => s.size,
    () => undefined,
  );
  // Small files, and those loadFlowFile refuses or reports without parsing, need no worker.
  if (size === undefined || size <= INLINE_MAX_BYTES || size > (options.maxBytes ?? DEFAULT_MAX_BYTES))
    return loadFlowFile(file, options);
  return viaWorker({ kind: 'file', file, options }, () => loadFlowFile(file, options));
}

/** Stops the worker (tests; an extension's deactivate). Pending requests finish in place. */
export async function closeFlowWorker(): Promise<void> {
  const current = worker;
  worker = undefined;
  if (current) await current.terminate();
}
