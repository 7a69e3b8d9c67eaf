import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../../errors/tandem-error.ts';
import { createSeededRandom, mixSeed, shuffleInPlace } from '../../random/seeded-random.ts';
import type { LossWeightingFactory, NamedGradients } from './loss-weighting.ts';

/** Keeps PCGrad's stream of task orders apart from the epochs' shuffles, which mix the same seed. */
const pcgradStream = 0x5bd1e995;

/**
 * Gradient surgery (Yu et al. 2020) on flattened task gradients `[params]` each: every g_i is projected, in
 * `orders[i]` (the other tasks), off each ORIGINAL g_j it conflicts with — if g_i·g_j < 0 then
 * g_i ← g_i − (g_i·g_j / ‖g_j‖²)·g_j, with g_i the running projected gradient. Branch-free: the coefficient is
 * min(g_i·g_j, 0)/‖g_j‖² (0 for a zero g_j), so nothing is read back. Returns the projected gradients, in task
 * order. Call inside a tidy.
 */
export function projectConflictingGradients(gradients: readonly tf.Tensor1D[], orders: readonly (readonly number[])[]): tf.Tensor1D[] {
  const squaredNorms = gradients.map((g) => g.square().sum());
  return gradients.map((original, i) => {
    let projected: tf.Tensor1D = original;
    for (const j of orders[i] ?? []) {
      const other = gradients[j] as tf.Tensor1D;
      const coefficient = tf.divNoNan(tf.minimum(projected.dot(other), 0), squaredNorms[j] as tf.Scalar);
      projected = projected.sub(other.mul(coefficient));
    }
    return projected;
  });
}

/**
 * For each of `count` tasks, a random order of the other tasks, drawn from `seed` and the training step `step`
 * alone, so a resumed run draws the same orders as a straight one.
 */
export function drawProjectionOrders(count: number, seed: number, step: number): number[][] {
  const random = createSeededRandom(mixSeed(seed ^ pcgradStream, step));
  return Array.from({ length: count }, (_, i) =>
    shuffleInPlace(
      Array.from({ length: count }, (_, j) => j).filter((j) => j !== i),
      random,
    ),
  );
}

/**
 * PCGrad's combined gradient: on the variables in `shared`, the task gradients are flattened (`[Σ sizes]`),
 * projected by {@link projectConflictingGradients} in `orders` and summed; every other variable gets the plain sum
 * Σ_i ∇L_i. Returns a gradient for every variable of the task gradients. Call inside a tidy.
 */
export function combineProjectedGradients(taskGradients: readonly NamedGradients[], shared: ReadonlySet<string>, orders: readonly (readonly number[])[]): NamedGradients {
  const names = Object.keys(taskGradients[0] ?? {});
  const sum = (name: string): tf.Tensor => tf.addN(taskGradients.map((grads) => grads[name] as tf.Tensor));
  const combined: NamedGradients = Object.fromEntries(names.filter((name) => !shared.has(name)).map((name) => [name, sum(name)]));
  const sharedNames = names.filter((name) => shared.has(name));
  if (sharedNames.length === 0) return combined;
  const flat = taskGradients.map((grads) => tf.concat(sharedNames.map((name) => (grads[name] as tf.Tensor).reshape([-1]))) as tf.Tensor1D);
  const total = tf.addN(projectConflictingGradients(flat, orders));
  let offset = 0;
  for (const name of sharedNames) {
    const shape = (taskGradients[0] as NamedGradients)[name]?.shape as number[];
    const size = shape.reduce((product, d) => product * d, 1);
    combined[name] = total.slice(offset, size).reshape(shape);
    offset += size;
  }
  return combined;
}

/**
 * PCGrad: per-task gradients on the shared parameters lose their conflicting components before they are summed;
 * the task losses keep weight 1. With nothing shared (`single`) it is the plain sum, as the towers cannot conflict.
 * The projection orders derive from `params.seed` and a step counter, which is the whole state.
 */
export const createPcGradWeighting: LossWeightingFactory = (tasks, params) => {
  let step = 0;
  return {
    variables: [],
    combineLosses: (losses) => tf.addN([...losses]) as tf.Scalar,
    combineGradients({ taskGradients, shared }) {
      const orders = drawProjectionOrders(taskGradients.length, params.seed, step);
      step++;
      return combineProjectedGradients(taskGradients, shared, orders);
    },
    effectiveWeights: () => Object.fromEntries(tasks.map((task) => [task.name, 1])),
    saveState: () => ({ step }),
    restoreState(state) {
      const saved = state.step;
      if (typeof saved !== 'number' || !Number.isSafeInteger(saved) || saved < 0) throw new TandemError('pcgrad: the saved state\'s "step" is not a step count', { value: saved });
      step = saved;
    },
    dispose: () => undefined,
  };
};
