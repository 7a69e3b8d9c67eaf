import * as tf from '@tensorflow/tfjs';

/** Loss functions a task can train with (SPEC §4): bce/focal for binary, softmax for multiclass, mse/huber for regression. */
export type TaskLossName = 'bce' | 'focal' | 'softmax' | 'mse' | 'huber';

const focalGamma = 2;
const huberDelta = 1;

/**
 * Masked mean loss of one task. `output`: logits (binary) or standardised predictions (regression) `[batch]`, or class
 * logits `[batch, classes]` (softmax); `labels` `[batch]` (0/1, a class index or standardised values, anything where
 * unlabelled); `mask` `[batch]` 1 where labelled. Unlabelled rows contribute nothing; a batch with no labelled row
 * gives 0. Returns a scalar.
 */
export function computeMaskedTaskLoss(loss: TaskLossName, output: tf.Tensor1D | tf.Tensor2D, labels: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const perRow = loss === 'softmax' ? softmaxCrossEntropy(output as tf.Tensor2D, labels) : perRowLoss(loss, output.reshape([-1]) as tf.Tensor1D, labels);
    const labelled = mask.sum();
    return perRow.mul(mask).sum().div(tf.maximum(labelled, 1)) as tf.Scalar;
  });
}

function perRowLoss(loss: Exclude<TaskLossName, 'softmax'>, z: tf.Tensor1D, y: tf.Tensor1D): tf.Tensor1D {
  switch (loss) {
    case 'bce':
      return sigmoidCrossEntropy(z, y);
    case 'focal': {
      // Lin et al. 2017: down-weights easy rows by (1 - p_t)^γ.
      const p = tf.sigmoid(z);
      const pt = y.mul(p).add(tf.scalar(1).sub(y).mul(tf.scalar(1).sub(p)));
      return sigmoidCrossEntropy(z, y).mul(tf.pow(tf.scalar(1).sub(pt), focalGamma));
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

/** Softmax cross-entropy of class logits `[batch, classes]` against class indices `[batch]`: logsumexp(z) − z_y. */
function softmaxCrossEntropy(z: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  const classes = z.shape[1];
  const picked = z.mul(tf.oneHot(y.toInt(), classes)).sum(1);
  return tf.logSumExp(z, 1).sub(picked) as tf.Tensor1D;
}
