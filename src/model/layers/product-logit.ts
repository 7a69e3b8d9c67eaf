import * as tf from '@tensorflow/tfjs';
import { firstInputShape, splitPair, type BaseLayerArgs, type LayerShape } from './layer-io.ts';

/**
 * ESMM's joint probability as a logit: inputs `[a, b]`, both `[batch, 1]` logits of P(A) and P(B|A); output
 * `[batch, 1]` = logit(σ(a)·σ(b)) = −logsumexp(−a, −b, −(a+b)). Written with logsumexp it stays finite for any
 * logits (a product of sigmoids underflows, and the logit of a rounded probability does not), and because the output
 * is again a logit, the next task of a chain conditions on it the same way. Saved with the serving graph.
 */
export class ProductLogit extends tf.layers.Layer {
  static readonly className = 'TandemProductLogit';

  constructor(args: BaseLayerArgs = {}) {
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [a, b] = splitPair(inputs, this.name);
      return tf.logSumExp(tf.concat([a.neg(), b.neg(), a.add(b).neg()], -1), -1, true).neg();
    });
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return firstInputShape(inputShape);
  }
}
tf.serialization.registerClass(ProductLogit);
