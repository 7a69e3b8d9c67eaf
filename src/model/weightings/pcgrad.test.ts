import assert from 'node:assert/strict';
import { assertAllClose } from '../../../test/helpers/assert-all-close.ts';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { modelSchema } from '../../config/schema.ts';
import { checkWeightingTraining } from '../../../test/helpers/check-weighting-training.ts';
import { selectBackend } from '../backend.ts';
import type { NamedGradients } from './loss-weighting.ts';
import { combineProjectedGradients, createPcGradWeighting, drawProjectionOrders, projectConflictingGradients } from './pcgrad.ts';

function project(gradients: number[][], orders: number[][]): number[][] {
  return tf.tidy(() => projectConflictingGradients(gradients.map((g) => [tf.tensor1d(g)]), orders).map(([g]) => tf.keep(g!))).map((g) => {
    const values = Array.from(g.dataSync());
    g.dispose();
    return values;
  });
}

const assertClose = (actual: readonly number[], expected: readonly number[], message?: string): void => assertAllClose(actual, expected, 1e-6, message);

const tasks = [
  { name: 'a', type: 'binary' as const, staticWeight: 1 },
  { name: 'b', type: 'binary' as const, staticWeight: 1 },
  { name: 'c', type: 'regression' as const, staticWeight: 1 },
];

