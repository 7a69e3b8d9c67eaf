import * as tf from '@tensorflow/tfjs';
import { readHostValues, scratchValues } from './host-values.ts';
import { biasRelu, biasReluMask, biasSoftmax, softmaxBackward, dropoutBackward, dropoutForward, gateAddExpert, gateExpertBackward, gateFirstExpert, linearBackward, reluBackward } from './host-loops.ts';

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
   * `linear`: no relu and no mask (`keep` must be undefined); forward is tfjs' own fused matMul with bias, as the
   * Dense layer runs a linear layer, so the values are its values. @default relu
   */
  readonly activation?: 'relu' | 'linear' | 'softmax';
  /** Where the tensors the backward pass reads are kept (see {@link RetainForBackward}); tfjs' save when undefined. */
  readonly retain?: RetainForBackward;
}

/**
 * Keeps tensors for an operation's backward pass without tfjs' save, which clones each one (an Identity kernel and a
 * tape node per tensor): the caller `tf.keep`s them and disposes them once the step's backward pass is over (the
 * fused graph does so at its next pass and on release).
 */
export type RetainForBackward = (tensors: readonly tf.Tensor[]) => void;

/** Stores `tensors` for the backward pass through `retain` or tfjs' `save`; returns what the backward pass reads then. */
function keepForBackward(retain: RetainForBackward | undefined, save: tf.GradSaveFunc, tensors: tf.Tensor[]): tf.Tensor[] | undefined {
  if (retain === undefined) {
    save(tensors);
    return undefined;
  }
  retain(tensors);
  return tensors;
}

/**
 * A Dense layer with relu, then inverted dropout, as one recorded operation: forward the backend's matMul and one
 * JavaScript pass for bias, relu and mask; backward one pass for the mask, relu and bias gradients and the two matMuls.
 * The unfused layers record ~7 kernels forward and ~11 backward (plus a clone of every saved tensor), each with
 * tfjs's per-operation overhead. Values are rounded as the unfused kernels round them (float32 add; the bias gradient
 * summed over rows in order, in float32 on wasm and float64 on cpu, as their Sum kernels do), except that dividing
 * by the float32 keep share is a float64 multiply by its reciprocal before the float32 rounding: the same float32
 * unless the quotient lies within 2⁻⁵² of a rounding boundary. The passes are branch-free (relu as (z + |z|)/2, the
 * gate as a 0/1 factor): random signs and masks would mispredict branches on most units.
 */
export function denseReluDropout({ x, kernel, bias, keep, rate, inputGradient, activation = 'relu', retain }: DenseReluDropoutArgs): tf.Tensor2D {
  const linear = activation === 'linear';
  const rows = x.shape[0];
  const units = kernel.shape[1];
  const size = rows * units;
  // The unfused layer divides by 1 − rate rounded to float32.
  const reciprocal = 1 / f(1 - rate);
  let retained: tf.Tensor[] | undefined;
  const forward = (save: tf.GradSaveFunc): tf.Tensor2D => {
    if (linear) {
      retained = keepForBackward(retain, save, [x]);
      return tf.fused.matMul({ a: x, b: kernel, bias }) as tf.Tensor2D;
    }
    const product = tf.matMul(x, kernel);
    // Views into backend memory: read before the next tensor is created.
    const p = readHostValues(product);
    const b = readHostValues(bias);
    const out = scratchValues(size);
    if (activation === 'softmax') biasSoftmax(p, b, out, units);
    else if (keep === undefined) biasRelu(p, b, out, units);
    else biasReluMask(p, b, keep, 0.5 * reciprocal, out, units);
    product.dispose();
    const value = tf.tensor2d(out, [rows, units]);
    // The output is > 0 exactly where the gradient flows (relu passed and the mask kept): the backward pass reads it.
    retained = keepForBackward(retain, save, [x, value]);
    return value;
  };

  const backward = (dy: tf.Tensor, savedByTape: tf.Tensor[]): tf.Tensor[] => {
    const saved = retained ?? savedByTape;
    const g = readHostValues(dy);
    const out = linear ? g : readHostValues(saved[1] as tf.Tensor);
    const dz = scratchValues(size);
    // A Float32Array accumulates in float32 (each += rounds on store), a Float64Array in float64.
    const db = tf.getBackend() === 'cpu' ? new Float64Array(units) : new Float32Array(units);
    const scale = keep === undefined ? 1 : reciprocal;
    if (linear) linearBackward(g, dz, db, units);
    else if (activation === 'softmax') softmaxBackward(g, out, dz, db, units, db instanceof Float32Array);
    else reluBackward(g, out, scale, dz, db, units);
    const dzTensor = tf.tensor2d(dz, [rows, units]);
    const input = saved[0] as tf.Tensor2D;
    const grads = [tf.matMul(input, dzTensor, true, false), tf.tensor1d(db instanceof Float32Array ? db : Float32Array.from(db))];
    return inputGradient ? [tf.matMul(dzTensor, kernel, false, true), ...grads] : grads;
  };

  if (inputGradient) {
    return tf.customGrad((xIn, kernelIn, biasIn, save) => ({ value: forward(save as tf.GradSaveFunc), gradFunc: backward }))(x, kernel, bias) as tf.Tensor2D;
  }
  return tf.customGrad((kernelIn, biasIn, save) => ({ value: forward(save as tf.GradSaveFunc), gradFunc: backward }))(kernel, bias) as tf.Tensor2D;
}

/**
 * Inverted dropout with a drawn mask as one recorded operation (the unfused layer records GreaterEqual, Cast,
 * Multiply and RealDiv, and two kernels backward): `x · keep / (1 − rate)`, rounded as {@link denseReluDropout} rounds.
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
 * (float32 on wasm, float64 on cpu).
 */
export function mixExperts(gate: tf.Tensor2D, experts: readonly tf.Tensor2D[], retain?: RetainForBackward): tf.Tensor2D {
  const count = experts.length;
  const rows = gate.shape[0];
  const units = (experts[0] as tf.Tensor2D).shape[1];
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const inputs = args.slice(0, count + 1) as tf.Tensor[];
    const retained = keepForBackward(retain, args[count + 1] as tf.GradSaveFunc, inputs);
    // Views into backend memory, read before the output tensor is created.
    const g = readHostValues(inputs[0] as tf.Tensor);
    const out = scratchValues(rows * units);
    for (let e = 0; e < count; e++) {
      const values = readHostValues(inputs[e + 1] as tf.Tensor);
      if (e === 0) gateFirstExpert(values, g, count, e, out, units);
      else gateAddExpert(values, g, count, e, out, units);
    }
    return {
      value: tf.tensor2d(out, [rows, units]),
      gradFunc: (dy: tf.Tensor, savedByTape: tf.Tensor[]) => {
        const saved = retained ?? savedByTape;
        const float32Sum = tf.getBackend() !== 'cpu';
        const dGate = new Float32Array(rows * count);
        const dExperts: tf.Tensor2D[] = [];
        for (let e = 0; e < count; e++) {
          // Views, read again for each expert: the tensor made at the end of the last one may have moved the heap.
          const d = readHostValues(dy);
          const savedGate = readHostValues(saved[0] as tf.Tensor);
          const values = readHostValues(saved[e + 1] as tf.Tensor);
          const dx = scratchValues(rows * units);
          gateExpertBackward(d, savedGate, values, count, e, dx, dGate, units, float32Sum);
          dExperts.push(tf.tensor2d(dx, [rows, units]));
        }
        return [tf.tensor2d(dGate, [rows, count]), ...dExperts];
      },
    };
  })(gate, ...experts) as tf.Tensor2D;
}
