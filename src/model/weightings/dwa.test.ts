import assert from 'node:assert/strict';
import { assertAllClose, sumOf } from '../../../test/helpers/assert-all-close.ts';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { modelSchema } from '../../config/schema.ts';
import { checkWeightingTraining } from '../../../test/helpers/check-weighting-training.ts';
import { selectBackend } from '../backend.ts';
import { computeDwaWeights, createDwaWeighting } from './dwa.ts';


const assertClose = (actual: readonly number[], expected: readonly number[], tolerance = 1e-12): void => assertAllClose(actual, expected, tolerance);

const twoTasks = [
  { name: 'a', type: 'binary' as const, staticWeight: 1 },
  { name: 'b', type: 'regression' as const, staticWeight: 1 },
];
const params = modelSchema.parse({ weighting: 'dwa' });

/** Feeds epoch-mean losses to a strategy as `endEpoch` would. */
function feed(weighting: ReturnType<typeof createDwaWeighting>, epoch: number, [a, b]: readonly number[]): void {
  weighting.endEpoch?.({ epoch, trainLosses: { a: a as number, b: b as number }, validationKpis: { a: null, b: null } });
}

describe('dwa', () => {
  before(async () => {
    await selectBackend();
  });

  it('computes λ_k = K·softmax(r/T) as worked by hand', () => {
    // [1, 1] → [0.5, 1], T = 2: r = [0.5, 1]; λ_a = 2·e^0.25 / (e^0.25 + e^0.5) = 2 / (1 + e^0.25) ≈ 0.87565.
    const weights = computeDwaWeights([1, 1], [0.5, 1], 2);
    assertClose(weights, [2 / (1 + Math.exp(0.25)), (2 * Math.exp(0.25)) / (1 + Math.exp(0.25))]);
    assertClose(weights, [0.875647, 1.124353], 1e-6);
    // Equal ratios: equal weights whatever T; a huge T flattens, a tiny T picks the slowest task without overflow.
    assertClose(computeDwaWeights([2, 4, 8], [1, 2, 4], 0.7), [1, 1, 1]);
    assertClose(computeDwaWeights([1, 1], [0.5, 1], 1e6), [1, 1], 1e-6);
    assertClose(computeDwaWeights([1, 1], [0.5, 1], 1e-3), [0, 2], 1e-9);
    // A loss of 0 or NaN: ratio 1 ("no change"), still finite and Σ = K.
    const odd = computeDwaWeights([0, 1, Number.NaN], [1, 0.5, 1], 2);
    assert.ok(odd.every(Number.isFinite) && Math.abs(sumOf(odd) - 3) < 1e-12, `${odd}`);
    assertClose([odd[0] as number], [odd[2] as number]);
  });

  it('keeps λ = 1 for two epochs, then follows the last two epochs\' losses; combines Σ λ_k·L_k', () => {
    const before = tf.memory().numTensors;
    const weighting = createDwaWeighting(twoTasks, params);
    const combine = (losses: number[]): number => tf.tidy(() => weighting.combineLosses(losses.map((l) => tf.scalar(l))).dataSync()[0] as number);
    assert.deepEqual(weighting.effectiveWeights(), { a: 1, b: 1 });
    assert.ok(Math.abs(combine([2, 3]) - 5) < 1e-6);
    feed(weighting, 1, [1, 1]);
    assert.deepEqual(weighting.effectiveWeights(), { a: 1, b: 1 }, 'epoch 2 still trains with 1');
    feed(weighting, 2, [0.5, 1]);
    const third = 2 / (1 + Math.exp(0.25));
    assertClose(Object.values(weighting.effectiveWeights()), [third, 2 - third]);
    assert.ok(Math.abs(combine([2, 3]) - (2 * third + 3 * (2 - third))) < 1e-5);
    // [0.5, 1] → [0.25, 1.5]: r = [0.5, 1.5]; λ_a = 2 / (1 + e^0.5) ≈ 0.75508 — only the last two epochs count.
    feed(weighting, 3, [0.25, 1.5]);
    assertClose(Object.values(weighting.effectiveWeights()), [2 / (1 + Math.exp(0.5)), (2 * Math.exp(0.5)) / (1 + Math.exp(0.5))]);
    assert.equal(weighting.variables.length, 0);
    weighting.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('restores from a JSON snapshot after 0, 1 or 2 epochs and then behaves exactly like the original', () => {
    const history = [[1, 1], [0.5, 1], [0.25, 1.5], [0.3, 1.2]];
    for (let saved = 0; saved <= 2; saved++) {
      const original = createDwaWeighting(twoTasks, params);
      history.slice(0, saved).forEach((losses, i) => feed(original, i + 1, losses));
      const copy = createDwaWeighting(twoTasks, params);
      copy.restoreState(JSON.parse(JSON.stringify(original.saveState())) as ReturnType<typeof original.saveState>);
      assert.deepEqual(copy.effectiveWeights(), original.effectiveWeights(), `after ${saved} epochs`);
      history.slice(saved).forEach((losses, i) => {
        feed(original, saved + i + 1, losses);
        feed(copy, saved + i + 1, losses);
        assert.deepEqual(copy.effectiveWeights(), original.effectiveWeights(), `after ${saved} + ${i + 1} epochs`);
      });
    }
    assert.throws(() => createDwaWeighting(twoTasks, params).restoreState({ olderLosses: [1], newerLosses: [], weights: [1, 1] }), { name: 'TandemError' });
  });

  for (const arch of ['shared-bottom', 'single'] as const) {
    it(`${arch}: trains 3 epochs with weights in every record (1 until epoch 2, Σ = K), resumes exactly, leaks nothing`, async () => {
      const history = await checkWeightingTraining({ weighting: 'dwa', arch });
      assert.deepEqual(history[0], { buy: 1, xsell: 1, spend: 1 });
      for (const weights of history) assert.ok(Math.abs(sumOf(Object.values(weights)) - 3) < 1e-9, `Σλ ${JSON.stringify(weights)}`);
      assert.ok(Object.values(history[1] ?? {}).some((w) => Math.abs(w - 1) > 1e-4), `epoch 2 sets epoch 3's weights: ${JSON.stringify(history[1])}`);
    });
  }
});
