/**
 * The history store: executions, their events and their steps' request/response detail, plus
 * the long history of finished executions (`runs`, see runArchive.ts). One interface, two
 * implementations: on disk (fileStore.ts, the default of the CLI and the extension) and in memory
 * (memoryStore.ts, for callers without a folder). Either can keep its long history in
 * PostgreSQL instead (`--history postgres://…`, postgresRunArchive.ts).
 *
 * `HistoryStore.open(dir)` and `HistoryStore.memory()` create them.
 */
import type { ExecutionEvent } from '../events';
import type { StepDetail } from '../engine/types';
import { FileHistoryStore } from './fileStore';
import { MemoryHistoryStore } from './memoryStore';
import { ReadOnlyHistoryStore } from './readOnlyStore';
import type { RunArchive, RunRetention } from './runArchive';
import type { ExecutionSummary, StepAttemptDetail } from './types';

export {
  DEFAULT_MAX_EXECUTIONS,
  DEFAULT_MAX_EXECUTION_BYTES,
  DEFAULT_MAX_MEMORY_BYTES,
  DEFAULT_MAX_MEMORY_EXECUTIONS,
  INTERRUPTED_ERROR,
  isFinished,
} from './storeCommon';

export interface HistoryStoreOptions {
  /** Executions whose event logs are kept; older finished ones are dropped. Default 200 on disk, 50 in memory. */
  maxExecutions?: number;
  /** Cap for each stored request/response body and result. Default 64 KiB. */
  maxBodyBytes?: number;
  /** How long records wait before a batched write. Default 25 ms. */
  flushDelayMs?: number;
  /** Write errors; the store keeps running (and the runs it records keep running). */
  onError?: (err: Error) => void;
  /**
   * Bytes of history per execution (default 64 MiB). Past it, further step details (request and
   * response bodies) are dropped and only events and summaries are kept; the summary says so.
   */
  maxExecutionBytes?: number;
  /** Memory mode: bytes of all kept executions (default 128 MiB); the oldest finished ones are dropped past it. */
  maxMemoryBytes?: number;
  /** Who writes (named by the lock to a second process). Default `testmesh`. */
  holder?: string;
  /** Files a killed holder may have left (its token file), removed when its stale lock is taken over. */
  staleFiles?: string[];
  /** How long the compact summaries of finished executions are kept (default 90 days, 20,000 executions). */
  runRetention?: RunRetention;
  /** Keep the long history there instead (e.g. a PostgresRunArchive shared by a team). */
  runs?: RunArchive;
}

export interface HistoryStore {
  readonly kind: 'memory' | 'file';
  /** Folder of the store; undefined in memory. */
  readonly dir: string | undefined;
  readonly maxExecutions: number;
  readonly maxBodyBytes: number;
  readonly maxExecutionBytes: number;
  /** The last write error, if any. */
  lastError: Error | undefined;
  /** Told of executions dropped to stay within memory (the manager forgets its copies too). */
  onDropped: ((id: string) => void) | undefined;
  /** The long history of finished executions. */
  readonly runs: RunArchive;
  /** Executions with event logs, newest first. */
  list(): ExecutionSummary[];
  get(id: string): ExecutionSummary | undefined;
  has(id: string): boolean;
  /** Records a new execution, then applies retention. Returns the ids retention dropped. */
  create(summary: ExecutionSummary): string[];
  /** Records the new state of an execution. */
  update(summary: ExecutionSummary): void;
  /** Appends one event, given as its JSON text (serialized once by the caller for the wire too). */
  appendEvent(executionId: string, eventJson: string): void;
  /** Appends one attempt's detail, with bodies cut at the cap; dropped once the execution's history is full. */
  appendDetail(executionId: string, detail: StepDetail): void;
  /** Every recorded event of an execution in `seq` order, or undefined for an unknown id. */
  readEvents(executionId: string): Promise<ExecutionEvent[] | undefined>;
  /** Request/response detail of every attempt of one step, or undefined for an unknown execution. */
  readStepDetails(executionId: string, stepId: string): Promise<StepAttemptDetail[] | undefined>;
  /** Request/response detail of every attempt of every step, in record order. */
  readAllStepDetails(executionId: string): Promise<StepAttemptDetail[] | undefined>;
  /** Removes finished executions (event logs and long history); answers the ids that were known. */
  delete(ids: readonly string[]): Promise<string[]>;
  /** Resolves once every record appended so far is stored. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export const HistoryStore = {
  /**
   * Opens (creating if needed) the store in `dir` and rebuilds its index. Throws
   * HistoryLockedError when another live process writes to the folder.
   */
  open(dir: string, options: HistoryStoreOptions = {}): Promise<HistoryStore> {
    return FileHistoryStore.open(dir, options);
  },
  /**
   * Opens the store in `dir` only to read it: no writer lock (it opens while another process
   * writes), no repair, no retention; every write throws.
   */
  openReadOnly(dir: string, options: HistoryStoreOptions = {}): Promise<HistoryStore> {
    return ReadOnlyHistoryStore.open(dir, options);
  },
  memory(options: HistoryStoreOptions = {}): HistoryStore {
    return new MemoryHistoryStore(options);
  },
};
