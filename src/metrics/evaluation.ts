import type { TaskMetrics } from './task-metrics.ts';

/** The metrics of one model on one split (SPEC §5): per task, the combined selection score and Δm. */
export interface SplitMetrics {
  /** Per task name; auxiliary tasks may appear here but take no part in combinedScore. */
  readonly tasks: Record<string, TaskMetrics>;
  /** `computeCombinedScore` over the non-auxiliary tasks; null when no task has an auc. */
  readonly combinedScore: number | null;
  /** `computeDeltaM` against the `single` baseline of the same search; null without one. */
  readonly deltaM: number | null;
}

/** What `train --json`, `metrics.json` and leaderboard rows carry as `metrics` (SPEC §5). */
export interface ModelMetrics {
  /** Used for selection and early stopping. */
  readonly validation: SplitMetrics;
  /** Reported for the champion; the promotion rules compare on it. */
  readonly test: SplitMetrics;
}
