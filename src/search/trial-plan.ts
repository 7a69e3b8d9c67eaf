import type { ModelConfig } from '../config/schema.ts';
import { readTaskDiagnostics } from '../train/task-diagnostics-summary.ts';
import { findAshaPromotion } from './asha.ts';
import type { LeaderboardRow } from './run-record.ts';
import { sampleToModelConfig } from './sample-to-model-config.ts';
import type { SampledTrial, Sampler } from './samplers/sampler.ts';
import type { Sample } from './search-space.ts';
import type { StoredRun, TrialLogEvent } from './stored-run.ts';
import type { TrialMetricsFile } from './trial-metrics-file.ts';

/** One launch of a trial: train it up to `untilEpoch`, which lands it on ASHA rung `rung`. */
export interface TrialJob {
  readonly trialId: string;
  readonly rung: number;
  readonly untilEpoch: number;
}

/** A leaderboard row as a search driver updates it. */
export type SearchRow = { -readonly [K in keyof LeaderboardRow]: LeaderboardRow[K] };

/** A new trial: its leaderboard row (`queued`) and its first job. */
export interface PlannedTrial {
  readonly row: SearchRow;
  readonly job: TrialJob;
}

/** Whether a trial is done with for good: completed, failed (after its retry) or pruned. */
export function isTrialFinished(row: Pick<LeaderboardRow, 'status'>): boolean {
  return row.status === 'completed' || row.status === 'failed' || row.status === 'pruned';
}

/** Whether a trial is one of the run's fixed trials (the `single` baseline, the config's own recipe, the linear model), not a draw from the space. */
export function isFixedTrial(row: Pick<LeaderboardRow, 'baseline' | 'defaultRecipe' | 'linear'>): boolean {
  return row.baseline || row.defaultRecipe === true || row.linear === true;
}

/** How many of the rows are sampled trials (not the fixed ones). */
export function countSampledTrials(rows: Iterable<LeaderboardRow>): number {
  let count = 0;
  for (const row of rows) if (!isFixedTrial(row)) count++;
  return count;
}

/** The fixed trial the run still lacks, in the order they come first: the baseline, the default recipe, the linear model. */
export function pendingFixedTrial(run: Pick<StoredRun, 'settings'>, rows: Iterable<LeaderboardRow>): 'baseline' | 'default' | 'linear' | undefined {
  const all = [...rows];
  if (!all.some((row) => row.baseline)) return 'baseline';
  if (run.settings.defaultTrial === true && !all.some((row) => row.defaultRecipe === true)) return 'default';
  if (run.settings.linearTrial === true && !all.some((row) => row.linear === true)) return 'linear';
  return undefined;
}

/**
 * The fixed trials: what each stores as its sample, and what it changes in the config's model section. The baseline
 * is the base model as `single`; the default recipe changes nothing. The linear trial (`search.linearTrial`): per task
 * one dense unit on the inputs — logistic regression for a binary task, as the reference column that Telco's
 * cross-sell tasks are hardest to beat on — with the inputs a linear model reads best: standard-scaled numeric
 * columns, one-hot categories, no trees; no dropout, no wide part (the model is its own wide part). Its sample holds
 * the features part (so the trial fits that preprocessor), its params the model part.
 */
const fixedTrials: Readonly<Record<'baseline' | 'default' | 'linear', { readonly sample: Sample; readonly params: Partial<ModelConfig> }>> = {
  baseline: { sample: { arch: 'single' }, params: { arch: 'single' } },
  default: { sample: {}, params: {} },
  linear: {
    sample: { arch: 'single', 'features.numericEncoding': 'standard', 'features.categoricalEmbedding': null, 'features.treeLeaves': 0 },
    params: { arch: 'single', sharedUnits: [], towerUnits: [], dropout: 0, wide: false, normalization: 'none', ensembleSeeds: 1 },
  },
};

/**
 * The linear trial trains to convergence: at least 150 epochs with patience 20 (a few seconds on tens of thousands of
 * rows). With a network's 40 epochs and patience 6 its best epoch was its last on a Telco split, and trained on it
 * scored up to 0.0014 AUC more on a cross-sell task (README "Where the bar stands", session 15).
 */
function linearTraining(params: ModelConfig): Pick<ModelConfig, 'epochs' | 'patience'> {
  return { epochs: Math.max(params.epochs, 150), patience: Math.max(params.patience, 20) };
}

/**
 * The next trial of a run with trials `rows` (SPEC §6), as every search driver plans it: the `single` baseline first
 * (the base model with `arch: single`, all its epochs in one job, on the top rung), then with `search.defaultTrial`
 * the config's own model and features as they are (what `tandem train` trains; all its epochs in one job, on the top
 * rung: a known good recipe the search has to beat, not a point of the space), with `search.linearTrial` a linear
 * model per task (likewise), then trials drawn by `sampler` from
 * the run's space given the scored trials so far. With ASHA a sampled trial gets `maxEpochs` and a first job to the
 * first rung; otherwise it trains all its epochs. Trial ids count up: t000 (the baseline), t001, …
 */
