import type * as tf from '@tensorflow/tfjs';

/**
 * A serving graph compiled to plain typed-array kernels: the weights are read once, and a forward pass is a few loops
 * over `Float64Array`s with no tensors, no tape and no backend dispatch. For the small matrices of one request that
 * dispatch, not the arithmetic, is what a TensorFlow.js `predict` costs. Each row is computed on its own, in the same
 * order whatever the batch, so a row scores the same alone or batched.
 */
export interface CompiledNetwork {
  /** Floats per input row. */
  readonly inputWidth: number;
  /** The graph's output names (its output layers), in output order. */
  readonly outputNames: readonly string[];
  /** Units per output, in output order. */
  readonly outputWidths: readonly number[];
  /**
   * Runs the graph over a row-major matrix `x` `[rows, inputWidth]` and returns, per output in order, a row-major
   * `[rows, outputWidths[k]]` `Float32Array` (what the TensorFlow.js graph gives). Synchronous.
   */
  predict(x: Float32Array, rows: number): Float32Array[];
}

/** What {@link compileNetwork} gives: the compiled graph, or why the graph must stay on TensorFlow.js. */
export type CompileNetworkResult = { readonly compiled: CompiledNetwork } | { readonly compiled: undefined; readonly reason: string };

/** Rows per pass through the kernels: bounds the scratch memory (`rows × widest layer` doubles per tensor). */
const chunkRows = 512;
/** Calls of at most this many rows share one scratch, kept with the compiled graph (so a request allocates none). */
const smallRows = 64;


/** One step of the compiled graph: reads `inputs` and writes `outputs` (scratch slots) for `rows` rows. */
interface Step {
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  run(inputs: readonly Float64Array[], outputs: readonly Float64Array[], rows: number): void;
}

/** A layer as `LayersModel.getConfig()` describes it. */
interface LayerConfig {
  readonly name: string;
  readonly className: string;
  readonly config: Record<string, unknown>;
  /** Per call of the layer: its inputs as `[layerName, nodeIndex, tensorIndex, kwargs]`. */
  readonly inboundNodes: readonly (readonly (readonly [string, number, number, unknown?])[])[];
}

interface ModelConfig {
  readonly layers: readonly LayerConfig[];
  readonly inputLayers: readonly (readonly [string, number, number])[];
  readonly outputLayers: readonly (readonly [string, number, number])[];
}

/** Thrown inside compilation for a graph the compiled path does not know; becomes `reason`. */
class UnsupportedGraph extends Error {}

/** Layer classes {@link compileLayer} runs. */
const knownLayers: ReadonlySet<string> = new Set([
  'InputLayer',
  'Dense',
  'Activation',
  'Dropout',
  'Concatenate',
  'Add',
  'Average',
  'BatchNormalization',
  'TandemColumnSlice',
  'TandemLayerNormalization',
  'TandemMixtureOfExperts',
  'TandemCrossStitchUnit',
  'TandemProductLogit',
  'TandemProductValue',
]);

/** Element-wise activations by their tfjs-layers name, in float64; the same formulas as TensorFlow.js. */
const activations: Readonly<Record<string, (v: number) => number>> = {
  linear: (v) => v,
  relu: (v) => (v > 0 ? v : 0),
  relu6: (v) => (v > 0 ? (v < 6 ? v : 6) : 0),
  elu: (v) => (v > 0 ? v : Math.expm1(v)),
  selu: (v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v)),
  sigmoid,
  hardSigmoid: (v) => Math.min(1, Math.max(0, 0.2 * v + 0.5)),
  tanh: Math.tanh,
  softplus,
  softsign: (v) => v / (1 + Math.abs(v)),
  // tfjs computes erf with Abramowitz–Stegun 7.1.26; so does erf() below.
  gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  gelu_new: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
  swish: (v) => v * sigmoid(v),
  mish: (v) => v * Math.tanh(softplus(v)),
};

