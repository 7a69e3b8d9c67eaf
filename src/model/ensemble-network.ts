import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../errors/tandem-error.ts';
import './layers/index.ts';
import { ColumnSlice } from './layers/column-slice.ts';

/** A layer entry of a LayersModel's Keras-style topology (`model.toJSON(null, false).config.layers`). */
interface TopologyLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown> & { name: string };
  /** Per call: the inputs as `[layerName, nodeIndex, tensorIndex, kwargs]`. */
  inbound_nodes: [string, number, number, unknown][][];
}

interface Topology {
  class_name: string;
  config: { name: string; layers: TopologyLayer[]; input_layers: [string, number, number][]; output_layers: [string, number, number][] };
}

/** The layer-name prefix of ensemble member `index` inside the combined graph. */
export function ensembleMemberPrefix(index: number): string {
  return `m${index}_`;
}

/**
 * Per output name, how many times each member (in order) counts in that output's average: a weighted mean with
 * integer weights, as ensemble selection (with replacement) builds it. Outputs not named weigh every member once.
 */
export type EnsembleOutputWeights = Readonly<Record<string, readonly number[]>>;

/**
 * Combines k ≥ 2 serving graphs of the same input width and outputs into ONE serving graph: input `[batch, width]`
 * (one `features` input shared by every member) → per output, in the members' order and under the members' output
 * names, the mean of the members' outputs (`[batch, 1]` probability or value, `[batch, C]` class probabilities; the
 * mean of probability vectors is again one), weighted by `outputWeights` (a member repeated in that output's Average).
 * Each member's layers are rebuilt under the prefix `m<i>_` and get a copy of its weights, so the result saves as one
 * model.json + weights.bin that the ordinary loader reads, and the members stay the caller's to dispose. The caller
 * disposes the result.
 *
 * With `inputRanges` (one per member, as `partInputRanges` of a joined preprocessor gives them), the members may read
 * different inputs: the graph's input is all of them side by side, and member i reads columns
 * `[start, start + size)` of it through a {@link ColumnSlice} in place of its own input layer.
 */
export async function buildEnsembleNetwork(
  members: readonly tf.LayersModel[],
  outputWeights: EnsembleOutputWeights = {},
  inputRanges?: readonly { readonly start: number; readonly size: number }[],
): Promise<tf.LayersModel> {
  if (members.length < 2) throw new TandemError(`an ensemble needs at least 2 members, got ${members.length}`, { value: members.length });
  if (inputRanges !== undefined && inputRanges.length !== members.length) {
    throw new TandemError(`ensemble input ranges: one per member, got ${inputRanges.length} for ${members.length}`, { value: inputRanges.length });
  }
  const topologies = members.map((member) => member.toJSON(null, false) as unknown as Topology);
  const first = topologies[0] as Topology;
  const inputName = (first.config.input_layers[0] as [string, number, number])[0];
  const outputNames = first.config.output_layers.map(([name]) => name);
  const firstInput = first.config.layers.find((layer) => layer.name === inputName) as TopologyLayer;
  topologies.forEach((topology, index) => checkCompatible(topology, first, index, inputRanges?.[index]));
  const counts = memberCounts(outputNames, members.length, outputWeights);
  const width = inputRanges === undefined ? undefined : Math.max(...inputRanges.map(({ start, size }) => start + size));
  const inputLayer = width === undefined ? firstInput : { ...firstInput, config: { ...firstInput.config, batch_input_shape: [null, width] } };

  const layers: TopologyLayer[] = [inputLayer];
  topologies.forEach((topology, index) => {
    const prefix = ensembleMemberPrefix(index);
    const memberInput = (topology.config.input_layers[0] as [string, number, number])[0];
    const range = inputRanges?.[index];
    // Without ranges every member reads the shared input itself; with them, its own slice of it.
    const rename = (name: string): string => (name === memberInput && range === undefined ? inputName : `${prefix}${name}`);
    if (range !== undefined) {
      layers.push({
        name: `${prefix}${memberInput}`,
        class_name: ColumnSlice.className,
        config: { name: `${prefix}${memberInput}`, trainable: false, start: range.start, size: range.size },
        inbound_nodes: [[[inputName, 0, 0, {}]]],
      });
    }
    for (const layer of topology.config.layers) {
      if (layer.name === memberInput) continue;
      layers.push({
        ...layer,
        name: rename(layer.name),
        config: { ...layer.config, name: rename(layer.name) },
        inbound_nodes: layer.inbound_nodes.map((node) => node.map(([name, nodeIndex, tensorIndex, kwargs]) => [rename(name), nodeIndex, tensorIndex, kwargs])),
      });
    }
  });
  // One Average layer per output, named as the members' output, so callers find outputs exactly as before; a member
  // weighted w is w of its inputs (a merge layer takes two inputs at least: a lone member is averaged with itself).
  for (const [output, nodeIndex, tensorIndex] of first.config.output_layers) {
    const inputs = (counts.get(output) as number[]).flatMap((count, index) => Array.from({ length: count }, () => [`${ensembleMemberPrefix(index)}${output}`, nodeIndex, tensorIndex, {}] as [string, number, number, unknown]));
    layers.push({
      name: output,
      class_name: 'Average',
      config: { name: output, trainable: false },
      inbound_nodes: [inputs.length === 1 ? [...inputs, ...inputs] : inputs],
    });
  }
  const topology: Topology = {
    class_name: 'Model',
    config: { name: first.config.name, layers, input_layers: first.config.input_layers, output_layers: outputNames.map((name) => [name, 0, 0]) },
  };
  const ensemble = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
  try {
    // A member's layers that lead to no output it is weighted in (a tower of a task it has weight 0 for) are not in
    // the graph at all: TensorFlow.js keeps only what the outputs need.
    const present = new Set(ensemble.layers.map((layer) => layer.name));
    members.forEach((member, index) => {
      for (const layer of member.layers) {
        const name = `${ensembleMemberPrefix(index)}${layer.name}`;
        if (layer.weights.length === 0 || !present.has(name)) continue;
        ensemble.getLayer(name).setWeights(layer.getWeights());
      }
    });
  } catch (error) {
    ensemble.dispose();
    throw error;
  }
  return ensemble;
}

