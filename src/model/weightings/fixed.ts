import * as tf from '@tensorflow/tfjs';
import type { LossWeightingFactory } from './loss-weighting.ts';

/** Static weights: Σ λ_k · L_k with λ from `model.taskWeights` (default 1). Nothing to learn or save. */
export const createFixedWeighting: LossWeightingFactory = (tasks) => ({
  variables: [],
  combineLosses: (losses) => tf.addN(losses.map((loss, k) => loss.mul(tasks[k]?.staticWeight ?? 1))) as tf.Scalar,
  effectiveWeights: () => Object.fromEntries(tasks.map((task) => [task.name, task.staticWeight])),
  saveState: () => ({}),
  restoreState: () => undefined,
  dispose: () => undefined,
});
