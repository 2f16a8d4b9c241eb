/**
 * TestMesh's built-in Prometheus plugin, against Prometheus's HTTP API:
 * - `prometheus.query` runs an instant query (`GET <url>/api/v1/query?query=...&time=...`) and
 *   gives the first series' `value` (a number; null when nothing matches) and its `metric` labels.
 * - `prometheus.assert` runs the same query every 500 ms until its `assert` expressions hold on
 *   that result, for up to `within` (default 15s), as TestMesh's plugin does.
 * Errors say what Prometheus said (`bad_data: parse error ...`), not only the HTTP status.
 */
import { sleep } from '../cancellation';
import { checkAssertions } from '../engine/assertions';
import { TestMeshError, errorMessage } from '../errors';
import { formatDuration } from '../format';
import { DEFAULT_EXCHANGE_TIMEOUT_MS, exchange } from '../http/exchange';
import { optionalDuration, optionalList, optionalString, requireString, type Config } from './config';
import { describeNetworkError } from './http_request';
import { registerAction } from './registry';
import type { ActionContext } from './types';

const DEFAULT_WITHIN_MS = 15_000;
const POLL_MS = 500;

export interface PrometheusResult {
  value: number | null;
  metric: Record<string, string>;
}

/** A sample value as Prometheus writes it: a decimal, or +Inf, -Inf, NaN. */
function sampleValue(text: unknown): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return typeof text === 'string' ? Number(text) : NaN;
}

/** The value of an answer's `data`: the first series of a vector, a scalar; null for no series. */
function valueOf(data: { resultType?: unknown; result?: unknown }): PrometheusResult {
  const { resultType, result } = data;
  if (resultType === 'scalar' && Array.isArray(result)) return { value: sampleValue(result[1]), metric: {} };
  if (resultType === 'vector' && Array.isArray(result)) {
    const first = result[0] as { metric?: Record<string, string>; value?: unknown[] } | undefined;
    if (!first) return { value: null, metric: {} };
    return { value: sampleValue(first.value?.[1]), metric: first.metric ?? {} };
  }
  throw new TestMeshError(
    `the query gave a ${String(resultType)}, not an instant vector or scalar (a range selector like [5m] needs a function such as rate())`,
  );
}

/** One query; `timeoutMs` bounds its exchange (prometheus.assert passes what is left of `within`). */
async function query(
  config: Config,
  ctx: ActionContext,
  timeoutMs = DEFAULT_EXCHANGE_TIMEOUT_MS,
): Promise<PrometheusResult> {
  const base = requireString(config, 'url').replace(/\/+$/, '');
  const promql = requireString(config, 'query');
  const time = optionalString(config, 'time');
  const params = new URLSearchParams({ query: promql });
  // TestMesh sends the current time; Prometheus uses its own clock when `time` is absent.
  if (time !== undefined && time !== '' && time !== 'now') params.set('time', time);
  const url = `${base}/api/v1/query?${params}`;
  let response;
  try {
    response = await exchange(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal: ctx.signal,
      dispatcher: ctx.dispatcher,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (err) {
    throw describeNetworkError(err, 'GET', url);
  }
  let answer: { status?: unknown; errorType?: unknown; error?: unknown; data?: unknown };
  try {
    answer = JSON.parse(response.body.toString('utf8'));
  } catch {
    throw new TestMeshError(`HTTP ${response.status} from ${base}: not a Prometheus API answer`);
  }
  if (answer.status !== 'success')
    throw new TestMeshError(
      `HTTP ${response.status} from ${base}: ${String(answer.errorType ?? 'error')}: ${String(answer.error ?? 'no reason given')}`,
    );
  const result = valueOf((answer.data ?? {}) as { resultType?: unknown; result?: unknown });
  ctx.log('info', `prometheus.query: ${promql} = ${result.value === null ? 'no series' : String(result.value)}`);
  return result;
}

registerAction({
  name: 'prometheus.query',
  honoursSignal: true,
  run: (config, ctx) => query(config, ctx),
});

registerAction({
  name: 'prometheus.assert',
  honoursSignal: true,
  rawConfigKeys: ['assert'],
  async run(config, ctx) {
    const withinMs = optionalDuration(config, 'within') ?? DEFAULT_WITHIN_MS;
    const expressions = (optionalList(config, 'assert') ?? []).map((entry) => {
      if (typeof entry !== 'string') throw new TestMeshError('config.assert must be a list of expressions');
      return { expression: entry };
    });
    const deadline = performance.now() + withinMs;
    let attempts = 0;
    for (;;) {
      attempts++;
      let failure: unknown;
      try {
        const result = await query(
          config,
          ctx,
          Math.max(1, Math.min(DEFAULT_EXCHANGE_TIMEOUT_MS, deadline - performance.now())),
        );
        checkAssertions(expressions, ctx.expressionScope(result, {}));
        return result;
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        failure = err;
      }
      if (performance.now() + POLL_MS > deadline)
        throw new TestMeshError(
          `not met within ${formatDuration(withinMs)} (${attempts} quer${attempts === 1 ? 'y' : 'ies'}): ${errorMessage(failure)}`,
        );
      await sleep(POLL_MS, ctx.signal);
    }
  },
});
