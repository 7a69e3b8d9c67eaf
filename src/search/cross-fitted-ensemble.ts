import { loadDataset } from '../data/load-dataset.ts';
import type { LabelledRow } from '../data/labelled-row.ts';
import { createModelId, modelFolder, saveModel } from '../model/model-artifacts.ts';
import type { ModelCard, ModelEnsembleInfo } from '../model/model-card.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJson } from '../store/json-object.ts';
import { selectBaggedEnsembleWeights } from '../train/bagged-ensemble-selection.ts';
import { splitLabels } from '../train/encoded-split.ts';
import { disposeEnsemble, ensembleInputs, evaluateEnsemble } from '../train/ensemble-candidate.ts';
import { weightedMean } from '../train/ensemble-selection.ts';
import type { SavedEnsembleResult } from '../train/ensemble-saved-models.ts';
import { storeFittedInputsCache } from '../train/fitted-inputs-cache.ts';
import { assignFolds, poolRowsOf, trainFoldCopies, type FoldCopies } from '../train/fold-bag.ts';
import { resolveTrainTasks } from '../train/train-task.ts';
import type { LeaderboardRow } from './run-record.ts';
import { fittedInputsFolder } from './run-keys.ts';
import type { StoredRun } from './stored-run.ts';
import { trialSpecOf } from './trial-spec.ts';

/** Arguments of {@link crossFitTrialEnsemble}. */
export interface CrossFitTrialEnsembleArgs {
  /** Completed trials with models, best first (the search's winner leads): the candidates. */
  readonly trials: readonly LeaderboardRow[];
  /** Folds per trial (`search.ensembleFolds`). */
  readonly folds: number;
  /** Distinct trials the ensemble may average (`search.ensembleTopK`). */
  readonly maxMembers: number;
  /** Progress lines, one per re-trained trial (`ensemble: trial t020 re-trained as 5 fold copies (1/8, 149 s)`). */
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

/**
 * `search.ensembleFolds` = k: the closing's ensemble judged out of fold. Each of `trials` is trained again as k fold
 * copies over the pooled training + validation rows (the same folds for every trial, so each pooled row is predicted
 * by exactly one copy of each trial that never saw it; copy f of every trial shares fold f's fitted trees, kept in the
 * run's inputs folder), bagged ensemble selection per task runs on those out-of-fold predictions of all pooled rows
 * — about eight times the validation rows it otherwise has, where a few hundred rows let the trials that are lucky on
 * them win (README "Where the bar stands", session 15) — and the ensemble is the chosen trials' copies, each trial's
 * copies sharing its weight. Its validation metrics and thresholds are the validation rows' out-of-fold predictions'
 * (as a fold bag's); its test metrics the served average's. Saved as one model, kept whenever selection averages
 * several trials (as the validation-chosen ensemble is); with one trial chosen, the result says so (`kept: false`)
 * and nothing is saved. Costs k trainings per trial.
 */
export async function crossFitTrialEnsemble(store: BlobStore, run: StoredRun, { trials, folds, maxMembers, log = () => {}, now = () => new Date() }: CrossFitTrialEnsembleArgs): Promise<SavedEnsembleResult> {
  const first = trials[0] as LeaderboardRow;
  const winner = { card: await readJson<ModelCard>(store, `${modelFolder(first.modelId as string)}/card.json`) }; // the saved ensemble's card starts from it
  const { manifest, splits } = await loadDataset(store, run.defaults.datasetId);
  const pool: readonly LabelledRow[] = [...splits.train, ...splits.validation];
  const foldOf = assignFolds(pool.length, folds, run.defaults.params.seed);
  const taskNames = manifest.tasks.map((task) => task.name);
  // Tasks as the winner's card fixed them (a regression task's event cut), as any closing measures them.
  const tasks = resolveTrainTasks(manifest.tasks, {}, splitLabels(splits.train, taskNames).labels).map((task) => {
    const rule = winner.card.tasks.find((scoring) => scoring.name === task.name);
    return rule?.positiveAbove === undefined ? task : { ...task, positiveAbove: rule.positiveAbove };
  });
  const copies: FoldCopies[] = [];
  let ensemble: Awaited<ReturnType<typeof evaluateEnsemble>> | undefined;
  try {
    for (const [t, row] of trials.entries()) {
      const spec = trialSpecOf(run, row, row.config.epochs);
      const started = performance.now();
      copies.push(
        await trainFoldCopies(
          { splits, featureColumns: manifest.featureColumns, tasks: manifest.tasks, params: spec.params, features: spec.features, selection: spec.selection, source: manifest.source.path },
          foldOf,
          { setting: 'search.ensembleFolds', foldInputsCache: (fold) => storeFittedInputsCache(store, `${fittedInputsFolder(run.runId)}/folds-${String(folds)}-${String(fold)}`) },
        ),
      );
      log(`ensemble: trial ${row.trialId} re-trained as ${String(folds)} fold copies (${String(t + 1)}/${String(trials.length)}, ${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
    const poolLabels = splitLabels(pool, taskNames);
    const byTask = selectBaggedEnsembleWeights({ candidates: copies.map((copy) => copy.outOfFold), validation: poolLabels, tasks, maxMembers });
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
    const chosen = used.map((i) => copies[i] as FoldCopies);
    const graphMembers = chosen.flatMap((copy) => copy.members);
    const inputs = ensembleInputs(graphMembers.map((member) => member.preprocessor));
    const validationOutOfFold = poolRowsOf(
      Object.assign({}, ...tasks.map((task) => weightedMean(chosen.map((copy) => copy.outOfFold), weights[task.name] as number[], task.name))) as Record<string, Float32Array>,
      splits.train.length,
      splits.validation.length,
    );
    const outputNames = winner.card.tasks.map((task) => task.name);
    ensemble = await evaluateEnsemble(
      graphMembers.map((member) => member.network.serving),
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
    disposeEnsemble(
      copies.flatMap((copy) => copy.members),
      ensemble,
    );
  }
}
