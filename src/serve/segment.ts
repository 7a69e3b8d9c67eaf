import type { TaskScoringRule } from '../train/train-candidate.ts';

/** The segment of a customer with no positive decision. */
export const noSegment = 'none';

/**
 * A customer's segment: the served tasks whose decision is positive, in config order, joined with `+`
 * (`churn+support_xsell`), or `none`. Stable and readable, so marketing tools can group on it.
 */
export function assignSegment(decisions: Readonly<Record<string, boolean>>, tasks: readonly TaskScoringRule[]): string {
  const positive = tasks.filter((task) => decisions[task.name] === true).map((task) => task.name);
  return positive.length === 0 ? noSegment : positive.join('+');
}