/**
 * Compiles a serving graph (a `tf.LayersModel` with one `[batch, width]` input) into {@link CompiledNetwork}, reading
 * its weights once. Known layers: `InputLayer`, `Dense` (any activation in `activations` plus `softmax`),
 * `Activation`, `Concatenate` (last axis), `Dropout` (identity when serving), `BatchNormalization` (last axis, with
 * its moving statistics, as in inference) and Tandem's serving layers (`TandemColumnSlice`,
 * `TandemLayerNormalization`, `TandemMixtureOfExperts`, `TandemCrossStitchUnit`, `TandemProductLogit`,
 * `TandemProductValue`). Any other layer,
 * activation or shape gives `{compiled: undefined, reason}` and the caller keeps the TensorFlow.js graph for the
 * whole model. The weights must not change afterwards (a loaded model's do not; a network still in training does).
 */
export function compileNetwork(network: tf.LayersModel): CompileNetworkResult {
  try {
    return { compiled: compile(network) };
  } catch (error) {
    if (error instanceof UnsupportedGraph) return { compiled: undefined, reason: error.message };
    throw error;
  }
}

function compile(network: tf.LayersModel): CompiledNetwork {
  const config = network.getConfig() as unknown as ModelConfig;
  if (config.inputLayers.length !== 1) throw new UnsupportedGraph(`the graph has ${config.inputLayers.length} inputs, not 1`);
  // The first layer it does not know, in the graph's (topological) order, names the reason.
  const unknown = config.layers.find((layer) => !knownLayers.has(layer.className));
  if (unknown !== undefined) throw new UnsupportedGraph(`layer "${unknown.name}" is a ${unknown.className}, which the compiled forward pass does not know`);
  const byName = new Map(config.layers.map((layer) => [layer.name, layer]));
  const widths: number[] = [];
  const steps: Step[] = [];
  const slots = new Map<string, number>();
  const [inputName] = config.inputLayers[0] as readonly [string, number, number];
  const inputShape = network.inputs[0]?.shape;
  if (inputShape?.length !== 2 || typeof inputShape[1] !== 'number') throw new UnsupportedGraph(`input shape ${JSON.stringify(inputShape)} is not [batch, width]`);
  const inputWidth = inputShape[1];

  const newSlot = (width: number): number => widths.push(width) - 1;
  // Slot of one tensor, compiling the layer call that makes it (and, first, that call's inputs) on first use.
  const slotOf = (layerName: string, nodeIndex: number, tensorIndex: number): number => {
    const key = `${layerName}\u0000${nodeIndex}\u0000${tensorIndex}`;
    const known = slots.get(key);
    if (known !== undefined) return known;
    const layer = byName.get(layerName);
    if (layer === undefined) throw new UnsupportedGraph(`the graph refers to an unknown layer "${layerName}"`);
    let outputs: number[];
    if (layerName === inputName) {
      outputs = [newSlot(inputWidth)];
    } else {
      const node = layer.inboundNodes[nodeIndex];
      if (node === undefined) throw new UnsupportedGraph(`layer "${layerName}" has no call ${nodeIndex}`);
      const inputs = node.map(([name, node, tensor]) => slotOf(name, node, tensor));
      const compiled = compileLayer(layer, network.getLayer(layerName), inputs.map((slot) => widths[slot] as number));
      outputs = compiled.widths.map(newSlot);
      steps.push({ inputs, outputs, run: compiled.run });
    }
    outputs.forEach((slot, k) => slots.set(`${layerName}\u0000${nodeIndex}\u0000${k}`, slot));
    const slot = outputs[tensorIndex];
    if (slot === undefined) throw new UnsupportedGraph(`layer "${layerName}" has no output ${tensorIndex}`);
    return slot;
  };
  const outputSlots = config.outputLayers.map(([name, node, tensor]) => slotOf(name, node, tensor));
  const inputSlot = slotOf(inputName, 0, 0);
  const outputWidths = outputSlots.map((slot) => widths[slot] as number);

  /** Scratch for `capacity` rows: one buffer per tensor, and each step's inputs and outputs resolved to them. */
  const bind = (capacity: number): BoundGraph => {
    const buffers = widths.map((width) => new Float64Array(capacity * width));
    return {
      capacity,
      input: buffers[inputSlot] as Float64Array,
      outputs: outputSlots.map((slot) => buffers[slot] as Float64Array),
      steps: steps.map((step) => ({
        run: step.run,
        inputs: step.inputs.map((slot) => buffers[slot] as Float64Array),
        outputs: step.outputs.map((slot) => buffers[slot] as Float64Array),
      })),
    };
  };
  // Small calls (one request, a micro-batch) reuse one scratch: predict is synchronous, so calls never overlap.
  let small: BoundGraph | undefined;

  return {
    inputWidth,
    outputNames: config.outputLayers.map(([name]) => name),
    outputWidths,
    predict(x, rows) {
      if (x.length < rows * inputWidth) throw new RangeError(`input holds ${x.length} floats, fewer than ${rows} rows × ${inputWidth}`);
      const results = outputWidths.map((width) => new Float32Array(rows * width));
      const capacity = Math.min(rows, chunkRows);
      const graph = capacity <= smallRows ? (small ??= bind(smallRows)) : bind(capacity);
      for (let start = 0; start < rows; start += graph.capacity) {
        const count = Math.min(graph.capacity, rows - start);
        graph.input.set(x.subarray(start * inputWidth, (start + count) * inputWidth));
        for (const step of graph.steps) step.run(step.inputs, step.outputs, count);
        graph.outputs.forEach((output, k) => {
          const width = outputWidths[k] as number;
          (results[k] as Float32Array).set(output.subarray(0, count * width), start * width);
        });
      }
      return results;
    },
  };
}

