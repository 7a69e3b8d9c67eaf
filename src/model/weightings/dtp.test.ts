import assert from 'node:assert/strict';
import { assertAllClose, sumOf } from '../../../test/helpers/assert-all-close.ts';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { modelSchema } from '../../config/schema.ts';
import { checkWeightingTraining } from '../../../test/helpers/check-weighting-training.ts';
import { selectBackend } from '../backend.ts';
import { computeDtpWeights, createDtpWeighting, smoothTaskKpi } from './dtp.ts';


const assertClose = (actual: readonly number[], expected: readonly number[], tolerance = 1e-12): void => assertAllClose(actual, expected, tolerance);

const threeTasks = [
  { name: 'a', type: 'binary' as const, staticWeight: 1 },
  { name: 'b', type: 'binary' as const, staticWeight: 1 },
  { name: 'c', type: 'regression' as const, staticWeight: 1 },
];
const params = modelSchema.parse({ weighting: 'dtp', dtp: { gamma: 2, smoothing: 0.5 } });

/** −(1 − κ)^γ · log κ, the unnormalised DTP weight. */
const focal = (kpi: number, gamma = 2): number => -((1 - kpi) ** gamma) * Math.log(kpi);

/** Feeds one epoch's KPIs to a strategy as `endEpoch` would. */
function feed(weighting: ReturnType<typeof createDtpWeighting>, epoch: number, kpis: Record<string, number | null>): void {
  weighting.endEpoch?.({ epoch, trainLosses: { a: 1, b: 1, c: 1 }, validationKpis: kpis });
}

