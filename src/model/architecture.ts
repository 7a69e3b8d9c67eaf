import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, TaskSpec } from '../config/schema.ts';
import { RowLayerNormalization } from './layers/row-layer-normalization.ts';
import type { TargetScale } from './target-scale.ts';

/** What the network knows of a task: its name (output name), head type and width. */
export interface TaskHead {
  readonly name: string;
  readonly type: TaskSpec['type'];
  /** Output units: 1 for binary and regression, the number of classes for multiclass. */
  readonly units: number;
  /** ESMM: this task's probability (binary) or value (regression) is conditioned on this binary task. */
  readonly conditionedOn?: string;
  /** Regression: the label scale, so an architecture can work in label units (ESMM's product). */
  readonly scale?: TargetScale;
}

/**
 * What an architecture builds with. Layers come from `dense` and `layer` by name, so building the same architecture
 * twice (once for training, once for serving) shares every weight.
 */
export interface ArchitectureContext {
  /** `[batch, inputWidth]` */
  readonly input: tf.SymbolicTensor;
  readonly tasks: readonly TaskHead[];
  readonly params: ModelConfig;
  /** True while building the training graph (dropout, gradient reversal and training-only heads are live). */
  readonly training: boolean;
  /** The dense layer called `name` (created on first use, seeded from its name and `params.seed`). */
  dense(name: string, units: number, activation?: 'linear' | 'softmax' | ModelConfig['activation']): tf.layers.Layer;
  /** Any layer called `name`, created on first use by `create(seed)` with a seed derived from its name. */
  layer<T extends tf.layers.Layer>(name: string, create: (seed: number) => T): T;
  /** Dropout in the training graph, identity in the serving graph. */
  dropout(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor;
}

/** The labels of one training batch as eager tensors, per task name: `[batch]` values and `[batch]` 0/1 masks. */
export interface BatchTargets {
  readonly labels: Readonly<Record<string, tf.Tensor1D>>;
  readonly masks: Readonly<Record<string, tf.Tensor1D>>;
}

/**
 * A loss term an architecture adds to training (the adversarial discriminator, an orthogonality penalty): the
 * symbolic tensors it reads are appended to the training graph's outputs; `compute` turns their eager values into a
 * scalar (inside the training step's tidy).
 */
export interface ArchitectureLoss {
  readonly name: string;
  readonly tensors: readonly tf.SymbolicTensor[];
  compute(values: readonly tf.Tensor[], targets: BatchTargets): tf.Scalar;
}

/** What an architecture returns. */
export interface ArchitectureGraph {
  /**
   * Per task: logits `[batch, units]` (binary, multiclass) or the standardised value `[batch, 1]` (regression).
   */
  readonly outputs: Readonly<Record<string, tf.SymbolicTensor>>;
  /**
   * The representations more than one task reads (shared bottom, experts, stitched columns); empty when nothing is
   * shared. Every weight upstream of them is a shared parameter, where gradient-based weightings act.
   */
  readonly shared: readonly tf.SymbolicTensor[];
  /** Extra training losses; only built in the training graph. */
  readonly losses?: readonly ArchitectureLoss[];
}

/** Builds the graph of one architecture. */
export type ArchitectureBuilder = (context: ArchitectureContext) => ArchitectureGraph;

/** One hidden layer ({@link applyHiddenLayer}) for each width in `units`; returns the last one `[batch, units.at(-1)]`. */
export function applyDenseStack(context: ArchitectureContext, x: tf.SymbolicTensor, units: readonly number[], prefix: string): tf.SymbolicTensor {
  return units.reduce((h, width, i) => applyHiddenLayer(context, h, width, prefix, i), x);
}

/**
 * Hidden layer `i` of `prefix`: Dense (`${prefix}_dense${i}`) → dropout, `[batch, in]` → `[batch, width]`. With
 * `params.normalization` the dense layer is linear and a normalisation (`${prefix}_norm${i}`) and the activation
 * (`${prefix}_activation${i}`) follow it: Dense → norm → activation → dropout, the order of Ioffe & Szegedy (2015),
 * where the normalisation sees the pre-activations (roughly Gaussian, so the moving statistics describe them well) and
 * dropout comes last so that its masks do not shift the statistics between training and serving.
 *
 * Batch normalisation uses the batch's statistics in the training graph and updates its moving mean and variance
 * (momentum 0.99) on every training-mode forward pass: once per optimizer step for strategies that combine losses,
 * once per task pass for those with a gradient hook (GradNorm, PCGrad: a shorter averaging window), and once per task
 * on the gradient-cosine probe batch after each epoch. The serving graph normalises with the moving averages, which
 * are weights (saved, checkpointed, restored with the best epoch). Layer normalisation ({@link RowLayerNormalization})
 * normalises each row over its units, the same in both graphs.
 */
export function applyHiddenLayer(context: ArchitectureContext, x: tf.SymbolicTensor, width: number, prefix: string, i: number): tf.SymbolicTensor {
  const { normalization, activation } = context.params;
  let h: tf.SymbolicTensor;
  if (normalization === 'none') {
    h = context.dense(`${prefix}_dense${i}`, width, activation).apply(x) as tf.SymbolicTensor;
  } else {
    // The normalisation re-centres and re-scales, so the linear dense layer's initial scale matters little.
    const dense = context.dense(`${prefix}_dense${i}`, width, 'linear').apply(x) as tf.SymbolicTensor;
    const normName = `${prefix}_norm${i}`;
    const norm = context.layer(normName, () =>
      normalization === 'batch' ? tf.layers.batchNormalization({ name: normName }) : new RowLayerNormalization({ name: normName }),
    );
    const activationName = `${prefix}_activation${i}`;
    h = context.layer(activationName, () => tf.layers.activation({ activation, name: activationName })).apply(norm.apply(dense)) as tf.SymbolicTensor;
  }
  return context.dropout(h, `${prefix}_dropout${i}`);
}

/** The linear output unit(s) of a task: `[batch, task.units]`. */
export function applyTaskOutput(context: ArchitectureContext, x: tf.SymbolicTensor, task: TaskHead): tf.SymbolicTensor {
  return context.dense(`${task.name}_logit`, task.units, 'linear').apply(x) as tf.SymbolicTensor;
}

/** A tower (`params.towerUnits`) and an output per task, each on the representation `inputOf(task)` gives it. */
export function applyTowers(context: ArchitectureContext, inputOf: (task: TaskHead) => tf.SymbolicTensor): Record<string, tf.SymbolicTensor> {
  const outputs: Record<string, tf.SymbolicTensor> = {};
  for (const task of context.tasks) {
    const tower = applyDenseStack(context, inputOf(task), context.params.towerUnits, `${task.name}_tower`);
    outputs[task.name] = applyTaskOutput(context, tower, task);
  }
  return outputs;
}
