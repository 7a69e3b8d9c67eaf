import * as tf from '@tensorflow/tfjs';
import { firstInputShape, splitPair, type BaseLayerArgs, type LayerShape } from './layer-io.ts';

/** Arguments of {@link ProductValue}: the task's label scale (`z = (y − mean) / std`). */
export interface ProductValueArgs extends BaseLayerArgs {
  readonly mean: number;
  readonly std: number;
}

/**
 * ESMM for a regression task conditioned on a binary one: inputs `[a, u]`, both `[batch, 1]`: the condition's logit
 * and the task's raw standardised head. The conditional value in label units is c = mean + std·u, the joint value
 * P(A)·c, and the output is that value standardised again, `[batch, 1]` = (σ(a)·(mean + std·u) − mean) / std, so the
 * loss and the serving graph's rescale (`std·z + mean`) treat it like any regression output. Saved with the serving
 * graph.
 */
export class ProductValue extends tf.layers.Layer {
  static readonly className = 'TandemProductValue';
  private readonly mean: number;
  private readonly std: number;

  constructor({ mean, std, ...args }: ProductValueArgs) {
    super(args);
    this.mean = mean;
    this.std = std;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [a, u] = splitPair(inputs, this.name);
      const conditional = u.mul(this.std).add(this.mean);
      return tf.sigmoid(a).mul(conditional).sub(this.mean).div(this.std);
    });
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return firstInputShape(inputShape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mean: this.mean, std: this.std };
  }
}
tf.serialization.registerClass(ProductValue);
