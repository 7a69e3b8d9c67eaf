import type * as tf from '@tensorflow/tfjs';
import { TandemError } from '../../errors/tandem-error.ts';

/** The base arguments every tfjs layer takes (`name`, `trainable`, …), as `getConfig` writes them back. */
export type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** A layer input or output shape, such as `[null, 1]` (tfjs-layers' `Shape`). */
export type LayerShape = (number | null)[];

/** The two inputs of a two-input layer (`layer` names it in the error). */
export function splitPair(inputs: tf.Tensor | tf.Tensor[], layer: string): [tf.Tensor, tf.Tensor] {
  if (!Array.isArray(inputs) || inputs.length !== 2) throw new TandemError(`layer ${layer} takes two inputs`, { value: Array.isArray(inputs) ? inputs.length : 1 });
  return [inputs[0] as tf.Tensor, inputs[1] as tf.Tensor];
}

/** The output shape of a layer whose output has the shape of its first input. */
export function firstInputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
  return Array.isArray(inputShape[0]) ? (inputShape[0] as LayerShape) : (inputShape as LayerShape);
}
