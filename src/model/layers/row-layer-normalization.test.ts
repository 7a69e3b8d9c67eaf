import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { describe, it } from 'node:test';
import { RowLayerNormalization } from './row-layer-normalization.ts';

describe('RowLayerNormalization', () => {
  it("gives tfjs-layers' layerNormalization outputs and gradients, and leaks nothing", () => {
    const before = tf.memory().numTensors;
    const ours = new RowLayerNormalization({ name: 'ours' });
    const theirs = tf.layers.layerNormalization({ name: 'theirs' });
    tf.tidy(() => {
      const x = tf.tensor2d([
        [1, 2, 4, -3],
        [0.5, 0.5, 0.5, 0.7],
        [10, -10, 3, 0],
      ]);
      ours.build([null, 4]);
      theirs.build([null, 4]);
      const weights = [tf.tensor1d([1, 2, 0.5, -1]), tf.tensor1d([0, 0.1, -0.2, 0.3])];
      ours.setWeights(weights);
      theirs.setWeights(weights);
      const a = ours.apply(x) as tf.Tensor;
      const b = theirs.apply(x) as tf.Tensor;
      const close = (u: tf.Tensor, v: tf.Tensor, what: string): void => {
        const du = u.dataSync();
        const dv = v.dataSync();
        du.forEach((value, i) => assert.ok(Math.abs(value - (dv[i] as number)) < 1e-5, `${what} ${i}: ${value} vs ${dv[i]}`));
      };
      close(a, b, 'output');
      // The gradient of a non-trivial function of the output with respect to the input.
      const probe = tf.tensor2d([[1, -2, 3, 0.5], [0, 1, 0, -1], [2, 2, -1, 1]]);
      close(tf.grad((v: tf.Tensor) => (ours.apply(v) as tf.Tensor).mul(probe).sum())(x), tf.grad((v: tf.Tensor) => (theirs.apply(v) as tf.Tensor).mul(probe).sum())(x), 'gradient');
      // With γ = 1 and β = 0 every row comes out with mean 0.
      ours.setWeights([tf.ones([4]), tf.zeros([4])]);
      const standard = (ours.apply(x) as tf.Tensor2D).arraySync();
      for (const row of standard) assert.ok(Math.abs(row.reduce((s, v) => s + v, 0)) < 1e-5);
    });
    // Built but never applied symbolically, so `Layer.dispose` refuses: free the weights themselves.
    for (const weight of [...ours.weights, ...theirs.weights]) weight.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('is registered for loading and keeps epsilon in its config', () => {
    assert.ok(tf.serialization.SerializationMap.getMap().classNameMap[RowLayerNormalization.className], 'registered');
    assert.equal(new RowLayerNormalization({ name: 'n', epsilon: 1e-5 }).getConfig().epsilon, 1e-5);
  });
});
