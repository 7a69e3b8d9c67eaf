import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { modelSchema } from '../../config/schema.ts';
import { checkWeightingTraining } from '../../../test/helpers/check-weighting-training.ts';
import { selectBackend } from '../backend.ts';
import { combineWeightedGradients, computeGradNormUpdate, computeTaskGradientNorms, createGradNormWeighting, gradNormWeightFloor } from './gradnorm.ts';
import type { NamedGradients } from './loss-weighting.ts';

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

function assertClose(actual: readonly number[], expected: readonly number[], tolerance = 1e-9): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => assert.ok(Math.abs(value - (expected[i] as number)) <= tolerance, `[${i}]: ${value} vs ${expected[i]}`));
}

const twoTasks = [
  { name: 'big', type: 'regression' as const, staticWeight: 1 },
  { name: 'small', type: 'binary' as const, staticWeight: 1 },
];

describe('gradnorm', () => {
  before(async () => {
    await selectBackend();
  });

  it('takes one step as worked by hand', () => {
    // G = [2, 1], Ḡ = 1.5; L̃ = [0.5, 1], mean 0.75, r = [2/3, 4/3]; α = 1 → targets [1, 2]; L_grad = 1 + 1 = 2.
    // w − 0.1·sign(G − target)·‖∇L‖ = [1 − 0.2, 1 + 0.1] = [0.8, 1.1], renormalised to Σ = 2: · 2/1.9.
    const update = computeGradNormUpdate({ weights: [1, 1], gradientNorms: [2, 1], losses: [0.5, 1], initialLosses: [1, 1], alpha: 1, learningRate: 0.1 });
    assertClose(update.weightedNorms, [2, 1]);
    assertClose(update.targets, [1, 2]);
    assert.equal(update.gradNormLoss, 2);
    assertClose(update.weights, [(0.8 * 2) / 1.9, (1.1 * 2) / 1.9]);
  });

  it('drives gradient norms 10× apart towards equal weighted norms, keeping Σw = K', () => {
    let weights = [1, 1];
    const ratios: number[] = [];
    for (let step = 0; step < 300; step++) {
      weights = computeGradNormUpdate({ weights, gradientNorms: [10, 1], losses: [0.4, 0.4], initialLosses: [0.7, 0.7], alpha: 1.5, learningRate: 0.005 }).weights;
      assert.ok(Math.abs(sum(weights) - 2) < 1e-9, `Σw = ${sum(weights)}`);
      ratios.push((10 * (weights[0] as number)) / (weights[1] as number));
    }
    // The sign steps oscillate around the balance point; over the last 100 steps the ratio stays near 1.
    const late = ratios.slice(-100);
    assert.ok(Math.min(...late) > 0.5 && Math.max(...late) < 2, `late ratios in [${Math.min(...late)}, ${Math.max(...late)}]`);
    assert.ok(Math.abs(Math.log(sum(late) / late.length)) < Math.log(1.5), `mean late ratio ${sum(late) / late.length}`);
    assert.ok((weights[0] as number) < 0.5 && (weights[1] as number) > 1.5, `weights ${weights}`);
  });

  it('pushes the slower-learning task up when norms are equal', () => {
    // Task 0 has kept its initial loss, task 1 halved it: task 0 is behind, so its target is higher.
    const update = computeGradNormUpdate({ weights: [1, 1], gradientNorms: [1, 1], losses: [1, 0.5], initialLosses: [1, 1], alpha: 1.5, learningRate: 0.025 });
    assert.ok((update.weights[0] as number) > 1 && (update.weights[1] as number) < 1, `${update.weights}`);
  });

  it('never gives NaN when a task has no labelled row (L(0) = 0, loss 0, zero gradient)', () => {
    const cases = [
      { gradientNorms: [0, 1], losses: [0, 0.5], initialLosses: [0, 0.7] },
      { gradientNorms: [0, 0], losses: [0, 0], initialLosses: [0, 0] },
      { gradientNorms: [0, 2], losses: [0, 0], initialLosses: [0.5, 0.5] },
      { gradientNorms: [1, 2], losses: [0.3, 0.4], initialLosses: [0, 0.5] },
    ];
    for (const args of cases) {
      const update = computeGradNormUpdate({ weights: [1, 1], alpha: 1.5, learningRate: 0.025, ...args });
      for (const value of [...update.weights, ...update.targets, update.gradNormLoss]) assert.ok(Number.isFinite(value), `${JSON.stringify(args)} → ${JSON.stringify(update)}`);
      assert.ok(Math.abs(sum(update.weights) - 2) < 1e-9);
    }
    // A weight pushed below the floor is clipped there before renormalising.
    const clipped = computeGradNormUpdate({ weights: [0.01, 1.99], gradientNorms: [100, 0], losses: [1, 1], initialLosses: [1, 1], alpha: 1, learningRate: 1 });
    assertClose(clipped.weights, [(gradNormWeightFloor * 2) / (gradNormWeightFloor + 1.99), (1.99 * 2) / (gradNormWeightFloor + 1.99)]);
  });

  it('measures norms over the shared variables (or all when none) and weights gradients', () => {
    const before = tf.memory().numTensors;
    const grads: NamedGradients[] = [
      { shared: tf.tensor1d([3, 4]), tower: tf.tensor1d([12, 0]) },
      { shared: tf.tensor1d([0, 1]), tower: tf.tensor1d([0, 0]) },
    ];
    assertClose(computeTaskGradientNorms(grads, new Set(['shared'])), [5, 1], 1e-6);
    assertClose(computeTaskGradientNorms(grads, new Set()), [13, 1], 1e-6);
    const combined = tf.tidy(() => Object.fromEntries(Object.entries(combineWeightedGradients(grads, [0.5, 2])).map(([name, g]) => [name, Array.from(g.dataSync())])));
    assert.deepEqual(combined, { shared: [1.5, 4], tower: [6, 0] });
    tf.dispose(grads.flatMap((g) => Object.values(g)));
    assert.equal(tf.memory().numTensors, before);
  });

  it('as a strategy: applies the weights before the update, takes L(0) from the first labelled batch, and resumes exactly', () => {
    const params = modelSchema.parse({ weighting: 'gradnorm' });
    const grads: NamedGradients[] = [{ w: tf.tensor1d([10, 0]) }, { w: tf.tensor1d([0, 1]) }];
    const shared = new Set(['w']);
    const lossAt = (step: number): number[] => [2 * 0.99 ** step, step === 0 ? 0 : 0.5 * 0.9 ** step];
    const run = (weighting: ReturnType<typeof createGradNormWeighting>, step: number): { applied: number[]; weights: number[] } => {
      const weights = Object.values(weighting.effectiveWeights());
      const applied = tf.tidy(() => Array.from(weighting.combineGradients!({ taskGradients: grads, shared, losses: lossAt(step) }).w!.dataSync()));
      return { applied, weights };
    };
    const straight = createGradNormWeighting(twoTasks, params);
    const first = run(straight, 0);
    assert.deepEqual(first.applied, [10, 1], 'the first step applies w = 1');
    // Task 'small' had no labelled row in the first batch: its L(0) waits for its first loss.
    assert.deepEqual(straight.saveState().initialLosses, [2, 0]);
    const sequence = [first, ...Array.from({ length: 7 }, (_, i) => run(straight, i + 1))];
    assert.deepEqual(straight.saveState().initialLosses, [2, 0.45]);
    sequence.forEach(({ applied, weights }) => assertClose(applied, [10 * (weights[0] as number), weights[1] as number], 1e-5));
    const finalWeights = Object.values(straight.effectiveWeights());
    assert.ok(Math.abs(sum(finalWeights) - 2) < 1e-9 && (finalWeights[0] as number) < 1, `weights ${finalWeights}`);
    // The reported loss is the one the step minimised: Σ w_k L_k with the weights the step applied.
    const last = sequence.at(-1)!.weights;
    const reported = tf.tidy(() => straight.combineLosses([tf.scalar(1), tf.scalar(1)]).dataSync()[0] as number);
    assert.ok(Math.abs(reported - sum(last)) < 1e-5);

    const stopped = createGradNormWeighting(twoTasks, params);
    for (let step = 0; step < 4; step++) run(stopped, step);
    const resumed = createGradNormWeighting(twoTasks, params);
    resumed.restoreState(JSON.parse(JSON.stringify(stopped.saveState())));
    assert.deepEqual(resumed.saveState(), stopped.saveState());
    assert.throws(() => createGradNormWeighting(twoTasks, params).restoreState({ weights: [1, 1, 1], initialLosses: [1, 1, 1] }), { name: 'TandemError' });
    assert.deepEqual(
      Array.from({ length: 4 }, (_, i) => run(resumed, i + 4)),
      sequence.slice(4),
    );
    tf.dispose(grads.map((g) => g.w!));
  });

  for (const arch of ['shared-bottom', 'single'] as const) {
    it(`${arch}: trains 3 epochs to finite metrics with learned weights (Σ = K), resumes exactly and leaks nothing`, async () => {
      const history = await checkWeightingTraining({ weighting: 'gradnorm', arch });
      for (const weights of history) assert.ok(Math.abs(sum(Object.values(weights)) - 3) < 1e-6, `Σw ${JSON.stringify(weights)}`);
      assert.ok(
        history.some((weights) => Object.values(weights).some((w) => Math.abs(w - 1) > 1e-3)),
        'the weights moved from 1',
      );
    });
  }
});