/** Each output's member counts: non-negative integers, some member counted, and every member counted somewhere. */
function memberCounts(outputNames: readonly string[], members: number, outputWeights: EnsembleOutputWeights): Map<string, number[]> {
  const counts = new Map(outputNames.map((name) => [name, [...(outputWeights[name] ?? Array.from({ length: members }, () => 1))]]));
  for (const [name, weights] of counts) {
    if (weights.length !== members || weights.some((w) => !Number.isInteger(w) || w < 0) || !weights.some((w) => w > 0)) {
      throw new TandemError(`ensemble weights of output "${name}" must be ${members} non-negative integers, not all 0; got ${JSON.stringify(weights)}`, { value: weights });
    }
  }
  for (const name of Object.keys(outputWeights)) if (!counts.has(name)) throw new TandemError(`ensemble weights name an output the members lack: "${name}"`, { value: name });
  const unused = Array.from({ length: members }, (_, index) => index).filter((index) => [...counts.values()].every((weights) => weights[index] === 0));
  if (unused.length > 0) throw new TandemError(`ensemble member ${unused.join(', ')} has weight 0 in every output: leave it out`, { value: unused });
  return counts;
}

/**
 * Members must give the same outputs, and take the same input (or, with an input range, one as wide as the range), or
 * their average means nothing.
 */
function checkCompatible(topology: Topology, first: Topology, index: number, range?: { readonly size: number }): void {
  const inputLayers = (t: Topology): TopologyLayer[] => t.config.layers.filter((layer) => layer.class_name === 'InputLayer');
  const inputs = (t: Topology): string => JSON.stringify(inputLayers(t).map((layer) => layer.config));
  const outputs = (t: Topology): string => JSON.stringify(t.config.output_layers.map(([name]) => name));
  const shape = inputLayers(topology)[0]?.config['batch_input_shape'] as (number | null)[] | undefined;
  const inputsMatch = range === undefined ? inputs(topology) === inputs(first) : inputLayers(topology).length === 1 && shape?.length === 2 && shape[1] === range.size;
  if (!inputsMatch || outputs(topology) !== outputs(first)) {
    throw new TandemError(`ensemble member ${index} has other inputs or outputs than member 0: members must share one preprocessor and one set of tasks`, {
      value: { inputs: inputs(topology), outputs: outputs(topology) },
    });
  }
}
