import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { featuresSchema } from '../config/schema.ts';
import type { LabelledRow } from '../data/labelled-row.ts';
import { fitPreprocessor, inputWidth, transformRows } from '../features/preprocessor.ts';
import { predictNetwork, predictRows } from './predict-network.ts';

describe('predictRows', () => {
  it('encodes and predicts a chunk at a time, giving what predicting the whole encoded split gives (rows past one chunk)', async () => {
    // 9,000 rows: more than one forward chunk (8,192 rows), so the chunks' seams are crossed.
    const rows: LabelledRow[] = Array.from({ length: 9000 }, (_, i) => ({
      id: String(i),
      line: i + 2,
      features: { x: String((i * 37) % 101), plan: ['a', 'b', 'c'][i % 3] as string },
      labels: {},
    }));
    const preprocessor = fitPreprocessor(rows, ['x', 'plan'], featuresSchema.parse({ numericEncoding: 'standard', minCategoryCount: 1 }));
    const width = inputWidth(preprocessor);
    const input = tf.input({ shape: [width] });
    const score = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'score', kernelInitializer: 'glorotUniform' }).apply(input) as tf.SymbolicTensor;
    const classes = tf.layers.dense({ units: 3, activation: 'softmax', name: 'plan_class' }).apply(input) as tf.SymbolicTensor;
    const serving = tf.model({ inputs: input, outputs: [score, classes] });
    try {
      const whole = await predictNetwork(serving, transformRows(preprocessor, rows.map((row) => row.features)), rows.length, width, ['score', 'plan_class']);
      const chunked = await predictRows(serving, rows, preprocessor, ['score', 'plan_class']);
      assert.equal(chunked.score?.length, 9000);
      assert.equal(chunked.plan_class?.length, 27000);
      assert.deepEqual(Array.from(chunked.score as Float32Array), Array.from(whole.score as Float32Array));
      assert.deepEqual(Array.from(chunked.plan_class as Float32Array), Array.from(whole.plan_class as Float32Array));
    } finally {
      serving.dispose();
    }
  });
});
