import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../backend.ts';
import { GradientReversal } from './gradient-reversal.ts';

describe('GradientReversal', () => {
  before(async () => {
    await selectBackend();
  });

  it('is the identity forward and flips the sign of the gradient backward', () => {
    const before = tf.memory().numTensors;
    const layer = new GradientReversal({ name: 'reversal' });
    const x = tf.tensor2d([[1, -2, 3], [0.5, 0, -4]]);
    const w = tf.tensor2d([[2, 3, -1], [0.25, 7, 1]]);
    const forward = layer.apply(x) as tf.Tensor;
    assert.deepEqual(forward.arraySync(), x.arraySync());
    assert.deepEqual(forward.shape, x.shape);
    const gradient = tf.grad((input: tf.Tensor) => w.mul(layer.apply(input) as tf.Tensor).sum())(x);
    assert.deepEqual(gradient.arraySync(), tf.tidy(() => w.neg().arraySync()), 'd/dx Σ w·GRL(x) = −w');
    const plain = tf.grad((input: tf.Tensor) => w.mul(input).sum())(x);
    assert.deepEqual(plain.arraySync(), w.arraySync(), 'without the layer the gradient is +w');
    tf.dispose([x, w, forward, gradient, plain]);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('scales the reversed gradient by λ and keeps λ in its config', () => {
    const layer = new GradientReversal({ name: 'half', lambda: 0.5 });
    const gradient = tf.tidy(() => tf.grad((input: tf.Tensor) => (layer.apply(input) as tf.Tensor).mul(4).sum())(tf.ones([3])).arraySync());
    assert.deepEqual(gradient, [-2, -2, -2]);
    assert.equal(layer.getConfig().lambda, 0.5);
    assert.equal(new GradientReversal().getConfig().lambda, 1);
    assert.deepEqual(layer.computeOutputShape([null, 4]), [null, 4]);
  });
});
