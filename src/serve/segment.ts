import type { TaskScoringRule } from '../train/train-candidate.ts';

/** The segment of a customer with no positive decision. */
export const noSegment = 'none';

/**
 * A customer's segment: in config order, the served binary and regression tasks whose decision is positive and, for
 * each multiclass task, `task=class` with its predicted class, joined with `+` (`churn+plan=pro`), or `none`. Stable
 * and readable, so marketing tools can group on it.
 */
export function assignSegment(
  decisions: Readonly<Record<string, boolean>>,
  tasks: readonly TaskScoringRule[],
  classes: Readonly<Record<string, string>> = {},
): string {
  const parts = tasks.flatMap((task) => {
    if (task.type === 'multiclass') {
      const predicted = classes[task.name];
      return predicted === undefined ? [] : [`${task.name}=${predicted}`];
    }
    return decisions[task.name] === true ? [task.name] : [];
  });
  return parts.length === 0 ? noSegment : parts.join('+');
}