/** The compiled steps bound to scratch buffers for up to `capacity` rows. */
interface BoundGraph {
  readonly capacity: number;
  readonly input: Float64Array;
  readonly outputs: readonly Float64Array[];
  readonly steps: readonly { readonly run: Step['run']; readonly inputs: readonly Float64Array[]; readonly outputs: readonly Float64Array[] }[];
}

/** The kernel of one layer call: output widths and the loop that computes them. */
interface CompiledLayer {
  readonly widths: readonly number[];
  run(inputs: readonly Float64Array[], outputs: readonly Float64Array[], rows: number): void;
}

function compileLayer(layer: LayerConfig, instance: tf.layers.Layer, inputWidths: readonly number[]): CompiledLayer {
  const { name, className, config } = layer;
  const single = (): number => {
    if (inputWidths.length !== 1) throw new UnsupportedGraph(`layer "${name}" (${className}) has ${inputWidths.length} inputs, not 1`);
    return inputWidths[0] as number;
  };
  switch (className) {
    case 'Dense':
      return compileDense(name, instance, single(), config);
    case 'Activation': {
      const width = single();
      const activate = activationKernel(name, config.activation, width);
      return { widths: [width], run: ([x], [y], rows) => activate(x as Float64Array, y as Float64Array, rows) };
    }
    case 'Dropout': {
      const width = single();
      return { widths: [width], run: ([x], [y], rows) => (y as Float64Array).set((x as Float64Array).subarray(0, rows * width)) };
    }
    case 'Concatenate':
      if (config.axis !== -1 && config.axis !== 1) throw new UnsupportedGraph(`layer "${name}" concatenates on axis ${String(config.axis)}, not the last`);
      return compileConcatenate(inputWidths);
    case 'Add':
      return compileElementwiseSum(name, inputWidths, 1);
    case 'Average':
      return compileElementwiseSum(name, inputWidths, 1 / inputWidths.length);
    case 'BatchNormalization':
      return compileBatchNormalization(name, instance, single(), config);
    case 'TandemColumnSlice':
      return compileColumnSlice(name, single(), config);
    case 'TandemLayerNormalization':
      return compileLayerNormalization(name, instance, single(), config);
    case 'TandemMixtureOfExperts':
      return compileMixture(name, inputWidths);
    case 'TandemCrossStitchUnit':
      return compileCrossStitch(name, instance, inputWidths);
    case 'TandemProductLogit':
      return compilePair(name, inputWidths, productLogit);
    case 'TandemProductValue': {
      const mean = Number(config.mean);
      const std = Number(config.std);
      // Same steps as ProductValue.call: (σ(a)·(u·std + mean) − mean) / std.
      return compilePair(name, inputWidths, (a, u) => (sigmoid(a) * (u * std + mean) - mean) / std);
    }
    default:
      throw new UnsupportedGraph(`layer "${name}" is a ${className}, which the compiled forward pass does not know`);
  }
}

