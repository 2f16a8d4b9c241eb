/**
 * The words for a step's state, one message per state, so the Test Explorer's output, the
 * editor's marks, the panel and the CLI say the same thing ("skipped: an earlier step failed")
 * and never say it twice.
 */
import { formatDuration } from './format';

/** `skipped: <reason>` (or `skipped` when there is no reason). */
export function skippedText(reason?: string): string {
  const why = reason?.trim();
  return why ? `skipped: ${why}` : 'skipped';
}

/**
 * Why a nested step did not run although its parent ended without skipping it: the words the
 * panel and the Test Explorer use for steps no event reported.
 */
export function notRunReason(parentAction: string | undefined): string {
  if (parentAction === 'condition') return 'the condition took the other branch';
  if (parentAction === 'for_each') return 'no items to loop over';
  return 'not run';
}

export type StepOutcome = 'running' | 'passed' | 'failed' | 'skipped';

/** A step's state first, then its duration: `✓ 405 ms`, `✗ 2.10 s`, `– skipped: …`, `⟳ running…`. */
export function stepStateText(
  outcome: StepOutcome,
  options: { durationMs?: number; skipReason?: string } = {},
): string {
  switch (outcome) {
    case 'running':
      return '⟳ running…';
    case 'skipped':
      return `– ${skippedText(options.skipReason)}`;
    case 'passed':
      return `✓ ${formatDuration(options.durationMs ?? 0)}`;
    case 'failed':
      return `✗ ${formatDuration(options.durationMs ?? 0)}`;
  }
}
