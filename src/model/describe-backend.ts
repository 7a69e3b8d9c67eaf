import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';

/** What a trial runs on, for its log: the TensorFlow.js backend and the device its kernels run on. */
export interface BackendDescription {
  /** The active TensorFlow.js backend (`tensorflow`, `wasm`, `cpu`). */
  readonly backend: string;
  /** For `tensorflow`: the native package that provides it (`tfjs-node-gpu` or `tfjs-node`). */
  readonly nativePackage?: 'tfjs-node-gpu' | 'tfjs-node';
  /** The GPU's name (several joined by ", ") when tfjs-node-gpu runs on one, else `CPU`. */
  readonly device: string;
  /** The TensorFlow.js version. */
  readonly version: string;
}

/** Reads the name of each visible NVIDIA GPU; undefined when there is none (or no driver to ask). */
export type GpuNameQuery = () => Promise<string | undefined>;

/**
 * Asks `nvidia-smi --query-gpu=name --format=csv,noheader` (the NVIDIA driver's tool, mounted into GPU containers by
 * the container runtime) for the GPUs' names; undefined when it is absent, fails or lists none.
 */
export const queryNvidiaGpuNames: GpuNameQuery = () => new Promise((resolve) => {
  execFile('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: 10_000 }, (error, stdout) => {
    const names = error === null ? stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '') : [];
    resolve(names.length === 0 ? undefined : names.join(', '));
  });
});

/** Whether a package can be resolved from here (`selectBackend` loads tfjs-node-gpu first whenever it can). */
function resolvable(specifier: string): boolean {
  try {
    createRequire(import.meta.url).resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/** Options of {@link describeBackend}. */
export interface DescribeBackendOptions {
  /** How GPU names are read; asked only when tfjs-node-gpu provides the backend. @default queryNvidiaGpuNames */
  readonly queryGpuNames?: GpuNameQuery;
}

/**
 * Describes the active backend (call it after `selectBackend`) and its device. Only tfjs-node-gpu's libtensorflow
 * places kernels on a GPU; wasm, cpu and tfjs-node run on the CPU whatever the machine has, so the GPU is looked up
 * only for tfjs-node-gpu, and a GPU build that sees no GPU reports `CPU`.
 */
export async function describeBackend({ queryGpuNames = queryNvidiaGpuNames }: DescribeBackendOptions = {}): Promise<BackendDescription> {
  const backend = tf.getBackend();
  const version = tf.version.tfjs;
  if (backend !== 'tensorflow') return { backend, device: 'CPU', version };
  const nativePackage = resolvable('@tensorflow/tfjs-node-gpu') ? 'tfjs-node-gpu' : 'tfjs-node';
  const gpu = nativePackage === 'tfjs-node-gpu' ? await queryGpuNames() : undefined;
  return { backend, nativePackage, device: gpu ?? 'CPU', version };
}

/** The start-up log line of a trial, e.g. `TensorFlow.js 4.22.0 backend tensorflow (tfjs-node-gpu) on NVIDIA A10G`. */
export function formatBackendLine({ backend, nativePackage, device, version }: BackendDescription): string {
  return `TensorFlow.js ${version} backend ${backend}${nativePackage === undefined ? '' : ` (${nativePackage})`} on ${device}`;
}
