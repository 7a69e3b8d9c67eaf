import * as tf from '@tensorflow/tfjs';
import { overrideWasmKernel, type KernelArgs, type KernelFunc, type WasmTensorInfo } from '../model/wasm-kernel-override.ts';

/** Marks the wrapper, so that installing it twice (every training step builds call this) wraps only once. */
const wrapperMark = Symbol.for('tandem.wasmTransposedMatMul');

/** Below this many output columns the transposed loop is as fast as a Transpose kernel plus the product (measured). */
const minColumns = 16;

interface WasmBackendLike {
  disposeData(dataId: object): boolean;
}

/**
 * Makes the wasm backend's `BatchMatMul` transpose a transposed operand explicitly and then multiply untransposed.
 * tfjs-backend-wasm 4.22 multiplies `transposeA`/`transposeB` operands in a slow loop: a `[256, 64]ᵀ · [256, 128]`
 * took 1.45 ms there against 0.05 ms (Transpose) + 0.11 ms (the plain product), and every Dense layer's backward pass
 * (`dy · Wᵀ`, `xᵀ · dy`) multiplies transposed. The products are the same up to float rounding.
 * A no-op on other backends, and installed once per process (the kernel registry is tfjs's own global state).
 */
export function installWasmTransposedMatMul(): void {
  const transposeKernel = tf.getKernel('Transpose', 'wasm');
  if (transposeKernel === undefined) return;
  const transpose = transposeKernel.kernelFunc;
  overrideWasmKernel('BatchMatMul', wrapperMark, (multiply) => ((args: KernelArgs) => {
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
    const { a, b } = args.inputs as { a: WasmTensorInfo; b: WasmTensorInfo };
    const columns = attrs.transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    if ((!attrs.transposeA && !attrs.transposeB) || (columns ?? 0) < minColumns) return multiply(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const swapLast = (x: WasmTensorInfo): WasmTensorInfo => {
      const perm = x.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [perm.length - 1, perm.length - 2];
      return transpose({ inputs: { x } as unknown as tf.NamedTensorInfoMap, backend: args.backend, attrs: { perm } }) as WasmTensorInfo;
    };
    const left = attrs.transposeA ? swapLast(a) : a;
    const right = attrs.transposeB ? swapLast(b) : b;
    try {
      return multiply({ ...args, inputs: { a: left, b: right } as unknown as tf.NamedTensorInfoMap, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    } finally {
      if (left !== a) backend.disposeData(left.dataId);
      if (right !== b) backend.disposeData(right.dataId);
    }
  }) as KernelFunc);
}