describe('dtp', () => {
  before(async () => {
    await selectBackend();
  });

  it('smooths the KPI: first observation as is, then smoothing·κ + (1 − smoothing)·κ̄, nulls skipped', () => {
    assert.equal(smoothTaskKpi(null, null, 0.5), null);
    assert.equal(smoothTaskKpi(null, 0.9, 0.5), 0.9);
    assertClose([smoothTaskKpi(0.9, 0.7, 0.5) as number], [0.8]);
    assertClose([smoothTaskKpi(0.9, 0.7, 0.25) as number], [0.85]);
    assert.equal(smoothTaskKpi(0.9, null, 0.5), 0.9);
    assert.equal(smoothTaskKpi(0.9, 0.7, 1), 0.7);
  });

  it('weights −(1 − κ̄)^γ·log κ̄ as worked by hand, normalised to Σ = K, with 1 where κ̄ is unknown', () => {
    // κ̄ = [0.9, 0.6], γ = 2: raw [0.01·0.10536, 0.16·0.51083] = [0.0010536, 0.0817321]; · 2 / 0.0827857.
    assertClose(computeDtpWeights([0.9, 0.6], 2), [(2 * focal(0.9)) / (focal(0.9) + focal(0.6)), (2 * focal(0.6)) / (focal(0.9) + focal(0.6))]);
    assertClose(computeDtpWeights([0.9, 0.6], 2), [0.025454, 1.974546], 1e-6);
    // A task without κ̄ keeps 1; the others share the rest of K between themselves.
    assertClose(computeDtpWeights([0.9, 0.6, null], 2), [0.025454, 1.974546, 1], 1e-6);
    assert.deepEqual(computeDtpWeights([null, null], 2), [1, 1]);
    // γ = 0: plain −log κ̄.
    assertClose(computeDtpWeights([0.5, 0.25], 0), [(2 * Math.log(2)) / Math.log(8), (2 * Math.log(4)) / Math.log(8)]);
    // κ̄ of exactly 0 or 1 is clipped to [1e−4, 1 − 1e−4]: finite, positive, the perfect task nearly 0.
    const clipped = computeDtpWeights([1, 0, 0.5], 2);
    assert.ok(clipped.every((w) => Number.isFinite(w) && w > 0) && Math.abs(sumOf(clipped) - 3) < 1e-12, `${clipped}`);
    assertClose(clipped, [3 * focal(1 - 1e-4), 3 * focal(1e-4), 3 * focal(0.5)].map((w) => w / (focal(1 - 1e-4) + focal(1e-4) + focal(0.5))));
    // γ so large that every raw weight underflows: equal weights rather than NaN.
    assert.deepEqual(computeDtpWeights([0.9, 0.99], 5000), [1, 1]);
  });

  it('follows smoothed KPI histories epoch by epoch and combines Σ w_k·L_k', () => {
    const before = tf.memory().numTensors;
    const weighting = createDtpWeighting(threeTasks, params);
    const combine = (losses: number[]): number => tf.tidy(() => weighting.combineLosses(losses.map((l) => tf.scalar(l))).dataSync()[0] as number);
    assert.deepEqual(weighting.effectiveWeights(), { a: 1, b: 1, c: 1 }, 'before any KPI');
    feed(weighting, 1, { a: 0.9, b: 0.6, c: null });
    assertClose(Object.values(weighting.effectiveWeights()), [0.025454, 1.974546, 1], 1e-6);
    // κ̄_a = 0.5·0.7 + 0.5·0.9 = 0.8, κ̄_b = 0.5·0.8 + 0.5·0.6 = 0.7: raw [0.04·0.22314, 0.09·0.35667] → [0.43512, 1.56488].
    feed(weighting, 2, { a: 0.7, b: 0.8, c: null });
    const second = [(2 * focal(0.8)) / (focal(0.8) + focal(0.7)), (2 * focal(0.7)) / (focal(0.8) + focal(0.7)), 1];
    assertClose(Object.values(weighting.effectiveWeights()), second);
    assertClose(second, [0.435121, 1.564879, 1], 1e-6);
    assert.ok(Math.abs(combine([1, 2, 3]) - (second[0]! + 2 * second[1]! + 3)) < 1e-5);
    // A task whose KPI goes missing keeps its κ̄ (and weight share); one whose KPI appears joins the normalisation.
    feed(weighting, 3, { a: null, b: 0.7, c: 0.5 });
    assertClose(Object.values(weighting.effectiveWeights()), computeDtpWeights([0.8, 0.7, 0.5], 2));
    weighting.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('restores from a JSON snapshot and then behaves exactly like the original', () => {
    const history: Record<string, number | null>[] = [
      { a: null, b: null, c: null },
      { a: 0.9, b: 0.6, c: null },
      { a: 0.7, b: 0.8, c: 0.55 },
      { a: 0.75, b: 0.85, c: 0.6 },
    ];
    for (let saved = 0; saved <= 3; saved++) {
      const original = createDtpWeighting(threeTasks, params);
      history.slice(0, saved).forEach((kpis, i) => feed(original, i + 1, kpis));
      const copy = createDtpWeighting(threeTasks, params);
      copy.restoreState(JSON.parse(JSON.stringify(original.saveState())) as ReturnType<typeof original.saveState>);
      assert.deepEqual(copy.effectiveWeights(), original.effectiveWeights(), `after ${saved} epochs`);
      history.slice(saved).forEach((kpis, i) => {
        feed(original, saved + i + 1, kpis);
        feed(copy, saved + i + 1, kpis);
        assert.deepEqual(copy.effectiveWeights(), original.effectiveWeights(), `after ${saved} + ${i + 1} epochs`);
      });
    }
    assert.throws(() => createDtpWeighting(threeTasks, params).restoreState({ kpis: [0.5, 0.5] }), { name: 'TandemError' });
  });

  for (const arch of ['shared-bottom', 'single'] as const) {
    it(`${arch}: trains 3 epochs with weights in every record (Σ = K), resumes exactly, leaks nothing`, async () => {
      const history = await checkWeightingTraining({ weighting: 'dtp', arch });
      for (const weights of history) assert.ok(Math.abs(sumOf(Object.values(weights)) - 3) < 1e-9, `Σw ${JSON.stringify(weights)}`);
      // Every synthetic task has a KPI, so the weights leave 1 after the first epoch.
      assert.ok(Object.values(history[0] ?? {}).some((w) => Math.abs(w - 1) > 1e-4), `${JSON.stringify(history[0])}`);
    });
  }
});
