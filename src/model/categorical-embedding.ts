import * as tf from '@tensorflow/tfjs';
import type { InputBlock } from '../features/preprocessor.ts';
import type { ArchitectureContext } from './architecture.ts';
import { ColumnSlice } from './layers/column-slice.ts';

/** A learned embedding of categorical one-hot blocks (`features.categoricalEmbedding`). */
export interface CategoricalEmbeddingSpec {
  /** Embedding width per column. */
  readonly units: number;
  /** The categorical columns' one-hot blocks among the inputs (from `categoricalBlocks`). */
  readonly blocks: readonly InputBlock[];
}

/**
 * The network input `[batch, inputWidth]` with each categorical block wider than `units` replaced by its embedding:
 * a linear projection without bias of that one-hot block to `units` (`[batch, size]` → `[batch, units]`), i.e. a
 * lookup table written as a matMul, since the wasm backend has no gather gradient. Every other input passes through
 * unchanged, in input order. Blocks no wider than `units` stay one-hot (a projection could only mix them). Returns
 * `input` itself when no block is embedded. Layers come from `layer`, so the training and serving graphs share the
 * embedding weights; under `single` the task bottoms share it too. Its kernels are `kernel`s: L2 applies.
 */
export function applyCategoricalEmbedding(input: tf.SymbolicTensor, { units, blocks }: CategoricalEmbeddingSpec, layer: ArchitectureContext['layer']): tf.SymbolicTensor {
  const embedded = blocks.filter((block) => block.size > units).sort((a, b) => a.start - b.start);
  if (embedded.length === 0) return input;
  const width = input.shape[1] as number;
  const pieces: tf.SymbolicTensor[] = [];
  const slice = (start: number, size: number): tf.SymbolicTensor =>
    layer(`input_columns_${start}_${size}`, () => new ColumnSlice({ start, size, name: `input_columns_${start}_${size}` })).apply(input) as tf.SymbolicTensor;
  let position = 0;
  embedded.forEach((block, index) => {
    if (block.start > position) pieces.push(slice(position, block.start - position));
    const name = `categorical_embedding${index}`;
    const projection = layer(name, (seed) => tf.layers.dense({ name, units, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
    pieces.push(projection.apply(slice(block.start, block.size)) as tf.SymbolicTensor);
    position = block.start + block.size;
  });
  if (position < width) pieces.push(slice(position, width - position));
  if (pieces.length === 1) return pieces[0] as tf.SymbolicTensor;
  return layer('embedded_input', () => tf.layers.concatenate({ name: 'embedded_input', axis: -1 })).apply(pieces) as tf.SymbolicTensor;
}
