import * as tf from '@tensorflow/tfjs';
import { readHostValues } from './host-values.ts';
import { huberDelta, type TaskLossName, type TaskLossOptions } from '../model/task-loss.ts';

/** One task of {@link fusedMaskedTaskLosses}: its loss, its output `[rows, 1]`, and its batch labels and 0/1 mask. */
export interface FusedTaskLoss {
  readonly loss: TaskLossName;
  readonly options?: TaskLossOptions;
  readonly output: tf.Tensor;
  readonly y: Float32Array;
  readonly mask: Float32Array;
}

/** The losses {@link fusedMaskedTaskLosses} computes in one pass; focal and softmax keep their tensor form. */
export function isFusableTaskLoss(loss: TaskLossName, units: number): boolean {
  return units === 1 && (loss === 'bce' || loss === 'mse' || loss === 'huber');
}

/**
 * The masked mean losses of tasks (bce with optional class weights, mse, huber: see computeMaskedTaskLoss in
 * src/model/task-loss.ts for the definitions), each as one recorded operation with a JavaScript pass forward and one
 * backward, instead of ~15 kernels forward and ~20 backward per task. Labels and masks are read from the batch's
 * arrays; per-row terms are summed in float64 (the tensor form sums float32), so values agree with it to float32
 * rounding, not bit for bit. Call inside a gradient scope; the gradients are exact derivatives of the same expressions.
 */
export function fusedMaskedTaskLosses(tasks: readonly FusedTaskLoss[]): tf.Scalar[] {
  return tasks.map((task) => maskedTaskLoss(task));
}

function maskedTaskLoss(task: FusedTaskLoss): tf.Scalar {
  const { y, mask } = task;
  // d loss / d output per row (before the upstream gradient).
  const derivative = new Float64Array(y.length);
  const weights = task.loss === 'bce' ? task.options?.classWeights : undefined;
  return tf.customGrad((output) => {
    const z = readHostValues(output as tf.Tensor);
    let labelled = 0;
    for (let i = 0; i < mask.length; i++) labelled += mask[i] as number;
    const denominator = Math.max(labelled, 1);
    let sum = 0;
    for (let i = 0; i < z.length; i++) {
      const m = mask[i] as number;
      const zi = z[i] as number;
      const yi = y[i] as number;
      let value: number;
      let slope: number;
      if (task.loss === 'bce') {
        // max(z, 0) − z·y + log(1 + e^−|z|); its derivative σ(z) − y.
        const e = Math.exp(-Math.abs(zi));
        value = Math.max(zi, 0) - zi * yi + Math.log1p(e);
        slope = (zi >= 0 ? 1 / (1 + e) : e / (1 + e)) - yi;
        if (weights !== undefined) {
          const w = yi * (weights.positive - weights.negative) + weights.negative;
          value *= w;
          slope *= w;
        }
      } else if (task.loss === 'mse') {
        const d = zi - yi;
        value = d * d;
        slope = 2 * d;
      } else {
        const d = zi - yi;
        const error = Math.abs(d);
        const quadratic = Math.min(error, huberDelta);
        value = 0.5 * quadratic * quadratic + (error - quadratic) * huberDelta;
        slope = error <= huberDelta ? d : Math.sign(d) * huberDelta;
      }
      sum += value * m;
      derivative[i] = (slope * m) / denominator;
    }
    return {
      value: tf.scalar(sum / denominator),
      gradFunc: (dy: tf.Tensor) => {
        const scale = dy.dataSync()[0] as number;
        const grad = new Float32Array(derivative.length);
        for (let i = 0; i < grad.length; i++) grad[i] = (derivative[i] as number) * scale;
        return tf.tensor(grad, task.output.shape, 'float32');
      },
    };
  })(task.output) as tf.Scalar;
}
