import type { TaskSpec } from '../config/schema.ts';
import type { TaskMetrics } from './task-metrics.ts';

/** A metric Δm compares, and whether a higher value is better. */
interface DeltaMetric {
  readonly key: 'auc' | 'f1' | 'rmse';
  readonly higherIsBetter: boolean;
}

/** The (metric, direction) pairs Δm reads for each task type. */
const DELTA_METRICS: Readonly<Record<TaskSpec['type'], readonly DeltaMetric[]>> = {
  binary: [
    { key: 'auc', higherIsBetter: true },
    { key: 'f1', higherIsBetter: true },
  ],
  multiclass: [
    { key: 'auc', higherIsBetter: true },
    { key: 'f1', higherIsBetter: true },
  ],
  regression: [
    { key: 'rmse', higherIsBetter: false },
    { key: 'auc', higherIsBetter: true },
  ],
};

/** A metric of a task as a number, or null when that task or metric is absent or undefined. */
function readMetric(metrics: TaskMetrics | undefined, key: DeltaMetric['key']): number | null {
  if (metrics === undefined) return null;
  switch (key) {
    case 'auc':
      return metrics.auc;
    case 'f1':
      return metrics.f1;
    case 'rmse':
      return metrics.type === 'regression' ? metrics.rmse : null;
  }
}

/**
 * Δm of Maninis et al. (2019) as LibMTL reports it: the mean over (task, metric) pairs of ±(M − B) / B, with +
 * for higher-is-better metrics (auc, f1) and − for lower-is-better ones (rmse), so a positive value means the
 * model beats the baseline. Binary tasks contribute auc and f1, regression tasks rmse and auc. Pairs whose baseline
 * is null or 0, or whose model value is null, are skipped. Returns a fraction (0.012 = +1.2 %), null when no
 * pair is left. `taskTypes` names the tasks to compare.
 */
export function computeDeltaM(
  model: Readonly<Record<string, TaskMetrics>>,
  baseline: Readonly<Record<string, TaskMetrics>>,
  taskTypes: Readonly<Record<string, TaskSpec['type']>>,
): number | null {
  let sum = 0;
  let pairs = 0;
  for (const [task, type] of Object.entries(taskTypes)) {
    for (const { key, higherIsBetter } of DELTA_METRICS[type]) {
      const base = readMetric(baseline[task], key);
      const value = readMetric(model[task], key);
      if (base === null || base === 0 || value === null) continue;
      const relative = (value - base) / base;
      sum += higherIsBetter ? relative : -relative;
      pairs++;
    }
  }
  return pairs > 0 ? sum / pairs : null;
}
