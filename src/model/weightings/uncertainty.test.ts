import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { featuresSchema, modelSchema, selectionSchema, type TaskSpec } from '../../config/schema.ts';
import type { DatasetSplits, LabelledRow } from '../../data/labelled-row.ts';
import { createSeededRandom } from '../../random/seeded-random.ts';
import { trainCandidate } from '../../train/train-candidate.ts';
import { disposeTrainingState } from '../../train/training-state.ts';
import { checkWeightingTraining } from '../../../test/helpers/check-weighting-training.ts';
import { selectBackend } from '../backend.ts';
import { combineUncertaintyLosses, createUncertaintyWeighting, uncertaintyWeight } from './uncertainty.ts';

const params = modelSchema.parse({ weighting: 'uncertainty' });
const twoTasks = [
  { name: 'clean', type: 'regression' as const, staticWeight: 1 },
  { name: 'noisy', type: 'regression' as const, staticWeight: 1 },
];

function close(actual: number, expected: number, tolerance = 1e-5): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);
}

/** Two regression tasks on the same features: `clean` almost exactly linear, `noisy` mostly noise. */
function noisySplits(rows: number): DatasetSplits {
  const random = createSeededRandom(5);
  const all: LabelledRow[] = Array.from({ length: rows }, (_, i) => {
    const a = random.normal();
    const b = random.normal();
    return {
      id: `c${i}`,
      line: i + 2,
      features: { a: a.toFixed(4), b: b.toFixed(4) },
      labels: { clean: 3 * a - 2 * b + 0.05 * random.normal(), noisy: a + 4 * random.normal() },
    };
  });
  const fifth = Math.floor(rows / 5);
  return { test: all.slice(0, fifth), validation: all.slice(fifth, 2 * fifth), train: all.slice(2 * fifth) };
}

const regressionTasks: TaskSpec[] = twoTasks.map(({ name }) => ({ name, type: 'regression', label: { column: name }, auxiliary: false }));

