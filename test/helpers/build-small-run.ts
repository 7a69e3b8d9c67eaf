import { loadTableConfig } from '../../src/config/load-config.ts';
import type { ModelConfig, TaskSpec } from '../../src/config/schema.ts';
import { ingestTable } from '../../src/data/ingest-table.ts';
import { computeDeltaM } from '../../src/metrics/delta-m.ts';
import type { ModelMetrics, SplitMetrics } from '../../src/metrics/evaluation.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { computeParetoFront } from '../../src/search/pareto-front.ts';
import type { LeaderboardRow, RunRecord, TrialStatus } from '../../src/search/run-record.ts';
import { runTrial } from '../../src/search/run-trial.ts';
import type { TrialMetricsFile } from '../../src/search/trial-metrics-file.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { writeJson } from '../../src/store/json-object.ts';
import { tinyConfigFile } from './train-tiny-model.ts';

/** One trial of the small run: what the sampler drew, and how far ASHA let it train. */
interface SmallTrialPlan {
  readonly trialId: string;
  readonly arch: 'single' | 'shared-bottom';
  /** Simplex weights per task (Σ = 1), as a sampler draws them. */
  readonly simplex: Readonly<Record<string, number>>;
  readonly dropout: number;
  readonly learningRate: number;
  /** Rungs (0-based) this trial completes; it is pruned after the last one when that is below the top rung. */
  readonly rungsReached: number;
  /** Recorded as failed (never trained) with this error. */
  readonly failure?: string;
  /** The `single` baseline: trained straight to the top rung, as the search does, with `{arch}` as its sample. */
  readonly baseline?: boolean;
}

/** ASHA rungs of the small run, in epochs. */
export const smallRunRungs = [2, 4, 6] as const;

const plans: readonly SmallTrialPlan[] = [
  { trialId: 't000', arch: 'single', simplex: { churn: 1 / 3, security_xsell: 1 / 3, spend: 1 / 3 }, dropout: 0, learningRate: 0.01, rungsReached: 3, baseline: true },
  { trialId: 't001', arch: 'shared-bottom', simplex: { churn: 0.5, security_xsell: 0.3, spend: 0.2 }, dropout: 0.1, learningRate: 0.02, rungsReached: 3 },
  { trialId: 't002', arch: 'shared-bottom', simplex: { churn: 0.2, security_xsell: 0.6, spend: 0.2 }, dropout: 0.3, learningRate: 0.005, rungsReached: 2 },
  { trialId: 't003', arch: 'single', simplex: { churn: 0.15, security_xsell: 0.15, spend: 0.7 }, dropout: 0.2, learningRate: 0.002, rungsReached: 1 },
  { trialId: 't004', arch: 'shared-bottom', simplex: { churn: 0.4, security_xsell: 0.4, spend: 0.2 }, dropout: 0.05, learningRate: 0.03, rungsReached: 3 },
  {
    trialId: 't005',
    arch: 'shared-bottom',
    simplex: { churn: 0.3, security_xsell: 0.3, spend: 0.4 },
    dropout: 0.4,
    learningRate: 0.001,
    rungsReached: 0,
    failure: 'worker exited with signal SIGKILL (attempt 2 of 2)',
  },
];

/** What {@link buildSmallRun} wrote. */
export interface SmallRun {
  readonly runId: string;
  readonly run: RunRecord;
  readonly leaderboard: readonly LeaderboardRow[];
  readonly tasks: readonly TaskSpec[];
}

/**
 * Writes a real, small ASHA-style search run into `store`, as the search orchestrator lays it out (SPEC §8): ingests
 * the fixture table, trains five real trials with `runTrial` (a `single` baseline, single and shared-bottom networks
 * with different task weights, dropout and learning rates), stops two of them at a lower rung so they are pruned,
 * resuming the others from their checkpoints rung by rung (the baseline goes straight to the top rung, as `tandem
 * search` trains it), records one failed trial, then writes `run.json` and `leaderboard.json` with Δm against the
 * baseline, the winner and the Pareto front of the completed trials. About three seconds on the wasm backend.
 */
