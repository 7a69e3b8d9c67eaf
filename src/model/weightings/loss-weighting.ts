import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, TaskSpec } from '../../config/schema.ts';

/** A task as a weighting strategy sees it. */
export interface WeightedTask {
  readonly name: string;
  readonly type: TaskSpec['type'];
  /** λ from `model.taskWeights` (default 1); `fixed` uses it, the others start from it where they have a start. */
  readonly staticWeight: number;
}

/** Gradients by variable name, as `tf.variableGrads` returns them. */
export type NamedGradients = Record<string, tf.Tensor>;

/** What a strategy learns at the end of an epoch. */
export interface EpochTaskSummary {
  readonly epoch: number;
  /** Mean unweighted training loss of each task over the epoch's batches. */
  readonly trainLosses: Readonly<Record<string, number>>;
  /** Validation KPI of each task in [0, 1] ((auc + f1) / 2); null when undefined on this split. */
  readonly validationKpis: Readonly<Record<string, number | null>>;
}

/** Arguments of a strategy's gradient hook. */
export interface TaskGradientsArgs {
  /** Per task (in task order): gradients of its unweighted loss for every trainable variable (zeros where unconnected). */
  readonly taskGradients: readonly NamedGradients[];
  /** Names of the shared variables (see `MultiTaskNetwork.sharedVariables`). */
  readonly shared: ReadonlySet<string>;
  /** Per task (in task order): the unweighted loss of this batch. */
  readonly losses: readonly number[];
}

/**
 * A loss-weighting strategy (SPEC §4): how the per-task losses of a batch become one training signal. One instance
 * lives for one training run; it may own trainable variables (trained with the network by the same optimizer),
 * combine losses, rewrite the per-task gradients on the shared parameters, adapt between epochs, and save and
 * restore its state so a resumed run (ASHA's next rung) continues exactly.
 */
export interface LossWeighting {
  /** Extra variables the optimizer trains with the network (uncertainty's log-variances). */
  readonly variables: readonly tf.Variable[];
  /**
   * Combines the unweighted per-task losses (in task order) into the scalar to minimise. Called inside a tidy.
   * Strategies with `combineGradients` are still asked, for the loss they report.
   */
  combineLosses(losses: readonly tf.Scalar[]): tf.Scalar;
  /**
   * Present for strategies that act on gradients (GradNorm, PCGrad): the training step then computes one gradient
   * per task and applies what this returns, for every variable. Called inside a tidy.
   */
  combineGradients?(args: TaskGradientsArgs): NamedGradients;
  /** Adapts the weights after an epoch (DWA from losses, DTP from KPIs). */
  endEpoch?(summary: EpochTaskSummary): void;
  /** The weight each task's loss carries now, by task name. */
  effectiveWeights(): Record<string, number>;
  /** A JSON snapshot of everything the strategy has learned (variables included). */
  saveState(): WeightingState;
  /** Restores a snapshot of `saveState` from the same strategy and tasks. */
  restoreState(state: WeightingState): void;
  /** Frees the strategy's tensors. */
  dispose(): void;
}

/** A strategy's state as JSON: numbers and arrays of numbers by name. */
export type WeightingState = Readonly<Record<string, number | readonly number[] | readonly (readonly number[])[]>>;

/** Creates a strategy for the tasks being trained (those with a non-zero static weight). */
export type LossWeightingFactory = (tasks: readonly WeightedTask[], params: ModelConfig) => LossWeighting;

/** Σ_k w_k · L_k over the task losses (a missing weight counts as 1). Call inside a tidy. */
export function sumWeightedLosses(losses: readonly tf.Scalar[], weights: readonly number[]): tf.Scalar {
  return tf.addN(losses.map((loss, k) => loss.mul(weights[k] ?? 1))) as tf.Scalar;
}

/** The weights (in task order) by task name, as `effectiveWeights` reports them. */
export function weightsByTask(tasks: readonly WeightedTask[], weights: readonly number[]): Record<string, number> {
  return Object.fromEntries(tasks.map((task, k) => [task.name, weights[k] as number]));
}
