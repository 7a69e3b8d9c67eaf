import type * as tf from '@tensorflow/tfjs';
import type { FeaturesConfig, ModelConfig, SelectionConfig, TaskSpec } from '../config/schema.ts';
import type { DatasetSplits } from '../data/labelled-row.ts';
import { fitTreeLeaves, writeTrainingTreeScores, type TreeLeavesFit } from '../features/fit-tree-leaves.ts';
import { fittedInputsKey, type FittedInputsCache } from './fitted-inputs-cache.ts';
import { categoricalBlocks, fitPreprocessor, treeScoreInputs, type Preprocessor } from '../features/preprocessor.ts';
import type { ModelMetrics } from '../metrics/evaluation.ts';
import { computeDecileEdges } from '../metrics/decile.ts';
import { argmaxOfRow } from '../metrics/multiclass-metrics.ts';
import { computePrCurve, type PrCurve } from '../metrics/pr-auc.ts';
import { computeRocCurve, type RocCurve } from '../metrics/roc-auc.ts';
import { buildNetwork, type MultiTaskNetwork, type TargetScale } from '../model/build-network.ts';
import { encodeSplit, selectLabelled, splitLabels, type EncodedSplit, type SplitLabels } from './encoded-split.ts';
import { chooseThresholds, evaluatePredictions } from './evaluate-predictions.ts';
import { predictNetwork, predictRows } from './predict-network.ts';
import { trainNetwork, type TrainNetworkResult } from './train-network.ts';
import { resolveTrainTasks, type TrainTask } from './train-task.ts';
import type { EpochRecord, TrainingState } from './training-state.ts';
import type { TaskMetrics } from '../metrics/task-metrics.ts';
import { computeLabelCorrelations } from './task-diagnostics.ts';
import type { StabilityBaseline } from '../model/stability-baseline.ts';
import { buildStabilityBaseline, type TaskSplitScores } from './training-stability.ts';

/** How the served model turns a task's output into a decision and a decile. */
export interface TaskScoringRule {
  readonly name: string;
  readonly type: TaskSpec['type'];
  readonly auxiliary: boolean;
  /**
   * Decision: score ≥ threshold, the threshold chosen on validation for F1 (regression: of `label > positiveAbove`).
   * Multiclass: 0 (the decision is the argmax class; the score, the top class's probability, is always above 0).
   */
  readonly threshold: number;
  /** Regression: the label value above which the task's event counts as positive. */
  readonly positiveAbove?: number;
  /** Multiclass: the class names in output order (the network's softmax `[batch, classes]`). */
  readonly classes?: readonly string[];
  /** 9 ascending cut points of the held-out score distribution (multiclass: of the top class's probability); decile 10 is the top tenth. */
  readonly decileEdges: readonly number[];
}

/** ROC and PR curves of one task, downsampled; null when the split has one class only. */
export interface TaskCurves {
  readonly roc: RocCurve | null;
  readonly pr: PrCurve | null;
}

/** Arguments of {@link trainCandidate}. */
export interface TrainCandidateArgs {
  readonly splits: DatasetSplits;
  readonly featureColumns: readonly string[];
  readonly tasks: readonly TaskSpec[];
  readonly params: ModelConfig;
  readonly features: FeaturesConfig;
  readonly selection: SelectionConfig;
  /** For error messages about the data (`telco.csv`). */
  readonly source?: string;
  readonly onEpoch?: (record: EpochRecord) => void;
  /** Continue from a checkpoint of the same candidate (same splits, tasks and params). */
  readonly resume?: TrainingState;
  /** Stop after this epoch (an ASHA rung). @default params.epochs */
  readonly untilEpoch?: number;
  /** Also return a checkpoint (`training.state`, disposed by the caller) to resume from. */
  readonly keepState?: boolean;
  /** Where fits with boosted-tree leaves on these very training rows are kept and found again (a search run's trials). */
  readonly inputsCache?: FittedInputsCache;
}

/** A trained candidate, ready to be saved. The caller disposes `network` (both graphs share the weights). */
export interface TrainedCandidate {
  readonly network: MultiTaskNetwork;
  readonly preprocessor: Preprocessor;
  readonly targetScales: Readonly<Record<string, TargetScale>>;
  readonly tasks: readonly TrainTask[];
  readonly scoring: readonly TaskScoringRule[];
  readonly metrics: ModelMetrics;
  /** Test-split ROC and PR curves per task (regression: of `label > positiveAbove`), for reports. */
  readonly testCurves: Readonly<Record<string, TaskCurves>>;
  readonly training: Omit<TrainNetworkResult, 'history'> & { readonly history: readonly EpochRecord[]; readonly seconds: number };
  /** Pearson correlation of the task labels on the training split, per pair `"a|b"` (multiclass tasks left out). */
  readonly labelCorrelation: Readonly<Record<string, number>>;
  /** The training population's feature and score distributions, binned, for population stability (PSI). */
  readonly stability: StabilityBaseline;
}

