import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../../errors/tandem-error.ts';
import { sumWeightedLosses, weightsByTask, type LossWeightingFactory, type NamedGradients } from './loss-weighting.ts';
import { readStateVector } from './weighting-state.ts';

/** Weights never fall below this before renormalising, so a task cannot be switched off for good. */
export const gradNormWeightFloor = 1e-3;

/** Adam's decay rate of the first moment (the running mean of the L_grad gradient). */
export const gradNormAdamBeta1 = 0.9;
/** Adam's decay rate of the second moment (the running mean of the squared L_grad gradient). */
export const gradNormAdamBeta2 = 0.999;
/** Adam's ε, added to √v̂ in the step's denominator. */
export const gradNormAdamEpsilon = 1e-8;

/** Adam's state for the task weights: per-task moments (in task order) and the number of steps taken. */
export interface GradNormAdamMoments {
  /** m_k: the decayed mean of ∂L_grad/∂w_k. */
  readonly first: readonly number[];
  /** v_k: the decayed mean of (∂L_grad/∂w_k)². */
  readonly second: readonly number[];
  /** t: Adam steps taken so far (0 before the first), for the bias correction. */
  readonly step: number;
}

/** Adam's state before its first step for `count` tasks. */
export function initialGradNormMoments(count: number): GradNormAdamMoments {
  return { first: Array.from({ length: count }, () => 0), second: Array.from({ length: count }, () => 0), step: 0 };
}

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
  /** Adam step size of the weight update. */
  readonly learningRate: number;
  /** Adam's state before this step (not modified). @default initialGradNormMoments(weights.length) */
  readonly moments?: GradNormAdamMoments;
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
  /** ∂L_grad/∂w_k = sign(G_k − target_k) · ‖∇_W L_k‖, the gradient the Adam step followed. */
  readonly weightGradients: number[];
  /** Adam's state after this step, to pass to the next one. */
  readonly moments: GradNormAdamMoments;
}

/**
 * One GradNorm weight update (Chen et al. 2018) on plain numbers: G_k = w_k·‖∇_W L_k‖, Ḡ = mean G, inverse training
 * rate r_k = L̃_k / mean L̃ with L̃_k = L_k / L_k(0), target_k = Ḡ·r_k^α (a constant, as in the paper), and an Adam
 * step (β1 = 0.9, β2 = 0.999, ε = 1e-8, bias-corrected, as LibMTL trains the weights) on L_grad = Σ|G_k − target_k|,
 * whose gradient is g_k = sign(G_k − target_k)·‖∇_W L_k‖: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g²,
 * w_k ← w_k − lr · m̂_k / (√v̂_k + ε). The first step is therefore lr·sign(g_k) (up to ε), whatever the norm's size,
 * and later steps shrink where the sign keeps flipping. Then a clip at `floor` and Σw = K. A pure function: the
 * moments come in and the new ones go out. A task without L_k(0) yet (no labelled row seen) counts as training at
 * the average rate (r_k = 1), and so does every task when the mean rate is 0, so missing labels never produce NaN.
 */
