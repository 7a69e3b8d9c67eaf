import * as tf from '@tensorflow/tfjs';
import { readHostValues, scratchValues } from './host-values.ts';
import { biasSoftmax, dropoutBackward, dropoutForward, linearBackward, softmaxBackward } from './host-loops.ts';
import { biasForward, gateBackward, gateMix, layerNormBackward, layerNormForward, reluBackward } from './simd-kernels.ts';

const f = Math.fround;

/** Arguments of {@link denseReluDropout}. */
export interface DenseReluDropoutArgs {
  /** `[rows, inputs]` */
  readonly x: tf.Tensor2D;
  /** `[inputs, units]` */
  readonly kernel: tf.Tensor2D;
  /** `[units]` */
  readonly bias: tf.Tensor1D;
  /** 0/1 per output unit (`SeededDropout.drawKeepMask`), or undefined for no dropout. */
  readonly keep: Uint8Array | undefined;
  /** The dropout rate `keep` was drawn with. */
  readonly rate: number;
  /** False where `x` needs no gradient (the network's input): its product is skipped. */
  readonly inputGradient: boolean;
  /**
   * `linear`: no relu and no mask (`keep` must be undefined): the product and the bias added after it, as the Dense
   * layer computes it; `softmax`: a softmax over each row (the experts' gates). @default relu
   */
  readonly activation?: 'relu' | 'linear' | 'softmax';
  /** Where the tensors the backward pass reads are kept (see {@link BackwardStore}); tfjs' save when undefined. */
  readonly store?: BackwardStore;
}

/**
 * What the fused operations of one training pass keep for their backward pass, instead of tfjs' save, which clones
 * each tensor (an Identity kernel and a tape node per tensor). The fused graph disposes it all once the step's backward
 * passes are over (at its next pass, and on release).
 */
export interface BackwardStore {
  /** Keeps `tensors` (tf.keep) until the store is released. */
  retain(tensors: readonly tf.Tensor[]): void;
  /**
   * `tensor` transposed, made once per pass however many operations ask (the network's input feeds every expert and
   * gate) and kept with the rest: the weight gradient xᵀ·dz is then a plain product (see host-transpose.ts).
   */
  transposed(tensor: tf.Tensor2D): tf.Tensor2D;
}

/** Stores `tensors` for the backward pass in `store` or through tfjs' `save`; returns what the backward pass reads then. */
function keepForBackward(store: BackwardStore | undefined, save: tf.GradSaveFunc, tensors: tf.Tensor[]): tf.Tensor[] | undefined {
  if (store === undefined) {
    save(tensors);
    return undefined;
  }
  store.retain(tensors);
  return tensors;
}

/**
 * A Dense layer with relu, then inverted dropout, as one recorded operation: forward the backend's matMul and one
 * SIMD pass for bias, relu and mask (simd-kernels.ts); backward one pass for the mask, relu and bias gradients and
 * the two matMuls. The unfused layers record ~7 kernels forward and ~11 backward (plus a clone of every saved tensor),
 * each with tfjs's per-operation overhead. Values are rounded as the unfused kernels round them (float32 add, the mask
 * divided by the float32 keep share as RealDiv does; the bias gradient summed over rows in order, in float32 on wasm
 * and float64 on cpu, as their Sum kernels do). The passes are branch-free (relu as (z + |z|)/2, the gate as a 0/1
 * factor): random signs and masks would mispredict branches on most units. Also linear layers (the bias added after
 * the product, as the Dense layer adds it) and softmax ones (the experts' gates).
 */
