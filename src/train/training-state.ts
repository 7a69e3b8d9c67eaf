import type * as tf from '@tensorflow/tfjs';

/** A named tensor as optimizers save their state (tfjs does not re-export this type). */
export interface NamedTensor {
  readonly name: string;
  readonly tensor: tf.Tensor;
}
import type { EpochRecord } from './train-network.ts';

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
  /** The serving graph's weights after `epochsDone` epochs, in `getWeights()` order. */
  readonly weights: tf.Tensor[];
  /** The serving graph's weights at `bestEpoch`. */
  readonly bestWeights: tf.Tensor[];
  /** Adam's iteration count and moments, in `getWeights()` order. */
  readonly optimizerWeights: NamedTensor[];
}

/** Frees a state's tensors. */
export function disposeTrainingState(state: TrainingState | undefined): void {
  if (state === undefined) return;
  for (const tensor of [...state.weights, ...state.bestWeights, ...state.optimizerWeights.map((w) => w.tensor)]) tensor.dispose();
}
