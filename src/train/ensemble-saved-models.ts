import type { SelectionConfig } from '../config/schema.ts';
import type { DatasetSplits, LabelledRow } from '../data/labelled-row.ts';
import { loadDataset } from '../data/load-dataset.ts';
import type { Preprocessor } from '../features/preprocessor.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { createModelId, loadModel, saveModel, type LoadedModel } from '../model/model-artifacts.ts';
import type { EnsembleMember, ModelCard, ModelEnsembleInfo } from '../model/model-card.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { EnsembleOutputWeights } from '../model/ensemble-network.ts';
import { encodeSplit, type EncodedSplit } from './encoded-split.ts';
import { selectBaggedEnsembleWeights } from './bagged-ensemble-selection.ts';
import { predictNetwork } from './predict-network.ts';
import { ensembleInputs, ensembleWins, evaluateEnsemble } from './ensemble-candidate.ts';
import { resolveTrainTasks, type TrainTask } from './train-task.ts';

/** One saved model to average, e.g. a finished search trial. */
export interface SavedEnsembleMember {
  readonly modelId: string;
  /** How the card names the member (a trial id). @default the model id */
  readonly id?: string;
}

/** Arguments of {@link ensembleSavedModels}. */
export interface EnsembleSavedModelsArgs {
  /**
   * k ≥ 2 saved models of one dataset; the first is the one to beat (a search's winner). Their preprocessors may differ
   * (as a search's trials' do) when they read the same feature columns: the ensemble then reads them all, joined.
   */
  readonly members: readonly SavedEnsembleMember[];
  readonly selection: SelectionConfig;
  /**
   * Pick the ensemble from `members` (candidates, best first) by ensemble selection per task on validation
   * ({@link selectEnsembleWeights}), using at most `maxMembers` of them. Absent: every member, weighted by `weights`.
   */
  readonly select?: { readonly maxMembers: number };
  /** Per task, each member's weight (as a card's `ensemble.weights` records it). @default 1 each */
  readonly weights?: EnsembleOutputWeights;
  /** Save the ensemble even when it does not beat its best member (tests, explicit requests). @default false */
  readonly saveWhenLosing?: boolean;
  readonly now?: () => Date;
}

/** What {@link ensembleSavedModels} decided; `modelId` is set when the ensemble was saved as a model. */
export interface SavedEnsembleResult {
  readonly ensemble: ModelEnsembleInfo;
  readonly modelId?: string;
}

/**
 * Averages saved models into one ({@link evaluateEnsemble}; with `select`, the members and per-task weights that
 * bagged ensemble selection picks), measures it on their dataset's validation and test splits as any model is
 * measured, and saves it as `models/<id>/` (the first member's card with the ensemble's metrics, thresholds and
 * deciles) when it is kept: with `select`, whenever selection averages several distinct candidates; given its members,
 * when its validation combined score beats every member's. Used after a search (`search.ensembleTopK`). Members of another
 * dataset are refused. Members with different preprocessors are served through one joined preprocessor
 * ({@link joinPreprocessors}: each distinct one's inputs side by side, each member reading its own), so the ensemble
 * stays one model with one forward call. When selection keeps the first member alone, nothing is averaged and the
 * result says so (`kept: false`, that one member).
 */
export async function ensembleSavedModels(store: BlobStore, args: EnsembleSavedModelsArgs): Promise<SavedEnsembleResult> {
  const loaded: LoadedModel[] = [];
  try {
    const { splits, taskNames, tasks, outputNames } = await loadMembers(store, args.members, loaded);
    const first = loaded[0] as LoadedModel;
    const chosen =
      args.select === undefined
        ? { indices: loaded.map((_, i) => i), weights: args.weights ?? {} }
        : await selectMembers(loaded, encodedValidation(splits.validation, taskNames), tasks, outputNames, args.select.maxMembers);
    const memberScoreOf = (model: LoadedModel): number => model.card.metrics.validation.combinedScore ?? -Infinity;
    const memberOf = (i: number): EnsembleMember => {
      const model = loaded[i] as LoadedModel;
      return { id: args.members[i]?.id ?? model.modelId, seed: model.card.training.params.seed, modelId: model.modelId, validationCombinedScore: memberScoreOf(model) };
    };
    if (chosen.indices.length < 2) {
      const score = memberScoreOf(first);
      return { ensemble: { kind: 'trials', kept: false, members: [memberOf(0)], validationCombinedScore: score, bestMemberValidationCombinedScore: score } };
    }
    const inputs = ensembleInputs(chosen.indices.map((i) => (loaded[i] as LoadedModel).preprocessor));
    const evaluated = await evaluateEnsemble(
      chosen.indices.map((i) => (loaded[i] as LoadedModel).network),
      { outputNames, preprocessor: inputs.preprocessor, tasks, splits, selection: args.selection },
      chosen.weights,
      inputs.ranges,
    );
    try {
      const memberScores = chosen.indices.map((i) => memberScoreOf(loaded[i] as LoadedModel));
      const validationCombinedScore = evaluated.metrics.validation.combinedScore ?? -Infinity;
      // Selected from candidates (a search's trials): kept whenever selection averages several. Its validation score is
      // no fair judge here: the best trial's is the luckiest of many, and bagged selection does not chase validation
      // noise (README "Ensembles"). Given members: the first model is the one to beat on validation.
      const kept = args.select !== undefined || ensembleWins(validationCombinedScore, [...memberScores, memberScoreOf(first)]);
      const members = chosen.indices.map(memberOf);
      const ensemble: ModelEnsembleInfo = {
        kind: 'trials',
        kept,
        members,
        validationCombinedScore,
        bestMemberValidationCombinedScore: Math.max(...memberScores),
        ...(Object.keys(chosen.weights).length === 0 ? {} : { weights: chosen.weights }),
      };
      if (!kept && args.saveWhenLosing !== true) return { ensemble };
      const now = args.now ?? (() => new Date());
      const modelId = createModelId(first.card.name, now());
      const card: ModelCard = { ...first.card, modelId, createdAt: now().toISOString(), tasks: evaluated.scoring, metrics: evaluated.metrics, ensemble };
      await saveModel(store, { card, network: evaluated.serving, preprocessor: inputs.preprocessor, stability: evaluated.stability, metrics: { ...evaluated.metrics, history: [] } });
      return { ensemble, modelId };
    } finally {
      evaluated.serving.dispose();
    }
  } finally {
    for (const model of loaded) model.network.dispose();
  }
}

