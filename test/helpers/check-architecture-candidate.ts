import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { featuresSchema, modelSchema, selectionSchema, type ModelConfig } from '../../src/config/schema.ts';
import { deserializeNetwork, serializeNetwork } from '../../src/model/serialize-network.ts';
import { encodeSplit } from '../../src/train/encoded-split.ts';
import { predictNetwork } from '../../src/train/predict-network.ts';
import { trainCandidate, type TrainedCandidate } from '../../src/train/train-candidate.ts';
import { syntheticSplits, syntheticTasks } from './synthetic-splits.ts';

const { splits, featureColumns } = syntheticSplits(200);

/**
 * Trains a small candidate of an architecture (`overrides` names `arch` and its arguments) for 2 epochs on 200
 * synthetic rows and asserts: finite losses and test metrics for every task, a non-empty `sharedVariables`, a
 * serving graph that saves (`serializeNetwork`) and reloads (`deserializeNetwork`) to identical test predictions,
 * and no leaked tensors once both graphs are disposed. `inspect` adds the architecture's own checks on the trained
 * candidate before it is disposed.
 */
export async function checkArchitectureCandidate(overrides: Partial<ModelConfig>, inspect?: (candidate: TrainedCandidate) => void | Promise<void>): Promise<void> {
  const before = tf.memory().numTensors;
  const candidate = await trainCandidate({
    splits,
    featureColumns,
    tasks: syntheticTasks,
    params: modelSchema.parse({ sharedUnits: [8], towerUnits: [4], epochs: 2, patience: 10, batchSize: 32, learningRate: 0.01, dropout: 0.1, ...overrides }),
    features: featuresSchema.parse({}),
    selection: selectionSchema.parse({}),
  });
  let loaded: tf.LayersModel | undefined;
  try {
    assert.equal(candidate.training.history.length, 2);
    for (const record of candidate.training.history) assert.ok(Number.isFinite(record.trainLoss), `epoch ${record.epoch} train loss ${record.trainLoss}`);
    const { test } = candidate.metrics;
    assert.ok(test.combinedScore !== null && Number.isFinite(test.combinedScore), `combined score ${test.combinedScore}`);
    for (const task of syntheticTasks) assert.ok(Number.isFinite(test.tasks[task.name]?.auc), `${task.name} auc`);
    assert.ok(candidate.network.sharedVariables.length > 0, 'shared variables');
    await inspect?.(candidate);

    const encoded = encodeSplit(splits.test, candidate.preprocessor, candidate.network.outputNames);
    loaded = await deserializeNetwork(await serializeNetwork(candidate.network.serving));
    const predict = (model: tf.LayersModel) => predictNetwork(model, encoded.x, encoded.rows, encoded.width, candidate.network.outputNames);
    const [original, reloaded] = [await predict(candidate.network.serving), await predict(loaded)];
    for (const name of candidate.network.outputNames) {
      assert.ok((original[name] as Float32Array).every(Number.isFinite), `${name} predictions are finite`);
      assert.deepEqual(reloaded[name], original[name], `${name}: the reloaded serving graph predicts identically`);
    }
  } finally {
    loaded?.dispose();
    candidate.network.training.dispose();
    candidate.network.serving.dispose();
  }
  assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
}
