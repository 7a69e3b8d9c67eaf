import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config/schema.ts';
import type { ArchitectureContext, TaskHead } from './architecture.ts';
import { architectureBuilders } from './architectures/index.ts';
import { SeededDropout } from './seeded-dropout.ts';

/** Mean and spread of a regression target: the network learns `(y - mean) / std`. */
export interface TargetScale {
  readonly mean: number;
  readonly std: number;
  /** All training labels were ≥ 0 (spend, counts): served predictions are clipped at 0. */
  readonly nonNegative?: boolean;
}

/** Arguments of {@link buildNetwork}. */
export interface BuildNetworkArgs {
  readonly inputWidth: number;
  readonly tasks: readonly TaskHead[];
  readonly params: ModelConfig;
  /** Per regression task; the serving graph maps standardised outputs back to the label's units. */
  readonly targetScales: Readonly<Record<string, TargetScale>>;
}

/**
 * The two graphs over one set of weights. `training`: input `[batch, inputWidth]` → per task (in `tasks` order)
 * a logit or standardised value `[batch, 1]`, with dropout. `serving`: same input → per task a probability
 * (binary) or a value in label units (regression), no dropout, only built-in layers, so plain
 * `tf.loadLayersModel` reads it.
 */
export interface MultiTaskNetwork {
  readonly training: tf.LayersModel;
  readonly serving: tf.LayersModel;
  /** Task names in output order. */
  readonly outputNames: readonly string[];
}

/** Builds the network of `params.arch` for these tasks. */
export function buildNetwork({ inputWidth, tasks, params, targetScales }: BuildNetworkArgs): MultiTaskNetwork {
  const builder = architectureBuilders[params.arch];
  const layers = new Map<string, tf.layers.Layer>();
  const dense: ArchitectureContext['dense'] = (name, units, activation = 'linear') => {
    let layer = layers.get(name);
    if (layer === undefined) {
      const seed = seedFor(name, params.seed);
      layer = tf.layers.dense({
        name,
        units,
        activation,
        kernelInitializer: activation === 'relu' || activation === 'elu' ? tf.initializers.heNormal({ seed }) : tf.initializers.glorotUniform({ seed }),
        biasInitializer: 'zeros',
      });
      layers.set(name, layer);
    }
    return layer;
  };
  const graph = (withDropout: boolean): { input: tf.SymbolicTensor; outputs: Record<string, tf.SymbolicTensor> } => {
    const input = tf.input({ shape: [inputWidth], name: 'features' });
    const context: ArchitectureContext = {
      input,
      tasks,
      params,
      dense,
      dropout: (x, name) =>
        withDropout && params.dropout > 0 ? (new SeededDropout({ rate: params.dropout, seed: seedFor(name, params.seed), name }).apply(x) as tf.SymbolicTensor) : x,
    };
    return { input, outputs: builder(context) };
  };

  const train = graph(true);
  const serve = graph(false);
  const outputNames = tasks.map((task) => task.name);
  const training = tf.model({ inputs: train.input, outputs: outputNames.map((name) => train.outputs[name] as tf.SymbolicTensor), name: 'training' });
  const servingOutputs = tasks.map((task) => {
    const raw = serve.outputs[task.name] as tf.SymbolicTensor;
    if (task.type === 'binary') return tf.layers.activation({ activation: 'sigmoid', name: task.name }).apply(raw) as tf.SymbolicTensor;
    const scale = targetScales[task.name] ?? { mean: 0, std: 1 };
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
  return { training, serving, outputNames };
}

/** A deterministic 31-bit seed per layer name, so initial weights do not depend on build order. */
function seedFor(name: string, seed: number): number {
  let hash = 2166136261 ^ seed;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  return (hash >>> 0) % 2147483647;
}