/** Dense: y = activation(x · kernel + bias), kernel `[in, units]` read once as float64. */
function compileDense(name: string, instance: tf.layers.Layer, width: number, config: Record<string, unknown>): CompiledLayer {
  const units = Number(config.units);
  const weights = instance.getWeights();
  const kernelTensor = weights[0];
  if (kernelTensor === undefined || kernelTensor.shape.length !== 2 || kernelTensor.shape[0] !== width || kernelTensor.shape[1] !== units) {
    throw new UnsupportedGraph(`layer "${name}": kernel of shape ${JSON.stringify(kernelTensor?.shape)}, expected [${width}, ${units}]`);
  }
  const kernel = Float64Array.from(kernelTensor.dataSync());
  const bias = config.useBias === false ? new Float64Array(units) : Float64Array.from((weights[1] as tf.Tensor).dataSync());
  if (bias.length !== units) throw new UnsupportedGraph(`layer "${name}": bias of ${bias.length} units, expected ${units}`);
  const activate = activationKernel(name, config.activation, units);
  return {
    widths: [units],
    run: ([x], [y], rows) => {
      const input = x as Float64Array;
      const output = y as Float64Array;
      let r = 0;
      // Four rows at a time: each kernel weight is loaded once for four rows. Every row still adds its terms in
      // the same order, so a row's result does not depend on the batch it is in.
      for (; r + 4 <= rows; r += 4) {
        const o0 = r * units;
        const o1 = o0 + units;
        const o2 = o1 + units;
        const o3 = o2 + units;
        output.set(bias, o0);
        output.set(bias, o1);
        output.set(bias, o2);
        output.set(bias, o3);
        for (let i = 0; i < width; i++) {
          const v0 = input[r * width + i] as number;
          const v1 = input[(r + 1) * width + i] as number;
          const v2 = input[(r + 2) * width + i] as number;
          const v3 = input[(r + 3) * width + i] as number;
          if (v0 === 0 && v1 === 0 && v2 === 0 && v3 === 0) continue;
          const k = i * units;
          for (let j = 0; j < units; j++) {
            const w = kernel[k + j] as number;
            output[o0 + j] = (output[o0 + j] as number) + v0 * w;
            output[o1 + j] = (output[o1 + j] as number) + v1 * w;
            output[o2 + j] = (output[o2 + j] as number) + v2 * w;
            output[o3 + j] = (output[o3 + j] as number) + v3 * w;
          }
        }
      }
      for (; r < rows; r++) {
        const out = r * units;
        output.set(bias, out);
        const row = r * width;
        for (let i = 0; i < width; i++) {
          const v = input[row + i] as number;
          // One-hot inputs are mostly zeros: skipping them skips whole kernel rows (adding 0 · w changes nothing).
          if (v === 0) continue;
          const k = i * units;
          for (let j = 0; j < units; j++) output[out + j] = (output[out + j] as number) + v * (kernel[k + j] as number);
        }
      }
      activate(output, output, rows);
    },
  };
}

