import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../backend.ts';
import { ProductLogit } from './product-logit.ts';
import { ProductValue } from './product-value.ts';

/** logit(σ(a)·σ(b)) in float64, from log σ and log(1 − σ(a)σ(b)) (accurate for moderate logits). */
function referenceProductLogit(a: number, b: number): number {
  const p = 1 / (1 + Math.exp(-a)) / (1 + Math.exp(-b));
  return Math.log(p) - Math.log1p(-p);
}

describe('ProductLogit', () => {
  before(async () => {
    await selectBackend();
  });

  it('equals logit(σ(a)·σ(b))', () => {
    const values = [-15, -3, -0.5, 0, 0.7, 4, 12];
    const pairs = values.flatMap((a) => values.map((b) => [a, b] as const));
    const layer = new ProductLogit({ name: 'product' });
    const out = tf.tidy(() => (layer.apply([tf.tensor2d(pairs.map(([a]) => [a])), tf.tensor2d(pairs.map(([, b]) => [b]))]) as tf.Tensor).dataSync());
    pairs.forEach(([a, b], i) => {
      const expected = referenceProductLogit(a, b);
      assert.ok(Math.abs((out[i] as number) - expected) < 1e-4 * Math.max(1, Math.abs(expected)), `a=${a} b=${b}: ${out[i]} vs ${expected}`);
    });
  });

  it('stays finite, with finite gradients, at extreme logits, and never exceeds either logit', () => {
    const before = tf.memory().numTensors;
    // Asymptotes: both large and equal → a − log 2; one very negative → that one; both very negative → their sum;
    // one very large → the other.
    const cases: [number, number, number][] = [
      [100, 100, 100 - Math.LN2],
      [100, -100, -100],
      [-100, 100, -100],
      [-100, -100, -200],
      [1e4, 1e4, 1e4 - Math.LN2],
      [-1e4, 50, -1e4],
      [1e4, 0, 0],
    ];
    const layer = new ProductLogit({ name: 'extreme' });
    const a = tf.tensor2d(cases.map(([x]) => [x]));
    const b = tf.tensor2d(cases.map(([, y]) => [y]));
    const out = tf.tidy(() => (layer.apply([a, b]) as tf.Tensor).dataSync());
    cases.forEach(([x, y, expected], i) => {
      const got = out[i] as number;
      assert.ok(Number.isFinite(got), `a=${x} b=${y} gives ${got}`);
      assert.ok(Math.abs(got - expected) < 1e-3 * Math.max(1, Math.abs(expected)), `a=${x} b=${y}: ${got} vs ${expected}`);
      assert.ok(got <= Math.min(x, y), `a=${x} b=${y}: the product logit ${got} exceeds a factor`);
    });
    const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => (layer.apply([x, y]) as tf.Tensor).sum())([a, b]);
    for (const gradient of [da, db]) assert.ok((gradient as tf.Tensor).dataSync().every(Number.isFinite), 'gradients are finite');
    tf.dispose([a, b, da, db]);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('round-trips through its config and shapes', () => {
    const layer = new ProductLogit({ name: 'p' });
    assert.deepEqual(layer.computeOutputShape([[null, 1], [null, 1]]), [null, 1]);
    assert.equal(ProductLogit.className, 'TandemProductLogit');
    assert.equal(new ProductLogit(layer.getConfig() as object).name, 'p');
  });
});

describe('ProductValue', () => {
  before(async () => {
    await selectBackend();
  });

  it('standardises σ(a)·(mean + std·u), so the serving rescale gives P(A)·c', () => {
    const mean = 40;
    const std = 8;
    const layer = new ProductValue({ name: 'value', mean, std });
    const a = [-2, 0, 3, -50];
    const u = [1.5, -0.25, 0, 2];
    const out = tf.tidy(() => (layer.apply([tf.tensor2d(a, [4, 1]), tf.tensor2d(u, [4, 1])]) as tf.Tensor).dataSync());
    a.forEach((logit, i) => {
      const served = (out[i] as number) * std + mean;
      const expected = (1 / (1 + Math.exp(-logit))) * (mean + std * (u[i] as number));
      assert.ok(Math.abs(served - expected) < 1e-4, `row ${i}: ${served} vs ${expected}`);
    });
    const config = layer.getConfig();
    assert.equal(config.mean, mean);
    assert.equal(config.std, std);
    assert.deepEqual(layer.computeOutputShape([[null, 1], [null, 1]]), [null, 1]);
  });
});
