import * as tf from '@tensorflow/tfjs';

export type KernelFunc = tf.KernelConfig['kernelFunc'];
export type KernelArgs = Parameters<KernelFunc>[0];

/** A tensor as the wasm backend's kernels receive it. */
export interface WasmTensorInfo {
  readonly dataId: object;
  readonly shape: number[];
  readonly dtype: tf.DataType;
}

/**
 * Replaces the wasm backend's kernel `name` by `wrap(original)`, once per process: the kernel registry is tfjs' global
 * state, and `mark` tells an installed wrapper from the original, so installing twice wraps once. A no-op on other
 * backends or where the kernel is not registered.
 */
export function overrideWasmKernel(name: string, mark: symbol, wrap: (original: KernelFunc) => KernelFunc): void {
  if (tf.getBackend() !== 'wasm') return;
  const registered = tf.getKernel(name, 'wasm');
  if (registered === undefined || (registered.kernelFunc as unknown as Record<symbol, unknown>)[mark] === true) return;
  const wrapped = wrap(registered.kernelFunc);
  Object.defineProperty(wrapped, mark, { value: true });
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...registered, kernelFunc: wrapped });
}
