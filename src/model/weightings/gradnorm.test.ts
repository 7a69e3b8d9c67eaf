import assert from 'node:assert/strict';
import { assertAllClose, sumOf } from '../../../test/helpers/assert-all-close.ts';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { modelSchema } from '../../config/schema.ts';
import { checkWeightingTraining } from '../../../test/helpers/check-weighting-training.ts';
import { selectBackend } from '../backend.ts';
import { combineWeightedGradients, computeGradNormUpdate, computeTaskGradientNorms, createGradNormWeighting, gradNormWeightFloor, type GradNormAdamMoments } from './gradnorm.ts';
import type { NamedGradients } from './loss-weighting.ts';


const assertClose = (actual: readonly number[], expected: readonly number[], tolerance = 1e-9): void => assertAllClose(actual, expected, tolerance);

const twoTasks = [
  { name: 'big', type: 'regression' as const, staticWeight: 1 },
  { name: 'small', type: 'binary' as const, staticWeight: 1 },
];

describe('gradnorm', () => {
  before(async () => {
    await selectBackend();
  });

  it('takes Adam steps as worked by hand: lr·sign on the first, damped after the gradient flips', () => {
    // G = [2, 1], Ḡ = 1.5; L̃ = [0.5, 1], mean 0.75, r = [2/3, 4/3]; α = 1 → targets [1, 2]; L_grad = 1 + 1 = 2.
    // ∂L_grad/∂w = sign(G − target)·‖∇L‖ = [2, −1]; m = 0.1·g = [0.2, −0.1], v = 0.001·g² = [0.004, 0.001], t = 1.
    // Bias-corrected m̂ = g, v̂ = g², so the step is lr·g/|g| = lr·sign(g): w = [0.9, 1.1], already Σ = 2.
    const first = computeGradNormUpdate({ weights: [1, 1], gradientNorms: [2, 1], losses: [0.5, 1], initialLosses: [1, 1], alpha: 1, learningRate: 0.1 });
    assertClose(first.weightedNorms, [2, 1]);
    assertClose(first.targets, [1, 2]);
    assert.equal(first.gradNormLoss, 2);
    assert.deepEqual(first.weightGradients, [2, -1]);
    assertClose(first.moments.first, [0.2, -0.1]);
    assertClose(first.moments.second, [0.004, 0.001]);
    assert.equal(first.moments.step, 1);
    // ε = 1e-8 in the denominator makes the step short of lr by lr·ε/|g|: within 1e-8.
    assertClose(first.weights, [0.9, 1.1], 1e-8);

    // The same gradient again: m = [0.38, −0.19], m̂ = m/0.19 = g; v̂ = v/0.001999 = g²: again lr·sign, w = [0.8, 1.2].
    const again = computeGradNormUpdate({ weights: first.weights, gradientNorms: [2, 1], losses: [0.5, 1], initialLosses: [1, 1], alpha: 1, learningRate: 0.1, moments: first.moments });
    assertClose(again.moments.first, [0.38, -0.19]);
    assert.equal(again.moments.step, 2);
    assertClose(again.weights, [0.8, 1.2], 1e-8);

    // The rates swap instead (r = [4/3, 2/3]): G = [1.8, 1.1], targets = 1.45·r = [1.933…, 0.966…], g = [−2, 1].
    // m = 0.9·[0.2, −0.1] + 0.1·[−2, 1] = [−0.02, 0.01], m̂ = m/0.19 = [−2/19, 1/19]; v̂ = v/0.001999 = [4, 1].
    // Step = 0.1·m̂/√v̂ = [−1/190, 1/190]: a twentieth of a sign step, so w = [0.9 + 1/190, 1.1 − 1/190].
    const flipped = computeGradNormUpdate({ weights: first.weights, gradientNorms: [2, 1], losses: [1, 0.5], initialLosses: [1, 1], alpha: 1, learningRate: 0.1, moments: first.moments });
    assert.deepEqual(flipped.weightGradients, [-2, 1]);
    assertClose(flipped.moments.first, [-0.02, 0.01]);
    assertClose(flipped.weights, [0.9 + 1 / 190, 1.1 - 1 / 190], 1e-8);
    // Pure: the moments passed in are unchanged.
    assertClose(first.moments.first, [0.2, -0.1]);
  });

  /** The weights of two tasks whose gradient norms are 10× apart, after each of `steps` updates at the default rate. */
  function simulateTenfoldNorms(steps: number): number[][] {
    const { learningRate, alpha } = modelSchema.parse({ weighting: 'gradnorm' }).gradnorm;
    assert.equal(learningRate, 0.025);
    let weights = [1, 1];
    let moments: GradNormAdamMoments | undefined;
    const history: number[][] = [];
    for (let step = 0; step < steps; step++) {
      const update = computeGradNormUpdate({ weights, gradientNorms: [10, 1], losses: [0.4, 0.4], initialLosses: [0.7, 0.7], alpha, learningRate, moments });
      weights = update.weights;
      moments = update.moments;
      history.push(weights);
    }
    return history;
  }

  it('drives gradient norms 10× apart towards equal weighted norms at the default rate, keeping Σw = K', () => {
    const history = simulateTenfoldNorms(300);
    for (const weights of history) assert.ok(Math.abs(sumOf(weights) - 2) < 1e-9, `Σw = ${sumOf(weights)}`);
    const ratios = history.map((weights) => (10 * (weights[0] as number)) / (weights[1] as number));
    // Over the last 100 steps the weighted-norm ratio G_big/G_small stays near 1 (balance: w = [2/11, 20/11]).
    const late = ratios.slice(-100);
    assert.ok(Math.min(...late) >= 0.8 && Math.max(...late) <= 1.25, `late ratios in [${Math.min(...late)}, ${Math.max(...late)}]`);
    assert.ok(Math.abs(Math.log(sumOf(late) / late.length)) < Math.log(1.05), `mean late ratio ${sumOf(late) / late.length}`);
    const weights = history.at(-1)!;
    assert.ok(Math.abs((weights[0] as number) - 2 / 11) < 0.02 && Math.abs((weights[1] as number) - 20 / 11) < 0.02, `weights ${weights}`);
  });

  it('does not oscillate between the floor and a larger weight at the default rate', () => {
    // A plain step lr·sign·‖∇L‖ moved the big-norm weight by 0.25 a step and flipped it between 1e-3 and ~0.23.
    const big = simulateTenfoldNorms(300).map((weights) => weights[0] as number);
    assert.ok(Math.min(...big) > 0.1, `the big-norm weight fell to ${Math.min(...big)}`);
    const late = big.slice(-100);
    const jumps = late.slice(1).map((w, i) => Math.abs(w - (late[i] as number)));
    assert.ok(Math.max(...jumps) < 0.01, `late steps up to ${Math.max(...jumps)}`);
    assert.ok(Math.max(...late) - Math.min(...late) < 0.03, `late weights in [${Math.min(...late)}, ${Math.max(...late)}]`);
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
      for (const value of [...update.weights, ...update.targets, update.gradNormLoss, ...update.moments.first, ...update.moments.second]) assert.ok(Number.isFinite(value), `${JSON.stringify(args)} → ${JSON.stringify(update)}`);
      assert.ok(Math.abs(sumOf(update.weights) - 2) < 1e-9);
    }
    // Several steps in a row without labels stay finite too (a zero gradient gives a zero Adam step).
    let state = { weights: [1, 1], moments: undefined as GradNormAdamMoments | undefined };
    for (let step = 0; step < 5; step++) {
      const update = computeGradNormUpdate({ weights: state.weights, gradientNorms: [0, 0], losses: [0, 0], initialLosses: [0, 0], alpha: 1.5, learningRate: 0.025, moments: state.moments });
      state = { weights: update.weights, moments: update.moments };
    }
    assert.deepEqual(state.weights, [1, 1]);
    // A weight pushed below the floor is clipped there before renormalising (the first Adam step is lr·sign = 1).
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
    // 16 steps: the big-norm task's L_grad gradient flips sign at step 11, so Adam's moments matter from there on.
    const sequence = [first, ...Array.from({ length: 15 }, (_, i) => run(straight, i + 1))];
    assert.deepEqual(straight.saveState().initialLosses, [2, 0.45]);
    sequence.forEach(({ applied, weights }) => assertClose(applied, [10 * (weights[0] as number), weights[1] as number], 1e-5));
    const finalWeights = Object.values(straight.effectiveWeights());
    assert.ok(Math.abs(sumOf(finalWeights) - 2) < 1e-9 && (finalWeights[0] as number) < 1, `weights ${finalWeights}`);
    // The reported loss is the one the step minimised: Σ w_k L_k with the weights the step applied.
    const last = sequence.at(-1)!.weights;
    const reported = tf.tidy(() => straight.combineLosses([tf.scalar(1), tf.scalar(1)]).dataSync()[0] as number);
    assert.ok(Math.abs(reported - sumOf(last)) < 1e-5);

    const stopped = createGradNormWeighting(twoTasks, params);
    for (let step = 0; step < 12; step++) run(stopped, step);
    const resumed = createGradNormWeighting(twoTasks, params);
    const saved = stopped.saveState();
    // Adam's moments and step count are part of the state.
    assert.equal(saved.adamStep, 12);
    assert.ok((saved.adamFirst as number[]).every((m) => m !== 0) && (saved.adamSecond as number[]).every((v) => v > 0), JSON.stringify(saved));
    resumed.restoreState(JSON.parse(JSON.stringify(saved)));
    assert.deepEqual(resumed.saveState(), saved);
    const restore = (state: Record<string, unknown>) => () => createGradNormWeighting(twoTasks, params).restoreState({ ...saved, ...state } as typeof saved);
    assert.throws(restore({ weights: [1, 1, 1], initialLosses: [1, 1, 1] }), { name: 'TandemError' });
    assert.throws(restore({ adamFirst: [0] }), { name: 'TandemError' });
    assert.throws(restore({ adamSecond: [-1, 0] }), { name: 'TandemError' });
    for (const adamStep of [undefined, -1, 1.5, [4]]) assert.throws(restore({ adamStep }), { name: 'TandemError' });
    // Without the moments a resume would not continue exactly: fresh moments take a different step.
    const freshMoments = createGradNormWeighting(twoTasks, params);
    freshMoments.restoreState({ ...saved, adamFirst: [0, 0], adamSecond: [0, 0], adamStep: 0 });
    run(freshMoments, 12);
    const afterFresh = Object.values(freshMoments.effectiveWeights());
    assert.ok(Math.abs((afterFresh[0] as number) - (sequence[13]!.weights[0] as number)) > 1e-3, `${afterFresh} vs ${sequence[13]!.weights}`);
    assert.deepEqual(
      Array.from({ length: 4 }, (_, i) => run(resumed, i + 12)),
      sequence.slice(12),
    );
    assert.deepEqual(resumed.saveState(), straight.saveState(), 'the resumed run ends in the same weights, L(0) and moments');
    tf.dispose(grads.map((g) => g.w!));
  });

  for (const arch of ['shared-bottom', 'single'] as const) {
    it(`${arch}: trains 3 epochs to finite metrics with learned weights (Σ = K), resumes exactly and leaks nothing`, async () => {
      const history = await checkWeightingTraining({ weighting: 'gradnorm', arch });
      for (const weights of history) assert.ok(Math.abs(sumOf(Object.values(weights)) - 3) < 1e-6, `Σw ${JSON.stringify(weights)}`);
      assert.ok(
        history.some((weights) => Object.values(weights).some((w) => Math.abs(w - 1) > 1e-3)),
        'the weights moved from 1',
      );
    });
  }
});
