import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../errors/tandem-error.ts';
import './layers/index.ts';

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
 * Combines k ≥ 2 serving graphs of the same input width and outputs into ONE serving graph: input `[batch, width]`
 * (one `features` input shared by every member) → per output, in the members' order and under the members' output
 * names, the mean of the members' outputs (`[batch, 1]` probability or value, `[batch, C]` class probabilities; the
 * mean of probability vectors is again one). Each member's layers are rebuilt under the prefix `m<i>_` and get a copy
 * of its weights, so the result saves as one model.json + weights.bin that the ordinary loader reads, and the members
 * stay the caller's to dispose. The caller disposes the result.
 */
export async function buildEnsembleNetwork(members: readonly tf.LayersModel[]): Promise<tf.LayersModel> {
  if (members.length < 2) throw new TandemError(`an ensemble needs at least 2 members, got ${members.length}`, { value: members.length });
  const topologies = members.map((member) => member.toJSON(null, false) as unknown as Topology);
  const first = topologies[0] as Topology;
  const inputName = (first.config.input_layers[0] as [string, number, number])[0];
  const outputNames = first.config.output_layers.map(([name]) => name);
  const inputLayer = first.config.layers.find((layer) => layer.name === inputName) as TopologyLayer;
  topologies.forEach((topology, index) => checkCompatible(topology, first, index));

  const layers: TopologyLayer[] = [inputLayer];
  topologies.forEach((topology, index) => {
    const prefix = ensembleMemberPrefix(index);
    const rename = (name: string): string => (name === inputName ? inputName : `${prefix}${name}`);
    for (const layer of topology.config.layers) {
      if (layer.name === inputName) continue;
      layers.push({
        ...layer,
        name: rename(layer.name),
        config: { ...layer.config, name: rename(layer.name) },
        inbound_nodes: layer.inbound_nodes.map((node) => node.map(([name, nodeIndex, tensorIndex, kwargs]) => [rename(name), nodeIndex, tensorIndex, kwargs])),
      });
    }
  });
  // One Average layer per output, named as the members' output, so callers find outputs exactly as before.
  for (const [output, nodeIndex, tensorIndex] of first.config.output_layers) {
    layers.push({
      name: output,
      class_name: 'Average',
      config: { name: output, trainable: false },
      inbound_nodes: [topologies.map((_, index) => [`${ensembleMemberPrefix(index)}${output}`, nodeIndex, tensorIndex, {}])],
    });
  }
  const topology: Topology = {
    class_name: 'Model',
    config: { name: first.config.name, layers, input_layers: first.config.input_layers, output_layers: outputNames.map((name) => [name, 0, 0]) },
  };
  const ensemble = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
  try {
    members.forEach((member, index) => {
      for (const layer of member.layers) {
        if (layer.weights.length === 0) continue;
        ensemble.getLayer(`${ensembleMemberPrefix(index)}${layer.name}`).setWeights(layer.getWeights());
      }
    });
  } catch (error) {
    ensemble.dispose();
    throw error;
  }
  return ensemble;
}

/** Members must take the same input and give the same outputs, or their average means nothing. */
function checkCompatible(topology: Topology, first: Topology, index: number): void {
  const inputs = (t: Topology): string => JSON.stringify(t.config.layers.filter((layer) => layer.class_name === 'InputLayer').map((layer) => layer.config));
  const outputs = (t: Topology): string => JSON.stringify(t.config.output_layers.map(([name]) => name));
  if (inputs(topology) !== inputs(first) || outputs(topology) !== outputs(first)) {
    throw new TandemError(`ensemble member ${index} has other inputs or outputs than member 0: members must share one preprocessor and one set of tasks`, {
      value: { inputs: inputs(topology), outputs: outputs(topology) },
    });
  }
}