export function denseReluDropout({ x, kernel, bias, keep, rate, inputGradient, activation = 'relu', store }: DenseReluDropoutArgs): tf.Tensor2D {
  const linear = activation === 'linear';
  const rows = x.shape[0];
  const units = kernel.shape[1];
  const size = rows * units;
  // The unfused layer divides by 1 − rate rounded to float32.
  const keepProbability = f(1 - rate);
  let retained: tf.Tensor[] | undefined;
  const forward = (save: tf.GradSaveFunc): tf.Tensor2D => {
    const product = tf.matMul(x, kernel);
    // Views into backend memory: read before the next tensor is created.
    const p = readHostValues(product);
    const b = readHostValues(bias);
    const out = scratchValues(size);
    if (activation === 'softmax') biasSoftmax(p, b, out, units);
    else biasForward(p, b, !linear, keep, keepProbability, out, units);
    product.dispose();
    const value = tf.tensor2d(out, [rows, units]);
    // The output is > 0 exactly where the gradient flows (relu passed and the mask kept): the backward pass reads it.
    retained = keepForBackward(store, save, linear ? [x] : [x, value]);
    return value;
  };

  const backward = (dy: tf.Tensor, savedByTape: tf.Tensor[]): tf.Tensor[] => {
    const saved = retained ?? savedByTape;
    const g = readHostValues(dy);
    const out = linear ? g : readHostValues(saved[1] as tf.Tensor);
    const dz = scratchValues(size);
    // A Float32Array accumulates in float32 (each += rounds on store), a Float64Array in float64.
    const db = tf.getBackend() === 'cpu' ? new Float64Array(units) : new Float32Array(units);
    if (linear) linearBackward(g, dz, db, units);
    else if (activation === 'softmax') softmaxBackward(g, out, dz, db, units, db instanceof Float32Array);
    else reluBackward(g, out, keep === undefined ? undefined : keepProbability, dz, db, units);
    const dzTensor = tf.tensor2d(dz, [rows, units]);
    const input = saved[0] as tf.Tensor2D;
    const biasGradient = tf.tensor1d(db instanceof Float32Array ? db : Float32Array.from(db));
    // The same products either way (a transpose is exact): the store's transposes are made once, in JavaScript.
    const kernelGradient = store === undefined ? tf.matMul(input, dzTensor, true, false) : tf.matMul(store.transposed(input), dzTensor);
    if (!inputGradient) return [kernelGradient, biasGradient];
    const inputGrad = store === undefined ? tf.matMul(dzTensor, kernel, false, true) : tf.matMul(dzTensor, store.transposed(kernel));
    return [inputGrad, kernelGradient, biasGradient];
  };

  if (inputGradient) {
    return tf.customGrad((xIn, kernelIn, biasIn, save) => ({ value: forward(save as tf.GradSaveFunc), gradFunc: backward }))(x, kernel, bias) as tf.Tensor2D;
  }
  return tf.customGrad((kernelIn, biasIn, save) => ({ value: forward(save as tf.GradSaveFunc), gradFunc: backward }))(kernel, bias) as tf.Tensor2D;
}

/**
 * Inverted dropout with a drawn mask as one recorded operation (the unfused layer records GreaterEqual, Cast,
 * Multiply and RealDiv, and two kernels backward): `x · keep / (1 − rate)`, the division a float64 multiply by the
 * reciprocal of the float32 keep share before the float32 rounding (the same float32 unless the quotient lies within
 * 2⁻⁵² of a rounding boundary; {@link denseReluDropout}'s SIMD pass divides in float32).
 */
export function applyDropoutMask(x: tf.Tensor, keep: Uint8Array, rate: number): tf.Tensor {
  const reciprocal = 1 / f(1 - rate);
  return tf.customGrad((xIn) => {
    const values = readHostValues(xIn as tf.Tensor);
    const out = scratchValues(values.length);
    dropoutForward(values, keep, reciprocal, out);
    return {
      value: tf.tensor(out, (xIn as tf.Tensor).shape, 'float32'),
      gradFunc: (dy: tf.Tensor) => {
        const g = readHostValues(dy);
        const dx = scratchValues(g.length);
        dropoutBackward(g, keep, reciprocal, dx);
        return tf.tensor(dx, dy.shape, 'float32');
      },
    };
  })(x);
}

/**
 * The gated sum of a mixture-of-experts layer (src/model/layers/mixture-of-experts.ts), Σₑ gate[:, e] · expertₑ, as
 * one recorded operation instead of a split, a multiply per expert and an addN (and their gradients). Rounded as
 * those kernels round: each product and each partial sum in float32, the gate's gradient summed over units in order
 * (float32 on wasm, float64 on cpu). The loops are SIMD kernels (simd-kernels.ts).
 */
