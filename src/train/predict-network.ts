import * as tf from '@tensorflow/tfjs';
import type { LabelledRow } from '../data/labelled-row.ts';
import { inputWidth, transformRows, type Preprocessor } from '../features/preprocessor.ts';

/** Most rows per forward call, and most floats in one call's input (wide inputs, e.g. an ensemble's joined ones, take fewer rows). */
const chunkRows = 8192;
const chunkFloats = 1 << 24;

/**
 * Runs the serving graph over a row-major matrix `[rows, width]` in chunks (bounded memory) and returns, per output
 * name, `[rows]` of probabilities or values for an output of width 1, and row-major `[rows, C]` class probabilities
 * for a multiclass output of width C. `outputNames` name the serving graph's outputs in order. Each chunk is one
 * forward call of the whole graph.
 */
export function predictNetwork(
  serving: tf.LayersModel,
  x: Float32Array,
  rows: number,
  width: number,
  outputNames: readonly string[],
): Promise<Record<string, Float32Array>> {
  return predictInChunks(serving, rows, width, outputNames, (start, end) => x.subarray(start * width, end * width));
}

/**
 * {@link predictNetwork} over rows not yet encoded: each chunk of rows is encoded with `preprocessor`, predicted and
 * dropped, so the whole split's inputs are never in memory at once (an ensemble's joined inputs run to thousands of
 * floats per row: ~0.5 GB for BankChurners' 7,000 training rows).
 */
export function predictRows(
  serving: tf.LayersModel,
  rows: readonly LabelledRow[],
  preprocessor: Preprocessor,
  outputNames: readonly string[],
): Promise<Record<string, Float32Array>> {
  const inputsOf = (start: number, end: number): Float32Array => transformRows(preprocessor, rows.slice(start, end).map((row) => row.features));
  return predictInChunks(serving, rows.length, inputWidth(preprocessor), outputNames, inputsOf);
}

/** The forward calls of both: chunk `[start, end)`'s inputs from `inputsOf`, its outputs written in place. */
async function predictInChunks(
  serving: tf.LayersModel,
  rows: number,
  width: number,
  outputNames: readonly string[],
  inputsOf: (start: number, end: number) => Float32Array,
): Promise<Record<string, Float32Array>> {
  const outputWidths = outputNames.map((_, k) => {
    const units = serving.outputs[k]?.shape[1];
    return typeof units === 'number' ? units : 1;
  });
  const result: Record<string, Float32Array> = Object.fromEntries(outputNames.map((name, k) => [name, new Float32Array(rows * (outputWidths[k] as number))]));
  const chunk = Math.max(1, Math.min(chunkRows, Math.floor(chunkFloats / Math.max(1, width))));
  for (let start = 0; start < rows; start += chunk) {
    const end = Math.min(rows, start + chunk);
    const x = inputsOf(start, end);
    const outputs = tf.tidy(() => {
      const input = tf.tensor2d(x, [end - start, width]);
      // One batch per chunk: predict's default batches of 32 cost a round of kernel calls each, and the backend's
      // matrix products (XNNPACK on wasm) only pay on many rows.
      const predicted = serving.predict(input, { batchSize: end - start });
      return Array.isArray(predicted) ? predicted : [predicted];
    });
    try {
      for (let k = 0; k < outputNames.length; k++) {
        const values = (await (outputs[k] as tf.Tensor).data()) as Float32Array;
        (result[outputNames[k] as string] as Float32Array).set(values, start * (outputWidths[k] as number));
      }
    } finally {
      tf.dispose(outputs);
    }
  }
  return result;
}
