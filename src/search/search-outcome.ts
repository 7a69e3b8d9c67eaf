import { computeDeltaM } from '../metrics/delta-m.ts';
import type { ModelMetrics } from '../metrics/evaluation.ts';
import { computeParetoFront, type ParetoPoint } from './pareto-front.ts';
import type { LeaderboardRow, TrialStatus } from './run-record.ts';
import type { StoredRun, TrialDefaults } from './stored-run.ts';

/** What a finished search concludes from its trials. */
export interface SearchOutcome {
  /** Per trial: its final status and metrics with Δm against the baseline. */
  readonly rows: ReadonlyMap<string, { status: TrialStatus; metrics: ModelMetrics | null }>;
  readonly bestTrialId: string | null;
  readonly baselineTrialId: string | null;
  readonly paretoFront: readonly ParetoPoint[];
  readonly stoppedByBudget: boolean;
}

/**
 * Closes a search (SPEC §6): trials left between ASHA rungs become `pruned`; every trial's validation and test
 * metrics get Δm against the `single` baseline; the winner is the completed trial with a saved model and the best
 * validation combined score among those meeting every `selection.floors` entry — or `preferred` (a kept ensemble of
 * trials, chosen by its own rule: see search-ensemble.ts) when it meets them; the Pareto front is taken over per-task
 * validation AUC of the completed trials.
 */
export function applySearchOutcome(rows: readonly LeaderboardRow[], defaults: TrialDefaults, stoppedByBudget: boolean, preferred?: string): SearchOutcome {
  const baseline = rows.find((row) => row.baseline && row.metrics !== null);
  const taskTypes = Object.fromEntries(defaults.tasks.filter((task) => !task.auxiliary).map((task) => [task.name, task.type]));
  const updated = new Map<string, { status: TrialStatus; metrics: ModelMetrics | null }>();
  for (const row of rows) {
    const status: TrialStatus = row.status === 'running' || row.status === 'queued' || row.status === 'interrupted' ? 'pruned' : row.status;
    const metrics =
      row.metrics === null || baseline?.metrics == null
        ? row.metrics
        : {
            validation: { ...row.metrics.validation, deltaM: computeDeltaM(row.metrics.validation.tasks, baseline.metrics.validation.tasks, taskTypes) },
            test: { ...row.metrics.test, deltaM: computeDeltaM(row.metrics.test.tasks, baseline.metrics.test.tasks, taskTypes) },
          };
    updated.set(row.trialId, { status, metrics });
  }
  const completed = rows.filter((row) => updated.get(row.trialId)?.status === 'completed' && row.modelId !== null && row.metrics !== null);
  const eligible = completed.filter((row) => meetsFloors(row.metrics as ModelMetrics, defaults.selection.floors));
  const best = eligible.find((row) => row.trialId === preferred) ?? eligible.reduce<LeaderboardRow | undefined>(
    (top, row) => (top === undefined || (row.metrics?.validation.combinedScore ?? -Infinity) > (top.metrics?.validation.combinedScore ?? -Infinity) ? row : top),
    undefined,
  );
  const taskNames = Object.keys(taskTypes);
  const points = completed.map((row) => ({
    trialId: row.trialId,
    aucs: Object.fromEntries(taskNames.flatMap((task) => {
      const auc = row.metrics?.validation.tasks[task]?.auc;
      return auc === null || auc === undefined ? [] : [[task, auc]];
    })),
  }));
  return {
    rows: updated,
    bestTrialId: best?.trialId ?? null,
    baselineTrialId: baseline?.trialId ?? null,
    paretoFront: computeParetoFront(points, taskNames),
    stoppedByBudget,
  };
}

/**
 * Closes a run whose trials are all done, as every search driver closes it ({@link applySearchOutcome}): the
 * leaderboard with final statuses and Δm, and run.json with the winner, the baseline, the Pareto front and its status
 * (`stopped` when the time budget ended it, else `completed`). Writes nothing: the driver writes both with
 * `writeRunFiles`.
 */
export function closeSearch(run: StoredRun, rows: readonly LeaderboardRow[], stoppedByBudget: boolean, preferred?: string): { run: StoredRun; leaderboard: LeaderboardRow[] } {
  const outcome = applySearchOutcome(rows, run.defaults, stoppedByBudget, preferred);
  return {
    run: {
      ...run,
      status: stoppedByBudget ? 'stopped' : 'completed',
      bestTrialId: outcome.bestTrialId,
      baselineTrialId: outcome.baselineTrialId,
      paretoFront: outcome.paretoFront,
    },
    leaderboard: rows.map((row) => ({ ...row, ...outcome.rows.get(row.trialId) })),
  };
}

/** Whether validation metrics meet `selection.floors`, e.g. `{churn: {auc: 0.8}}`. */
export function meetsFloors(metrics: ModelMetrics, floors: Readonly<Record<string, Readonly<Record<string, number>>>>): boolean {
  return Object.entries(floors).every(([task, minimums]) =>
    Object.entries(minimums).every(([metric, minimum]) => {
      const value = (metrics.validation.tasks[task] as unknown as Record<string, unknown> | undefined)?.[metric];
      return typeof value === 'number' && value >= minimum;
    }),
  );
}
