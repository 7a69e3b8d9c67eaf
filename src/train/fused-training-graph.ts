import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../errors/tandem-error.ts';
import { MixtureOfExperts } from '../model/layers/mixture-of-experts.ts';
import { drawKeepMasks, SeededDropout } from '../model/seeded-dropout.ts';
import { applyDropoutMask, denseReluDropout, LayerNormBuffers, layerNormActivationDropout, mixExperts, type BackwardStore } from './fused-layer-ops.ts';
import { RowLayerNormalization } from '../model/layers/row-layer-normalization.ts';
import { transposeInto } from './host-loops.ts';
import { readHostValues, scratchValues } from './host-values.ts';

/** The parts of a functional LayersModel (a tfjs-layers Container) its executor reads. */
interface ContainerInternals {
  readonly inputs: readonly tf.SymbolicTensor[];
  readonly outputs: readonly tf.SymbolicTensor[];
}

type Step =
  | { readonly kind: 'layer'; readonly tensor: tf.SymbolicTensor }
  | {
      readonly kind: 'dense';
      readonly layer: tf.layers.Layer;
      readonly activation: 'relu' | 'linear' | 'softmax';
      /** Output units. */
      readonly units: number;
      readonly input: number;
      readonly output: number;
      readonly dropout?: SeededDropout;
      readonly inputGradient: boolean;
    }
  /** `units`: the input's width where it is `[rows, units]`, else undefined (the mask is drawn when the shape is known). */
  | { readonly kind: 'dropout'; readonly layer: SeededDropout; readonly units: number | undefined; readonly input: number; readonly output: number }
  | { readonly kind: 'mixture'; readonly inputs: readonly number[]; readonly output: number }
  | {
      readonly kind: 'norm';
      readonly layer: RowLayerNormalization;
      readonly activation: 'relu' | 'linear';
      readonly units: number;
      readonly dropout?: SeededDropout;
      readonly input: number;
      readonly output: number;
    };

/** The training graph run eagerly with fused kernels (see {@link createFusedTrainingGraph}). */
export interface FusedTrainingGraph {
  /** The training graph's outputs for `input` `[rows, width]`, as `model.apply(input, { training: true })` gives them. */
  apply(input: tf.Tensor2D): tf.Tensor[];
  /** Disposes the tensors the last pass kept for its backward pass (the next `apply` does so too). */
  release(): void;
}

/**
 * Runs a functional training graph as `model.apply(input, { training: true })` does (tfjs-layers' executor: the same
 * topological order, each layer applied with `training: true`), except that every Dense layer with relu (and the
 * SeededDropout it feeds, where that is its only reader) runs as one fused operation ({@link denseReluDropout}) and
 * any other SeededDropout as one ({@link applyDropoutMask}), linear and softmax Dense layers (the experts' gates) as one, and a MixtureOfExperts' gated
 * sum as one ({@link mixExperts}), and each layer normalisation with its relu or linear activation and the dropout it
 * feeds as one ({@link layerNormActivationDropout}): far fewer recorded operations per step, the same values.
 * Only on the backends that keep tensors in host memory (wasm, cpu), where the fused passes read and write values
 * directly; undefined elsewhere, or for a graph with other than one input.
 */
