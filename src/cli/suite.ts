/**
 * A suite's identity for merging shards: a hash of the selected flows' paths (after --grep and
 * --tag, before --shard), so every shard of one `testmesh run` names the same suite and a shard
 * of another selection (other paths, filters, or flows added on another commit) does not.
 */
import { createHash } from 'node:crypto';
import type { SuiteIdentity } from '../core/report';

export function suiteIdentity(
  displayPaths: readonly string[],
  shard?: { index: number; total: number },
): SuiteIdentity {
  const sorted = [...displayPaths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const id = createHash('sha256').update(sorted.join('\n')).digest('hex').slice(0, 16);
  return shard ? { id, flows: sorted.length, shard: { ...shard } } : { id, flows: sorted.length };
}
