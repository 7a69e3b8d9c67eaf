import type * as tf from '@tensorflow/tfjs';
import type { WeightingState } from '../model/weightings/loss-weighting.ts';

/** A named tensor as optimizers save their state (tfjs does not re-export this type). */
export interface NamedTensor {
  readonly name: string;
  readonly tensor: tf.Tensor;
}

/** One epoch in the learning curve. */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean weighted training loss over the epoch's batches (including the L2 term and architecture losses). */
  readonly trainLoss: number;
  /** Validation combined score after the epoch (early stopping watches it). */
  readonly validationScore: number | null;
  readonly seconds: number;
  /** Mean unweighted training loss of each trained task over the epoch. */
  readonly taskLosses?: Readonly<Record<string, number>>;
  /** The weight each task's loss carried at the end of the epoch (the weighting strategy's view). */
  readonly taskWeights?: Readonly<Record<string, number>>;
  /**
   * Cosine similarity of the task gradients on the shared parameters, per pair `"a|b"`, measured on a fixed probe
   * batch at the end of the epoch; absent when the architecture shares nothing.
   */
  readonly gradientCosine?: Readonly<Record<string, number>>;
}

/** Where training stands after some epochs: enough to continue exactly where it stopped (ASHA's next rung). */
export interface TrainingProgress {
  readonly epochsDone: number;
  readonly history: readonly EpochRecord[];
  readonly bestEpoch: number;
  readonly bestScore: number | null;
  readonly sinceBest: number;
  /** Patience ran out: more epochs would not be trained. */
  readonly stoppedEarly: boolean;
  readonly trainSeconds: number;
  readonly samples: number;
}

/** A training checkpoint in memory: progress plus the current, best and optimizer weights (tensors owned by it). */
export interface TrainingState {
  readonly progress: TrainingProgress;
  /** The training graph's weights after `epochsDone` epochs, in `getWeights()` order. */
  readonly weights: tf.Tensor[];
  /** The training graph's weights at `bestEpoch`. */
  readonly bestWeights: tf.Tensor[];
  /** The optimizer's iteration count and moments (`AdamWOptimizer.getWeights()`, tf.train.adam's layout). */
  readonly optimizerWeights: NamedTensor[];
  /** What the loss-weighting strategy has learned (absent in checkpoints older than the strategies). */
  readonly weighting?: WeightingState;
}

/** Frees a state's tensors. */
export function disposeTrainingState(state: TrainingState | undefined): void {
  if (state === undefined) return;
  for (const tensor of [...state.weights, ...state.bestWeights, ...state.optimizerWeights.map((w) => w.tensor)]) tensor.dispose();
}
