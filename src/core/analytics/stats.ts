/** Small statistics shared by the analytics: percentiles, rates and rounding, one definition each. */

/** Nearest-rank percentile of ascending `sorted` values (index floor(n·p/100), clamped); 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Percent with two decimals (0 when there is nothing to divide). */
export function rate(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 100 : 0;
}

export function average(values: readonly number[]): number {
  if (!values.length) return 0;
  let sum = 0;
  for (const v of values) sum += v;
  return Math.round(sum / values.length);
}

export function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
