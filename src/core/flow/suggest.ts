/** Did-you-mean hints for misspelt keys and values in flow files. */

/** Normalises spelling variants (`maxAttempts`, `Max-Attempts`) to the snake_case of flow keys. */
function normalizeKey(word: string): string {
  return word
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[-\s]+/g, '_');
}

/** Optimal string alignment distance (Levenshtein plus swaps of neighbours), stopping early past `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prevPrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prevPrev[j - 2] + 1);
      row.push(d);
      if (d < best) best = d;
    }
    if (best > max) return max + 1;
    prevPrev = prev;
    prev = row;
  }
  return prev[b.length];
}

/** ` (did you mean 'x'?)` for the closest candidate, or '' when none is close. */
export function suggest(word: string, candidates: readonly string[]): string {
  if (word.length > 64) return '';
  const normal = normalizeKey(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    if (normalizeKey(candidate) === normal) return ` (did you mean '${candidate}'?)`;
    const max = candidate.length <= 3 ? 1 : candidate.length <= 6 ? 2 : 3;
    const d = editDistance(normal, candidate, max);
    if (d <= max && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best ? ` (did you mean '${best}'?)` : '';
}
