import type { FeaturesConfig, ModelConfig, SelectionConfig } from '../config/schema.ts';
import { loadDataset } from '../data/load-dataset.ts';
import type { ModelMetrics } from '../metrics/evaluation.ts';
import type { BackendName } from '../model/backend.ts';
import { createModelId, saveModel } from '../model/model-artifacts.ts';
import { describeFeatures, type ModelCard } from '../model/model-card.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { trainCandidate } from './train-candidate.ts';
import type { EpochRecord } from './train-network.ts';

/** Arguments of {@link trainAndSaveModel}. */
export interface TrainAndSaveArgs {
  readonly store: BlobStore;
  readonly datasetId: string;
  /** Model name prefix of the id (the config's `name`). @default the dataset's name */
  readonly name?: string;
  readonly params: ModelConfig;
  readonly features: FeaturesConfig;
  readonly selection: SelectionConfig;
  /** The backend in use (from `selectBackend`), recorded in the card. */
  readonly backend: BackendName;
  readonly modelId?: string;
  readonly onEpoch?: (record: EpochRecord) => void;
  readonly now?: () => Date;
}

/** The `train --json` result (SPEC §1). */
export interface TrainResult {
  readonly modelId: string;
  readonly modelUri: string;
  readonly datasetId: string;
  readonly backend: BackendName;
  readonly metrics: ModelMetrics;
  readonly bestEpoch: number;
  readonly epochsRun: number;
  readonly seconds: number;
}

/**
 * One trial end to end: load a dataset from the store, train one candidate, save it as `models/<id>/` (card last).
 * The entrypoint shared by `tandem train`, the local workflow and the trainer container.
 */
export async function trainAndSaveModel(args: TrainAndSaveArgs): Promise<TrainResult> {
  const now = args.now ?? (() => new Date());
  const { manifest, splits } = await loadDataset(args.store, args.datasetId);
  const candidate = await trainCandidate({
    splits,
    featureColumns: manifest.featureColumns,
    tasks: manifest.tasks,
    params: args.params,
    features: args.features,
    selection: args.selection,
    source: manifest.source.path,
    ...(args.onEpoch === undefined ? {} : { onEpoch: args.onEpoch }),
  });
  try {
    const name = args.name ?? manifest.name;
    const modelId = args.modelId ?? createModelId(name, now());
    const { training } = candidate;
    const card: ModelCard = {
      modelId,
      name,
      createdAt: now().toISOString(),
      datasetId: manifest.datasetId,
      idColumn: manifest.idColumn,
      backend: args.backend,
      tasks: candidate.scoring,
      features: describeFeatures(candidate.preprocessor),
      training: {
        params: args.params,
        epochsRun: training.history.length,
        bestEpoch: training.bestEpoch,
        stoppedEarly: training.stoppedEarly,
        seconds: training.seconds,
        samplesPerSecond: training.samplesPerSecond,
      },
      metrics: candidate.metrics,
    };
    const modelUri = await saveModel(args.store, {
      card,
      network: candidate.network.serving,
      preprocessor: candidate.preprocessor,
      metrics: { ...candidate.metrics, history: training.history },
    });
    return {
      modelId,
      modelUri,
      datasetId: manifest.datasetId,
      backend: args.backend,
      metrics: candidate.metrics,
      bestEpoch: training.bestEpoch,
      epochsRun: training.history.length,
      seconds: training.seconds,
    };
  } finally {
    candidate.network.training.dispose();
    candidate.network.serving.dispose();
  }
}
