import type { ModelConfig, TaskSpec } from '../config/schema.ts';
import { medianOf } from '../metrics/decile.ts';
import { computeBalancedClassWeights, type TaskLossName, type TaskLossOptions } from '../model/task-loss.ts';

/** A task as training sees it: config plus the resolved loss, loss weight λ and decision cut for regression. */
export interface TrainTask {
  readonly name: string;
  readonly type: TaskSpec['type'];
  /** Network outputs: 1, or the number of classes of a multiclass task. */
  readonly units: number;
  /** Multiclass: the label values in class-index order. */
  readonly classes?: readonly string[];
  /** ESMM: the binary task this one is conditioned on. */
  readonly conditionedOn?: string;
  readonly loss: TaskLossName;
  /** Class weights and focal γ of a binary task's loss (`model.imbalance`, `model.focalGamma`). */
  readonly lossOptions?: TaskLossOptions;
  /** λ in Σ λ_k L_k. */
  readonly weight: number;
  readonly auxiliary: boolean;
  /** Regression: label > positiveAbove is the "positive" event for auc/f1 and decisions. */
  readonly positiveAbove?: number;
}

/** The loss a task trains with when its config names none. */
const defaultLoss: Readonly<Record<TaskSpec['type'], TaskLossName>> = { binary: 'bce', multiclass: 'softmax', regression: 'mse' };

/**
 * Resolves losses, fixed task weights (`taskWeights`, else the task's own `weight`, else 1) and the regression cut (default: median training label). For binary
 * tasks, `imbalance` focal makes focal the default loss, and balanced weights the classes from the training labels.
 */
export function resolveTrainTasks(
  tasks: readonly TaskSpec[],
  taskWeights: Readonly<Record<string, number>>,
  trainLabels: Readonly<Record<string, Float32Array>>,
  { imbalance = 'none', focalGamma }: Partial<Pick<ModelConfig, 'imbalance' | 'focalGamma'>> = {},
): TrainTask[] {
  return tasks.map((task) => {
    const loss = task.loss ?? (task.type === 'binary' && imbalance === 'focal' ? 'focal' : defaultLoss[task.type]);
    return {
      name: task.name,
      type: task.type,
      units: task.type === 'multiclass' ? (task.label.classes?.length ?? 2) : 1,
      ...(task.type === 'multiclass' ? { classes: (task.label.classes ?? []).map(String) } : {}),
      ...(task.conditionedOn === undefined ? {} : { conditionedOn: task.conditionedOn }),
      loss,
      ...(task.type === 'binary' ? binaryLossOptions(imbalance, loss === 'focal' ? focalGamma : undefined, trainLabels[task.name]) : {}),
      weight: taskWeights[task.name] ?? task.weight ?? 1,
      auxiliary: task.auxiliary,
      ...(task.type === 'regression' ? { positiveAbove: task.label.positiveAbove ?? medianOfLabelled(trainLabels[task.name]) } : {}),
    };
  });
}

/** `{ lossOptions }` of a binary task, or nothing when it trains with the plain defaults. */
function binaryLossOptions(imbalance: ModelConfig['imbalance'], focalGamma: number | undefined, labels: Float32Array | undefined): { lossOptions?: TaskLossOptions } {
  const classWeights = imbalance === 'balanced' ? computeBalancedClassWeights(labels ?? new Float32Array()) : undefined;
  const lossOptions = { ...(classWeights === undefined ? {} : { classWeights }), ...(focalGamma === undefined ? {} : { focalGamma }) };
  return Object.keys(lossOptions).length === 0 ? {} : { lossOptions };
}

function medianOfLabelled(labels: Float32Array | undefined): number {
  const values = Float64Array.from(labels ?? []).filter((v) => !Number.isNaN(v));
  return values.length === 0 ? 0 : medianOf(values);
}