/**
 * Which of `members` (candidates, best first) bagged ensemble selection on their validation predictions picks, at most
 * `maxMembers`, and each task's weights over those: {@link ensembleSavedModels}'s choice without building the ensemble
 * (a cross-fitted closing re-trains the chosen ones instead).
 */
export async function selectSavedModels(store: BlobStore, { members, maxMembers }: { readonly members: readonly SavedEnsembleMember[]; readonly maxMembers: number }): Promise<{ indices: number[]; weights: Record<string, number[]> }> {
  const loaded: LoadedModel[] = [];
  try {
    const { splits, taskNames, tasks, outputNames } = await loadMembers(store, members, loaded);
    return await selectMembers(loaded, encodedValidation(splits.validation, taskNames), tasks, outputNames, maxMembers);
  } finally {
    for (const model of loaded) model.network.dispose();
  }
}

/**
 * Loads `members` into `loaded` (which the caller frees, also on failure) and their dataset; refuses members of
 * another dataset. The tasks are resolved as the first member's card fixed them (a regression task's event cut).
 */
async function loadMembers(store: BlobStore, members: readonly SavedEnsembleMember[], loaded: LoadedModel[]): Promise<{ splits: DatasetSplits; taskNames: string[]; tasks: TrainTask[]; outputNames: string[] }> {
  for (const member of members) loaded.push(await loadModel(store, member.modelId));
  const first = loaded[0] as LoadedModel;
  for (const model of loaded) {
    if (model.card.datasetId !== first.card.datasetId) {
      throw new BadInputError(`model ${model.modelId} was trained on dataset ${model.card.datasetId}, not ${first.card.datasetId}: only models of one dataset can be averaged`, { value: model.modelId });
    }
  }
  const { manifest, splits } = await loadDataset(store, first.card.datasetId);
  const taskNames = manifest.tasks.map((task) => task.name);
  // Evaluation needs each task's type, classes and event cut: the latter as the first member's card fixed it.
  const labels = Object.fromEntries(taskNames.map((name) => [name, Float32Array.from(splits.train, (row) => row.labels[name] ?? Number.NaN)]));
  const tasks = resolveTrainTasks(manifest.tasks, {}, labels).map((task) => {
    const rule = first.card.tasks.find((scoring) => scoring.name === task.name);
    return rule?.positiveAbove === undefined ? task : { ...task, positiveAbove: rule.positiveAbove };
  });
  return { splits, taskNames, tasks, outputNames: first.card.tasks.map((task) => task.name) };
}

/** The validation rows encoded with each preprocessor asked for, once per distinct one. */
function encodedValidation(rows: readonly LabelledRow[], taskNames: readonly string[]): (preprocessor: Preprocessor) => EncodedSplit {
  const byPreprocessor = new Map<string, EncodedSplit>();
  return (preprocessor) => {
    const key = JSON.stringify(preprocessor);
    const known = byPreprocessor.get(key);
    if (known !== undefined) return known;
    const encoded = encodeSplit(rows, preprocessor, taskNames);
    byPreprocessor.set(key, encoded);
    return encoded;
  };
}

/**
 * Bagged ensemble selection over the loaded candidates ({@link selectBaggedEnsembleWeights} on their validation
 * predictions, each from its own preprocessor's inputs): the candidates some task uses, in candidate order, and each
 * task's weights over them.
 */
async function selectMembers(
  loaded: readonly LoadedModel[],
  validationFor: (preprocessor: Preprocessor) => EncodedSplit,
  tasks: readonly TrainTask[],
  outputNames: readonly string[],
  maxMembers: number,
): Promise<{ indices: number[]; weights: Record<string, number[]> }> {
  const candidates: Record<string, Float32Array>[] = [];
  for (const model of loaded) {
    const validation = validationFor(model.preprocessor);
    candidates.push(await predictNetwork(model.network, validation.x, validation.rows, validation.width, outputNames));
  }
  const validation = validationFor((loaded[0] as LoadedModel).preprocessor);
  // A candidate predicting exactly what an earlier one does (the same model twice) would only pad the average.
  const distinct = candidates.map((_, i) => i).filter((i) => !candidates.slice(0, i).some((earlier) => samePredictions(earlier, candidates[i] as Record<string, Float32Array>)));
  const byTask = selectBaggedEnsembleWeights({ candidates: distinct.map((i) => candidates[i] as Record<string, Float32Array>), validation, tasks, maxMembers });
  const used = distinct.map((i, j) => ({ i, j })).filter(({ j }) => Object.values(byTask).some((counts) => (counts[j] as number) > 0));
  return { indices: used.map(({ i }) => i), weights: Object.fromEntries(Object.entries(byTask).map(([task, counts]) => [task, used.map(({ j }) => counts[j] as number)])) };
}

function samePredictions(a: Readonly<Record<string, Float32Array>>, b: Readonly<Record<string, Float32Array>>): boolean {
  return Object.entries(a).every(([task, values]) => {
    const other = b[task];
    return other !== undefined && other.length === values.length && values.every((v, r) => v === other[r]);
  });
}
