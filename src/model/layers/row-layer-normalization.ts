import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../../errors/tandem-error.ts';
import { firstInputShape, type BaseLayerArgs, type LayerShape } from './layer-io.ts';

/** Arguments of {@link RowLayerNormalization}. */
export interface RowLayerNormalizationArgs extends BaseLayerArgs {
  /** Added to the variance before the square root. @default 1e-3 (tfjs-layers' default) */
  readonly epsilon?: number;
}

/**
 * Layer normalisation (Ba et al. 2016) of `[batch, units]` over each row's units: (x − μ_row) / √(σ²_row + ε) · γ + β,
 * γ (`gamma`, ones) and β (`beta`, zeros) trainable per unit. The same in training and serving. tfjs-layers' own
 * `layerNormalization` tiles its statistics and parameters to the input's shape, which made a training step on wasm
 * about 9× as slow as the plain dense stack; this one broadcasts. Saved with the serving graph, so it is registered.
 */
export class RowLayerNormalization extends tf.layers.Layer {
  static readonly className = 'TandemLayerNormalization';
  readonly epsilon: number;
  private gamma: tf.LayerVariable | undefined;
  private beta: tf.LayerVariable | undefined;

  constructor({ epsilon = 1e-3, ...args }: RowLayerNormalizationArgs = {}) {
    super(args);
    if (!(epsilon > 0)) throw new TandemError(`layer ${this.name}: epsilon must be > 0`, { value: epsilon });
    this.epsilon = epsilon;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const shape = firstInputShape(inputShape);
    const units = shape.at(-1);
    if (shape.length !== 2 || typeof units !== 'number') throw new TandemError(`layer ${this.name} takes [batch, units]`, { value: shape });
    this.gamma = this.addWeight('gamma', [units], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      const centred = x.sub(x.mean(-1, true));
      const scale = tf.rsqrt(centred.square().mean(-1, true).add(this.epsilon));
      return centred.mul(scale).mul((this.gamma as tf.LayerVariable).read()).add((this.beta as tf.LayerVariable).read());
    });
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return [...firstInputShape(inputShape)];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(RowLayerNormalization);