export function mixExperts(gate: tf.Tensor2D, experts: readonly tf.Tensor2D[], store?: BackwardStore): tf.Tensor2D {
  const count = experts.length;
  const rows = gate.shape[0];
  const units = (experts[0] as tf.Tensor2D).shape[1];
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const inputs = args.slice(0, count + 1) as tf.Tensor[];
    const retained = keepForBackward(store, args[count + 1] as tf.GradSaveFunc, inputs);
    // Views into backend memory, read before the output tensor is created.
    const out = scratchValues(rows * units);
    gateMix(
      readHostValues(inputs[0] as tf.Tensor),
      inputs.slice(1).map((input) => readHostValues(input)),
      out,
      units,
    );
    return {
      value: tf.tensor2d(out, [rows, units]),
      gradFunc: (dy: tf.Tensor, savedByTape: tf.Tensor[]) => {
        const saved = retained ?? savedByTape;
        const dGate = new Float32Array(rows * count);
        const dExperts: tf.Tensor2D[] = [];
        // Views of the backend's memory, all copied into the kernels' memory before the first tensor is made.
        const experts = saved.slice(1).map((tensor) => readHostValues(tensor));
        gateBackward(readHostValues(dy), readHostValues(saved[0] as tf.Tensor), experts, dGate, units, tf.getBackend() === 'cpu', (dx) => {
          const values = scratchValues(rows * units);
          values.set(dx);
          dExperts.push(tf.tensor2d(values, [rows, units]));
        });
        return [tf.tensor2d(dGate, [rows, count]), ...dExperts];
      },
    };
  })(gate, ...experts) as tf.Tensor2D;
}

/** Arguments of {@link layerNormActivationDropout}. */
export interface LayerNormActivationDropoutArgs {
  /** `[rows, units]`: the pre-activations (a linear Dense layer's output). */
  readonly x: tf.Tensor2D;
  /** `[units]` */
  readonly gamma: tf.Tensor1D;
  /** `[units]` */
  readonly beta: tf.Tensor1D;
  readonly epsilon: number;
  readonly activation: 'relu' | 'linear';
  /** 0/1 per output unit, or undefined for no dropout. */
  readonly keep: Uint8Array | undefined;
  /** The dropout rate `keep` was drawn with. */
  readonly rate: number;
  /**
   * Arrays for what the backward pass reads, reused from pass to pass (fresh 128 KB arrays per operation and step
   * were most of its time): the caller keeps one per operation and lets a pass's backward run before the next pass.
   */
  readonly buffers?: LayerNormBuffers;
}

/** The values {@link layerNormActivationDropout} keeps for its backward pass; `ensure` sizes them. */
export class LayerNormBuffers {
  normalised = new Float32Array(0);
  gate = new Float32Array(0);
  scales = new Float32Array(0);
  gamma = new Float32Array(0);

  ensure(rows: number, units: number): this {
    if (this.normalised.length !== rows * units) {
      this.normalised = new Float32Array(rows * units);
      this.gate = new Float32Array(rows * units);
    }
    if (this.scales.length !== rows) this.scales = new Float32Array(rows);
    if (this.gamma.length !== units) this.gamma = new Float32Array(units);
    return this;
  }
}

/**
 * Layer normalisation (RowLayerNormalization), its activation and the dropout it feeds as one recorded operation:
 * one SIMD pass forward and one backward (simd-kernels.ts) instead of ~40 kernels forward and ~60 backward, most of a
 * default (layer-normalised) training step. The row statistics are summed in four lanes rather than in the kernels'
 * order, so values agree with the unfused layers to float32 rounding, not bit for bit. The backward pass reads the
 * normalised values and row scales kept in JavaScript, so no tensor is saved.
 */
export function layerNormActivationDropout({ x, gamma, beta, epsilon, activation, keep, rate, buffers = new LayerNormBuffers() }: LayerNormActivationDropoutArgs): tf.Tensor2D {
  const [rows, units] = x.shape;
  const size = rows * units;
  const keepProbability = f(1 - rate);
  const relu = activation === 'relu';
  return tf.customGrad(() => {
    const { normalised, scales, gamma: gammaValues, gate } = buffers.ensure(rows, units);
    gammaValues.set(readHostValues(gamma));
    const out = scratchValues(size);
    layerNormForward(readHostValues(x), gammaValues, readHostValues(beta), epsilon, relu, keep, keepProbability, out, normalised, scales, units);
    // Where the output is zero the gradient stops (relu or mask). A copy: the cpu backend keeps the array it is given.
    gate.set(out);
    const value = tf.tensor2d(out, [rows, units]);
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        const dx = scratchValues(size);
        const dGamma = new Float32Array(units);
        const dBeta = new Float32Array(units);
        layerNormBackward(readHostValues(dy), gate, normalised, scales, gammaValues, relu || keep !== undefined, keep === undefined ? undefined : keepProbability, dx, dGamma, dBeta, units);
        return [tf.tensor2d(dx, [rows, units]), tf.tensor1d(dGamma), tf.tensor1d(dBeta)];
      },
    };
  })(x, gamma, beta) as tf.Tensor2D;
}
