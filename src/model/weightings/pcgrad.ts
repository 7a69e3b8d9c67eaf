import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../../errors/tandem-error.ts';
import { createSeededRandom, mixSeed, shuffleInPlace } from '../../random/seeded-random.ts';
import type { LossWeightingFactory, NamedGradients } from './loss-weighting.ts';

/** Keeps PCGrad's stream of task orders apart from the epochs' shuffles, which mix the same seed. */
const pcgradStream = 0x5bd1e995;

/**
 * One task's gradient on the shared variables, as one tensor per variable. Dot products sum over the parts, so
 * nothing is concatenated and sliced back apart (with tfjs-backend-wasm's own Slice kernel, which copies its whole
 * source first, that was 62 % of a step on a wide network; src/model/wasm-slice.ts replaces it, and the parts still
 * save a concatenation and its slices per step on every backend).
 */
export type GradientParts = readonly tf.Tensor[];

/**
 * Gradient surgery (Yu et al. 2020) on task gradients given as parts ({@link GradientParts}, the same variables in
 * the same order for every task): every g_i is projected, in `orders[i]` (the other tasks), off each ORIGINAL g_j
 * it conflicts with — if g_i·g_j < 0 then g_i ← g_i − (g_i·g_j / ‖g_j‖²)·g_j, with g_i the running projected
 * gradient and each dot product taken over all parts. Branch-free: the coefficient is min(g_i·g_j, 0)/‖g_j‖² (0 for
 * a zero g_j), so nothing is read back. Returns the projected gradients, in task order. Call inside a tidy.
 */
export function projectConflictingGradients(gradients: readonly GradientParts[], orders: readonly (readonly number[])[]): tf.Tensor[][] {
  const dot = (a: GradientParts, b: GradientParts): tf.Scalar => tf.addN(a.map((part, p) => part.mul(b[p] as tf.Tensor).sum() as tf.Scalar));
  const squaredNorms = gradients.map((g) => dot(g, g));
  return gradients.map((original, i) => {
    let projected: tf.Tensor[] = [...original];
    for (const j of orders[i] ?? []) {
      const other = gradients[j] as GradientParts;
      const coefficient = tf.divNoNan(tf.minimum(dot(projected, other), 0), squaredNorms[j] as tf.Scalar);
      projected = projected.map((part, p) => part.sub((other[p] as tf.Tensor).mul(coefficient)));
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
 * PCGrad's combined gradient: on the variables in `shared`, the task gradients (one vector over all of them, held
 * as parts) are projected by {@link projectConflictingGradients} in `orders` and summed; every other variable gets the plain sum
 * Σ_i ∇L_i. Returns a gradient for every variable of the task gradients. Call inside a tidy.
 */
export function combineProjectedGradients(taskGradients: readonly NamedGradients[], shared: ReadonlySet<string>, orders: readonly (readonly number[])[]): NamedGradients {
  const names = Object.keys(taskGradients[0] ?? {});
  const sum = (parts: tf.Tensor[]): tf.Tensor => tf.addN(parts);
  const combined: NamedGradients = Object.fromEntries(names.filter((name) => !shared.has(name)).map((name) => [name, sum(taskGradients.map((grads) => grads[name] as tf.Tensor))]));
  const sharedNames = names.filter((name) => shared.has(name));
  if (sharedNames.length === 0) return combined;
  const projected = projectConflictingGradients(
    taskGradients.map((grads) => sharedNames.map((name) => grads[name] as tf.Tensor)),
    orders,
  );
  sharedNames.forEach((name, p) => {
    combined[name] = sum(projected.map((parts) => parts[p] as tf.Tensor));
  });
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
