import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config/schema.ts';
import type { ArchitectureContext, ArchitectureLoss, TaskHead } from './architecture.ts';
import { architectureBuilders } from './architectures/index.ts';
import { applyCategoricalEmbedding, type CategoricalEmbeddingSpec } from './categorical-embedding.ts';
import { ColumnSlice } from './layers/column-slice.ts';
import { SeededDropout } from './seeded-dropout.ts';
import type { TargetScale } from './target-scale.ts';

export type { TargetScale } from './target-scale.ts';

/** Arguments of {@link buildNetwork}. */
export interface BuildNetworkArgs {
  readonly inputWidth: number;
  readonly tasks: readonly TaskHead[];
  readonly params: ModelConfig;
  /** Per regression task; the serving graph maps standardised outputs back to the label's units. */
  readonly targetScales: Readonly<Record<string, TargetScale>>;
  /** Embed these categorical one-hot blocks at the input (`features.categoricalEmbedding`). @default plain one-hot */
  readonly categoricalEmbedding?: CategoricalEmbeddingSpec;
  /** Binary tasks whose logit starts from their forest's score (`model.fromTreeScores`). @default none */
  readonly treeOffsets?: readonly TreeOffset[];
}

/**
 * A binary task's forest score as a fixed part of its logit: input `column` holds the forest's standardised score,
 * so `scale · input + mean` is the forest's log-odds, added to what the network computes.
 */
export interface TreeOffset {
  readonly task: string;
  readonly column: number;
  readonly scale: number;
  readonly mean: number;
}

/** An architecture's extra loss with the positions of its tensors among the training graph's outputs. */
export interface TrainingLossTerm {
  readonly loss: ArchitectureLoss;
  /** Indices into the training graph's outputs. */
  readonly outputIndices: readonly number[];
}

/**
 * The two graphs over one set of weights. `training`: input `[batch, inputWidth]` → per task (in `tasks` order) logits
 * `[batch, units]` or a standardised value `[batch, 1]`, with dropout, then the tensors of the architecture's extra
 * losses. `serving`: same input → per task a probability `[batch, 1]` (binary), class probabilities
 * `[batch, classes]` (multiclass) or a value in label units (regression), no dropout.
 */
export interface MultiTaskNetwork {
  readonly training: tf.LayersModel;
  readonly serving: tf.LayersModel;
  /** Task names in output order. */
  readonly outputNames: readonly string[];
  readonly heads: readonly TaskHead[];
  /** The weights upstream of a shared representation (empty for `single`): where task gradients meet. */
  readonly sharedVariables: readonly tf.Variable[];
  /** Extra training losses of the architecture (adversarial, orthogonality). */
  readonly extraLosses: readonly TrainingLossTerm[];
}

/** Builds the network of `params.arch` for these tasks. */
export function buildNetwork({ inputWidth, tasks, params, targetScales, categoricalEmbedding, treeOffsets = [] }: BuildNetworkArgs): MultiTaskNetwork {
  const builder = architectureBuilders[params.arch];
  const heads = tasks.map((task) => (task.type === 'regression' ? { ...task, scale: targetScales[task.name] ?? task.scale ?? { mean: 0, std: 1 } } : task));
  const layers = new Map<string, tf.layers.Layer>();
  const layer: ArchitectureContext['layer'] = (name, create) => {
    let found = layers.get(name);
    if (found === undefined) {
      found = create(seedFor(name, params.seed));
      layers.set(name, found);
    }
    return found as ReturnType<typeof create>;
  };
  const dense: ArchitectureContext['dense'] = (name, units, activation = 'linear') =>
    layer(name, (seed) =>
      tf.layers.dense({
        name,
        units,
        activation,
        kernelInitializer: activation === 'relu' || activation === 'elu' ? tf.initializers.heNormal({ seed }) : tf.initializers.glorotUniform({ seed }),
        biasInitializer: 'zeros',
      }),
    );
  const graph = (training: boolean) => {
    const input = tf.input({ shape: [inputWidth], name: 'features' });
    const context: ArchitectureContext = {
      input: categoricalEmbedding === undefined ? input : applyCategoricalEmbedding(input, categoricalEmbedding, layer),
      tasks: heads,
      params,
      training,
      dense,
      layer,
      dropout: (x, name) =>
        training && params.dropout > 0 ? (new SeededDropout({ rate: params.dropout, seed: seedFor(name, params.seed), name }).apply(x) as tf.SymbolicTensor) : x,
    };
    const built = builder(context);
    const outputs = params.wide ? withWideTerms(built.outputs, input, heads, context) : built.outputs;
    return { input, ...built, outputs: treeOffsets.length > 0 ? withTreeOffsets(outputs, input, treeOffsets, layer) : outputs };
  };

  const train = graph(true);
  const serve = graph(false);
  const outputNames = tasks.map((task) => task.name);
  const taskOutputs = outputNames.map((name) => train.outputs[name] as tf.SymbolicTensor);
  const extraLosses: TrainingLossTerm[] = [];
  const lossTensors: tf.SymbolicTensor[] = [];
  for (const loss of train.losses ?? []) {
    const start = taskOutputs.length + lossTensors.length;
    lossTensors.push(...loss.tensors);
    extraLosses.push({ loss, outputIndices: loss.tensors.map((_, i) => start + i) });
  }
  const training = tf.model({ inputs: train.input, outputs: [...taskOutputs, ...lossTensors], name: 'training' });
  const servingOutputs = heads.map((task) => {
    const raw = serve.outputs[task.name] as tf.SymbolicTensor;
    if (task.type === 'binary') return tf.layers.activation({ activation: 'sigmoid', name: task.name }).apply(raw) as tf.SymbolicTensor;
    if (task.type === 'multiclass') return tf.layers.activation({ activation: 'softmax', name: task.name }).apply(raw) as tf.SymbolicTensor;
    const scale = task.scale ?? { mean: 0, std: 1 };
    // A frozen 1×1 dense layer rescales to label units with built-in layers only.
    return tf.layers
      .dense({
        name: task.name,
        units: 1,
        activation: scale.nonNegative === true ? 'relu' : 'linear',
        trainable: false,
        kernelInitializer: tf.initializers.constant({ value: scale.std }),
        biasInitializer: tf.initializers.constant({ value: scale.mean }),
      })
      .apply(raw) as tf.SymbolicTensor;
  });
  const serving = tf.model({ inputs: serve.input, outputs: servingOutputs, name: 'tandem' });
  return { training, serving, outputNames, heads, sharedVariables: upstreamVariables(train.shared), extraLosses };
}

