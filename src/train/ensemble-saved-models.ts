import type { SelectionConfig } from '../config/schema.ts';
import { loadDataset } from '../data/load-dataset.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { createModelId, loadModel, saveModel, type LoadedModel } from '../model/model-artifacts.ts';
import type { EnsembleMember, ModelCard, ModelEnsembleInfo } from '../model/model-card.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { encodeSplit } from './encoded-split.ts';
import { ensembleWins, evaluateEnsemble } from './ensemble-candidate.ts';
import { resolveTrainTasks } from './train-task.ts';

/** One saved model to average, e.g. a finished search trial. */
export interface SavedEnsembleMember {
  readonly modelId: string;
  /** How the card names the member (a trial id). @default the model id */
  readonly id?: string;
}

/** Arguments of {@link ensembleSavedModels}. */
export interface EnsembleSavedModelsArgs {
  /** k ≥ 2 saved models of one dataset with identical preprocessors; the first is the one to beat (a search's winner). */
  readonly members: readonly SavedEnsembleMember[];
  readonly selection: SelectionConfig;
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
 * Averages saved models into one ({@link evaluateEnsemble}), measures it on their dataset's validation and test splits
 * as any model is measured, and saves it as `models/<id>/` (the first member's card with the ensemble's metrics,
 * thresholds and deciles) when its validation combined score beats every member's. Used after a search
 * (`search.ensembleTopK`). Members with another preprocessor or dataset are refused: their inputs differ.
 */
export async function ensembleSavedModels(store: BlobStore, args: EnsembleSavedModelsArgs): Promise<SavedEnsembleResult> {
  const loaded: LoadedModel[] = [];
  try {
    for (const member of args.members) loaded.push(await loadModel(store, member.modelId));
    const first = loaded[0] as LoadedModel;
    const preprocessorJson = JSON.stringify(first.preprocessor);
    for (const model of loaded) {
      if (model.card.datasetId !== first.card.datasetId || JSON.stringify(model.preprocessor) !== preprocessorJson) {
        throw new BadInputError(`model ${model.modelId} has another dataset or preprocessor than ${first.modelId}: only models with identical inputs can be averaged`, { value: model.modelId });
      }
    }
    const { manifest, splits } = await loadDataset(store, first.card.datasetId);
    const taskNames = manifest.tasks.map((task) => task.name);
    const encoded = {
      train: encodeSplit(splits.train, first.preprocessor, taskNames),
      validation: encodeSplit(splits.validation, first.preprocessor, taskNames),
      test: encodeSplit(splits.test, first.preprocessor, taskNames),
    };
    // Evaluation needs each task's type, classes and event cut: the latter as the first member's card fixed it.
    const tasks = resolveTrainTasks(manifest.tasks, {}, encoded.train.labels).map((task) => {
      const rule = first.card.tasks.find((scoring) => scoring.name === task.name);
      return rule?.positiveAbove === undefined ? task : { ...task, positiveAbove: rule.positiveAbove };
    });
    const evaluated = await evaluateEnsemble(
      loaded.map((model) => model.network),
      { outputNames: first.card.tasks.map((task) => task.name), preprocessor: first.preprocessor, tasks, splits, encoded, selection: args.selection },
    );
    try {
      const memberScores = loaded.map((model) => model.card.metrics.validation.combinedScore ?? -Infinity);
      const validationCombinedScore = evaluated.metrics.validation.combinedScore ?? -Infinity;
      const kept = ensembleWins(validationCombinedScore, memberScores);
      const members: EnsembleMember[] = loaded.map((model, i) => ({
        id: args.members[i]?.id ?? model.modelId,
        seed: model.card.training.params.seed,
        modelId: model.modelId,
        validationCombinedScore: memberScores[i] as number,
      }));
      const ensemble: ModelEnsembleInfo = { kind: 'trials', kept, members, validationCombinedScore, bestMemberValidationCombinedScore: Math.max(...memberScores) };
      if (!kept && args.saveWhenLosing !== true) return { ensemble };
      const now = args.now ?? (() => new Date());
      const modelId = createModelId(first.card.name, now());
      const card: ModelCard = { ...first.card, modelId, createdAt: now().toISOString(), tasks: evaluated.scoring, metrics: evaluated.metrics, ensemble };
      await saveModel(store, { card, network: evaluated.serving, preprocessor: first.preprocessor, stability: evaluated.stability, metrics: { ...evaluated.metrics, history: [] } });
      return { ensemble, modelId };
    } finally {
      evaluated.serving.dispose();
    }
  } finally {
    for (const model of loaded) model.network.dispose();
  }
}
