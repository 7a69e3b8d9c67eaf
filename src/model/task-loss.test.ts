import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { describe, it } from 'node:test';
import { computeMaskedTaskLoss, type TaskLossName } from './task-loss.ts';

const loss = (name: TaskLossName, z: number[], y: number[], mask: number[]): number =>
  tf.tidy(() => computeMaskedTaskLoss(name, tf.tensor1d(z), tf.tensor1d(y), tf.tensor1d(mask)).dataSync()[0] as number);

describe('computeMaskedTaskLoss', () => {
  it('bce from logits equals −[y log σ(z) + (1−y) log(1−σ(z))] averaged over labelled rows', () => {
    const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
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
});
