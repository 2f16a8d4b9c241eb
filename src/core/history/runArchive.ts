/**
 * The long history: one compact record per finished execution (RunRecord), kept for 90 days or
 * 20,000 executions by default, far longer than the event logs of the store. Analytics, the
 * execution search and bulk operations read it. Three backends implement RunArchive: in memory,
 * a JSON-lines file beside the event logs (fileRunArchive.ts) and PostgreSQL for teams
 * (postgresRunArchive.ts).
 */
import type {
  AnalyticsScope,
  DailyMetric,
  MetricsSummary,
  StepPerformance,
  TrendGrouping,
  TrendPoint,
} from '../analytics/analytics';
import {
  columnMetrics,
  columnSlowestSteps,
  columnStepsByDay,
  columnTrends,
  type ColumnSpan,
} from '../analytics/columnAnalytics';
import { RunColumns } from './runColumns';
import { matchesRun, pageOf, searchText, type RunFilter, type RunQuery } from './runFilter';
import type { RunRecord } from './types';

export const DEFAULT_MAX_RUNS = 20_000;
export const DEFAULT_MAX_RUN_AGE_DAYS = 90;

export interface RunRetention {
  /** Executions kept; the oldest go first. Default 20,000. */
  maxRuns?: number;
  /** Days an execution is kept. Default 90. */
  maxAgeDays?: number;
}

export interface RunPage {
  /** Newest first. */
  runs: RunRecord[];
  total: number;
}

export interface RunArchive {
  readonly kind: 'memory' | 'file' | 'postgres';
  /** Where it lives, for messages (a folder, or a PostgreSQL address without its password). */
  readonly location: string;
  /** Adds an execution (or replaces one with the same id). Never throws: write errors go to onError. */
  record(run: RunRecord): void;
  /** Matching executions, newest first, one page. */
  query(query: RunQuery): Promise<RunPage>;
  /** Every matching execution, oldest first (analytics). */
  select(filter: RunFilter): Promise<RunRecord[]>;
  get(id: string): Promise<RunRecord | undefined>;
  /** Removes these executions; answers the ids that were there. */
  delete(ids: readonly string[]): Promise<string[]>;
  /**
   * Analytics aggregates (core/analytics/analytics.ts defines them): answered from columns kept
   * as executions are recorded (embedded) or by SQL aggregates (PostgreSQL).
   */
  metrics(scope: AnalyticsScope): Promise<{ metrics: DailyMetric[]; summary: MetricsSummary }>;
  trends(scope: AnalyticsScope, grouping: TrendGrouping): Promise<TrendPoint[]>;
  /**
   * Per step and day (ordered by day, then step; with `action`, only steps of that action), or
   * per step over the whole scope, slowest first.
   */
  steps(scope: AnalyticsScope, perDay: boolean, action?: string): Promise<StepPerformance[]>;
  /** Resolves once everything recorded so far is stored. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function retentionOf(retention: RunRetention = {}): Required<RunRetention> {
  return {
    maxRuns: Math.max(1, Math.floor(retention.maxRuns ?? DEFAULT_MAX_RUNS)),
    maxAgeDays: Math.max(1, retention.maxAgeDays ?? DEFAULT_MAX_RUN_AGE_DAYS),
  };
}

/** Keeps the records in memory, ordered by creation time; the file backend persists the same. */
export class MemoryRunArchive implements RunArchive {
  readonly kind: RunArchive['kind'] = 'memory';
  readonly location: string = 'memory';
  /** Oldest first. */
  protected runs: RunRecord[] = [];
  protected readonly byId = new Map<string, RunRecord>();
  protected readonly retention: Required<RunRetention>;
  /** The same records as columns, for analytics (built on the first question). */
  private readonly columns = new RunColumns();
  /** Free-text search text of each record, made on the first search (records never change once recorded). */
  private readonly texts = new WeakMap<RunRecord, string>();
  private readonly textOf = (run: RunRecord): string => {
    let text = this.texts.get(run);
    if (text === undefined) this.texts.set(run, (text = searchText(run)));
    return text;
  };

