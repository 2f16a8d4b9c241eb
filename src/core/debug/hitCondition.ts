/**
 * Hit counts in VS Code's forms: `3` or `>= 3` (from the third hit on), `> 3`, `== 3` / `= 3`
 * (only the third), `< 3`, `<= 3`, `% 2` (every second hit).
 */
import { TestMeshError } from '../errors';

export type HitCondition = (hits: number) => boolean;

const FORM = /^(>=|<=|>|<|={1,3}|%)?\s*(\d+)$/;

export function parseHitCondition(text: string): HitCondition {
  const match = FORM.exec(text.trim());
  if (!match) throw new TestMeshError(`hit count '${text}' is not one of: 3, >= 3, > 3, == 3, < 3, <= 3, % 2`);
  const n = Number(match[2]);
  switch (match[1]) {
    case undefined:
    case '>=':
      return (hits) => hits >= n;
    case '>':
      return (hits) => hits > n;
    case '<':
      return (hits) => hits < n;
    case '<=':
      return (hits) => hits <= n;
    case '%':
      if (n === 0) throw new TestMeshError('hit count % 0 never matches');
      return (hits) => hits % n === 0;
    default:
      return (hits) => hits === n;
  }
}
