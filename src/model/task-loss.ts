import * as tf from '@tensorflow/tfjs';

/** Loss functions a task can train with (SPEC §4): bce/focal for binary, softmax for multiclass, mse/huber for regression. */
export type TaskLossName = 'bce' | 'focal' | 'softmax' | 'mse' | 'huber';

/** Class weights of a binary task's rows: each row's loss is multiplied by the weight of its label. */
export interface BinaryClassWeights {
  readonly positive: number;
  readonly negative: number;
}

/** Settings of a task's loss beyond its name; every field optional. */
export interface TaskLossOptions {
  /** bce, focal: per-class row weights (`model.imbalance` balanced). @default unweighted */
  readonly classWeights?: BinaryClassWeights;
  /** focal: γ of the modulating factor (1 − p_t)^γ. @default {@link defaultFocalGamma} */
  readonly focalGamma?: number;
}

/** γ of the focal loss when none is given (Lin et al. 2017). */
export const defaultFocalGamma = 2;
/** Largest ratio between the two class weights {@link computeBalancedClassWeights} gives. */
export const maxClassWeightRatio = 10;
/** δ of the huber loss: quadratic within δ of the label, linear beyond. */
export const huberDelta = 1;

/**
 * Masked mean loss of one task. `output`: logits (binary) or standardised predictions (regression) `[batch]`, or class
 * logits `[batch, classes]` (softmax); `labels` `[batch]` (0/1, a class index or standardised values, any finite value
 * where unlabelled); `mask` `[batch]` 1 where labelled. Unlabelled rows contribute nothing; a batch with no labelled
 * row gives 0. Class weights multiply each binary row's loss before the mean over labelled rows (they are scaled to
 * mean 1 over the training rows, so the loss stays on the scale of the unweighted one). Returns a scalar.
 */
export function computeMaskedTaskLoss(
  loss: TaskLossName,
  output: tf.Tensor1D | tf.Tensor2D,
  labels: tf.Tensor1D,
  mask: tf.Tensor1D,
  options: TaskLossOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    let perRow = loss === 'softmax' ? softmaxCrossEntropy(output as tf.Tensor2D, labels) : perRowLoss(loss, output.reshape([-1]) as tf.Tensor1D, labels, options);
    const weights = options.classWeights;
    if (weights !== undefined && (loss === 'bce' || loss === 'focal')) {
      perRow = perRow.mul(labels.mul(weights.positive - weights.negative).add(weights.negative));
    }
    const labelled = mask.sum();
    return perRow.mul(mask).sum().div(tf.maximum(labelled, 1)) as tf.Scalar;
  });
}

/**
 * Class weights that balance a binary task (`model.imbalance` balanced): positives weigh n_neg / n_pos relative to
 * negatives, the ratio kept within [1/{@link maxClassWeightRatio}, {@link maxClassWeightRatio}], then both scaled so
 * that the mean weight over the labelled rows is 1. `labels`: the training split's 0/1 labels, NaN where unlabelled.
 * Undefined when a class is absent (nothing to balance).
 */
export function computeBalancedClassWeights(labels: Float32Array): BinaryClassWeights | undefined {
  let positives = 0;
  let negatives = 0;
  for (const label of labels) {
    if (Number.isNaN(label)) continue;
    if (label > 0.5) positives++;
    else negatives++;
  }
  if (positives === 0 || negatives === 0) return undefined;
  const ratio = Math.min(maxClassWeightRatio, Math.max(1 / maxClassWeightRatio, negatives / positives));
  const meanWeight = (positives * ratio + negatives) / (positives + negatives);
  return { positive: ratio / meanWeight, negative: 1 / meanWeight };
}

function perRowLoss(loss: Exclude<TaskLossName, 'softmax'>, z: tf.Tensor1D, y: tf.Tensor1D, options: TaskLossOptions): tf.Tensor1D {
  switch (loss) {
    case 'bce':
      return sigmoidCrossEntropy(z, y);
    case 'focal': {
      // Lin et al. 2017: down-weights easy rows by (1 − p_t)^γ. For y ∈ {0, 1}, 1 − p_t = σ(z·(1 − 2y)), so the factor
      // is exp(−γ·softplus(−z·(1 − 2y))): finite with a finite gradient even where σ saturates.
      const gamma = options.focalGamma ?? defaultFocalGamma;
      const modulation = tf.exp(softplus(z.mul(y.mul(2).sub(1))).mul(-gamma));
      return sigmoidCrossEntropy(z, y).mul(modulation);
    }
    case 'mse':
      return tf.squaredDifference(z, y);
    case 'huber': {
      const error = tf.abs(z.sub(y));
      const quadratic = tf.minimum(error, huberDelta);
      return quadratic.square().mul(0.5).add(error.sub(quadratic).mul(huberDelta));
    }
  }
}

/** Numerically stable BCE from logits: max(z, 0) − z·y + log(1 + e^−|z|). */
function sigmoidCrossEntropy(z: tf.Tensor1D, y: tf.Tensor1D): tf.Tensor1D {
  return tf.relu(z).sub(z.mul(y)).add(tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
}

/** log(1 + e^x) = max(x, 0) + log(1 + e^−|x|), with kernels every backend has. */
function softplus(x: tf.Tensor1D): tf.Tensor1D {
  return tf.relu(x).add(tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
}

/** Softmax cross-entropy of class logits `[batch, classes]` against class indices `[batch]`: logsumexp(z) − z_y. */
function softmaxCrossEntropy(z: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  const classes = z.shape[1];
  const picked = z.mul(tf.oneHot(y.toInt(), classes)).sum(1);
  return tf.logSumExp(z, 1).sub(picked) as tf.Tensor1D;
}
