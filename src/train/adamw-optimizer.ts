import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../errors/tandem-error.ts';
import { adamUpdate } from './simd-kernels.ts';
import { readHostValues, scratchValues } from './host-values.ts';
import type { NamedTensor } from './training-state.ts';

/** Arguments of {@link createAdamW}. */
export interface AdamWArgs {
  /** Every variable the optimizer may update, in checkpoint order. */
  readonly variables: readonly tf.Variable[];
  /** The starting learning rate; change it per step with `setLearningRate`. */
  readonly learningRate: number;
  /** Decoupled weight decay (Loshchilov & Hutter 2019): each step shrinks the decayed variables by lr · weightDecay. @default 0 */
  readonly weightDecay?: number;
  /**
   * Coupled L2 (`model.l2`): the gradient of l2 · Σ‖θ‖² over the decayed variables, 2 · l2 · θ, is added to theirs, as
   * if the penalty were part of the loss, without the kernels it would take in the graph and its backward pass.
   * @default 0
   */
  readonly l2?: number;
  /** Names of the variables weight decay and `l2` act on (the dense kernels, not biases). @default every variable */
  readonly decayed?: ReadonlySet<string>;
  /** @default 0.9 */
  readonly beta1?: number;
  /** @default 0.999 */
  readonly beta2?: number;
  /** @default the backend's epsilon, as tf.train.adam (1e-7 for float32) */
  readonly epsilon?: number;
  /**
   * Where the update runs: `host` updates in JavaScript over the values (wasm and cpu keep tensors in host memory:
   * one loop instead of ~13 kernels per variable), `tensor` with tensor ops (backends with device memory, where a
   * read-back per step would stall). @default host on wasm and cpu, else tensor
   */
  readonly mode?: 'host' | 'tensor';
}

/** Adam with decoupled weight decay and a settable learning rate; its state is saved in tf.train.adam's layout. */
export interface AdamWOptimizer {
  readonly mode: 'host' | 'tensor';
  /**
   * Updates by gradients named by variable; variables without a gradient (or not known) are left alone, except that
   * with `l2` every decayed variable is updated by the penalty's gradient. Returns the penalty l2 · Σ‖θ‖² over the
   * decayed variables as they were before the update (0 without `l2`), a scalar the caller disposes.
   */
  applyGradients(gradients: Readonly<Record<string, tf.Tensor>>): tf.Scalar;
  setLearningRate(learningRate: number): void;
  readonly learningRate: number;
  /** Updates done so far. */
  readonly iterations: number;
  /** `iter`, then every variable's first moment, then every second moment: fresh tensors the caller disposes. */
  getWeights(): NamedTensor[];
  /** Restores `getWeights` output (also a tf.train.adam checkpoint over the same variables); the caller keeps `weights`. */
  setWeights(weights: readonly NamedTensor[]): void;
  dispose(): void;
}

/**
 * Adam (Kingma & Ba 2015) with decoupled weight decay (AdamW) for `variables`. Per variable and step t, with g its
 * gradient (plus 2·l2·θ with `l2`): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ·(1 − lr·wd) − lr · m̂ / (√v̂ + ε) with
 * m̂ = m / (1−β₁ᵗ), v̂ = v / (1−β₂ᵗ). The host update rounds as tf.train.adam does, so with weightDecay and l2 at 0 it
 * gives tf.train.adam's weights; the tensor update folds the bias corrections into two scalars,
 * lr·(1−β₂ᵗ)^½/(1−β₁ᵗ) and ε(1−β₂ᵗ)^½ (one kernel fewer per variable; equal up to float rounding).
 */