/** An activation over `[rows, width]` (in place when `x === y`); softmax normalises each row. */
function activationKernel(layer: string, activation: unknown, width: number): (x: Float64Array, y: Float64Array, rows: number) => void {
  const name = activation ?? 'linear';
  if (name === 'linear') {
    return (x, y, rows) => {
      if (x !== y) y.set(x.subarray(0, rows * width));
    };
  }
  if (name === 'softmax') {
    return (x, y, rows) => {
      for (let r = 0; r < rows; r++) softmaxRow(x, y, r * width, width);
    };
  }
  const f = typeof name === 'string' ? activations[name] : undefined;
  if (f === undefined) throw new UnsupportedGraph(`layer "${layer}" uses activation ${JSON.stringify(name)}, which the compiled forward pass does not know`);
  return (x, y, rows) => {
    const n = rows * width;
    for (let i = 0; i < n; i++) y[i] = f(x[i] as number);
  };
}

/** exp(x − max) / Σ exp(x − max) over one row. */
function softmaxRow(x: Float64Array, y: Float64Array, at: number, width: number): void {
  let max = -Infinity;
  for (let j = 0; j < width; j++) max = Math.max(max, x[at + j] as number);
  let sum = 0;
  for (let j = 0; j < width; j++) {
    const e = Math.exp((x[at + j] as number) - max);
    y[at + j] = e;
    sum += e;
  }
  for (let j = 0; j < width; j++) y[at + j] = (y[at + j] as number) / sum;
}

/** Concatenation along the last axis: `[rows, Σ widths]`. */
function compileConcatenate(inputWidths: readonly number[]): CompiledLayer {
  const total = inputWidths.reduce((a, b) => a + b, 0);
  return {
    widths: [total],
    run: (inputs, [y], rows) => {
      const output = y as Float64Array;
      for (let r = 0; r < rows; r++) {
        let at = r * total;
        inputs.forEach((x, k) => {
          const width = inputWidths[k] as number;
          output.set(x.subarray(r * width, (r + 1) * width), at);
          at += width;
        });
      }
    },
  };
}

/** Add and Average: the element-wise sum of inputs of one width, times `scale` (1, or 1 / inputs for the mean). */
function compileElementwiseSum(name: string, inputWidths: readonly number[], scale: number): CompiledLayer {
  const width = inputWidths[0] as number;
  if (inputWidths.some((w) => w !== width)) throw new UnsupportedGraph(`layer "${name}" merges inputs of widths ${inputWidths.join(', ')}`);
  return {
    widths: [width],
    run: (inputs, [y], rows) => {
      const output = y as Float64Array;
      const n = rows * width;
      output.set((inputs[0] as Float64Array).subarray(0, n));
      for (let k = 1; k < inputs.length; k++) {
        const x = inputs[k] as Float64Array;
        for (let i = 0; i < n; i++) output[i] = (output[i] as number) + (x[i] as number);
      }
      if (scale !== 1) for (let i = 0; i < n; i++) output[i] = (output[i] as number) * scale;
    },
  };
}

/** ColumnSlice: columns `start … start + size − 1` of `[rows, width]` → `[rows, size]`. */
function compileColumnSlice(name: string, width: number, config: Record<string, unknown>): CompiledLayer {
  const start = Number(config.start);
  const size = Number(config.size);
  if (!Number.isInteger(start) || !Number.isInteger(size) || start < 0 || size < 1 || start + size > width) {
    throw new UnsupportedGraph(`layer "${name}": columns ${start}..${start + size - 1} of an input ${width} wide`);
  }
  return {
    widths: [size],
    run: ([x], [y], rows) => {
      const input = x as Float64Array;
      const output = y as Float64Array;
      for (let r = 0; r < rows; r++) output.set(input.subarray(r * width + start, r * width + start + size), r * size);
    },
  };
}

