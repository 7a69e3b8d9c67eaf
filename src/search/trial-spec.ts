import type { FeaturesConfig, ModelConfig, SelectionConfig } from '../config/schema.ts';
import type { SegmentsConfig } from '../config/segments-schema.ts';
import type { LoadedDataset } from '../data/load-dataset.ts';
import type { TrainCandidateArgs } from '../train/train-candidate.ts';
import type { LeaderboardRow } from './run-record.ts';
import { sampleToFeaturesConfig } from './sample-to-features-config.ts';
import type { StoredRun } from './stored-run.ts';

/**
 * One trial as a search hands it to a worker (a local child process or an AWS Batch job): everything needed to
 * train it, as JSON.
 */
export interface TrialSpec {
  readonly runId: string;
  readonly trialId: string;
  readonly datasetId: string;
  /** The config's name, used in the model id. */
  readonly name: string;
  readonly params: ModelConfig;
  readonly features: FeaturesConfig;
  readonly selection: SelectionConfig;
  /** The config's segment rules, stored in the model's card. */
  readonly segments?: SegmentsConfig;
  /** Train up to this epoch (an ASHA rung), resuming from the trial's checkpoint. @default params.epochs */
  readonly untilEpoch?: number;
  /**
   * A fold copy of the trial, for the cross-fitted closing (`search.ensembleFolds`): trained on the pooled training +
   * validation rows outside fold `index` of `folds` (dealt by `assignFolds` with `seed`), early-stopped on that fold,
   * saved as its own model, with its predictions of the fold's rows. Absent: the trial itself.
   */
  readonly fold?: TrialFold;
}

/** Which fold copy of a trial a {@link TrialSpec} trains. */
export interface TrialFold {
  readonly folds: number;
  readonly index: number;
  /** The seed the rows were dealt into folds with (the same for every trial of a closing). */
  readonly seed: number;
}

/**
 * The spec of a run's leaderboard row trained up to `untilEpoch`: the row's parameters, the run's defaults, with the
 * row's sampled `features.*` parameters applied to the run's features section.
 */
export function trialSpecOf(run: StoredRun, row: LeaderboardRow, untilEpoch: number): TrialSpec {
  const { defaults } = run;
  return {
    runId: run.runId,
    trialId: row.trialId,
    datasetId: defaults.datasetId,
    name: defaults.name,
    params: row.config,
    features: sampleToFeaturesConfig(row.sample, defaults.features),
    selection: defaults.selection,
    ...(defaults.segments === undefined ? {} : { segments: defaults.segments }),
    untilEpoch,
  };
}

/** What a trial (or a fold copy) trains from its spec and its loaded dataset: the rest of the arguments are the caller's. */
export function candidateArgsOf(spec: TrialSpec, { manifest, splits }: LoadedDataset): TrainCandidateArgs {
  return { splits, featureColumns: manifest.featureColumns, tasks: manifest.tasks, params: spec.params, features: spec.features, selection: spec.selection, source: manifest.source.path };
}
