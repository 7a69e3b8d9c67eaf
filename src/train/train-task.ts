import type { TaskSpec } from '../config/schema.ts';
import { medianOf } from '../metrics/decile.ts';
import type { TaskLossName } from '../model/task-loss.ts';

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
  /** λ in Σ λ_k L_k. */
  readonly weight: number;
  readonly auxiliary: boolean;
  /** Regression: label > positiveAbove is the "positive" event for auc/f1 and decisions. */
  readonly positiveAbove?: number;
}

/** The loss a task trains with when its config names none. */
const defaultLoss: Readonly<Record<TaskSpec['type'], TaskLossName>> = { binary: 'bce', multiclass: 'softmax', regression: 'mse' };

/** Resolves losses, fixed task weights (default 1) and the regression cut (default: median training label). */
export function resolveTrainTasks(
  tasks: readonly TaskSpec[],
  taskWeights: Readonly<Record<string, number>>,
  trainLabels: Readonly<Record<string, Float32Array>>,
): TrainTask[] {
  return tasks.map((task) => ({
    name: task.name,
    type: task.type,
    units: task.type === 'multiclass' ? (task.label.classes?.length ?? 2) : 1,
    ...(task.type === 'multiclass' ? { classes: (task.label.classes ?? []).map(String) } : {}),
    ...(task.conditionedOn === undefined ? {} : { conditionedOn: task.conditionedOn }),
    loss: task.loss ?? defaultLoss[task.type],
    weight: taskWeights[task.name] ?? 1,
    auxiliary: task.auxiliary,
    ...(task.type === 'regression' ? { positiveAbove: task.label.positiveAbove ?? medianOfLabelled(trainLabels[task.name]) } : {}),
  }));
}

function medianOfLabelled(labels: Float32Array | undefined): number {
  const values = Float64Array.from(labels ?? []).filter((v) => !Number.isNaN(v));
  return values.length === 0 ? 0 : medianOf(values);
}
