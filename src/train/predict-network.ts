import * as tf from '@tensorflow/tfjs';

const chunkRows = 8192;

/**
 * Runs the serving graph over a row-major matrix `[rows, width]` in chunks (bounded memory) and returns, per output
 * name, `[rows]` of probabilities or values.
 */
export async function predictNetwork(
  serving: tf.LayersModel,
  x: Float32Array,
  rows: number,
  width: number,
  outputNames: readonly string[],
): Promise<Record<string, Float32Array>> {
  const result: Record<string, Float32Array> = Object.fromEntries(outputNames.map((name) => [name, new Float32Array(rows)]));
  for (let start = 0; start < rows; start += chunkRows) {
    const end = Math.min(rows, start + chunkRows);
    const outputs = tf.tidy(() => {
      const input = tf.tensor2d(x.subarray(start * width, end * width), [end - start, width]);
      const predicted = serving.predict(input);
      return Array.isArray(predicted) ? predicted : [predicted];
    });
    try {
      for (let k = 0; k < outputNames.length; k++) {
        const values = (await (outputs[k] as tf.Tensor).data()) as Float32Array;
        (result[outputNames[k] as string] as Float32Array).set(values, start);
      }
    } finally {
      tf.dispose(outputs);
    }
  }
  return result;
}
