import type { ModelConfig } from '../config/schema.ts';
import type { ModelMetrics } from '../metrics/evaluation.ts';
import type { ModelEnsembleInfo } from '../model/model-card.ts';
import type { TaskDiagnostics, TaskWeightSnapshot } from '../train/task-diagnostics-summary.ts';
import type { ParetoPoint } from './pareto-front.ts';

/**
 * Leaderboard status of a trial (SPEC §5). `interrupted`: its worker was stopped mid-way because the search was
 * (SIGINT/SIGTERM); not a failure, and `--resume` trains it again from its checkpoint.
 */
export type TrialStatus = 'queued' | 'running' | 'completed' | 'pruned' | 'failed' | 'interrupted';

/** One row of `runs/<runId>/leaderboard.json` (SPEC §1 `search --json`). */
export interface LeaderboardRow {
  readonly trialId: string;
  /** The trial's full model parameters. */
  readonly config: ModelConfig;
  /** The sampler's raw draw (search-space parameter names), for parameter-importance and weight plots. */
  readonly sample: Readonly<Record<string, unknown>>;
  /** Latest metrics (at the highest rung reached), with `deltaM` against the run's `single` baseline. */
  readonly metrics: ModelMetrics | null;
  /** Each trained epoch's effective task loss weights (empty before the first rung; absent in older runs). */
  readonly taskWeightHistory?: readonly TaskWeightSnapshot[];
  /** Gradient cosines per epoch and label correlation per task pair (absent in older runs). */
  readonly diagnostics?: TaskDiagnostics;
  readonly status: TrialStatus;
  readonly error?: string;
  /** Epochs trained so far. */
  readonly epochs: number;
  /** ASHA: the highest rung completed (0-based); -1 before the first; 0 for other strategies. */
  readonly rung: number;
  /** Validation combined score at each completed rung, for the ASHA chart. */
  readonly rungScores: readonly (number | null)[];
  readonly modelId: string | null;
  /** Worker launches, including retries after a crash. */
  readonly attempts: number;
  /** Whether this trial is the `single` baseline that Δm compares to. */
  readonly baseline: boolean;
  /** Whether this trial is the config's own model and features (`search.defaultTrial`), not a draw from the space. */
  readonly defaultRecipe?: boolean;
  /** Whether this trial is the linear model per task (`search.linearTrial`), not a draw from the space. */
  readonly linear?: boolean;
}

/** `runs/<runId>/run.json`. */
export interface RunRecord {
  readonly runId: string;
  readonly name: string;
  readonly datasetId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** `stopped`: by its time budget; `interrupted`: by SIGINT/SIGTERM, resumable with `search --resume`. */
  readonly status: 'running' | 'completed' | 'stopped' | 'interrupted';
  readonly strategy: 'random' | 'tpe' | 'asha';
  readonly trials: number;
  readonly parallel: number;
  readonly seed: number;
  /** ASHA's rungs in epochs, e.g. [3, 9, 27]; empty for other strategies. */
  readonly rungs: readonly number[];
  readonly space: unknown;
  readonly bestTrialId: string | null;
  readonly baselineTrialId: string | null;
  /** Non-dominated trials by per-task validation AUC. */
  readonly paretoFront: readonly ParetoPoint[];
  /** Total epochs trained over all trials (the search's cost). */
  readonly totalEpochs: number;
  /**
   * `search.ensembleTopK`: the ensemble of the best trials that was tried, its members' and its validation scores and
   * whether it was kept (then it is the leaderboard row `ensemble` and the winner). Absent when none was tried.
   */
  readonly ensemble?: ModelEnsembleInfo & { readonly modelId?: string };
}