  constructor(retention: RunRetention = {}, initial: Iterable<RunRecord> = []) {
    this.retention = retentionOf(retention);
    for (const run of initial) this.byId.set(run.id, run);
    this.runs = [...this.byId.values()].sort(byCreation);
    this.columns.invalidate();
    this.applyRetention();
  }

  record(run: RunRecord): void {
    this.put(run);
    this.applyRetention();
  }

  async query(query: RunQuery): Promise<RunPage> {
    const { limit, offset } = pageOf(query);
    const out: RunRecord[] = [];
    let total = 0;
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const run = this.runs[i];
      if (!matchesRun(run, query, this.textOf)) continue;
      if (total >= offset && out.length < limit) out.push(run);
      total++;
    }
    return { runs: out, total };
  }

  async select(filter: RunFilter): Promise<RunRecord[]> {
    return this.runs.filter((run) => matchesRun(run, filter, this.textOf));
  }

  async get(id: string): Promise<RunRecord | undefined> {
    return this.byId.get(id);
  }

  async delete(ids: readonly string[]): Promise<string[]> {
    const gone = ids.filter((id) => this.byId.delete(id));
    if (gone.length) {
      this.runs = this.runs.filter((r) => this.byId.get(r.id) === r);
      this.columns.invalidate();
    }
    return gone;
  }

  async metrics(scope: AnalyticsScope): Promise<{ metrics: DailyMetric[]; summary: MetricsSummary }> {
    return columnMetrics(this.span(scope));
  }

  async trends(scope: AnalyticsScope, grouping: TrendGrouping): Promise<TrendPoint[]> {
    return columnTrends(this.span(scope), grouping);
  }

  async steps(scope: AnalyticsScope, perDay: boolean, action?: string): Promise<StepPerformance[]> {
    return perDay ? columnStepsByDay(this.span(scope), action) : columnSlowestSteps(this.span(scope));
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  protected put(run: RunRecord): void {
    const known = this.byId.get(run.id);
    this.byId.set(run.id, run);
    if (known) {
      this.runs[this.runs.indexOf(known)] = run;
      this.columns.invalidate();
      if (known.created_at === run.created_at) return;
      this.runs.sort(byCreation);
      return;
    }
    // Executions finish roughly in creation order: search back from the end for the place.
    let i = this.runs.length;
    while (i > 0 && this.runs[i - 1].created_at > run.created_at) i--;
    this.runs.splice(i, 0, run);
    this.columns.insert(i, run);
  }

  /** The positions of the scope's time range in the columns (rebuilt first when stale). */
  private span(scope: AnalyticsScope): ColumnSpan {
    if (this.columns.isStale) this.columns.rebuild(this.runs);
    return {
      columns: this.columns,
      lo: this.firstAtOrAfter(scope.from),
      hi: this.firstAtOrAfter(scope.to),
      environment: scope.environment,
      flow_id: scope.flow_id,
    };
  }

  /** Binary search over the records, oldest first. */
  private firstAtOrAfter(instant: string): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.runs[mid].created_at < instant) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops the oldest beyond maxRuns and those older than maxAgeDays; answers how many went. */
  protected applyRetention(now = Date.now()): number {
    const oldest = new Date(now - this.retention.maxAgeDays * 86_400_000).toISOString();
    let drop = Math.max(0, this.runs.length - this.retention.maxRuns);
    while (drop < this.runs.length && this.runs[drop].created_at < oldest) drop++;
    if (!drop) return 0;
    for (const run of this.runs.slice(0, drop)) this.byId.delete(run.id);
    this.runs = this.runs.slice(drop);
    this.columns.dropFront(drop);
    return drop;
  }
}

function byCreation(a: RunRecord, b: RunRecord): number {
  return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0;
}