export function createFusedTrainingGraph(model: tf.LayersModel): FusedTrainingGraph | undefined {
  if (!['wasm', 'cpu'].includes(tf.getBackend())) return undefined;
  const container = model as unknown as ContainerInternals;
  if (container.inputs.length !== 1) return undefined;
  const modelInput = container.inputs[0] as tf.SymbolicTensor;
  const sorted = topologicalOrder(container.outputs, modelInput).filter((tensor) => tensor.sourceLayer.getClassName() !== 'InputLayer');
  const readers = new Map<number, Set<number>>();
  for (const tensor of sorted) for (const input of tensor.inputs) readers.set(input.id, (readers.get(input.id) ?? new Set()).add(tensor.id));
  const outputIds = new Set(container.outputs.map((tensor) => tensor.id));

  const steps: Step[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const tensor = sorted[i] as tf.SymbolicTensor;
    const layer = tensor.sourceLayer;
    const input = tensor.inputs.length === 1 ? tensor.inputs[0] : undefined;
    if (input !== undefined) {
      const activation = fusableDenseActivation(layer, input);
      if (activation !== undefined) {
        // The executor's order puts a tensor's only reader right after it when that reader has no other input.
        const next = sorted[i + 1];
        const reader =
          activation === 'relu' && next !== undefined && next.sourceLayer instanceof SeededDropout && next.inputs[0]?.id === tensor.id && readers.get(tensor.id)?.size === 1 && !outputIds.has(tensor.id)
            ? next
            : undefined;
        const inputGradient = input.id !== modelInput.id;
        const units = tensor.shape[1] as number;
        if (reader === undefined) steps.push({ kind: 'dense', layer, activation, units, input: input.id, output: tensor.id, inputGradient });
        else {
          steps.push({ kind: 'dense', layer, activation, units, input: input.id, output: reader.id, dropout: reader.sourceLayer as SeededDropout, inputGradient });
          i++;
        }
        continue;
      }
      if (layer instanceof SeededDropout) {
        const width = input.shape.length === 2 ? input.shape[1] : null;
        steps.push({ kind: 'dropout', layer, units: typeof width === 'number' ? width : undefined, input: input.id, output: tensor.id });
        continue;
      }
    }
    if (layer instanceof RowLayerNormalization && input !== undefined && input.shape.length === 2 && typeof input.shape[1] === 'number') {
      // Layer normalisation → its activation (→ the dropout it feeds), each the only reader of the one before.
      const onlyReader = (from: tf.SymbolicTensor, next: tf.SymbolicTensor | undefined): boolean =>
        next !== undefined && next.inputs.length === 1 && next.inputs[0]?.id === from.id && readers.get(from.id)?.size === 1 && !outputIds.has(from.id);
      const activated = sorted[i + 1];
      const activation = activated?.sourceLayer.getClassName() === 'Activation' ? activated.sourceLayer.getConfig().activation : undefined;
      if (activated !== undefined && onlyReader(tensor, activated) && (activation === 'relu' || activation === 'linear')) {
        const dropped = sorted[i + 2];
        const dropout = dropped !== undefined && dropped.sourceLayer instanceof SeededDropout && onlyReader(activated, dropped) ? dropped : undefined;
        const units = input.shape[1];
        steps.push({ kind: 'norm', layer, activation, units, input: input.id, output: (dropout ?? activated).id, ...(dropout === undefined ? {} : { dropout: dropout.sourceLayer as SeededDropout }) });
        i += dropout === undefined ? 1 : 2;
        continue;
      }
    }
    if (layer instanceof MixtureOfExperts && tensor.inputs.length === layer.experts + 1 && tensor.inputs.every((symbolic) => symbolic.shape.length === 2)) {
      steps.push({ kind: 'mixture', inputs: tensor.inputs.map((symbolic) => symbolic.id), output: tensor.id });
      continue;
    }
    steps.push({ kind: 'layer', tensor });
  }

  // What the fused operations keep for their backward pass, instead of tfjs' clones: kept until the next pass, when
  // every backward pass of this one (one per task under GradNorm or PCGrad) is over.
  let retained: tf.Tensor[] = [];
  // Per layer normalisation, the arrays its backward pass reads (each pass's backward runs before the next pass).
  const normBuffers = new Map<Step, LayerNormBuffers>();
  let transposes = new Map<tf.Tensor, tf.Tensor2D>();
  const release = (): void => {
    tf.dispose(retained);
    retained = [];
    transposes = new Map();
  };
  const store: BackwardStore = {
    retain(tensors) {
      for (const tensor of tensors) retained.push(tf.keep(tensor));
    },
    transposed(tensor) {
      let transposed = transposes.get(tensor);
      if (transposed === undefined) {
        transposed = transposeOnHost(tensor);
        retained.push(tf.keep(transposed));
        transposes.set(tensor, transposed);
      }
      return transposed;
    },
  };
  return {
    release,
    apply(input) {
      release();
      // The pass's own handle on the input (sharing its data): callers dispose theirs (a tidy around the forward
      // pass, or after several passes over one batch), the backward pass still reads it.
      const ownInput = input.clone();
      store.retain([ownInput]);
      const values = new Map<number, tf.Tensor>([[modelInput.id, ownInput]]);
      const kwargs = { training: true };
      // Every dropout mask of the pass, drawn up front so that the generators interleave (see drawKeepMasks).
      const rows = input.shape[0];
      const masked = steps.flatMap((step): { step: Step; layer: SeededDropout; shape: number[] }[] => {
        if ((step.kind === 'dense' || step.kind === 'norm') && step.dropout !== undefined) return [{ step, layer: step.dropout, shape: [rows, step.units] }];
        if (step.kind === 'dropout' && step.units !== undefined) return [{ step, layer: step.layer, shape: [rows, step.units] }];
        return [];
      });
      const masks = new Map(drawKeepMasks(masked).map((keep, i) => [(masked[i] as { step: Step }).step, keep] as const));
      for (const step of steps) {
        if (step.kind === 'layer') {
          const { tensor } = step;
          const inputs = tensor.inputs.map((symbolic) => values.get(symbolic.id) as tf.Tensor);
          const applied = tensor.sourceLayer.apply(inputs, kwargs) as tf.Tensor | tf.Tensor[];
          const outputs = Array.isArray(applied) ? applied : [applied];
          const node = tensor.sourceLayer.inboundNodes[tensor.nodeIndex];
          const symbolicOutputs = node === undefined ? [tensor] : node.outputTensors;
          // As the executor does: a node's outputs are kept from its first application.
          symbolicOutputs.forEach((symbolic, i) => {
            if (!values.has(symbolic.id)) values.set(symbolic.id, outputs[i] as tf.Tensor);
          });
          continue;
        }
        if (step.kind === 'mixture') {
          const [gate, ...experts] = step.inputs.map((id) => values.get(id) as tf.Tensor2D);
          values.set(step.output, mixExperts(gate as tf.Tensor2D, experts, store));
          continue;
        }
        const x = values.get(step.input) as tf.Tensor;
        if (step.kind === 'norm') {
          const [gamma, beta] = step.layer.trainableWeights.map((weight) => weight.read());
          values.set(
            step.output,
            layerNormActivationDropout({
              x: x as tf.Tensor2D,
              gamma: gamma as tf.Tensor1D,
              beta: beta as tf.Tensor1D,
              epsilon: step.layer.epsilon,
              activation: step.activation,
              keep: masks.get(step),
              rate: step.dropout?.dropoutRate ?? 0,
              buffers: normBuffers.get(step) ?? normBuffers.set(step, new LayerNormBuffers()).get(step),
            }),
          );
          continue;
        }
        if (step.kind === 'dropout') {
          const keep = masks.has(step) ? masks.get(step) : step.layer.drawKeepMask(x.shape);
          values.set(step.output, keep === undefined ? x : applyDropoutMask(x, keep, step.layer.dropoutRate));
          continue;
        }
        const [kernel, bias] = step.layer.trainableWeights.map((weight) => weight.read());
        const keep = masks.get(step);
        values.set(
          step.output,
          denseReluDropout({
            x: x as tf.Tensor2D,
            kernel: kernel as tf.Tensor2D,
            bias: bias as tf.Tensor1D,
            keep,
            rate: step.dropout?.dropoutRate ?? 0,
            inputGradient: step.inputGradient,
            activation: step.activation,
            store,
          }),
        );
      }
      return container.outputs.map((tensor) => {
        const value = values.get(tensor.id);
        if (value === undefined) throw new TandemError(`fused training graph: output ${tensor.name} was not computed`, { value: tensor.name });
        return value;
      });
    },
  };
}

