import type { ModelConfig } from '../config/schema.ts';
import type { SegmentsConfig } from '../config/segments-schema.ts';
import type { ColumnKind } from '../features/column-kind.ts';
import type { Preprocessor } from '../features/preprocessor.ts';
import type { ModelMetrics } from '../metrics/evaluation.ts';
import type { TaskDiagnostics, TaskWeightSnapshot } from '../train/task-diagnostics-summary.ts';
import type { TaskScoringRule } from '../train/train-candidate.ts';
import type { EpochRecord } from '../train/training-state.ts';
import type { BackendName } from './backend.ts';

/** One input column as the API and `score` accept it. */
export interface FeatureField {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Known categories (others fall into the out-of-vocabulary bucket). */
  readonly categories?: readonly string[];
}

/** `models/<id>/card.json`: what the model is, how it was trained and how it scored. Written last (the marker). */
export interface ModelCard {
  readonly modelId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly datasetId: string;
  /** Column that identifies a customer in input rows; null when rows are identified by position. */
  readonly idColumn: string | null;
  readonly backend: BackendName;
  readonly tasks: readonly TaskScoringRule[];
  readonly features: readonly FeatureField[];
  readonly training: {
    readonly params: ModelConfig;
    readonly epochsRun: number;
    readonly bestEpoch: number;
    readonly stoppedEarly: boolean;
    readonly seconds: number;
    readonly samplesPerSecond: number;
  };
  readonly metrics: ModelMetrics;
  /**
   * The config's segment rules at train time; `score` and the API both segment with them. Absent: the default
   * segment (tasks with a positive decision joined by `+`).
   */
  readonly segments?: SegmentsConfig;
  /**
   * Events mode: how the training rows were built from raw logs, so `score --raw` and `features` build the same
   * columns (the categories with their own columns, in order).
   */
  readonly events?: ModelEventsInfo;
  /** Present when an ensemble was tried (`model.ensembleSeeds`, `model.bagFolds`, `search.ensembleTopK`): `kept` says if the graph is it. */
  readonly ensemble?: ModelEnsembleInfo;
}

/** Why a model is an ensemble: its members and the validation scores that made it win. */
export interface ModelEnsembleInfo {
  /**
   * seeds: copies of one configuration with seeds seed…seed+k−1; trials: the best finished trials of a search;
   * folds: one copy per fold of the training + validation rows (`model.bagFolds`), each trained on the other folds.
   */
  readonly kind: 'seeds' | 'trials' | 'folds';
  /**
   * Whether the saved graph is the ensemble or its best member alone. Seeds: the ensemble beat every member on
   * validation. Trials: (bagged) ensemble selection averaged several trials.
   */
  readonly kept: boolean;
  /** In the graph's member order (layer prefix `m<i>_`). */
  readonly members: readonly EnsembleMember[];
  /** The ensemble's validation combined score. */
  readonly validationCombinedScore: number;
  /** The best member's validation combined score (seeds: the ensemble is kept only when it is above). */
  readonly bestMemberValidationCombinedScore: number;
  /** Per task, each member's weight in that task's average (ensemble selection); absent: every member weighs 1. */
  readonly weights?: Readonly<Record<string, readonly number[]>>;
  /**
   * Trials re-trained as fold copies (`search.ensembleFolds`): each member is served as this many copies, graph
   * members trial by trial (member i's copy f is graph member i × folds + f), and the weights were chosen on the pooled
   * rows' out-of-fold predictions. Absent: each member is one graph member.
   */
  readonly folds?: number;
}

/** One member of an ensemble. */
export interface EnsembleMember {
  /** The seed (kind seeds), the trial id (kind trials) or `fold<i>` (kind folds). */
  readonly id: string;
  readonly seed: number;
  /** The model the member was saved as, when it was (search trials). */
  readonly modelId?: string;
  readonly validationCombinedScore: number;
}

/** The events-mode settings a model was trained with. */
export interface ModelEventsInfo {
  readonly cutoff: string;
  readonly horizonDays: number;
  readonly churnDays: number;
  readonly topCategories: number;
  readonly categories: readonly string[];
}

/** `models/<id>/metrics.json`: the metrics plus the learning curve and the task diagnostics. */
export interface ModelMetricsFile extends ModelMetrics {
  readonly history: readonly EpochRecord[];
  /** Each epoch's effective task loss weights (absent in files written before it was recorded). */
  readonly taskWeightHistory?: readonly TaskWeightSnapshot[];
  /** Gradient cosines per epoch and label correlation per task pair (absent in older files). */
  readonly diagnostics?: TaskDiagnostics;
}

/** The feature schema of a fitted preprocessor, for the card and the API. */
export function describeFeatures(preprocessor: Preprocessor): FeatureField[] {
  return preprocessor.columns.map((column) =>
    column.kind === 'categorical' ? { name: column.name, kind: column.kind, categories: column.vocabulary } : { name: column.name, kind: column.kind },
  );
}