export async function buildSmallRun(store: BlobStore, runId = 'fixture-20261128T120000Z-report'): Promise<SmallRun> {
  const { config } = await loadTableConfig(tinyConfigFile);
  const backend = await selectBackend();
  const { manifest } = await ingestTable(config, store);
  const taskNames = manifest.tasks.map((task) => task.name);
  const taskTypes = Object.fromEntries(manifest.tasks.map((task) => [task.name, task.type]));
  const topEpochs = smallRunRungs[smallRunRungs.length - 1] as number;

  const trained = new Map<string, { plan: SmallTrialPlan; params: ModelConfig; last: TrialMetricsFile; rungScores: (number | null)[] }>();
  for (const plan of plans) {
    if (plan.failure !== undefined) continue;
    const params: ModelConfig = {
      ...config.model,
      arch: plan.arch,
      weighting: 'fixed',
      taskWeights: Object.fromEntries(taskNames.map((task) => [task, (plan.simplex[task] ?? 0) * taskNames.length])),
      sharedUnits: [8],
      towerUnits: [4],
      dropout: plan.dropout,
      learningRate: plan.learningRate,
      batchSize: 8,
      epochs: topEpochs,
      patience: topEpochs,
      seed: 42 + Number(plan.trialId.slice(1)),
    };
    const rungScores: (number | null)[] = [];
    let last: TrialMetricsFile | undefined;
    const stops = plan.baseline === true ? [topEpochs] : smallRunRungs.slice(0, plan.rungsReached);
    for (const untilEpoch of stops) {
      last = await runTrial(
        store,
        { runId, trialId: plan.trialId, datasetId: manifest.datasetId, name: config.name, params, features: config.features, selection: config.selection, untilEpoch },
        { backend },
      );
      rungScores.push(last.metrics.validation.combinedScore);
    }
    if (last !== undefined) trained.set(plan.trialId, { plan, params, last, rungScores });
  }

  const baseline = [...trained.values()].find((trial) => trial.plan.baseline === true);
  const withDeltaM = (split: SplitMetrics, base: SplitMetrics | undefined): SplitMetrics => ({
    ...split,
    deltaM: base === undefined ? null : computeDeltaM(split.tasks, base.tasks, taskTypes),
  });
  const leaderboard: LeaderboardRow[] = plans.map((plan) => {
    const trial = trained.get(plan.trialId);
    const drawn = { arch: plan.arch, weighting: 'fixed', taskWeights: plan.simplex, sharedWidth: 8, sharedDepth: 1, dropout: plan.dropout, learningRate: plan.learningRate, batchSize: 8 };
    const sample = plan.baseline === true ? { arch: plan.arch } : drawn;
    if (trial === undefined) {
      return {
        trialId: plan.trialId,
        config: { ...config.model, arch: plan.arch, dropout: plan.dropout, learningRate: plan.learningRate },
        sample,
        metrics: null,
        status: 'failed',
        error: plan.failure ?? 'unknown failure',
        epochs: 0,
        rung: -1,
        rungScores: [],
        modelId: null,
        attempts: 2,
        baseline: false,
      };
    }
    const { last } = trial;
    const base = baseline?.last.metrics;
    const metrics: ModelMetrics = { validation: withDeltaM(last.metrics.validation, base?.validation), test: withDeltaM(last.metrics.test, base?.test) };
    const status: TrialStatus = last.state === 'completed' ? 'completed' : 'pruned';
    return {
      trialId: plan.trialId,
      config: trial.params,
      sample,
      metrics,
      status,
      epochs: last.epochsDone,
      rung: plan.rungsReached - 1,
      rungScores: trial.rungScores,
      modelId: last.modelId,
      attempts: 1,
      baseline: plan.baseline === true,
    };
  });

  const completed = leaderboard.filter((row) => row.status === 'completed' && row.metrics?.validation.combinedScore != null);
  const best = completed.reduce<LeaderboardRow | undefined>(
    (top, row) => (top === undefined || (row.metrics?.validation.combinedScore as number) > (top.metrics?.validation.combinedScore as number) ? row : top),
    undefined,
  );
  const points = completed.flatMap((row) => {
    if (row.metrics === null) return [];
    const aucs: Record<string, number> = {};
    for (const [task, m] of Object.entries(row.metrics.validation.tasks)) if (m.auc !== null) aucs[task] = m.auc;
    return [{ trialId: row.trialId, aucs }];
  });
  const now = new Date('2026-11-28T12:00:00Z').toISOString();
  const run: RunRecord = {
    runId,
    name: config.name,
    datasetId: manifest.datasetId,
    createdAt: now,
    updatedAt: now,
    status: 'completed',
    strategy: 'asha',
    trials: plans.filter((plan) => plan.baseline !== true).length,
    parallel: 2,
    seed: 42,
    rungs: [...smallRunRungs],
    space: {},
    bestTrialId: best?.trialId ?? null,
    baselineTrialId: baseline?.plan.trialId ?? null,
    paretoFront: computeParetoFront(points, taskNames),
    totalEpochs: leaderboard.reduce((sum, row) => sum + row.epochs, 0),
  };
  await writeJson(store, `runs/${runId}/leaderboard.json`, leaderboard);
  await writeJson(store, `runs/${runId}/run.json`, run);
  return { runId, run, leaderboard, tasks: manifest.tasks };
}
