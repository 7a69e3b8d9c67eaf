import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { featuresSchema, modelSchema, selectionSchema, type ModelConfig } from '../../src/config/schema.ts';
import { trainCandidate, type TrainCandidateArgs, type TrainedCandidate } from '../../src/train/train-candidate.ts';
import { disposeTrainingState } from '../../src/train/training-state.ts';
import { syntheticSplits, syntheticTasks } from './synthetic-splits.ts';

const { splits, featureColumns } = syntheticSplits();

/** Small `trainCandidate` arguments on the synthetic splits (sharedUnits [8], towerUnits [4], 3 epochs). */
export function smallCandidateArgs(overrides: Partial<ModelConfig> = {}): TrainCandidateArgs {
  return {
    splits,
    featureColumns,
    tasks: syntheticTasks,
    params: modelSchema.parse({ sharedUnits: [8], towerUnits: [4], epochs: 3, patience: 10, batchSize: 64, learningRate: 0.01, dropout: 0.2, ...overrides }),
    features: featuresSchema.parse({}),
    selection: selectionSchema.parse({}),
  };
}

function disposeCandidate(candidate: TrainedCandidate): void {
  candidate.network.training.dispose();
  candidate.network.serving.dispose();
}

/**
 * Trains 3 epochs straight, and again stopped after epoch 2 and resumed, with `overrides` (a weighting strategy and
 * an architecture): asserts finite metrics, per-epoch task weights for every task, a resumed run equal to the
 * straight one (losses, scores and weights to float32 rounding), and no leaked tensors. Returns the straight run's
 * per-epoch task weights.
 */
export async function checkWeightingTraining(overrides: Partial<ModelConfig>): Promise<Record<string, number>[]> {
  const before = tf.memory().numTensors;
  const straight = await trainCandidate(smallCandidateArgs(overrides));
  const { history } = straight.training;
  try {
    assert.equal(history.length, 3);
    for (const record of history) {
      assert.ok(Number.isFinite(record.trainLoss), `epoch ${record.epoch} train loss ${record.trainLoss}`);
      for (const task of syntheticTasks) {
        assert.ok(Number.isFinite(record.taskLosses?.[task.name]), `epoch ${record.epoch} ${task.name} loss`);
        assert.ok(Number.isFinite(record.taskWeights?.[task.name]), `epoch ${record.epoch} ${task.name} weight`);
      }
    }
    const { test } = straight.metrics;
    assert.ok(test.combinedScore !== null && Number.isFinite(test.combinedScore), `combined score ${test.combinedScore}`);
    for (const task of syntheticTasks) assert.ok(Number.isFinite(test.tasks[task.name]?.auc), `${task.name} auc`);
  } finally {
    disposeCandidate(straight);
  }

  const first = await trainCandidate({ ...smallCandidateArgs(overrides), untilEpoch: 2, keepState: true });
  disposeCandidate(first);
  assert.equal(first.training.history.length, 2);
  const resumed = await trainCandidate({ ...smallCandidateArgs(overrides), resume: first.training.state!, untilEpoch: 3 });
  disposeTrainingState(first.training.state);
  disposeCandidate(resumed);
  assert.equal(resumed.training.history.length, history.length);
  resumed.training.history.forEach((record, i) => {
    const other = history[i]!;
    // Adam rebuilds β^t from the step count on resume, so runs agree to float32 rounding, not bit for bit.
    assert.ok(Math.abs(record.trainLoss - other.trainLoss) <= 1e-5 * Math.abs(other.trainLoss), `epoch ${record.epoch} loss ${record.trainLoss} vs ${other.trainLoss}`);
    assert.ok(Math.abs((record.validationScore ?? 0) - (other.validationScore ?? 0)) < 1e-4, `epoch ${record.epoch} score`);
    for (const task of syntheticTasks) {
      const [a, b] = [record.taskWeights?.[task.name] ?? NaN, other.taskWeights?.[task.name] ?? NaN];
      assert.ok(Math.abs(a - b) < 1e-4, `epoch ${record.epoch} ${task.name} weight ${a} vs ${b}`);
    }
  });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  return history.map((record) => ({ ...record.taskWeights }));
}
