/** Small statistics shared by the analytics: percentiles, rates and rounding, one definition each. */

/** Nearest-rank percentile of ascending `sorted` values (index floor(n·p/100), clamped); 0 when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The same, as a typed array (sorted natively, much faster on thousands of values). */
export function ascendingTyped(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** Percent with two decimals (0 when there is nothing to divide). */
export function rate(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 100 : 0;
}

export function average(values: ArrayLike<number>): number {
  if (!values.length) return 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return Math.round(sum / values.length);
}

export function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