describe('pcgrad', () => {
  before(async () => {
    await selectBackend();
  });

  it('projects conflicting gradients off each other (worked by hand)', () => {
    // g1·g2 = −1 < 0. g1 − (−1/2)·g2 = [0.5, 0.5]; g2 − (−1/1)·g1 = [0, 1]; sum [0.5, 1.5].
    const [p1, p2] = project(
      [
        [1, 0],
        [-1, 1],
      ],
      [[1], [0]],
    );
    assertClose(p1!, [0.5, 0.5], 'g1');
    assertClose(p2!, [0, 1], 'g2');
    assert.ok(Math.abs(p1![0]! * -1 + p1![1]! * 1) < 1e-6, 'projected g1 is orthogonal to the original g2');
  });

  it('leaves non-conflicting and zero gradients unchanged', () => {
    const [p1, p2] = project(
      [
        [1, 0],
        [1, 1],
      ],
      [[1], [0]],
    );
    assertClose(p1!, [1, 0]);
    assertClose(p2!, [1, 1]);
    const [q1, q2] = project(
      [
        [1, 2],
        [0, 0],
      ],
      [[1], [0]],
    );
    assertClose(q1!, [1, 2]);
    assertClose(q2!, [0, 0]);
  });

  it('projects against the original gradients, in the order given', () => {
    // g0 = [1, 0], g1 = [−1, 1], g2 = [0, −1]. g0 in order [1, 2]: g0·g1 = −1 → g0 + ½·g1 = [0.5, 0.5]; then
    // [0.5, 0.5]·g2 = −0.5 → + 0.5·g2 = [0.5, 0]. In order [2, 1]: g0·g2 = 0, no change; then against g1 → [0.5, 0.5].
    // g1 in order [0, 2]: g1·g0 = −1 → g1 + g0 = [0, 1] (the original g0, not its projection); ·g2 = −1 → [0, 0].
    const gradients = [
      [1, 0],
      [-1, 1],
      [0, -1],
    ];
    const [a0, a1] = project(gradients, [[1, 2], [0, 2], [0, 1]]);
    assertClose(a0!, [0.5, 0]);
    assertClose(a1!, [0, 0]);
    const [b0] = project(gradients, [[2, 1], [0, 2], [0, 1]]);
    assertClose(b0!, [0.5, 0.5]);
  });

  it('draws a seeded order of the other tasks per step', () => {
    const orders = drawProjectionOrders(4, 42, 7);
    orders.forEach((order, i) => assert.deepEqual([...order].sort(), [0, 1, 2, 3].filter((j) => j !== i)));
    assert.deepEqual(drawProjectionOrders(4, 42, 7), orders);
    const steps = Array.from({ length: 20 }, (_, step) => JSON.stringify(drawProjectionOrders(4, 42, step)));
    assert.ok(new Set(steps).size > 1, 'orders change between steps');
  });

  it('combines: shared variables projected then summed, others summed plainly, shapes kept', () => {
    const before = tf.memory().numTensors;
    const grads: NamedGradients[] = [
      { shared: tf.tensor2d([[1], [0]]), tower: tf.tensor1d([1, 2]) },
      { shared: tf.tensor2d([[-1], [1]]), tower: tf.tensor1d([3, -5]) },
    ];
    const out = tf.tidy(() => {
      const combined = combineProjectedGradients(grads, new Set(['shared']), [[1], [0]]);
      return { shared: tf.keep(combined.shared!), tower: tf.keep(combined.tower!) };
    });
    assert.deepEqual(out.shared.shape, [2, 1]);
    assertClose(Array.from(out.shared.dataSync()), [0.5, 1.5]);
    assertClose(Array.from(out.tower.dataSync()), [4, -3]);
    tf.dispose([out.shared, out.tower, grads.flatMap((g) => Object.values(g))]);
    assert.equal(tf.memory().numTensors, before);
  });

  it('projects the whole shared gradient: dot products run over every shared variable together', () => {
    // The worked example above split over two variables: g1 = (a [1], b [0]), g2 = (a [−1], b [1]). Over the whole
    // vector g1·g2 = −1 → a [0.5], b [1.5]; projecting each variable on its own would give a [0], b [1].
    const before = tf.memory().numTensors;
    const grads: NamedGradients[] = [
      { a: tf.tensor1d([1]), b: tf.tensor1d([0]) },
      { a: tf.tensor1d([-1]), b: tf.tensor1d([1]) },
    ];
    const [a, b] = tf.tidy(() => {
      const combined = combineProjectedGradients(grads, new Set(['a', 'b']), [[1], [0]]);
      return [Array.from(combined.a!.dataSync()), Array.from(combined.b!.dataSync())];
    });
    assertClose(a!, [0.5]);
    assertClose(b!, [1.5]);
    tf.dispose(grads.flatMap((g) => Object.values(g)));
    assert.equal(tf.memory().numTensors, before);
  });

  it('keeps weight 1, sums the losses, and a restored step counter continues the same orders', () => {
    const params = modelSchema.parse({ weighting: 'pcgrad' });
    const grads: NamedGradients[] = [
      { w: tf.tensor1d([1, 0, 2]) },
      { w: tf.tensor1d([-1, 1, -1]) },
      { w: tf.tensor1d([0, -2, 1]) },
    ];
    const shared = new Set(['w']);
    const run = (weighting: ReturnType<typeof createPcGradWeighting>): number[] =>
      tf.tidy(() => Array.from(weighting.combineGradients!({ taskGradients: grads, shared, losses: [1, 1, 1] }).w!.dataSync()));
    const straight = createPcGradWeighting(tasks, params);
    const sequence = Array.from({ length: 6 }, () => run(straight));
    const first = createPcGradWeighting(tasks, params);
    for (let i = 0; i < 3; i++) run(first);
    const resumed = createPcGradWeighting(tasks, params);
    resumed.restoreState(JSON.parse(JSON.stringify(first.saveState())));
    assert.deepEqual(resumed.saveState(), { step: 3 });
    assert.deepEqual(Array.from({ length: 3 }, () => run(resumed)), sequence.slice(3));
    assert.throws(() => resumed.restoreState({ weights: [1, 1, 1] }), { name: 'TandemError' });
    assert.deepEqual(straight.effectiveWeights(), { a: 1, b: 1, c: 1 });
    const loss = tf.tidy(() => straight.combineLosses([tf.scalar(1), tf.scalar(2), tf.scalar(0.5)]).dataSync()[0]);
    assert.equal(loss, 3.5);
    tf.dispose(grads.map((g) => g.w!));
  });

  for (const arch of ['shared-bottom', 'single'] as const) {
    it(`${arch}: trains 3 epochs to finite metrics, resumes exactly and leaks nothing`, async () => {
      const weights = await checkWeightingTraining({ weighting: 'pcgrad', arch });
      for (const epoch of weights) assert.deepEqual(epoch, { buy: 1, xsell: 1, spend: 1 });
    });
  }
});
