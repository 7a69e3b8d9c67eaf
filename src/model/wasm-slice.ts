import * as tf from '@tensorflow/tfjs';
import { overrideWasmKernel, type KernelArgs, type KernelFunc, type WasmTensorInfo } from './wasm-kernel-override.ts';

/** Marks the installed wrapper. */
export const wasmSliceMark = Symbol.for('tandem.wasmSlice');

/** The wasm backend's own methods that its Slice kernel uses too. */
interface WasmSliceBackend {
  makeOutput(shape: number[], dtype: tf.DataType): WasmTensorInfo;
  typedArrayFromHeap(info: WasmTensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Makes the wasm backend's `Slice` copy only the sliced values. tfjs-backend-wasm 4.22 reads its whole input through
 * `readSync`, which copies it out of the wasm heap, before copying the slice: cutting a member's columns out of a
 * joined ensemble's `[1024, 50000]` input copied all 200 MB for each member, and PCGrad's per-variable slices of one
 * flattened gradient were 62 % of its training step. This kernel allocates the output first (a growing heap would
 * detach an earlier view), then copies the slice from a view of the heap, in runs as long as the slice allows. The
 * values are the same (a copy). float32, int32 and bool; other dtypes go to the original kernel. A no-op on other
 * backends; installed once per process (the kernel registry is tfjs' global state).
 */
export function installWasmSlice(): void {
  overrideWasmKernel('Slice', wasmSliceMark, (original) => ((args: KernelArgs) => {
    const { x } = args.inputs as unknown as { x: WasmTensorInfo };
    if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') return original(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [start, extent] = tf.slice_util.parseSliceParams(x as unknown as tf.TensorInfo, begin, size) as [number[], number[]];
    const backend = args.backend as unknown as WasmSliceBackend;
    const out = backend.makeOutput(extent, x.dtype);
    if (tf.util.sizeFromShape(extent) > 0) copySlice(backend.typedArrayFromHeap(x), x.shape, start, extent, backend.typedArrayFromHeap(out));
    return out as unknown as tf.TensorInfo;
  }) as KernelFunc);
}

/**
 * Copies the block `start`, `extent` of a row-major array of `shape` into `target`. Trailing dimensions the block
 * spans whole join the innermost run, so a block of whole rows is one copy.
 */
export function copySlice<T extends Float32Array | Int32Array | Uint8Array>(source: T, shape: readonly number[], start: readonly number[], extent: readonly number[], target: T): void {
  const rank = shape.length;
  if (rank === 0) {
    target[0] = source[0] as number;
    return;
  }
  // The run: the last dimension, and every dimension before it as long as those after it are whole.
  let first = rank - 1;
  while (first > 0 && (start[first] ?? 0) === 0 && extent[first] === shape[first]) first--;
  const run = extent.slice(first).reduce((product, d) => product * d, 1);
  const strides = tf.util.computeStrides([...shape]);
  const stride = (d: number): number => (d === rank - 1 ? 1 : (strides[d] as number));
  const index = new Array<number>(first).fill(0);
  for (let written = 0; written < target.length; written += run) {
    let offset = (start[first] ?? 0) * stride(first);
    for (let d = 0; d < first; d++) offset += ((start[d] ?? 0) + (index[d] as number)) * stride(d);
    target.set(source.subarray(offset, offset + run), written);
    for (let d = first - 1; d >= 0; d--) {
      index[d] = (index[d] as number) + 1;
      if ((index[d] as number) < (extent[d] as number)) break;
      index[d] = 0;
    }
  }
}