/**
 * One candidate end to end on in-memory splits: fit the preprocessor on train, encode, train with early stopping
 * on the validation combined score, choose thresholds on validation, then measure validation and test (SPEC §5).
 */
export async function trainCandidate(args: TrainCandidateArgs): Promise<TrainedCandidate> {
  const started = performance.now();
  const { splits, params, selection } = args;
  const treeLeaves = await fitInputs(args);
  const { preprocessor } = treeLeaves;
  const taskNames = args.tasks.map((task) => task.name);
  const train = encodeSplit(splits.train, preprocessor, taskNames);
  writeTrainingTreeScores(treeLeaves, train.x);
  const validation = encodeSplit(splits.validation, preprocessor, taskNames);
  const test = encodeSplit(splits.test, preprocessor, taskNames);
  const tasks = resolveTrainTasks(args.tasks, params.taskWeights, train.labels, params);
  const targetScales = computeTargetScales(tasks, train);
  const { categoricalEmbedding } = args.features;
  const network = buildNetwork({
    inputWidth: train.width,
    tasks,
    params,
    targetScales,
    ...(typeof categoricalEmbedding === 'number' ? { categoricalEmbedding: { units: categoricalEmbedding, blocks: categoricalBlocks(preprocessor) } } : {}),
    ...(params.fromTreeScores ? { treeOffsets: treeScoreInputs(preprocessor).filter((score) => tasks.some((task) => task.name === score.task && task.type === 'binary')) } : {}),
  });
  try {
    const result = await trainNetwork({
      network,
      train,
      validation,
      tasks,
      params,
      targetScales,
      scoreValidation: (predictions) => {
        const metrics = evaluatePredictions(predictions, validation, tasks, chooseThresholds(predictions, validation, tasks), selection.weights);
        return { combinedScore: metrics.combinedScore, taskKpis: Object.fromEntries(Object.entries(metrics.tasks).map(([name, task]) => [name, taskKpi(task)])) };
      },
      ...(args.onEpoch === undefined ? {} : { onEpoch: args.onEpoch }),
      ...(args.resume === undefined ? {} : { resume: args.resume }),
      ...(args.untilEpoch === undefined ? {} : { untilEpoch: args.untilEpoch }),
      ...(args.keepState === undefined ? {} : { keepState: args.keepState }),
    });
    const evaluated = await evaluateServingNetwork({ serving: network.serving, outputNames: network.outputNames, preprocessor, tasks, splits, encoded: { train, validation, test }, selection });
    return {
      network,
      preprocessor,
      targetScales,
      tasks,
      ...evaluated,
      training: { ...result, seconds: (performance.now() - started) / 1000 },
      // A class index has no order, so a multiclass label has no Pearson correlation with anything.
      labelCorrelation: computeLabelCorrelations(tasks.filter((task) => task.type !== 'multiclass').map((task) => task.name), train.labels),
    };
  } catch (error) {
    network.training.dispose();
    network.serving.dispose();
    throw error;
  }
}

/** The preprocessor fitted on the training rows, with its tree leaves: from `inputsCache` when it holds this fit. */
async function fitInputs({ splits, featureColumns, tasks, features, source, inputsCache }: TrainCandidateArgs): Promise<TreeLeavesFit> {
  const fit = (): TreeLeavesFit => fitTreeLeaves(fitPreprocessor(splits.train, featureColumns, features, source === undefined ? {} : { source }), splits.train, tasks, features);
  if (inputsCache === undefined || features.treeLeaves === 0) return fit();
  const key = fittedInputsKey({ featureColumns, tasks, features });
  const cached = await inputsCache.get(key);
  if (cached !== undefined) return cached;
  const fitted = fit();
  await inputsCache.put(key, fitted);
  return fitted;
}

/** A serving graph's evaluation on the three splits: what {@link TrainedCandidate} records besides its training. */
export type ServingEvaluation = Pick<TrainedCandidate, 'scoring' | 'metrics' | 'testCurves' | 'stability'>;

/** Arguments of {@link evaluateServingNetwork}. */
export interface EvaluateServingNetworkArgs {
  readonly serving: tf.LayersModel;
  /** The serving graph's outputs in order (task names). */
  readonly outputNames: readonly string[];
  readonly preprocessor: Preprocessor;
  readonly tasks: readonly TrainTask[];
  readonly splits: DatasetSplits;
  /**
   * The splits already encoded with `preprocessor` (a trained candidate's). Without them each split is encoded and
   * predicted a chunk at a time ({@link predictRows}): an ensemble's joined inputs are too wide to hold a whole split's.
   */
  readonly encoded?: { readonly train: EncodedSplit; readonly validation: EncodedSplit; readonly test: EncodedSplit };
  /**
   * The validation rows' predictions to measure and choose thresholds on, in place of the graph's own: a fold bag's
   * out-of-fold ones (each row scored by the member that did not train on it), since its average has seen them all.
   */
  readonly validationPredictions?: Readonly<Record<string, Float32Array>>;
  readonly selection: SelectionConfig;
}

