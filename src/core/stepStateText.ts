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