/**
 * Each task's output plus a linear function of the raw inputs (`model.wide`): one dense layer per task, shared by the
 * training and serving graphs, read from the encoded columns rather than from any categorical embedding.
 */
function withWideTerms(
  outputs: Readonly<Record<string, tf.SymbolicTensor>>,
  input: tf.SymbolicTensor,
  heads: readonly TaskHead[],
  { dense, layer }: Pick<ArchitectureContext, 'dense' | 'layer'>,
): Record<string, tf.SymbolicTensor> {
  const widened: Record<string, tf.SymbolicTensor> = { ...outputs };
  for (const head of heads) {
    const deep = outputs[head.name] as tf.SymbolicTensor;
    const units = deep.shape[deep.shape.length - 1] as number;
    const wide = dense(`wide_${head.name}`, units).apply(input) as tf.SymbolicTensor;
    const sum = layer(`wide_and_deep_${head.name}`, () => tf.layers.add({ name: `wide_and_deep_${head.name}` }));
    widened[head.name] = sum.apply([deep, wide]) as tf.SymbolicTensor;
  }
  return widened;
}

/**
 * Each offset's task output plus its forest's log-odds (see {@link TreeOffset}): the score column cut out of the
 * input and mapped by a frozen 1×1 dense layer, so the network learns what to add to the trees (as boosting from an
 * initial score does) and the saved serving graph computes the same with built-in and registered layers only.
 */
function withTreeOffsets(
  outputs: Readonly<Record<string, tf.SymbolicTensor>>,
  input: tf.SymbolicTensor,
  offsets: readonly TreeOffset[],
  layer: ArchitectureContext['layer'],
): Record<string, tf.SymbolicTensor> {
  const offsetOutputs: Record<string, tf.SymbolicTensor> = { ...outputs };
  for (const { task, column, scale, mean } of offsets) {
    const network = outputs[task];
    if (network === undefined) continue;
    const score = layer(`tree_score_${task}`, () => new ColumnSlice({ start: column, size: 1, name: `tree_score_${task}` })).apply(input) as tf.SymbolicTensor;
    const logOdds = layer(`tree_log_odds_${task}`, () =>
      tf.layers.dense({
        name: `tree_log_odds_${task}`,
        units: 1,
        trainable: false,
        kernelInitializer: tf.initializers.constant({ value: scale }),
        biasInitializer: tf.initializers.constant({ value: mean }),
      }),
    ).apply(score) as tf.SymbolicTensor;
    const sum = layer(`from_trees_${task}`, () => tf.layers.add({ name: `from_trees_${task}` }));
    offsetOutputs[task] = sum.apply([network, logOdds]) as tf.SymbolicTensor;
  }
  return offsetOutputs;
}

/** The trainable variables of every layer on a path from the input to one of `tensors`. */
function upstreamVariables(tensors: readonly tf.SymbolicTensor[]): tf.Variable[] {
  const seenLayers = new Set<tf.layers.Layer>();
  const seenTensors = new Set<number>();
  const stack = [...tensors];
  while (stack.length > 0) {
    const tensor = stack.pop() as tf.SymbolicTensor;
    if (seenTensors.has(tensor.id)) continue;
    seenTensors.add(tensor.id);
    if (tensor.sourceLayer !== undefined) seenLayers.add(tensor.sourceLayer);
    stack.push(...(tensor.inputs ?? []));
  }
  const variables = new Map<string, tf.Variable>();
  for (const found of seenLayers) {
    for (const weight of found.trainableWeights) {
      const variable = weight.read() as tf.Variable;
      variables.set(variable.name, variable);
    }
  }
  return [...variables.values()];
}

/** A deterministic 31-bit seed per layer name, so initial weights do not depend on build order. */
export function seedFor(name: string, seed: number): number {
  let hash = 2166136261 ^ seed;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  return (hash >>> 0) % 2147483647;
}
