import * as tf from '@tensorflow/tfjs';
import type { BaseLayerArgs, LayerShape } from './layer-io.ts';

/** Arguments of {@link GradientReversal}. */
export interface GradientReversalArgs extends BaseLayerArgs {
  /** λ: the backward pass multiplies the incoming gradient by −λ. @default 1 */
  readonly lambda?: number;
}

/** λ of {@link GradientReversal} when none is given: loss weights scale the adversary instead. */
export const defaultReversalLambda = 1;

/**
 * Gradient reversal (Ganin & Lempitsky 2015): the identity forward, −λ·dy backward, so whatever is trained to
 * minimise a loss behind it (the task discriminator) pushes what is in front of it (the shared encoder) to maximise
 * that loss. Input/output: any shape, e.g. `[batch, units]`. Only in the training graph (never saved), but
 * registered like Tandem's other layers.
 */
export class GradientReversal extends tf.layers.Layer {
  static readonly className = 'TandemGradientReversal';
  private readonly lambda: number;
  private readonly reverse: (x: tf.Tensor) => tf.Tensor;

  constructor({ lambda = defaultReversalLambda, ...args }: GradientReversalArgs = {}) {
    super(args);
    this.lambda = lambda;
    // clone(): a new tensor for the tape; returning `x` itself would make the op its own input.
    this.reverse = tf.customGrad<tf.Tensor>((...inputs) => ({ value: (inputs[0] as tf.Tensor).clone(), gradFunc: (dy) => dy.mul(-lambda) }));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.reverse(Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape | LayerShape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), lambda: this.lambda };
  }
}
tf.serialization.registerClass(GradientReversal);
