import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../errors/tandem-error.ts';
import './layers/index.ts';

/** The two files of a saved network, exactly as tfjs-node's `file://` handler writes them. */
export interface SerializedNetwork {
  /** `model.json`: topology plus a weights manifest pointing at `weights.bin`. */
  readonly modelJson: string;
  readonly weights: Buffer;
}

/** Serialises a LayersModel without tfjs-node (plain tfjs has no `file://` saver). */
export async function serializeNetwork(model: tf.LayersModel): Promise<SerializedNetwork> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (captured?.weightData === undefined || captured.weightSpecs === undefined) throw new TandemError('tfjs returned no weights when saving the model');
  const modelJson = {
    modelTopology: captured.modelTopology,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: captured.weightSpecs }],
  };
  const weights = Buffer.from(tf.io.CompositeArrayBuffer.join(captured.weightData));
  return { modelJson: JSON.stringify(modelJson), weights };
}

/** Loads what {@link serializeNetwork} wrote; the result is the serving graph. */
export async function deserializeNetwork({ modelJson, weights }: SerializedNetwork): Promise<tf.LayersModel> {
  const parsed = JSON.parse(modelJson) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const weightSpecs = parsed.weightsManifest.flatMap((group) => group.weights);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs, weightData }));
}
