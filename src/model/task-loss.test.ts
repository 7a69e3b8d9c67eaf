import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { describe, it } from 'node:test';
import { computeMaskedTaskLoss, type TaskLossName, type TaskLossOptions } from './task-loss.ts';

const loss = (name: TaskLossName, z: number[], y: number[], mask: number[], options?: TaskLossOptions): number =>
  tf.tidy(() => computeMaskedTaskLoss(name, tf.tensor1d(z), tf.tensor1d(y), tf.tensor1d(mask), options).dataSync()[0] as number);
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

describe('computeMaskedTaskLoss', () => {
  it('bce from logits equals −[y log σ(z) + (1−y) log(1−σ(z))] averaged over labelled rows', () => {
    const expected = (-Math.log(sigmoid(2)) - Math.log(1 - sigmoid(-1))) / 2;
    assert.ok(Math.abs(loss('bce', [2, -1, 5], [1, 0, 0], [1, 1, 0]) - expected) < 1e-6);
  });

  it('ignores unlabelled rows whatever their label or output', () => {
    for (const name of ['bce', 'focal', 'mse', 'huber'] as const) {
      const a = loss(name, [0.3, -0.2, 9], [1, 0, 0], [1, 1, 0]);
      const b = loss(name, [0.3, -0.2, -40], [1, 0, 1], [1, 1, 0]);
      assert.ok(Math.abs(a - b) < 1e-7, name);
    }
  });

  it('is 0 for a batch without labelled rows', () => {
    assert.equal(loss('mse', [1, 2], [3, 4], [0, 0]), 0);
  });

  it('mse and huber agree on small errors; huber grows linearly on large ones', () => {
    assert.ok(Math.abs(loss('mse', [0.5], [0], [1]) - 0.25) < 1e-7);
    assert.ok(Math.abs(loss('huber', [0.5], [0], [1]) - 0.125) < 1e-7);
    assert.ok(Math.abs(loss('huber', [3], [0], [1]) - 2.5) < 1e-6);
  });

  it('focal loss down-weights easy rows relative to bce', () => {
    const easy = loss('focal', [4], [1], [1]) / loss('bce', [4], [1], [1]);
    const hard = loss('focal', [-1], [1], [1]) / loss('bce', [-1], [1], [1]);
    assert.ok(easy < 0.01 && hard > 0.5);
  });

  it('class weights multiply each labelled row by the weight of its label; unlabelled rows still count for nothing', () => {
    const classWeights = { positive: 2, negative: 0.5 };
    const expected = (2 * -Math.log(sigmoid(2)) + 0.5 * -Math.log(1 - sigmoid(-1))) / 2;
    assert.ok(Math.abs(loss('bce', [2, -1, 0.5], [1, 0, 1], [1, 1, 0], { classWeights }) - expected) < 1e-6);
    // The unlabelled row's label and output do not matter, weighted or not.
    assert.ok(Math.abs(loss('bce', [2, -1, -30], [1, 0, 0], [1, 1, 0], { classWeights }) - expected) < 1e-6);
    // Focal rows are weighted the same way; regression ignores class weights.
    const focal = (2 * -((1 - sigmoid(2)) ** 2) * Math.log(sigmoid(2)) + 0.5 * -(sigmoid(-1) ** 2) * Math.log(1 - sigmoid(-1))) / 2;
    assert.ok(Math.abs(loss('focal', [2, -1, 0.5], [1, 0, 1], [1, 1, 0], { classWeights }) - focal) < 1e-6);
    assert.equal(loss('mse', [1], [0], [1], { classWeights }), 1);
  });

  it('focal loss is −(1 − p_t)^γ log p_t with the given γ, and γ = 0 is bce', () => {
    const gamma = 1.5;
    const expected = (-((1 - sigmoid(0.5)) ** gamma) * Math.log(sigmoid(0.5)) - sigmoid(-1) ** gamma * Math.log(1 - sigmoid(-1))) / 2;
    assert.ok(Math.abs(loss('focal', [0.5, -1, 3], [1, 0, 1], [1, 1, 0], { focalGamma: gamma }) - expected) < 1e-6);
    assert.ok(Math.abs(loss('focal', [0.5, -1], [1, 0], [1, 1], { focalGamma: 0 }) - loss('bce', [0.5, -1], [1, 0], [1, 1])) < 1e-6);
  });

  it('focal loss has finite gradients where the sigmoid saturates', () => {
    const z = tf.tensor1d([40, -40, 40, 0]);
    const grad = tf.grad((logits: tf.Tensor) => computeMaskedTaskLoss('focal', logits as tf.Tensor1D, tf.tensor1d([1, 0, 0, 1]), tf.tensor1d([1, 1, 1, 0]), { focalGamma: 0.5 }))(z);
    const values = Array.from(grad.dataSync());
    tf.dispose([z, grad]);
    assert.ok(values.every(Number.isFinite), `gradient ${values.join(', ')}`);
    assert.equal(values[3], 0, 'no gradient through an unlabelled row');
  });
});