export function planNewTrial(run: StoredRun, rows: readonly LeaderboardRow[], sampler: Sampler): PlannedTrial {
  const { settings, defaults } = run;
  const fixed = pendingFixedTrial(run, rows);
  const baseline = fixed === 'baseline';
  const trialId = `t${String(rows.length).padStart(3, '0')}`;
  const asha = settings.strategy === 'asha';
  const taskNames = defaults.tasks.filter((task) => !task.auxiliary).map((task) => task.name);
  const sample: Sample = fixed === undefined ? sampler.sample(settings.space, samplerHistory(rows)) : fixedTrials[fixed].sample;
  const sampled: ModelConfig = fixed === undefined ? sampleToModelConfig(sample, defaults.params, taskNames) : { ...defaults.params, ...fixedTrials[fixed].params, ...(fixed === 'linear' ? linearTraining(defaults.params) : {}) };
  const params: ModelConfig = asha && fixed === undefined ? { ...sampled, epochs: settings.asha.maxEpochs } : sampled;
  const row: SearchRow = {
    trialId,
    config: params,
    sample,
    metrics: null,
    taskWeightHistory: [],
    diagnostics: { gradientCosine: [], labelCorrelation: {} },
    status: 'queued',
    epochs: 0,
    rung: -1,
    rungScores: [],
    modelId: null,
    attempts: 0,
    baseline,
    ...(fixed === 'default' ? { defaultRecipe: true } : {}),
    ...(fixed === 'linear' ? { linear: true } : {}),
  };
  return { row, job: firstTrialJob(run, row) };
}

/**
 * A trial's first job: with ASHA a sampled trial trains to the first rung; the fixed trials, and every trial of the
 * other strategies, train all their epochs on the top rung. Also what a resume runs for a trial that was planned (its row
 * written) but killed before its launch reached the trial log.
 */
export function firstTrialJob(run: StoredRun, row: Pick<LeaderboardRow, 'trialId' | 'baseline' | 'defaultRecipe' | 'linear' | 'config'>): TrialJob {
  const { rungs } = run;
  if (run.settings.strategy === 'asha' && !isFixedTrial(row)) return { trialId: row.trialId, rung: 0, untilEpoch: rungs[0] as number };
  return { trialId: row.trialId, rung: Math.max(rungs.length - 1, 0), untilEpoch: row.config.epochs };
}

/** The sampler's view of a run: every sampled trial with a score so far (its latest rung's). */
export function samplerHistory(rows: Iterable<LeaderboardRow>): SampledTrial[] {
  return [...rows].filter((row) => !isFixedTrial(row) && row.rungScores.length > 0).map((row) => ({ sample: row.sample as Sample, score: row.rungScores.at(-1) ?? null }));
}

/** A trial-log event of `job` at `at`; `attempt` counts the launches of this job (1, then 2 for its retry). */
export function trialEvent(job: TrialJob, event: TrialLogEvent['event'], attempt: number, at: Date, error?: string): TrialLogEvent {
  return { at: at.toISOString(), trialId: job.trialId, event, attempt, rung: job.rung, untilEpoch: job.untilEpoch, ...(error === undefined ? {} : { error }) };
}

/** Marks `row` as launched on `job` (`running`, one more attempt) and returns the trial-log event. */
export function launchTrial(row: SearchRow, job: TrialJob, attempt: number, at: Date): TrialLogEvent {
  row.attempts += 1;
  row.status = 'running';
  return trialEvent(job, 'launched', attempt, at);
}

/**
 * Records what a trial's worker wrote after `job` (its metrics.json) on its row: metrics, task weights and
 * diagnostics, epochs, the rung reached and its score, the saved model; `completed` once all epochs are trained
 * (or it stopped early), else still `running` (paused at an ASHA rung).
 */
export function recordTrialResult(row: SearchRow, job: TrialJob, result: TrialMetricsFile): void {
  row.metrics = result.metrics;
  const summary = readTaskDiagnostics(result);
  if (summary !== undefined) {
    row.taskWeightHistory = summary.taskWeightHistory;
    row.diagnostics = summary.diagnostics;
  }
  row.epochs = result.epochsDone;
  row.rung = job.rung;
  row.rungScores = [...row.rungScores.slice(0, job.rung), result.metrics.validation.combinedScore];
  row.modelId = result.modelId;
  row.status = result.state === 'completed' ? 'completed' : 'running';
}

/** Records a trial that failed for good (after its retry): `failed`, with the error; the search goes on. */
export function recordTrialFailure(row: SearchRow, message: string): void {
  row.status = 'failed';
  row.error = message;
}

/**
 * The next ASHA promotion of a run (SPEC §6), as a job: the best 1/η of a rung go on to the next rung's epochs,
 * resuming from their checkpoints. `isBusy` tells trials that have a job pending; with `finishing` (no new trial will
 * come) a rung's trials are promoted without waiting for η^k more. Undefined when no trial goes on now.
 */
export function nextAshaJob(run: StoredRun, rows: Iterable<LeaderboardRow>, isBusy: (row: LeaderboardRow) => boolean, finishing: boolean): TrialJob | undefined {
  const candidates = [...rows]
    .filter((row) => !isFixedTrial(row))
    .map((row) => ({ trialId: row.trialId, rungScores: row.rungScores, busy: isBusy(row), finished: isTrialFinished(row) }));
  const promotion = findAshaPromotion(candidates, run.rungs.length, run.settings.asha.eta, { finishing });
  return promotion === undefined ? undefined : { trialId: promotion.trialId, rung: promotion.toRung, untilEpoch: run.rungs[promotion.toRung] as number };
}
