import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config/schema.ts';

/** What the network knows of a task: its name (output name) and its head type. */
export interface TaskHead {
  readonly name: string;
  readonly type: 'binary' | 'regression';
}

/**
 * What an architecture builds with. Layers come from `dense` by name, so building the same architecture twice
 * (once with dropout for training, once without for serving) shares every weight.
 */
export interface ArchitectureContext {
  /** `[batch, inputWidth]` */
  readonly input: tf.SymbolicTensor;
  readonly tasks: readonly TaskHead[];
  readonly params: ModelConfig;
  /** The dense layer called `name` (created on first use, seeded from its name and `params.seed`). */
  dense(name: string, units: number, activation?: 'linear' | ModelConfig['activation']): tf.layers.Layer;
  /** Dropout in the training graph, identity in the serving graph. */
  dropout(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor;
}

/** Builds the graph and returns one logit (binary) or standardised value (regression), `[batch, 1]`, per task. */
export type ArchitectureBuilder = (context: ArchitectureContext) => Record<string, tf.SymbolicTensor>;

/** Dense → dropout for each width in `units`; returns the last activation `[batch, units.at(-1)]`. */
export function applyDenseStack(context: ArchitectureContext, x: tf.SymbolicTensor, units: readonly number[], prefix: string): tf.SymbolicTensor {
  return units.reduce((h, width, i) => {
    const dense = context.dense(`${prefix}_dense${i}`, width, context.params.activation);
    return context.dropout(dense.apply(h) as tf.SymbolicTensor, `${prefix}_dropout${i}`);
  }, x);
}

/** The linear output unit of a task: `[batch, 1]`. */
export function applyTaskOutput(context: ArchitectureContext, x: tf.SymbolicTensor, task: TaskHead): tf.SymbolicTensor {
  return context.dense(`${task.name}_logit`, 1, 'linear').apply(x) as tf.SymbolicTensor;
}
