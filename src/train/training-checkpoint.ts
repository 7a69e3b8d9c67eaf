import * as tf from '@tensorflow/tfjs';
import { type BlobStore, checkpointObjectTag } from '../store/blob-store.ts';
import { readJsonIfExists } from '../store/json-object.ts';
import { writeArtifact } from '../store/write-artifact.ts';
import type { WeightingState } from '../model/weightings/loss-weighting.ts';
import type { TrainingProgress, TrainingState } from './training-state.ts';

const markerName = 'checkpoint.json';
const dataName = 'checkpoint.bin';

interface TensorEntry {
  readonly group: 'weights' | 'bestWeights' | 'optimizerWeights';
  readonly name?: string;
  readonly shape: number[];
  readonly offset: number;
  readonly length: number;
}

interface CheckpointHeader {
  readonly version: 1;
  readonly progress: TrainingProgress;
  readonly tensors: readonly TensorEntry[];
  readonly weighting?: WeightingState;
}

/**
 * Saves a training state under `folder` (`checkpoint.bin` with every float32 tensor back to back, then
 * `checkpoint.json` last as the marker), replacing an older checkpoint there. Both objects carry the tag
 * {@link checkpointObjectTag}, by which the store bucket's lifecycle rule expires forgotten checkpoints on S3.
 */
export async function saveTrainingCheckpoint(store: BlobStore, folder: string, state: TrainingState): Promise<void> {
  const groups: [TensorEntry['group'], { name?: string; tensor: tf.Tensor }[]][] = [
    ['weights', state.weights.map((tensor) => ({ tensor }))],
    ['bestWeights', state.bestWeights.map((tensor) => ({ tensor }))],
    ['optimizerWeights', state.optimizerWeights],
  ];
  const entries: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [group, tensors] of groups) {
    for (const { name, tensor } of tensors) {
      const values = Float32Array.from(await tensor.data());
      entries.push({ group, ...(name === undefined ? {} : { name }), shape: tensor.shape, offset, length: values.length });
      chunks.push(values);
      offset += values.length;
    }
  }
  const data = new Float32Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    data.set(chunk, at);
    at += chunk.length;
  }
  const header: CheckpointHeader = { version: 1, progress: state.progress, tensors: entries, ...(state.weighting === undefined ? {} : { weighting: state.weighting }) };
  await writeArtifact(store, folder, [{ name: dataName, body: Buffer.from(data.buffer) }], { name: markerName, body: JSON.stringify(header) }, { tags: { [checkpointObjectTag.key]: checkpointObjectTag.value } });
}

/** Loads the checkpoint under `folder`, or undefined when there is none (the caller disposes the state). */
export async function loadTrainingCheckpoint(store: BlobStore, folder: string): Promise<TrainingState | undefined> {
  const header = await readJsonIfExists<CheckpointHeader>(store, `${folder}/${markerName}`);
  if (header === undefined) return undefined;
  const bytes = await store.get(`${folder}/${dataName}`);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const state: { weights: tf.Tensor[]; bestWeights: tf.Tensor[]; optimizerWeights: { name: string; tensor: tf.Tensor }[] } = { weights: [], bestWeights: [], optimizerWeights: [] };
  for (const entry of header.tensors) {
    const tensor = tf.tensor(data.slice(entry.offset, entry.offset + entry.length), entry.shape, 'float32');
    if (entry.group === 'optimizerWeights') state.optimizerWeights.push({ name: entry.name ?? '', tensor });
    else state[entry.group].push(tensor);
  }
  return { progress: header.progress, ...state, ...(header.weighting === undefined ? {} : { weighting: header.weighting }) };
}

/** Removes the checkpoint under `folder` (marker first, so a half-deleted checkpoint is never read). */
export async function deleteTrainingCheckpoint(store: BlobStore, folder: string): Promise<void> {
  await store.delete(`${folder}/${markerName}`);
  await store.delete(`${folder}/${dataName}`);
}
