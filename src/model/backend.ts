import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../errors/tandem-error.ts';
import { installWasmSlice } from './wasm-slice.ts';

/** Backends Tandem can run on, fastest first. `tensorflow` is tfjs-node (or tfjs-node-gpu in the trainer image). */
export const backendNames = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof backendNames)[number];

/** Aliases users type in TANDEM_BACKEND. */
const aliases: Record<string, BackendName> = {
  tensorflow: 'tensorflow',
  'tfjs-node': 'tensorflow',
  'tfjs-node-gpu': 'tensorflow',
  node: 'tensorflow',
  gpu: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

// Held in variables so the type checker does not require the optional packages to be installed.
const nativePackages = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

async function tryRegister(name: BackendName): Promise<boolean> {
  if (name === 'tensorflow') {
    for (const pkg of nativePackages) {
      try {
        await import(pkg);
        break;
      } catch {
        // not installed (tfjs-node needs libtensorflow, which a plain `npm install` cannot download here)
      }
    }
    if (tf.findBackendFactory('tensorflow') === null) return false;
  } else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
  }
  try {
    const started = await tf.setBackend(name);
    // Its Slice kernel copies the whole input before slicing: replaced for every process on wasm (training, serving, scoring).
    if (started && name === 'wasm') installWasmSlice();
    return started;
  } catch {
    return false;
  }
}

/**
 * Selects the TensorFlow.js backend (SPEC §4): tfjs-node(-gpu), else wasm, else the pure-JS cpu backend. With a
 * `preference` (from TANDEM_BACKEND) only that backend is tried, and failing to start it is an error.
 * Returns the backend in use, which every result reports.
 */
export async function selectBackend(preference?: string): Promise<BackendName> {
  if (preference !== undefined && preference !== '') {
    const wanted = aliases[preference.toLowerCase()];
    if (wanted === undefined) {
      throw new TandemError(`unknown backend "${preference}" in TANDEM_BACKEND; use one of ${Object.keys(aliases).join(', ')}`, { value: preference });
    }
    if (!(await tryRegister(wanted))) {
      throw new TandemError(`backend "${preference}" could not be started (is its package installed?)`, { value: preference });
    }
    return wanted;
  }
  const current = tf.getBackend();
  if (current === 'wasm') installWasmSlice();
  if (current === 'tensorflow' || current === 'wasm') return current;
  for (const name of backendNames) {
    if (await tryRegister(name)) return name;
  }
  throw new TandemError('no TensorFlow.js backend could be started');
}
