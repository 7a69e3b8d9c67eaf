import type { TaskMetrics } from './task-metrics.ts';

/**
 * The selection score of SPEC §5: the weighted mean over tasks of (auc + f1) / 2, a task's weight from `weights`
 * (default 1). Tasks whose auc is null are left out and the remaining weights renormalised. Null when no task (or
 * no positive weight) is left. Pass only the tasks that take part in selection (not auxiliary ones).
 */
export function computeCombinedScore(
  tasks: Readonly<Record<string, TaskMetrics>>,
  weights: Readonly<Record<string, number>> = {},
): number | null {
  let weightedSum = 0;
  let weightSum = 0;
  for (const [name, metrics] of Object.entries(tasks)) {
    if (metrics.auc === null) continue;
    const weight = weights[name] ?? 1;
    weightedSum += (weight * (metrics.auc + metrics.f1)) / 2;
    weightSum += weight;
  }
  return weightSum > 0 ? weightedSum / weightSum : null;
}