/** A layer's weights by their own names (`gamma`, `movingMean`, …), read once as float64. */
function namedWeights(instance: tf.layers.Layer): Map<string, Float64Array> {
  const values = instance.getWeights();
  return new Map(instance.weights.map((variable, k) => [variable.originalName.split('/').at(-1) as string, Float64Array.from((values[k] as tf.Tensor).dataSync())]));
}

/** One per-unit parameter vector of `width`, or `fallback` (ones, zeros) when the layer has none. */
function unitVector(layer: string, weights: ReadonlyMap<string, Float64Array>, key: string, width: number, fallback: number | undefined): Float64Array {
  const values = weights.get(key);
  if (values === undefined && fallback !== undefined) return new Float64Array(width).fill(fallback);
  if (values?.length !== width) throw new UnsupportedGraph(`layer "${layer}": ${key} of ${values?.length ?? 'no'} units, expected ${width}`);
  return values;
}

/**
 * BatchNormalization in inference: (x − movingMean) / √(movingVariance + ε) · γ + β, folded once into y = x · a + b
 * per unit. Only the last axis of `[rows, units]`; without `scale` γ = 1, without `center` β = 0.
 */
function compileBatchNormalization(name: string, instance: tf.layers.Layer, width: number, config: Record<string, unknown>): CompiledLayer {
  if (config.axis !== -1 && config.axis !== 1) throw new UnsupportedGraph(`layer "${name}" normalises axis ${JSON.stringify(config.axis)}, not the last`);
  const epsilon = Number(config.epsilon);
  const weights = namedWeights(instance);
  const gamma = unitVector(name, weights, 'gamma', width, config.scale === false ? 1 : undefined);
  const beta = unitVector(name, weights, 'beta', width, config.center === false ? 0 : undefined);
  const mean = unitVector(name, weights, 'moving_mean', width, undefined);
  const variance = unitVector(name, weights, 'moving_variance', width, undefined);
  const a = Float64Array.from(gamma, (g, j) => g / Math.sqrt((variance[j] as number) + epsilon));
  const b = Float64Array.from(beta, (v, j) => v - (mean[j] as number) * (a[j] as number));
  return {
    widths: [width],
    run: ([x], [y], rows) => {
      const input = x as Float64Array;
      const output = y as Float64Array;
      for (let r = 0; r < rows; r++) {
        const at = r * width;
        for (let j = 0; j < width; j++) output[at + j] = (input[at + j] as number) * (a[j] as number) + (b[j] as number);
      }
    },
  };
}

/** RowLayerNormalization: each row (x − μ_row) / √(σ²_row + ε) · γ + β, with σ² the mean squared deviation. */
function compileLayerNormalization(name: string, instance: tf.layers.Layer, width: number, config: Record<string, unknown>): CompiledLayer {
  const epsilon = Number(config.epsilon);
  if (!(epsilon > 0)) throw new UnsupportedGraph(`layer "${name}": epsilon ${JSON.stringify(config.epsilon)}`);
  const weights = namedWeights(instance);
  const gamma = unitVector(name, weights, 'gamma', width, undefined);
  const beta = unitVector(name, weights, 'beta', width, undefined);
  return {
    widths: [width],
    run: ([x], [y], rows) => {
      const input = x as Float64Array;
      const output = y as Float64Array;
      for (let r = 0; r < rows; r++) {
        const at = r * width;
        let sum = 0;
        for (let j = 0; j < width; j++) sum += input[at + j] as number;
        const mean = sum / width;
        let squares = 0;
        for (let j = 0; j < width; j++) {
          const d = (input[at + j] as number) - mean;
          squares += d * d;
        }
        const scale = 1 / Math.sqrt(squares / width + epsilon);
        for (let j = 0; j < width; j++) output[at + j] = ((input[at + j] as number) - mean) * scale * (gamma[j] as number) + (beta[j] as number);
      }
    },
  };
}

