import * as tf from '@tensorflow/tfjs';
import type { LossWeightingFactory, NamedGradients } from './loss-weighting.ts';
import { readStateVector } from './weighting-state.ts';

/** Weights never fall below this before renormalising, so a task cannot be switched off for good. */
export const gradNormWeightFloor = 1e-3;

/** Arguments of {@link computeGradNormUpdate}; every array is per task, in task order. */
export interface GradNormUpdateArgs {
  /** Current task weights w_k (Σ = K). */
  readonly weights: readonly number[];
  /** ‖∇_W L_k‖: norm of each task's unweighted loss gradient over the shared parameters W. */
  readonly gradientNorms: readonly number[];
  /** L_k: each task's unweighted loss on this batch. */
  readonly losses: readonly number[];
  /** L_k(0): each task's first loss; 0 where not yet seen (no labelled row so far). */
  readonly initialLosses: readonly number[];
  /** Restoring force α. */
  readonly alpha: number;
  /** Step size of the weight update. */
  readonly learningRate: number;
  /** Lower clip of a weight before renormalising. @default gradNormWeightFloor */
  readonly floor?: number;
}

/** One GradNorm step on plain numbers. */
export interface GradNormUpdate {
  /** The new weights, clipped at the floor and renormalised to Σ = K. */
  readonly weights: number[];
  /** G_k = w_k · ‖∇_W L_k‖ with the weights before the update. */
  readonly weightedNorms: number[];
  /** Ḡ · r_k^α, held constant. */
  readonly targets: number[];
  /** L_grad = Σ |G_k − target_k|. */
  readonly gradNormLoss: number;
}

/**
 * One GradNorm weight update (Chen et al. 2018) on plain numbers: G_k = w_k·‖∇_W L_k‖, Ḡ = mean G, inverse training
 * rate r_k = L̃_k / mean L̃ with L̃_k = L_k / L_k(0), target_k = Ḡ·r_k^α (a constant, as in the paper), and a step
 * w_k ← w_k − lr · sign(G_k − target_k) · ‖∇_W L_k‖ on L_grad = Σ|G_k − target_k|, then a clip at `floor` and Σw = K.
 * A task without L_k(0) yet (no labelled row seen) counts as training at the average rate (r_k = 1), and so does
 * every task when the mean rate is 0, so missing labels never produce NaN.
 */
export function computeGradNormUpdate(args: GradNormUpdateArgs): GradNormUpdate {
  const { weights, gradientNorms, losses, initialLosses, alpha, learningRate, floor = gradNormWeightFloor } = args;
  const count = weights.length;
  const weightedNorms = weights.map((w, k) => w * (gradientNorms[k] ?? 0));
  const meanNorm = mean(weightedNorms);
  const ratios = losses.map((loss, k) => ((initialLosses[k] ?? 0) > 0 ? loss / (initialLosses[k] as number) : null));
  const known = ratios.filter((ratio): ratio is number => ratio !== null);
  const meanRatio = known.length > 0 ? mean(known) : 0;
  const inverseRates = ratios.map((ratio) => (ratio === null || !(meanRatio > 0) ? 1 : ratio / meanRatio));
  const targets = inverseRates.map((rate) => meanNorm * rate ** alpha);
  const gradNormLoss = weightedNorms.reduce((sum, g, k) => sum + Math.abs(g - (targets[k] as number)), 0);
  const stepped = weights.map((w, k) => Math.max(w - learningRate * Math.sign((weightedNorms[k] as number) - (targets[k] as number)) * (gradientNorms[k] ?? 0), floor));
  const total = stepped.reduce((sum, w) => sum + w, 0);
  return { weights: stepped.map((w) => (w * count) / total), weightedNorms, targets, gradNormLoss };
}

/**
 * ‖∇L_k‖ per task over the variables named in `over` (all of them when `over` is empty): the Euclidean norm of all
 * of a task's gradients on those variables together. Reads the values back synchronously.
 */
export function computeTaskGradientNorms(taskGradients: readonly NamedGradients[], over: ReadonlySet<string>): number[] {
  const norms = tf.tidy(() =>
    tf.stack(
      taskGradients.map((grads) => {
        const selected = Object.entries(grads).filter(([name]) => over.size === 0 || over.has(name));
        return selected.length === 0 ? tf.scalar(0) : tf.addN(selected.map(([, g]) => g.square().sum())).sqrt();
      }),
    ),
  );
  try {
    return Array.from(norms.dataSync());
  } finally {
    norms.dispose();
  }
}

/** Σ_k w_k · ∇L_k for every variable of the task gradients (`[...variable shape]` each). Call inside a tidy. */
export function combineWeightedGradients(taskGradients: readonly NamedGradients[], weights: readonly number[]): NamedGradients {
  const names = Object.keys(taskGradients[0] ?? {});
  return Object.fromEntries(names.map((name) => [name, tf.addN(taskGradients.map((grads, k) => (grads[name] as tf.Tensor).mul(weights[k] ?? 0)))]));
}

/**
 * GradNorm: task weights (plain numbers, starting at 1) trained so that each task's weighted gradient norm on the
 * shared parameters follows its relative training rate; the network trains on Σ w_k ∇L_k with the weights before
 * the step's update. With nothing shared (`single`) the norms are taken over all the network's variables. L_k(0) is
 * a task's loss on the first batch where it has a labelled row. State: the weights and L(0).
 */
export const createGradNormWeighting: LossWeightingFactory = (tasks, params) => {
  let weights = tasks.map(() => 1);
  let initialLosses = tasks.map(() => 0);
  // The weights the last gradient step used, so the loss the step reports is the one it minimised.
  let appliedWeights: readonly number[] | undefined;
  return {
    variables: [],
    combineLosses: (losses) => {
      const used = appliedWeights ?? weights;
      appliedWeights = undefined;
      return tf.addN(losses.map((loss, k) => loss.mul(used[k] ?? 1))) as tf.Scalar;
    },
    combineGradients({ taskGradients, shared, losses }) {
      initialLosses = initialLosses.map((initial, k) => (initial > 0 ? initial : Math.max(losses[k] ?? 0, 0)));
      const gradientNorms = computeTaskGradientNorms(taskGradients, shared);
      const combined = combineWeightedGradients(taskGradients, weights);
      appliedWeights = weights;
      weights = computeGradNormUpdate({ weights, gradientNorms, losses, initialLosses, alpha: params.gradnorm.alpha, learningRate: params.gradnorm.learningRate }).weights;
      return combined;
    },
    effectiveWeights: () => Object.fromEntries(tasks.map((task, k) => [task.name, weights[k] as number])),
    saveState: () => ({ weights: [...weights], initialLosses: [...initialLosses] }),
    restoreState(state) {
      weights = [...readStateVector(state, 'weights', tasks.length, 'gradnorm')];
      initialLosses = [...readStateVector(state, 'initialLosses', tasks.length, 'gradnorm')];
      appliedWeights = undefined;
    },
    dispose: () => undefined,
  };
};

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
}