export function computeGradNormUpdate(args: GradNormUpdateArgs): GradNormUpdate {
  const { weights, gradientNorms, losses, initialLosses, alpha, learningRate, floor = gradNormWeightFloor } = args;
  const count = weights.length;
  const moments = args.moments ?? initialGradNormMoments(count);
  const weightedNorms = weights.map((w, k) => w * (gradientNorms[k] ?? 0));
  const meanNorm = mean(weightedNorms);
  const ratios = losses.map((loss, k) => ((initialLosses[k] ?? 0) > 0 ? loss / (initialLosses[k] as number) : null));
  const known = ratios.filter((ratio): ratio is number => ratio !== null);
  const meanRatio = known.length > 0 ? mean(known) : 0;
  const inverseRates = ratios.map((ratio) => (ratio === null || !(meanRatio > 0) ? 1 : ratio / meanRatio));
  const targets = inverseRates.map((rate) => meanNorm * rate ** alpha);
  const gradNormLoss = weightedNorms.reduce((sum, g, k) => sum + Math.abs(g - (targets[k] as number)), 0);
  const weightGradients = weightedNorms.map((g, k) => Math.sign(g - (targets[k] as number)) * (gradientNorms[k] ?? 0));
  const step = moments.step + 1;
  const first = weightGradients.map((g, k) => gradNormAdamBeta1 * (moments.first[k] ?? 0) + (1 - gradNormAdamBeta1) * g);
  const second = weightGradients.map((g, k) => gradNormAdamBeta2 * (moments.second[k] ?? 0) + (1 - gradNormAdamBeta2) * g * g);
  const firstCorrection = 1 - gradNormAdamBeta1 ** step;
  const secondCorrection = 1 - gradNormAdamBeta2 ** step;
  const stepped = weights.map((w, k) => {
    const update = (first[k] as number) / firstCorrection / (Math.sqrt((second[k] as number) / secondCorrection) + gradNormAdamEpsilon);
    return Math.max(w - learningRate * update, floor);
  });
  const total = stepped.reduce((sum, w) => sum + w, 0);
  return { weights: stepped.map((w) => (w * count) / total), weightedNorms, targets, gradNormLoss, weightGradients, moments: { first, second, step } };
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
 * GradNorm: task weights (plain numbers, starting at 1) trained with Adam so that each task's weighted gradient norm
 * on the shared parameters follows its relative training rate; the network trains on Σ w_k ∇L_k with the weights
 * before the step's update. With nothing shared (`single`) the norms are taken over all the network's variables.
 * L_k(0) is a task's loss on the first batch where it has a labelled row. State: the weights, L(0), and Adam's
 * moments and step count, so a resumed run continues exactly.
 */
export const createGradNormWeighting: LossWeightingFactory = (tasks, params) => {
  let weights = tasks.map(() => 1);
  let initialLosses = tasks.map(() => 0);
  let moments = initialGradNormMoments(tasks.length);
  // The weights the last gradient step used, so the loss the step reports is the one it minimised.
  let appliedWeights: readonly number[] | undefined;
  return {
    variables: [],
    combineLosses: (losses) => {
      const used = appliedWeights ?? weights;
      appliedWeights = undefined;
      return sumWeightedLosses(losses, used);
    },
    combineGradients({ taskGradients, shared, losses }) {
      initialLosses = initialLosses.map((initial, k) => (initial > 0 ? initial : Math.max(losses[k] ?? 0, 0)));
      const gradientNorms = computeTaskGradientNorms(taskGradients, shared);
      const combined = combineWeightedGradients(taskGradients, weights);
      appliedWeights = weights;
      const update = computeGradNormUpdate({ weights, gradientNorms, losses, initialLosses, alpha: params.gradnorm.alpha, learningRate: params.gradnorm.learningRate, moments });
      weights = update.weights;
      moments = update.moments;
      return combined;
    },
    effectiveWeights: () => weightsByTask(tasks, weights),
    saveState: () => ({ weights: [...weights], initialLosses: [...initialLosses], adamFirst: [...moments.first], adamSecond: [...moments.second], adamStep: moments.step }),
    restoreState(state) {
      const restoredWeights = [...readStateVector(state, 'weights', tasks.length, 'gradnorm')];
      const restoredInitialLosses = [...readStateVector(state, 'initialLosses', tasks.length, 'gradnorm')];
      const first = [...readStateVector(state, 'adamFirst', tasks.length, 'gradnorm')];
      const second = [...readStateVector(state, 'adamSecond', tasks.length, 'gradnorm')];
      if (second.some((v) => v < 0)) throw new TandemError('gradnorm: the saved state\'s "adamSecond" has a negative moment', { value: second });
      const step = state.adamStep;
      if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) throw new TandemError('gradnorm: the saved state\'s "adamStep" is not a step count', { value: step });
      weights = restoredWeights;
      initialLosses = restoredInitialLosses;
      moments = { first, second, step };
      appliedWeights = undefined;
    },
    dispose: () => undefined,
  };
};

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
}