/** MixtureOfExperts: inputs `[gate [rows, E], expert_0 … expert_{E−1} [rows, units]]` → Σ_e gate[:, e] · expert_e. */
function compileMixture(name: string, inputWidths: readonly number[]): CompiledLayer {
  const [gateWidth, ...expertWidths] = inputWidths;
  const units = expertWidths[0];
  if (units === undefined || gateWidth !== expertWidths.length || expertWidths.some((width) => width !== units)) {
    throw new UnsupportedGraph(`layer "${name}": a gate of ${gateWidth} units cannot weigh experts of widths ${JSON.stringify(expertWidths)}`);
  }
  const experts = expertWidths.length;
  return {
    widths: [units],
    run: ([gate, ...expertValues], [y], rows) => {
      const output = y as Float64Array;
      output.fill(0, 0, rows * units);
      for (let r = 0; r < rows; r++) {
        for (let e = 0; e < experts; e++) {
          const weight = (gate as Float64Array)[r * experts + e] as number;
          const expert = expertValues[e] as Float64Array;
          for (let j = 0; j < units; j++) output[r * units + j] = (output[r * units + j] as number) + weight * (expert[r * units + j] as number);
        }
      }
    },
  };
}

/** CrossStitchUnit: K columns `[rows, units]` → K columns, out_i = Σ_j α_ij · in_j, α `[K, K]` read once. */
function compileCrossStitch(name: string, instance: tf.layers.Layer, inputWidths: readonly number[]): CompiledLayer {
  const columns = inputWidths.length;
  const units = inputWidths[0] as number;
  const [alphaTensor] = instance.getWeights();
  if (alphaTensor === undefined || alphaTensor.size !== columns * columns || inputWidths.some((width) => width !== units)) {
    throw new UnsupportedGraph(`layer "${name}": cross-stitch of ${columns} columns of widths ${JSON.stringify(inputWidths)}`);
  }
  const alpha = Float64Array.from(alphaTensor.dataSync());
  return {
    widths: inputWidths,
    run: (inputs, outputs, rows) => {
      const n = rows * units;
      for (let i = 0; i < columns; i++) {
        const output = outputs[i] as Float64Array;
        output.fill(0, 0, n);
        for (let j = 0; j < columns; j++) {
          const weight = alpha[i * columns + j] as number;
          const input = inputs[j] as Float64Array;
          for (let t = 0; t < n; t++) output[t] = (output[t] as number) + weight * (input[t] as number);
        }
      }
    },
  };
}

/** A two-input element-wise layer (both inputs of one width). */
function compilePair(name: string, inputWidths: readonly number[], f: (a: number, b: number) => number): CompiledLayer {
  if (inputWidths.length !== 2 || inputWidths[0] !== inputWidths[1]) throw new UnsupportedGraph(`layer "${name}" takes two inputs of one width, got ${JSON.stringify(inputWidths)}`);
  const width = inputWidths[0] as number;
  return {
    widths: [width],
    run: ([a, b], [y], rows) => {
      const n = rows * width;
      for (let i = 0; i < n; i++) (y as Float64Array)[i] = f((a as Float64Array)[i] as number, (b as Float64Array)[i] as number);
    },
  };
}

/** ProductLogit: −logsumexp(−a, −b, −(a + b)), stable for any logits (as the layer computes it). */
function productLogit(a: number, b: number): number {
  const x = -a;
  const y = -b;
  const z = -(a + b);
  const max = Math.max(x, y, z);
  if (!Number.isFinite(max)) return -max;
  return -(max + Math.log(Math.exp(x - max) + Math.exp(y - max) + Math.exp(z - max)));
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

function softplus(v: number): number {
  return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
}

/** erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), the approximation TensorFlow.js uses. */
function erf(v: number): number {
  const sign = v < 0 ? -1 : 1;
  const x = Math.abs(v);
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-x * x));
}
