import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../data/load-dataset.ts';
import type { LabelledRow } from '../data/labelled-row.ts';
import type { BackendName } from '../model/backend.ts';
import { createModelId, loadModelFolder, modelFolder, saveModel, type LoadedModel } from '../model/model-artifacts.ts';
import type { ModelCard, ModelEnsembleInfo } from '../model/model-card.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJson, readJsonIfExists } from '../store/json-object.ts';
import { selectBaggedEnsembleWeights } from '../train/bagged-ensemble-selection.ts';
import { splitLabels } from '../train/encoded-split.ts';
import { ensembleInputs, evaluateEnsemble, type EvaluatedEnsemble } from '../train/ensemble-candidate.ts';
import { weightedMean } from '../train/ensemble-selection.ts';
import type { SavedEnsembleResult } from '../train/ensemble-saved-models.ts';
import { assignFolds, checkFoldColumns, placeHeldPredictions, poolRowsOf } from '../train/fold-bag.ts';
import { resolveTrainTasks } from '../train/train-task.ts';
import type { LeaderboardRow } from './run-record.ts';
import { foldCopyModelId, readFoldCopyMetrics, type FoldCopyPredictions } from './run-fold-copy.ts';
import { foldCopyFolder, trialFolder } from './run-keys.ts';
import { runTrial } from './run-trial.ts';
import type { StoredRun } from './stored-run.ts';
import type { TrialMetricsFile } from './trial-metrics-file.ts';
import { candidateArgsOf, trialSpecOf, type TrialFold, type TrialSpec } from './trial-spec.ts';

/** Trains one fold copy of a trial (a fold-copy trial spec) and resolves once its files are in the store. */
export type FoldCopyTrainer = (spec: FoldCopySpec) => Promise<void>;

