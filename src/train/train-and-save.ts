import type { FeaturesConfig, ModelConfig, SelectionConfig } from '../config/schema.ts';
import { findSegmentRuleProblems, type SegmentsConfig } from '../config/segments-schema.ts';
import type { DatasetManifest } from '../data/labelled-row.ts';
import { loadDataset } from '../data/load-dataset.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { ModelMetrics } from '../metrics/evaluation.ts';
import type { BackendName } from '../model/backend.ts';
import { createModelId, saveModel } from '../model/model-artifacts.ts';
import { describeFeatures, type ModelCard, type ModelEnsembleInfo } from '../model/model-card.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { trainModel } from './train-model.ts';
import { summarizeTaskDiagnostics, type TaskDiagnostics, type TaskWeightSnapshot } from './task-diagnostics-summary.ts';
import type { TrainedCandidate } from './train-candidate.ts';
import type { EpochRecord } from './training-state.ts';

/** Arguments of {@link trainAndSaveModel}. */
export interface TrainAndSaveArgs {
  readonly store: BlobStore;
  readonly datasetId: string;
  /** Model name prefix of the id (the config's `name`). @default the dataset's name */
  readonly name?: string;
  readonly params: ModelConfig;
  readonly features: FeaturesConfig;
  readonly selection: SelectionConfig;
  /** The config's segment rules, stored in the card. @default none (the default `+`-joined segment) */
  readonly segments?: SegmentsConfig;
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
  /** Each epoch's effective task loss weights. */
  readonly taskWeightHistory: readonly TaskWeightSnapshot[];
  /** Gradient cosines per epoch and the training labels' correlation, per task pair `"a|b"`. */
  readonly diagnostics: TaskDiagnostics;
  /** With `model.ensembleSeeds` or `model.bagFolds` > 1: the members' and the ensemble's validation scores, and whether it was kept. */
  readonly ensemble?: ModelEnsembleInfo;
}

/**
 * One trial end to end: load a dataset from the store, train one candidate, save it as `models/<id>/` (card last).
 * The entrypoint shared by `tandem train`, the local workflow and the trainer container.
 */
export async function trainAndSaveModel(args: TrainAndSaveArgs): Promise<TrainResult> {
  const now = args.now ?? (() => new Date());
  const { manifest, splits } = await loadDataset(args.store, args.datasetId);
  // Checked before training, so a rule naming a task the dataset lacks fails in seconds, not after the epochs.
  if (args.segments !== undefined) checkSegmentRules(args.segments, manifest.tasks.map((task) => ({ ...task, classes: task.label.classes })));
  const trained = await trainModel({
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
    const { candidate, best, ensemble } = trained;
    const name = args.name ?? manifest.name;
    const modelId = args.modelId ?? createModelId(name, now());
    const modelUri = await saveCandidateAsModel(args.store, candidate, {
      modelId,
      name,
      manifest,
      params: trained.params,
      backend: args.backend,
      createdAt: now(),
      ...(args.segments === undefined ? {} : { segments: args.segments }),
      ...(ensemble === undefined ? {} : { ensemble }),
    });
    const { training } = best;
    return {
      modelId,
      modelUri,
      datasetId: manifest.datasetId,
      backend: args.backend,
      metrics: candidate.metrics,
      bestEpoch: training.bestEpoch,
      epochsRun: training.history.length,
      seconds: trained.seconds,
      ...summarizeTaskDiagnostics(training.history, best.labelCorrelation),
      ...(ensemble === undefined ? {} : { ensemble }),
    };
  } finally {
    trained.dispose();
  }
}

/** What a saved model records besides the candidate itself. */
export interface SaveCandidateOptions {
  readonly modelId: string;
  readonly name: string;
  readonly manifest: DatasetManifest;
  readonly params: ModelConfig;
  readonly backend: BackendName;
  readonly createdAt: Date;
  /** Segment rules to store in the card (checked against the candidate's tasks). */
  readonly segments?: SegmentsConfig;
  /** The ensemble that was tried, recorded in the card. */
  readonly ensemble?: ModelEnsembleInfo;
}

/** Throws a BadInputError naming every problem of segment rules for these tasks. */
function checkSegmentRules(segments: SegmentsConfig, tasks: Parameters<typeof findSegmentRuleProblems>[1]): void {
  const problems = findSegmentRuleProblems(segments, tasks);
  if (problems.length === 0) return;
  const details = problems.map(({ path, message }) => ({ path: ['segments', ...path].join('.'), issue: message }));
  throw new BadInputError(`invalid segment rules: ${details.map((d) => `${d.path}: ${d.issue}`).join('; ')}`, { details, value: segments });
}

/** Saves a trained candidate as `models/<modelId>/` (card last) and returns the model's URI. */
export function saveCandidateAsModel(store: BlobStore, candidate: TrainedCandidate, options: SaveCandidateOptions): Promise<string> {
  const { training } = candidate;
  if (options.segments !== undefined) checkSegmentRules(options.segments, candidate.scoring);
  const card: ModelCard = {
    modelId: options.modelId,
    name: options.name,
    createdAt: options.createdAt.toISOString(),
    datasetId: options.manifest.datasetId,
    idColumn: options.manifest.idColumn,
    backend: options.backend,
    tasks: candidate.scoring,
    features: describeFeatures(candidate.preprocessor),
    training: {
      params: options.params,
      epochsRun: training.history.length,
      bestEpoch: training.bestEpoch,
      stoppedEarly: training.stoppedEarly,
      seconds: training.seconds,
      samplesPerSecond: training.samplesPerSecond,
    },
    metrics: candidate.metrics,
    ...(options.segments === undefined ? {} : { segments: options.segments }),
    ...(options.ensemble === undefined ? {} : { ensemble: options.ensemble }),
    ...(options.manifest.events === undefined
      ? {}
      : {
          events: {
            cutoff: options.manifest.events.cutoff,
            horizonDays: options.manifest.events.horizonDays,
            churnDays: options.manifest.events.churnDays,
            topCategories: options.manifest.events.topCategories,
            categories: options.manifest.events.categories,
          },
        }),
  };
  return saveModel(store, {
    card,
    network: candidate.network.serving,
    preprocessor: candidate.preprocessor,
    stability: candidate.stability,
    metrics: { ...candidate.metrics, history: training.history, ...summarizeTaskDiagnostics(training.history, candidate.labelCorrelation) },
  });
}