export function createAdamW({ variables, learningRate, weightDecay = 0, l2 = 0, decayed, beta1 = 0.9, beta2 = 0.999, epsilon, mode }: AdamWArgs): AdamWOptimizer {
  const eps = epsilon ?? tf.backend().epsilon();
  const chosenMode = mode ?? (['wasm', 'cpu'].includes(tf.getBackend()) ? 'host' : 'tensor');
  const decays = variables.map((variable) => decayed === undefined || decayed.has(variable.name));
  let lr = learningRate;
  let iterations = 0;
  // host: moments as float32 arrays; tensor: as non-trainable variables.
  let hostMoments: { m: Float32Array; v: Float32Array }[] = variables.map((variable) => ({ m: new Float32Array(variable.size), v: new Float32Array(variable.size) }));
  let tensorMoments: { m: tf.Variable; v: tf.Variable }[] | undefined;
  const ensureTensorMoments = (): { m: tf.Variable; v: tf.Variable }[] =>
    (tensorMoments ??= variables.map((variable, i) => {
      const { m, v } = hostMoments[i] as { m: Float32Array; v: Float32Array };
      // tidy frees the uploaded tensors; the variables (never tracked by tidy) keep their data.
      return tf.tidy(() => ({ m: tf.variable(tf.tensor(m, variable.shape), false), v: tf.variable(tf.tensor(v, variable.shape), false) }));
    }));

  /** lr·(1−β₂ᵗ)^½/(1−β₁ᵗ) and ε(1−β₂ᵗ)^½ for step t. */
  const stepScalars = (t: number) => {
    const correction = Math.sqrt(1 - beta2 ** t);
    return { stepSize: (lr * correction) / (1 - beta1 ** t), epsilonHat: eps * correction };
  };

  /** Which variables this step updates, each with its gradient (undefined: only the L2 term reaches it). */
  const updatedVariables = (gradients: Readonly<Record<string, tf.Tensor>>): { i: number; gradient: tf.Tensor | undefined }[] =>
    variables.flatMap((variable, i) => {
      const gradient = gradients[variable.name];
      return gradient !== undefined || (l2 > 0 && decays[i] === true) ? [{ i, gradient }] : [];
    });

  // The host update rounds every operation to float32 in tf.train.adam's order (its constants as float32 scalars,
  // β₁ᵗ and β₂ᵗ as running float32 products), so that it gives tf.train.adam's results, not just close ones.
  const f = Math.fround;
  const b1 = f(beta1);
  const b2 = f(beta2);
  const c1 = f(1 - beta1);
  const c2 = f(1 - beta2);
  const epsilon32 = f(eps);
  /** β₁ᵗ and β₂ᵗ as float32 running products, by t (index 0 unused). */
  const powers: { b1: number; b2: number }[] = [{ b1: 1, b2: 1 }];
  const powersAt = (t: number) => {
    while (powers.length <= t) {
      const last = powers[powers.length - 1] as { b1: number; b2: number };
      powers.push(powers.length === 1 ? { b1, b2 } : { b1: f(last.b1 * b1), b2: f(last.b2 * b2) });
    }
    return powers[t] as { b1: number; b2: number };
  };

  const applyHost = (gradients: Readonly<Record<string, tf.Tensor>>, t: number): tf.Scalar => {
    const power = powersAt(t);
    const correction1 = f(1 - power.b1);
    const correction2 = f(1 - power.b2);
    const constants = { b1, b2, c1, c2, correction1, correction2, epsilon: epsilon32, negativeRate: f(-lr) };
    let squares = 0;
    for (const { i, gradient } of updatedVariables(gradients)) {
      const variable = variables[i] as tf.Variable;
      const { m, v } = hostMoments[i] as { m: Float32Array; v: Float32Array };
      // A view of the gradient (read before the update's tensor is created) and a copy of the weights.
      const theta = scratchValues(variable.size);
      theta.set(readHostValues(variable));
      const g = gradient === undefined ? new Float32Array(variable.size) : readHostValues(gradient);
      const decaying = decays[i] === true;
      const shrink = f(decaying ? 1 - lr * weightDecay : 1);
      const l2Factor = f(decaying ? 2 * l2 : 0);
      squares += adamUpdate(theta, g, m, v, constants, shrink, l2Factor, decaying);
      const updated = tf.tensor(theta, variable.shape, 'float32');
      variable.assign(updated);
      updated.dispose();
    }
    return tf.scalar(l2 * squares);
  };

  const applyTensor = (gradients: Readonly<Record<string, tf.Tensor>>, t: number): tf.Scalar => {
    const moments = ensureTensorMoments();
    const { stepSize, epsilonHat } = stepScalars(t);
    return tf.tidy(() => {
      const scalars = { b1: tf.scalar(beta1), c1: tf.scalar(1 - beta1), b2: tf.scalar(beta2), c2: tf.scalar(1 - beta2), step: tf.scalar(stepSize), eps: tf.scalar(epsilonHat) };
      const shrink = weightDecay > 0 ? tf.scalar(1 - lr * weightDecay) : undefined;
      const l2Factor = l2 > 0 ? tf.scalar(2 * l2) : undefined;
      const squares: tf.Tensor[] = [];
      for (const { i, gradient } of updatedVariables(gradients)) {
        const variable = variables[i] as tf.Variable;
        const { m, v } = moments[i] as { m: tf.Variable; v: tf.Variable };
        const decaying = decays[i] === true;
        let g = gradient ?? tf.zerosLike(variable);
        if (l2Factor !== undefined && decaying) {
          squares.push(variable.square().sum());
          g = g.add(variable.mul(l2Factor));
        }
        const nextM = m.mul(scalars.b1).add(g.mul(scalars.c1));
        const nextV = v.mul(scalars.b2).add(g.square().mul(scalars.c2));
        m.assign(nextM);
        v.assign(nextV);
        const base = shrink !== undefined && decaying ? variable.mul(shrink) : variable;
        // The penalty's squares were read above, before this assignment replaces the variable's data.
        variable.assign(base.sub(nextM.div(nextV.sqrt().add(scalars.eps)).mul(scalars.step)));
      }
      return squares.length === 0 ? tf.scalar(0) : (tf.addN(squares).mul(l2) as tf.Scalar);
    });
  };

  return {
    mode: chosenMode,
    get learningRate() {
      return lr;
    },
    get iterations() {
      return iterations;
    },
    setLearningRate(value) {
      if (!(value >= 0) || !Number.isFinite(value)) throw new TandemError(`learning rate must be a finite number ≥ 0, got ${value}`, { value });
      lr = value;
    },
    applyGradients(gradients) {
      iterations++;
      return chosenMode === 'host' ? applyHost(gradients, iterations) : applyTensor(gradients, iterations);
    },
    getWeights() {
      const moments =
        chosenMode === 'host'
          ? hostMoments.map(({ m, v }, i) => ({ m: tf.tensor(m, (variables[i] as tf.Variable).shape), v: tf.tensor(v, (variables[i] as tf.Variable).shape) }))
          : ensureTensorMoments().map(({ m, v }) => ({ m: m.clone(), v: v.clone() }));
      return [
        { name: 'iter', tensor: tf.scalar(iterations) },
        ...moments.map(({ m }, i) => ({ name: `${(variables[i] as tf.Variable).name}/m`, tensor: m })),
        ...moments.map(({ v }, i) => ({ name: `${(variables[i] as tf.Variable).name}/v`, tensor: v })),
      ];
    },
    setWeights(weights) {
      const [iter, ...moments] = weights;
      if (iter === undefined || moments.length !== 2 * variables.length) {
        throw new TandemError(`optimizer state holds ${weights.length} tensors; expected ${2 * variables.length + 1} (iter, then m and v of ${variables.length} variables)`, {
          value: weights.length,
        });
      }
      moments.forEach(({ name, tensor }, k) => {
        const variable = variables[k % variables.length] as tf.Variable;
        if (tensor.size !== variable.size) throw new TandemError(`optimizer state ${name} has ${tensor.size} values; variable ${variable.name} has ${variable.size}`, { value: name });
      });
      iterations = (iter.tensor.dataSync()[0] as number) | 0;
      const values = moments.map(({ tensor }) => Float32Array.from(tensor.dataSync() as Float32Array));
      hostMoments = variables.map((_, i) => ({ m: values[i] as Float32Array, v: values[variables.length + i] as Float32Array }));
      if (tensorMoments !== undefined) {
        tf.dispose(tensorMoments.flatMap(({ m, v }) => [m, v]));
        tensorMoments = undefined;
      }
    },
    dispose() {
      if (tensorMoments !== undefined) tf.dispose(tensorMoments.flatMap(({ m, v }) => [m, v]));
      tensorMoments = undefined;
    },
  };
}