/** Arguments of {@link crossFitTrialEnsemble}. */
export interface CrossFitTrialEnsembleArgs {
  /** Completed trials with models, best first (the search's winner leads): the candidates. */
  readonly trials: readonly LeaderboardRow[];
  /** Folds per trial (`search.ensembleFolds`). */
  readonly folds: number;
  /** Distinct trials the ensemble may average (`search.ensembleTopK`). */
  readonly maxMembers: number;
  /**
   * Trains a fold copy: a search's trial launcher (a worker process, like any trial). @default in this process
   * ({@link runTrial} on the current backend)
   */
  readonly trainCopy?: FoldCopyTrainer;
  /** Fold copies trained at once (a search's `parallel`). @default 1 */
  readonly parallel?: number;
  /**
   * No copy starts at or after this time (ms since the epoch: a search's `budgetMinutes`, whose trials they are); a trial
   * whose copies are not all trained is left out of the selection. @default no limit
   */
  readonly deadline?: number;
  /** Aborted (the search stopping): no copy starts, and the closing rejects with the failure of a copy it stopped. */
  readonly signal?: AbortSignal;
  /**
   * Progress lines: what is to be trained and about how long it takes (from the trials' own epochs), then one per
   * re-trained trial (`ensemble: trial t020 re-trained as 5 fold copies (1/8, 149 s)`).
   */
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

/**
 * `search.ensembleFolds` = k: the closing's ensemble judged out of fold. Each of `trials` is trained again as k fold
 * copies over the pooled training + validation rows — fold-copy trial jobs (`TrialSpec.fold`), `parallel` at a time
 * through `trainCopy`, each saved as a model with its predictions of its fold's rows; copies already in the store (a
 * closing run again) are reused — with the same folds for every trial, so each pooled row is predicted by exactly
 * one copy of each trial that never saw it (copy f of every trial shares fold f's fitted trees, kept in the run's
 * inputs folder). Bagged ensemble selection per task then runs on those out-of-fold predictions of all pooled rows
 * — about eight times the validation rows it otherwise has, where a few hundred rows let the trials that are lucky
 * on them win (README "Where the bar stands", session 15) — and the ensemble is the chosen trials' copies, each
 * trial's copies sharing its weight. Its validation metrics and thresholds are the validation rows' out-of-fold
 * predictions' (as a fold bag's); its test metrics the served average's. Saved as one model, kept whenever selection
 * averages several trials (as the validation-chosen ensemble is); with one trial chosen, the result says so (`kept:
 * false`) and no ensemble is saved. Costs k trainings per trial. Undefined when `deadline` left fewer than two trials
 * with all their copies: the caller closes on validation instead.
 */
export async function crossFitTrialEnsemble(store: BlobStore, run: StoredRun, args: CrossFitTrialEnsembleArgs): Promise<SavedEnsembleResult | undefined> {
  const { folds, maxMembers, log = () => {}, now = () => new Date() } = args;
  const first = args.trials[0] as LeaderboardRow;
  const winner = { card: await readJson<ModelCard>(store, `${modelFolder(first.modelId as string)}/card.json`) }; // the saved ensemble's card starts from it
  const { manifest, splits } = await loadDataset(store, run.defaults.datasetId);
  const pool: readonly LabelledRow[] = [...splits.train, ...splits.validation];
  const seed = run.defaults.params.seed;
  const foldOf = assignFolds(pool.length, folds, seed);
  const specs = foldCopySpecs(run, args.trials, folds);
  // Before any training: copies whose rows would give them different feature columns could not be served as one model.
  for (const spec of specs.filter((copy) => copy.fold.index === 0)) {
    checkFoldColumns(pool, foldOf, folds, 'search.ensembleFolds', candidateArgsOf(spec, { manifest, splits }));
  }
  const failed = await trainFoldCopyJobs(store, run, specs, {
    folds,
    trials: args.trials.length,
    // A copy trains on (k − 1)/k of the pooled rows, its trial on the training rows: its epochs cost about that share.
    copyRowsShare: ((pool.length * (folds - 1)) / folds) / Math.max(1, splits.train.length),
    trainCopy: args.trainCopy ?? trainCopyHere(store),
    parallel: args.parallel ?? 1,
    deadline: args.deadline ?? Infinity,
    now,
    log,
    ...(args.signal === undefined ? {} : { signal: args.signal }),
  });
  const missing = new Set((await missingFoldCopies(store, run, specs)).map((spec) => spec.trialId));
  const trials = args.trials.filter((row) => !missing.has(row.trialId));
  const unbudgeted = [...missing].filter((trialId) => !failed.has(trialId));
  if (failed.size > 0) log(`ensemble: ${[...failed].join(', ')} left out: a fold copy failed twice`);
  if (unbudgeted.length > 0) log(`ensemble: the search's budget left ${unbudgeted.join(', ')} without all ${String(folds)} fold copies; selection goes on without ${unbudgeted.length === 1 ? 'it' : 'them'}`);
  // Fewer than two trials with all their copies: nothing to judge out of fold, the closing on validation answers.
  if (trials.length < 2) return undefined;

  const taskNames = manifest.tasks.map((task) => task.name);
  // Tasks as the winner's card fixed them (a regression task's event cut), as any closing measures them.
  const tasks = resolveTrainTasks(manifest.tasks, {}, splitLabels(splits.train, taskNames).labels).map((task) => {
    const rule = winner.card.tasks.find((scoring) => scoring.name === task.name);
    return rule?.positiveAbove === undefined ? task : { ...task, positiveAbove: rule.positiveAbove };
  });
  const heldRows = Array.from({ length: folds }, (_, fold) => pool.map((_, row) => row).filter((row) => foldOf[row] === fold));
  const outOfFold = await Promise.all(
    trials.map(async (row) => {
      const predictions: Record<string, Float32Array> = {};
      for (let fold = 0; fold < folds; fold++) {
        const file = await readJson<FoldCopyPredictions>(store, `${foldCopyFolder(run.runId, row.trialId, folds, fold)}/predictions.json`);
        placeHeldPredictions(predictions, Object.fromEntries(Object.entries(file.outputs).map(([name, values]) => [name, Float32Array.from(values)])), heldRows[fold] as number[], pool.length);
      }
      return predictions;
    }),
  );
  const poolLabels = splitLabels(pool, taskNames);
  const byTask = selectBaggedEnsembleWeights({ candidates: outOfFold, validation: poolLabels, tasks, maxMembers });
  const used = trials.map((_, i) => i).filter((i) => Object.values(byTask).some((counts) => (counts[i] as number) > 0));
  const weights = Object.fromEntries(Object.entries(byTask).map(([task, counts]) => [task, used.map((i) => counts[i] as number)]));
  const memberOf = (i: number): ModelEnsembleInfo['members'][number] => {
    const row = trials[i] as LeaderboardRow;
    return { id: row.trialId, seed: row.config.seed, modelId: row.modelId as string, validationCombinedScore: row.metrics?.validation.combinedScore ?? -Infinity };
  };
  const bestMemberValidationCombinedScore = Math.max(...used.map((i) => memberOf(i).validationCombinedScore));
  if (used.length < 2) {
    const only = memberOf(used[0] ?? 0);
    return { ensemble: { kind: 'trials', kept: false, members: [only], validationCombinedScore: only.validationCombinedScore, bestMemberValidationCombinedScore: only.validationCombinedScore, folds } };
  }
  const copies: LoadedModel[] = [];
  let ensemble: EvaluatedEnsemble | undefined;
  try {
    for (const i of used) {
      const row = trials[i] as LeaderboardRow;
      for (let fold = 0; fold < folds; fold++) copies.push(await loadModelFolder(store, modelFolder(foldCopyModelId(run.runId, row.trialId, { folds, index: fold, seed }))));
    }
    const inputs = ensembleInputs(copies.map((copy) => copy.preprocessor));
    const validationOutOfFold = poolRowsOf(
      Object.assign({}, ...tasks.map((task) => weightedMean(used.map((i) => outOfFold[i] as Record<string, Float32Array>), weights[task.name] as number[], task.name))) as Record<string, Float32Array>,
      splits.train.length,
      splits.validation.length,
    );
    const outputNames = winner.card.tasks.map((task) => task.name);
    ensemble = await evaluateEnsemble(
      copies.map((copy) => copy.network),
      { outputNames, preprocessor: inputs.preprocessor, tasks, splits, validationPredictions: validationOutOfFold, selection: run.defaults.selection },
      // Each trial's weight on each of its copies: the copies average to the trial's bag.
      Object.fromEntries(Object.entries(weights).map(([task, counts]) => [task, counts.flatMap((count) => Array.from({ length: folds }, () => count))])),
      inputs.ranges,
    );
    const info: ModelEnsembleInfo = {
      kind: 'trials',
      kept: true,
      members: used.map(memberOf),
      validationCombinedScore: ensemble.metrics.validation.combinedScore ?? -Infinity,
      bestMemberValidationCombinedScore,
      weights,
      folds,
    };
    const modelId = createModelId(winner.card.name, now());
    const card: ModelCard = { ...winner.card, modelId, createdAt: now().toISOString(), tasks: ensemble.scoring, metrics: ensemble.metrics, ensemble: info };
    await saveModel(store, { card, network: ensemble.serving, preprocessor: inputs.preprocessor, stability: ensemble.stability, metrics: { ...ensemble.metrics, history: [] } });
    return { ensemble: info, modelId };
  } finally {
    ensemble?.serving.dispose();
    for (const copy of copies) copy.network.dispose();
  }
}

/** A fold-copy trial spec. */
type FoldCopySpec = TrialSpec & { readonly fold: TrialFold };

/** Every fold copy of `trials`, trial by trial (the folds dealt with the run's seed, the same for every trial). */
export function foldCopySpecs(run: StoredRun, trials: readonly LeaderboardRow[], folds: number): FoldCopySpec[] {
  const seed = run.defaults.params.seed;
  return trials.flatMap((row) => {
    const spec = trialSpecOf(run, row, row.config.epochs);
    return Array.from({ length: folds }, (_, index) => ({ ...spec, fold: { folds, index, seed } }));
  });
}

/** The copies among `specs` whose metrics.json (written last) is not in the store yet. */
export async function missingFoldCopies(store: BlobStore, run: StoredRun, specs: readonly FoldCopySpec[]): Promise<FoldCopySpec[]> {
  const found = await Promise.all(specs.map((spec) => readFoldCopyMetrics(store, run.runId, spec.trialId, spec.fold)));
  return specs.filter((_, i) => found[i] === undefined);
}

/**
 * Trains every copy of `specs` (`folds` per trial, trial by trial, so the best trials' come first) not already in the
 * store, `parallel` at a time, starting none at or after `deadline` or once `signal` aborts; a failed copy is tried
 * once more, then its trial is given up (returned: it is left out of the selection, not the search's failure). Logs
 * each trial once its copies are all there.
 */
async function trainFoldCopyJobs(
  store: BlobStore,
  run: StoredRun,
  specs: readonly FoldCopySpec[],
  {
    folds,
    trials,
    copyRowsShare,
    trainCopy,
    parallel,
    deadline,
    now,
    log,
    signal,
  }: { folds: number; trials: number; copyRowsShare: number; trainCopy: FoldCopyTrainer; parallel: number; deadline: number; now: () => Date; log: (line: string) => void; signal?: AbortSignal },
): Promise<Set<string>> {
  const left = new Map<string, number>();
  const seconds = new Map<string, number>();
  let done = 0;
  const finish = async (spec: FoldCopySpec): Promise<void> => {
    const metrics = await readFoldCopyMetrics(store, run.runId, spec.trialId, spec.fold);
    seconds.set(spec.trialId, (seconds.get(spec.trialId) ?? 0) + (metrics?.seconds ?? 0));
    const remaining = (left.get(spec.trialId) ?? folds) - 1;
    left.set(spec.trialId, remaining);
    if (remaining === 0) log(`ensemble: trial ${spec.trialId} re-trained as ${String(folds)} fold copies (${String(++done)}/${String(trials)}, ${(seconds.get(spec.trialId) ?? 0).toFixed(0)} s)`);
  };
  const pending = await missingFoldCopies(store, run, specs);
  for (const spec of specs) if (!pending.includes(spec)) await finish(spec);
  if (pending.length > 0) log(await foldCopyPlanLine(store, run, specs, pending, { copyRowsShare, parallel }));
  const failed = new Set<string>();
  const attempt = async (spec: FoldCopySpec, retry: boolean): Promise<boolean> => {
    try {
      await trainCopy(spec);
      return true;
    } catch (error) {
      if (signal?.aborted === true) throw error;
      log(`ensemble: fold copy ${String(spec.fold.index)} of trial ${spec.trialId} failed (${error instanceof Error ? error.message : String(error)})${retry ? '; retrying once' : ''}`);
      return false;
    }
  };
  const runJob = async (spec: FoldCopySpec): Promise<void> => {
    // A trial already missing a copy cannot join the selection: its other copies are not worth training.
    if (failed.has(spec.trialId)) return;
    if ((await attempt(spec, true)) || (await attempt(spec, false))) await finish(spec);
    else failed.add(spec.trialId);
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length && now().getTime() < deadline && signal?.aborted !== true) await runJob(pending[next++] as FoldCopySpec);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, pending.length)) }, worker));
  if (signal?.aborted === true) throw new Error('the closing was stopped');
  return failed;
}

