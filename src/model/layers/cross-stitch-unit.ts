import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../../errors/tandem-error.ts';
import type { BaseLayerArgs, LayerShape } from './layer-io.ts';

/** Arguments of {@link CrossStitchUnit}. */
export interface CrossStitchUnitArgs extends BaseLayerArgs {
  /** Number of task columns K it mixes. */
  readonly columns: number;
  /** Initial α_ii; the rest of each row, (1 − selfWeight)/(K − 1), goes to the other columns. */
  readonly selfWeight: number;
}

/**
 * A cross-stitch unit (Misra et al. 2016): inputs K columns `[batch, units]`, outputs K columns `[batch, units]` with
 * out_i = Σ_j α_ij · in_j, α a trainable K×K matrix (weight `alpha`, no L2: the training step regularises kernels
 * only). Initialised to `selfWeight` on the diagonal and (1 − selfWeight)/(K − 1) elsewhere, so each row sums to 1;
 * with K = 1 it is the identity. Saved with the serving graph, so it is registered.
 */
export class CrossStitchUnit extends tf.layers.Layer {
  static readonly className = 'TandemCrossStitchUnit';
  readonly columns: number;
  readonly selfWeight: number;
  private alpha: tf.LayerVariable | undefined;

  constructor({ columns, selfWeight, ...args }: CrossStitchUnitArgs) {
    super(args);
    if (!Number.isInteger(columns) || columns < 1) throw new TandemError(`layer ${this.name}: columns must be a positive integer`, { value: columns });
    if (!(selfWeight > 0 && selfWeight <= 1)) throw new TandemError(`layer ${this.name}: selfWeight must be in (0, 1]`, { value: selfWeight });
    this.columns = columns;
    this.selfWeight = selfWeight;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    this.checkShapes(inputShape);
    const k = this.columns;
    const self = k === 1 ? 1 : this.selfWeight;
    const other = k === 1 ? 0 : (1 - this.selfWeight) / (k - 1);
    // No built-in initialiser gives a constant diagonal plus a constant elsewhere: start constant, then set the diagonal.
    this.alpha = this.addWeight('alpha', [k, k], 'float32', tf.initializers.constant({ value: other }));
    const initial = tf.tidy(() => tf.eye(k).mul(self - other).add(other));
    this.alpha.write(initial);
    initial.dispose();
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const columns = Array.isArray(inputs) ? inputs : [inputs];
      if (columns.length !== this.columns) throw new TandemError(`layer ${this.name} takes ${this.columns} columns`, { value: columns.length });
      const alpha = (this.alpha as tf.LayerVariable).read();
      const [batch, units] = (columns[0] as tf.Tensor).shape as [number, number];
      // [K, batch·units]: one 2-D matMul mixes every column at once.
      const stacked = tf.stack(columns).reshape([this.columns, batch * units]);
      return tf.unstack(alpha.matMul(stacked).reshape([this.columns, batch, units]));
    });
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape[] {
    return this.checkShapes(inputShape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), columns: this.columns, selfWeight: this.selfWeight };
  }

  /** The K input shapes, all `[batch, units]` of one width. */
  private checkShapes(inputShape: LayerShape | LayerShape[]): LayerShape[] {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as LayerShape[];
    if (shapes.length !== this.columns) throw new TandemError(`layer ${this.name} takes ${this.columns} columns`, { value: shapes.length });
    const width = shapes[0]?.[1];
    if (shapes.some((shape) => shape.length !== 2 || shape[1] !== width)) throw new TandemError(`layer ${this.name}: columns must be [batch, units] of one width`, { value: shapes });
    return shapes.map((shape) => [...shape]);
  }
}
tf.serialization.registerClass(CrossStitchUnit);
