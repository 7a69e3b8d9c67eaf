import * as tf from '@tensorflow/tfjs';

/** The wasm backend's own accessor: a Float32Array view of a tensor's data in the wasm heap. */
interface WasmHeapBackend {
  typedArrayFromHeap(info: { dataId: object; shape: number[]; dtype: tf.DataType }): Float32Array;
}

/**
 * A float32 tensor's values for a JavaScript pass, without copying where the backend allows: on wasm a view of the
 * wasm heap (its `dataSync` copies through a slice that measured ~10× slower than reading the view), elsewhere
 * `dataSync()`. Read-only, and only valid until the next tensor is created (a growing wasm heap detaches the
 * view): read it before allocating, or copy it with `slice()`.
 */
export function readHostValues(tensor: tf.Tensor): Float32Array {
  if (tensor.dtype === 'float32' && tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as Partial<WasmHeapBackend>;
    if (typeof backend.typedArrayFromHeap === 'function') return backend.typedArrayFromHeap({ dataId: tensor.dataId, shape: tensor.shape, dtype: tensor.dtype });
  }
  return tensor.dataSync() as Float32Array;
}

let scratch = new Float32Array(0);

/**
 * An array of `size` float32 values to fill completely and turn into a tensor (`tf.tensor`) before asking for another:
 * on wasm one reused buffer, since `tf.tensor` copies it into the wasm heap (fresh arrays per operation were megabytes
 * of garbage per step, and their external memory set off full garbage collections); elsewhere a fresh array, since the
 * cpu backend keeps the array it is given. Not zeroed.
 */
export function scratchValues(size: number): Float32Array {
  if (tf.getBackend() !== 'wasm') return new Float32Array(size);
  if (scratch.length < size) scratch = new Float32Array(Math.max(size, 2 * scratch.length));
  return scratch.subarray(0, size);
}
