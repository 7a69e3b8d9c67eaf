import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../../errors/tandem-error.ts';
import type { BaseLayerArgs, LayerShape } from './layer-io.ts';

/** Arguments of {@link ColumnSlice}. */
export interface ColumnSliceArgs extends BaseLayerArgs {
  /** First input column it keeps. */
  readonly start: number;
  /** Number of columns it keeps. */
  readonly size: number;
}

/**
 * Columns `start … start + size − 1` of its input: `[batch, width]` → `[batch, size]`. Cuts a categorical column's
 * one-hot block out of the network input for its embedding (see categorical-embedding.ts); no weights, and no
 * gradient is ever needed through it (its input is the network input). Saved with the serving graph, so registered.
 */
export class ColumnSlice extends tf.layers.Layer {
  static readonly className = 'TandemColumnSlice';
  readonly start: number;
  readonly size: number;

  constructor({ start, size, ...args }: ColumnSliceArgs) {
    super(args);
    if (!Number.isInteger(start) || start < 0) throw new TandemError(`layer ${this.name}: start must be an integer >= 0`, { value: start });
    if (!Number.isInteger(size) || size < 1) throw new TandemError(`layer ${this.name}: size must be a positive integer`, { value: size });
    this.start = start;
    this.size = size;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
    return tf.slice(x, [0, this.start], [-1, this.size]);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    const width = shape[1];
    if (shape.length !== 2 || (typeof width === 'number' && this.start + this.size > width)) {
      throw new TandemError(`layer ${this.name}: columns ${this.start}..${this.start + this.size - 1} do not fit an input of shape [${shape.join(', ')}]`, { value: shape });
    }
    return [shape[0] ?? null, this.size];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), start: this.start, size: this.size };
  }
}
tf.serialization.registerClass(ColumnSlice);