describe('uncertainty', () => {
  before(async () => {
    await selectBackend();
  });

  it('combines Σ 0.5·exp(−s_k)·L_k + 0.5·s_k, with weights 0.5·exp(−s_k) and gradient 0.5 − 0.5·exp(−s_k)·L_k', () => {
    const before = tf.memory().numTensors;
    const weighting = createUncertaintyWeighting(twoTasks, params);
    try {
      // Fresh: s = 0, every weight 0.5, and L = 0.5·(2 + 0.5).
      assert.deepEqual(weighting.effectiveWeights(), { clean: 0.5, noisy: 0.5 });
      const fresh = tf.tidy(() => weighting.combineLosses([tf.scalar(2), tf.scalar(0.5)]).dataSync()[0] as number);
      close(fresh, 1.25);

      weighting.restoreState({ logVariances: [0.3, -0.7] });
      const expected = 0.5 * Math.exp(-0.3) * 2 + 0.5 * 0.3 + 0.5 * Math.exp(0.7) * 0.5 + 0.5 * -0.7; // ≈ 1.0443
      const combined = tf.tidy(() => weighting.combineLosses([tf.scalar(2), tf.scalar(0.5)]).dataSync()[0] as number);
      close(combined, expected);
      close(combined, 1.0443, 1e-4);
      const weights = weighting.effectiveWeights();
      close(weights.clean ?? NaN, 0.5 * Math.exp(-0.3), 1e-7);
      close(weights.noisy ?? NaN, 0.5 * Math.exp(0.7), 1e-7);
      assert.equal(uncertaintyWeight(0), 0.5);

      const { value, grads } = tf.variableGrads(() => combineUncertaintyLosses([tf.scalar(2), tf.scalar(0.5)], weighting.variables), [...weighting.variables]);
      const gradients = weighting.variables.map((v) => grads[v.name]?.dataSync()[0] as number);
      close(gradients[0] as number, 0.5 - 0.5 * Math.exp(-0.3) * 2);
      close(gradients[1] as number, 0.5 - 0.5 * Math.exp(0.7) * 0.5);
      tf.dispose([value, Object.values(grads)]);
    } finally {
      weighting.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('gives each instance its own variable names, saves and restores s_k exactly, and refuses a foreign state', () => {
    const before = tf.memory().numTensors;
    const a = createUncertaintyWeighting(twoTasks, params);
    const b = createUncertaintyWeighting(twoTasks, params);
    try {
      const names = [...a.variables, ...b.variables].map((v) => v.name);
      assert.equal(new Set(names).size, 4, names.join(', '));
      assert.ok(a.variables.every((v) => v.trainable));
      a.variables.forEach((v, k) => tf.tidy(() => v.assign(tf.scalar([0.25, -1.5][k] as number))));
      const saved = JSON.parse(JSON.stringify(a.saveState())) as ReturnType<typeof a.saveState>;
      assert.deepEqual(saved, { logVariances: [0.25, -1.5] });
      b.restoreState(saved);
      assert.deepEqual(b.effectiveWeights(), a.effectiveWeights());
      const losses = [1.7, 0.3];
      const combine = (w: typeof a): number => tf.tidy(() => w.combineLosses(losses.map((l) => tf.scalar(l))).dataSync()[0] as number);
      assert.equal(combine(b), combine(a));
      assert.throws(() => b.restoreState({ logVariances: [1] }), { name: 'TandemError' });
      assert.throws(() => b.restoreState({}), { name: 'TandemError' });
    } finally {
      a.dispose();
      b.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('learns a larger variance (a smaller weight) for the noisier task, and a resumed run continues exactly', async () => {
    const splits = noisySplits(600);
    const args = {
      splits,
      featureColumns: ['a', 'b'],
      tasks: regressionTasks,
      params: modelSchema.parse({ weighting: 'uncertainty', sharedUnits: [16], towerUnits: [8], epochs: 8, patience: 20, batchSize: 32, learningRate: 0.03, dropout: 0 }),
      features: featuresSchema.parse({}),
      selection: selectionSchema.parse({}),
    };
    const before = tf.memory().numTensors;
    const straight = await trainCandidate(args);
    const first = await trainCandidate({ ...args, untilEpoch: 2, keepState: true });
    const resumed = await trainCandidate({ ...args, resume: first.training.state!, untilEpoch: 8 });
    try {
      const { history } = straight.training;
      const last = history.at(-1)?.taskWeights ?? {};
      // Seen: clean ≈ 3 (s ≈ −1.8, still falling towards log L ≈ −6), noisy ≈ 0.55 (s ≈ log L ≈ −0.1).
      assert.ok((last.noisy ?? NaN) < (last.clean ?? NaN) / 2, `weights ${JSON.stringify(last)}`);
      assert.ok((last.clean ?? 0) > 1, `clean weight ${last.clean}`);
      const noisyLogVariance = -Math.log(2 * (last.noisy ?? NaN));
      const noisyLoss = history.at(-1)?.taskLosses?.noisy ?? NaN;
      assert.ok(Math.abs(noisyLogVariance - Math.log(noisyLoss)) < 0.25, `s_noisy ${noisyLogVariance} vs log L ${Math.log(noisyLoss)}`);

      // The checkpoint holds s_k, and they are the weights epoch 2 recorded.
      const saved = first.training.state?.weighting?.logVariances as number[];
      twoTasks.forEach(({ name }, k) => close(uncertaintyWeight(saved[k] as number), first.training.history[1]?.taskWeights?.[name] ?? NaN, 1e-9));
      resumed.training.history.forEach((record, i) => {
        const other = history[i]!;
        // The objective crosses 0 as s_k go negative, so float32 rounding (Adam rebuilds β^t on resume) is absolute here.
        close(record.trainLoss, other.trainLoss, 1e-5);
        for (const task of ['clean', 'noisy']) close(record.taskWeights?.[task] ?? NaN, other.taskWeights?.[task] ?? NaN, 1e-5);
      });
      for (const task of ['clean', 'noisy']) {
        const [a, b] = [resumed.metrics.test.tasks[task], straight.metrics.test.tasks[task]];
        assert.ok(a?.type === 'regression' && b?.type === 'regression');
        close(a.rmse ?? NaN, b.rmse ?? NaN, 1e-4 * (b.rmse ?? 1));
      }
    } finally {
      for (const candidate of [straight, first, resumed]) {
        candidate.network.training.dispose();
        candidate.network.serving.dispose();
      }
      disposeTrainingState(first.training.state);
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  for (const arch of ['shared-bottom', 'single'] as const) {
    it(`${arch}: trains 3 epochs with weights in every record, resumes exactly and leaks nothing`, async () => {
      const history = await checkWeightingTraining({ weighting: 'uncertainty', arch });
      assert.ok(history.some((weights) => Object.values(weights).some((w) => Math.abs(w - 0.5) > 1e-3)), 'the weights moved from 0.5');
    });
  }
});
