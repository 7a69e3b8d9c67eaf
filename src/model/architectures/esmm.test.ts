import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { catchBadInput, catchBadInputAsync } from '../../../test/helpers/catch-bad-input.ts';
import { syntheticSplits, syntheticTasks } from '../../../test/helpers/synthetic-splits.ts';
import { featuresSchema, modelSchema, selectionSchema, type ModelConfig, type TaskSpec } from '../../config/schema.ts';
import { encodeSplit } from '../../train/encoded-split.ts';
import { predictNetwork } from '../../train/predict-network.ts';
import { trainCandidate } from '../../train/train-candidate.ts';
import type { TaskHead } from '../architecture.ts';
import { selectBackend } from '../backend.ts';
import { buildNetwork, type MultiTaskNetwork } from '../build-network.ts';
import { deserializeNetwork, serializeNetwork } from '../serialize-network.ts';

const inputWidth = 5;
const params = (overrides: Partial<ModelConfig> = {}): ModelConfig => modelSchema.parse({ arch: 'esmm', normalization: 'none', sharedUnits: [8], towerUnits: [4], ...overrides });

function disposeNetwork(network: MultiTaskNetwork): void {
  network.training.dispose();
  network.serving.dispose();
}

/** The serving graph's outputs on `x`, per output, as arrays. */
function serve(network: MultiTaskNetwork, x: tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const out = network.serving.predict(x);
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

function assertAtMost(product: Float32Array, condition: Float32Array, what: string): void {
  product.forEach((p, i) => assert.ok(p <= (condition[i] as number), `${what}, row ${i}: ${p} > ${condition[i]}`));
}

describe('esmm', () => {
  before(async () => {
    await selectBackend();
  });

  it('serves a chain of three products, each at most its condition, on random inputs and random weights', () => {
    const before = tf.memory().numTensors;
    const heads: TaskHead[] = [
      // Out of order on purpose: a task's condition is built first whatever the order of tasks.
      { name: 'repeat', type: 'binary', units: 1, conditionedOn: 'xsell' },
      { name: 'buy', type: 'binary', units: 1 },
      { name: 'xsell', type: 'binary', units: 1, conditionedOn: 'buy' },
    ];
    for (const seed of [1, 2, 3]) {
      const network = buildNetwork({ inputWidth, tasks: heads, params: params({ seed }), targetScales: {} });
      try {
        // Large inputs push the logits to extremes, where the sigmoid saturates.
        for (const scale of [1, 30, 1000]) {
          const x = tf.randomNormal([64, inputWidth], 0, scale, 'float32', seed + scale);
          const [repeat, buy, xsell] = serve(network, x) as [Float32Array, Float32Array, Float32Array];
          x.dispose();
          for (const p of [repeat, buy, xsell]) assert.ok(p.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), 'probabilities');
          assertAtMost(xsell, buy, `seed ${seed} scale ${scale}: P(xsell) ≤ P(buy)`);
          assertAtMost(repeat, xsell, `seed ${seed} scale ${scale}: P(repeat) ≤ P(xsell)`);
        }
        assert.ok(network.serving.layers.some((layer) => layer.getClassName() === 'TandemProductLogit'));
        assert.ok(network.sharedVariables.length > 0 && network.sharedVariables.every((v) => v.name.startsWith('shared_')));
      } finally {
        disposeNetwork(network);
      }
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('serves a conditioned regression task as P(A)·c, c the conditional value from its head in label units', () => {
    const before = tf.memory().numTensors;
    const heads: TaskHead[] = [
      { name: 'buy', type: 'binary', units: 1 },
      { name: 'spend', type: 'regression', units: 1, conditionedOn: 'buy' },
    ];
    const scale = { mean: 30, std: 12 };
    const network = buildNetwork({ inputWidth, tasks: heads, params: params({ dropout: 0 }), targetScales: { spend: scale } });
    try {
      const x = tf.randomNormal([32, inputWidth], 0, 2, 'float32', 9);
      const [buy, spend] = serve(network, x) as [Float32Array, Float32Array];
      const u = tf.tidy(() => {
        const layer = (name: string, input: tf.Tensor) => network.serving.getLayer(name).apply(input) as tf.Tensor;
        return layer('spend_logit', layer('spend_tower_dense0', layer('shared_dense0', x))).dataSync();
      });
      x.dispose();
      spend.forEach((value, i) => {
        const expected = (buy[i] as number) * (scale.mean + scale.std * (u[i] as number));
        assert.ok(Math.abs(value - expected) < 1e-4 * Math.max(1, Math.abs(expected)), `row ${i}: ${value} vs P(A)·c = ${expected}`);
      });
    } finally {
      disposeNetwork(network);
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('without a conditioned task is a BadInputError, from buildNetwork and from trainCandidate, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const error = catchBadInput(() => buildNetwork({ inputWidth, tasks: [{ name: 'buy', type: 'binary', units: 1 }], params: params(), targetScales: {} }));
    assert.match(error.message, /esmm needs a task with "conditionedOn"/);
    assert.equal(error.exitCode, 2);
    const { splits, featureColumns } = syntheticSplits(60);
    const trainError = await catchBadInputAsync(() =>
      trainCandidate({ splits, featureColumns, tasks: syntheticTasks, params: params({ epochs: 1 }), features: featuresSchema.parse({}), selection: selectionSchema.parse({}) }),
    );
    assert.match(trainError.message, /"conditionedOn"/);
    const multiclass = catchBadInput(() =>
      buildNetwork({ inputWidth, tasks: [{ name: 'buy', type: 'binary', units: 1 }, { name: 'plan', type: 'multiclass', units: 3, conditionedOn: 'buy' }], params: params(), targetScales: {} }),
    );
    assert.match(multiclass.message, /multiclass/);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('trains 2 epochs to finite metrics, serves products at most their condition, and reloads identically', async () => {
    const { splits, featureColumns } = syntheticSplits(200);
    const tasks: TaskSpec[] = syntheticTasks.map((task) => (task.name === 'buy' ? task : { ...task, conditionedOn: 'buy' }));
    const before = tf.memory().numTensors;
    const candidate = await trainCandidate({
      splits,
      featureColumns,
      tasks,
      params: params({ epochs: 2, patience: 10, batchSize: 32, learningRate: 0.01, dropout: 0.1 }),
      features: featuresSchema.parse({}),
      selection: selectionSchema.parse({}),
    });
    let loaded: tf.LayersModel | undefined;
    try {
      assert.equal(candidate.training.history.length, 2);
      for (const record of candidate.training.history) assert.ok(Number.isFinite(record.trainLoss), `epoch ${record.epoch} loss ${record.trainLoss}`);
      const { test } = candidate.metrics;
      assert.ok(test.combinedScore !== null && Number.isFinite(test.combinedScore));
      for (const task of tasks) assert.ok(Number.isFinite(test.tasks[task.name]?.auc), `${task.name} auc`);

      const names = candidate.network.outputNames;
      const encoded = encodeSplit(splits.test, candidate.preprocessor, names);
      const predict = (model: tf.LayersModel) => predictNetwork(model, encoded.x, encoded.rows, encoded.width, names);
      const original = await predict(candidate.network.serving);
      assertAtMost(original.xsell as Float32Array, original.buy as Float32Array, 'trained: P(xsell) ≤ P(buy)');
      loaded = await deserializeNetwork(await serializeNetwork(candidate.network.serving));
      const reloaded = await predict(loaded);
      for (const name of names) assert.deepEqual(reloaded[name], original[name], `${name}: the reloaded serving graph predicts identically`);
    } finally {
      loaded?.dispose();
      disposeNetwork(candidate.network);
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });
});
