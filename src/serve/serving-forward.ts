import * as tf from '@tensorflow/tfjs';
import type { LoadedModel } from '../model/model-artifacts.ts';
import { compileNetwork } from '../model/compiled-network.ts';
import { predictNetwork } from '../train/predict-network.ts';

/** How a model's serving graph is run for scoring: compiled kernels, or TensorFlow.js where it cannot be compiled. */
export interface ServingForward {
  /**
   * `compiled`: plain typed-array kernels (see compileNetwork); `tfjs`: the model's own `predict`; `compiled+blocks`:
   * compiled for calls under `blockRows` rows, the model's own graph over the whole block (one TensorFlow.js call on
   * the wasm or native backend) for larger ones (see {@link ServingForwardOptions.blockRows}).
   */
  readonly engine: 'compiled' | 'tfjs' | 'compiled+blocks';
  /** With `tfjs`: why the graph was not compiled (the first layer or activation it does not know). */
  readonly reason?: string;
  /**
   * Runs the graph over a row-major matrix `x` `[rows, inputWidth]`; per task name (the card's tasks, in output
   * order) `[rows]` probabilities or values, or row-major `[rows, classes]` for a multiclass task (as predictNetwork).
   */
  predict(x: Float32Array, rows: number): Promise<Record<string, Float32Array>>;
}

/** Options of {@link createServingForward}. */
export interface ServingForwardOptions {
  /**
   * Batch scoring only: a call of at least this many rows runs the model's TensorFlow.js graph over all of them at
   * once when the backend is `wasm` or `tensorflow` (XNNPACK or native float32 matrix products: about 15× the compiled
   * float64 loops on a Telco chunk of 8192 rows; scores agree to about 1e-7 relative, float32 rounding). Such a
   * forward needs the network undisposed while it is used. The API leaves it unset, so a request's scores never
   * depend on what it is batched with. @default Infinity (always the compiled graph)
   */
  readonly blockRows?: number;
}

/**
 * The forward pass `score` and the API use for `model`: its serving graph compiled once (weights read now), or, when
 * the graph holds a layer the compiled path does not know, TensorFlow.js for the whole model. Reuse it for every
 * scoring call on the model: compiling reads every weight. Holds no tensors, so it needs no disposal; a compiled
 * forward keeps working after the network is disposed, so only a lease decides when a model is still served (not so
 * with `blockRows`, for batch scoring, which uses the network for large calls).
 */
export function createServingForward(model: LoadedModel, { blockRows = Number.POSITIVE_INFINITY }: ServingForwardOptions = {}): ServingForward {
  const outputNames = model.card.tasks.map((task) => task.name);
  const width = model.preprocessor.inputNames.length;
  const result = compileNetwork(model.network);
  const reason =
    result.compiled === undefined
      ? result.reason
      : result.compiled.outputWidths.length !== outputNames.length || result.compiled.inputWidth !== width
        ? `the graph has ${result.compiled.outputWidths.length} outputs of ${result.compiled.inputWidth} inputs; the card and preprocessor expect ${outputNames.length} of ${width}`
        : undefined;
  if (result.compiled !== undefined && reason === undefined) {
    const { compiled } = result;
    const backend = tf.getBackend();
    const blocks = Number.isFinite(blockRows) && (backend === 'wasm' || backend === 'tensorflow');
    return {
      engine: blocks ? 'compiled+blocks' : 'compiled',
      predict: async (x, rows) => {
        if (blocks && rows >= blockRows) return predictNetwork(model.network, x, rows, width, outputNames);
        const outputs = compiled.predict(x, rows);
        const named: Record<string, Float32Array> = {};
        outputNames.forEach((name, k) => (named[name] = outputs[k] as Float32Array));
        return named;
      },
    };
  }
  return {
    engine: 'tfjs',
    reason: reason as string,
    predict: (x, rows) => predictNetwork(model.network, x, rows, width, outputNames),
  };
}

/**
 * One {@link ServingForward} per model, made on first use and kept while the model object lives (a swapped-in
 * champion is a new object, so it gets its own). For a long-lived server, so a request does not recompile.
 */
export function createServingForwardCache(): (model: LoadedModel) => ServingForward {
  const forwards = new WeakMap<LoadedModel, ServingForward>();
  return (model) => {
    let forward = forwards.get(model);
    if (forward === undefined) {
      forward = createServingForward(model);
      forwards.set(model, forward);
    }
    return forward;
  };
}