/**
 * Measures a trained serving graph as every saved model is measured (SPEC §5): thresholds chosen on validation,
 * validation and test metrics, decile edges, test curves and the training population's stability baseline. Shared by
 * single candidates and ensembles, so both are judged alike.
 */
export async function evaluateServingNetwork({ serving, outputNames, preprocessor, tasks, splits, encoded, validationPredictions: outOfFold, selection }: EvaluateServingNetworkArgs): Promise<ServingEvaluation> {
  const predict = (name: keyof DatasetSplits): Promise<Record<string, Float32Array>> => {
    const split = encoded?.[name];
    return split === undefined ? predictRows(serving, splits[name], preprocessor, outputNames) : predictNetwork(serving, split.x, split.rows, split.width, outputNames);
  };
  const labelsOf = (name: keyof DatasetSplits): SplitLabels => encoded?.[name] ?? splitLabels(splits[name], tasks.map((task) => task.name));
  const validation = labelsOf('validation');
  const test = labelsOf('test');
  const validationPredictions = outOfFold ?? (await predict('validation'));
  const testPredictions = await predict('test');
  const thresholds = chooseThresholds(validationPredictions, validation, tasks);
  const metrics: ModelMetrics = {
    validation: evaluatePredictions(validationPredictions, validation, tasks, thresholds, selection.weights),
    test: evaluatePredictions(testPredictions, test, tasks, thresholds, selection.weights),
  };
  // The training rows only give the stability baseline its score distribution.
  const trainPredictions = await predict('train');
  const splitScores: Record<string, TaskSplitScores> = {};
  const scoring = tasks.map((task) => {
    const validationScores = scoreColumn(validationPredictions[task.name] as Float32Array, task.units);
    const testScores = scoreColumn(testPredictions[task.name] as Float32Array, task.units);
    const decileEdges = computeDecileEdges(concat(validationScores, testScores));
    if (!task.auxiliary) {
      splitScores[task.name] = { edges: decileEdges, train: scoreColumn(trainPredictions[task.name] as Float32Array, task.units), validation: validationScores, test: testScores };
    }
    return {
      name: task.name,
      type: task.type,
      auxiliary: task.auxiliary,
      threshold: thresholds[task.name] ?? (task.type === 'binary' ? 0.5 : (task.positiveAbove ?? 0)),
      ...(task.positiveAbove === undefined ? {} : { positiveAbove: task.positiveAbove }),
      ...(task.classes === undefined ? {} : { classes: task.classes }),
      decileEdges,
    };
  });
  const testCurves = Object.fromEntries(
    tasks.map((task) => {
      // Multiclass: no single ROC/PR curve (its auc is a macro average over classes).
      if (task.type === 'multiclass') return [task.name, { roc: null, pr: null }];
      const labelled = selectLabelled(testPredictions[task.name] as Float32Array, test.labels[task.name] as Float32Array);
      const events = task.type === 'binary' ? labelled.labels : labelled.labels.map((label) => (label > (task.positiveAbove ?? 0) ? 1 : 0));
      return [task.name, { roc: computeRocCurve(labelled.predictions, events), pr: computePrCurve(labelled.predictions, events) }];
    }),
  );
  return { scoring, metrics, testCurves, stability: buildStabilityBaseline(preprocessor, splits.train.map((row) => row.features), splitScores) };
}

/** A task's KPI in [0, 1] for strategies that adapt to it: (auc + f1) / 2, null without an auc. */
export function taskKpi(metrics: TaskMetrics): number | null {
  return metrics.auc === null ? null : (metrics.auc + metrics.f1) / 2;
}

/** Mean and spread of each regression task's training labels. */
function computeTargetScales(tasks: readonly TrainTask[], train: EncodedSplit): Record<string, TargetScale> {
  const scales: Record<string, TargetScale> = {};
  for (const task of tasks) {
    if (task.type !== 'regression') continue;
    const { labels } = selectLabelled(train.labels[task.name] as Float32Array, train.labels[task.name] as Float32Array);
    const mean = labels.reduce((s, v) => s + v, 0) / Math.max(labels.length, 1);
    const variance = labels.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(labels.length, 1);
    // A constant target (std 0) or one without training labels trains against its mean with unit scale.
    const std = Math.sqrt(variance);
    scales[task.name] = { mean, std: Number.isFinite(std) && std > 0 ? std : 1, nonNegative: labels.every((v) => v >= 0) };
  }
  return scales;
}

/** The score a decile ranks: the output itself `[rows]`, or the top class's probability per row of `[rows, classes]`. */
function scoreColumn(predictions: Float32Array, classCount: number): Float32Array {
  if (classCount === 1) return predictions;
  const rows = predictions.length / classCount;
  const top = new Float32Array(rows);
  for (let i = 0; i < rows; i++) top[i] = predictions[i * classCount + argmaxOfRow(predictions, i, classCount)] as number;
  return top;
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