/**
 * `ensemble: 23 fold copies of 6 trials to train (17 already in the store), about 41 min with 2 at a time (their trials'
 * epochs took 1052 s)`: a BankChurners closing can take hours, so the user learns it before it starts. The estimate
 * is each copy's trial's epoch seconds (its model's history) scaled by the copy's share of rows, over `parallel`.
 */
async function foldCopyPlanLine(
  store: BlobStore,
  run: StoredRun,
  specs: readonly FoldCopySpec[],
  pending: readonly FoldCopySpec[],
  { copyRowsShare, parallel }: { copyRowsShare: number; parallel: number },
): Promise<string> {
  const trialIds = [...new Set(pending.map((spec) => spec.trialId))];
  const epochSeconds = new Map<string, number>();
  for (const trialId of trialIds) {
    const metrics = await readJsonIfExists<TrialMetricsFile>(store, `${trialFolder(run.runId, trialId)}/metrics.json`);
    epochSeconds.set(trialId, (metrics?.history ?? []).reduce((sum, epoch) => sum + epoch.seconds, 0));
  }
  const trialSeconds = [...epochSeconds.values()].reduce((sum, seconds) => sum + seconds, 0);
  const copySeconds = pending.reduce((sum, spec) => sum + (epochSeconds.get(spec.trialId) ?? 0) * copyRowsShare, 0);
  const wall = copySeconds / Math.max(1, Math.min(parallel, pending.length));
  const stored = specs.length - pending.length;
  const duration = wall < 60 ? 'under a minute' : wall < 7200 ? `about ${(wall / 60).toFixed(0)} min` : `about ${(wall / 3600).toFixed(1)} h`;
  return (
    `ensemble: ${String(pending.length)} fold ${pending.length === 1 ? 'copy' : 'copies'} of ${String(trialIds.length)} ${trialIds.length === 1 ? 'trial' : 'trials'} to train` +
    `${stored > 0 ? ` (${String(stored)} already in the store)` : ''}, ${duration} with ${String(Math.min(parallel, pending.length))} at a time (their trials' epochs took ${trialSeconds.toFixed(0)} s)`
  );
}

/** Fold copies trained in this process, on its backend (the AWS select step, scripts and tests). */
function trainCopyHere(store: BlobStore): FoldCopyTrainer {
  return async (spec) => {
    await runTrial(store, spec, { backend: tf.getBackend() as BackendName });
  };
}