/**
 * The symbolic tensors from `input` to `outputs` in the order tfjs-layers' executor (`execute`) runs them: per output, a
 * depth-first walk that finalises a tensor after its inputs, visiting inputs from the last one pushed; duplicates
 * across outputs dropped.
 */
function topologicalOrder(outputs: readonly tf.SymbolicTensor[], input: tf.SymbolicTensor): tf.SymbolicTensor[] {
  const sorted: tf.SymbolicTensor[] = [];
  const seen = new Set<string>();
  for (const fetch of outputs) {
    const visited = new Set<string>([input.name]);
    const stack: tf.SymbolicTensor[] = [fetch];
    const marks: number[] = [];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as tf.SymbolicTensor;
      if (visited.has(top.name)) {
        stack.pop();
        continue;
      }
      const marked = marks[marks.length - 1] === stack.length - 1;
      if (top.inputs.length === 0 || marked) {
        stack.pop();
        visited.add(top.name);
        if (marked) marks.pop();
        if (!seen.has(top.name)) {
          seen.add(top.name);
          sorted.push(top);
        }
      } else {
        marks.push(stack.length - 1);
        for (const next of top.inputs) if (!visited.has(next.name)) stack.push(next);
      }
    }
  }
  return sorted;
}

/** `relu`, `linear` or `softmax` for a trainable Dense layer with that activation and a bias on a `[rows, inputs]` input. */
function fusableDenseActivation(layer: tf.layers.Layer, input: tf.SymbolicTensor): 'relu' | 'linear' | 'softmax' | undefined {
  if (layer.getClassName() !== 'Dense' || !layer.trainable || input.shape.length !== 2 || layer.trainableWeights.length !== 2) return undefined;
  const config = layer.getConfig();
  if (config.useBias !== true) return undefined;
  return config.activation === 'relu' || config.activation === 'linear' || config.activation === 'softmax' ? config.activation : undefined;
}

/**
 * `tensor`ᵀ through a JavaScript transpose: the wasm backend's Transpose kernel took 0.14 ms for a `[256, 128]` matrix,
 * the tiled loop ~0.03 ms.
 */
function transposeOnHost(tensor: tf.Tensor2D): tf.Tensor2D {
  const [rows, cols] = tensor.shape;
  const out = scratchValues(rows * cols);
  transposeInto(readHostValues(tensor), rows, cols, out);
  return tf.tensor2d(out, [cols, rows]);
}
