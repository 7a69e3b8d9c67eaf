import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { featuresSchema, modelSchema, selectionSchema, type ModelConfig } from '../config/schema.ts';
import { selectBackend } from '../model/backend.ts';
import { syntheticSplits, syntheticTasks } from '../../test/helpers/synthetic-splits.ts';
import { chooseThresholds, evaluatePredictions } from './evaluate-predictions.ts';
import { encodeSplit } from './encoded-split.ts';
import { predictNetwork } from './predict-network.ts';
import { trainCandidate, type TrainCandidateArgs, type TrainedCandidate } from './train-candidate.ts';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from './training-checkpoint.ts';
import { disposeTrainingState } from './training-state.ts';
import { FileStore } from '../store/file-store.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const { splits, featureColumns } = syntheticSplits();

function candidateArgs(overrides: Partial<ModelConfig> = {}): TrainCandidateArgs {
  return {
    splits,
    featureColumns,
    tasks: syntheticTasks,
    params: modelSchema.parse({ sharedUnits: [16], towerUnits: [8], epochs: 12, patience: 4, batchSize: 64, learningRate: 0.01, ...overrides }),
    features: featuresSchema.parse({}),
    selection: selectionSchema.parse({}),
  };
}

function train(overrides: Partial<ModelConfig> = {}): Promise<TrainedCandidate> {
  return trainCandidate(candidateArgs(overrides));
}

function dispose(candidate: TrainedCandidate): void {
  candidate.network.training.dispose();
  candidate.network.serving.dispose();
}

describe('trainCandidate', () => {
  before(async () => {
    await selectBackend();
  });

  for (const arch of ['shared-bottom', 'single'] as const) {
    it(`${arch}: learns every task, with masked labels, and reports SPEC §5 metrics on both splits`, async () => {
      const candidate = await train({ arch });
      try {
        const { test, validation } = candidate.metrics;
        for (const task of ['buy', 'xsell', 'spend']) assert.ok((test.tasks[task]?.auc ?? 0) > 0.8, `${task} test auc ${test.tasks[task]?.auc}`);
        const xsell = test.tasks.xsell;
        assert.ok(xsell?.type === 'binary' && xsell.rows < splits.test.length, 'unlabelled rows are left out of the metrics');
        const spend = test.tasks.spend;
        assert.ok(spend?.type === 'regression' && spend.rmse !== null && spend.rmse < 10, `spend rmse ${spend?.type === 'regression' ? spend.rmse : ''}`);
        assert.ok(validation.combinedScore !== null && test.combinedScore !== null);
        assert.equal(candidate.scoring.length, 3);
        for (const rule of candidate.scoring) assert.equal(rule.decileEdges.length, 9);
      } finally {
        dispose(candidate);
      }
    });
  }

  it('is reproducible with the same seed and differs with another', async () => {
    const a = await train({ epochs: 3 });
    const b = await train({ epochs: 3 });
    const c = await train({ epochs: 3, seed: 7 });
    try {
      assert.deepEqual(a.metrics, b.metrics);
      assert.notDeepEqual(a.metrics.test.tasks.buy, c.metrics.test.tasks.buy);
    } finally {
      [a, b, c].forEach(dispose);
    }
  });

  it('keeps the best epoch\'s weights: the returned network scores the best validation score', async () => {
    const candidate = await train({ epochs: 15, patience: 2, learningRate: 0.05 });
    try {
      const { bestEpoch, bestScore, history } = candidate.training;
      assert.ok(bestEpoch >= 1 && bestEpoch <= history.length);
      assert.equal(bestScore, Math.max(...history.map((h) => h.validationScore ?? -1)));
      if (candidate.training.stoppedEarly) assert.equal(history.length - bestEpoch, 2);
      const validation = encodeSplit(splits.validation, candidate.preprocessor, ['buy', 'xsell', 'spend']);
      const predictions = await predictNetwork(candidate.network.serving, validation.x, validation.rows, validation.width, candidate.network.outputNames);
      const rescored = evaluatePredictions(predictions, validation, candidate.tasks, chooseThresholds(predictions, validation, candidate.tasks), {});
      assert.ok(Math.abs((rescored.combinedScore ?? 0) - (bestScore ?? 0)) < 1e-9);
    } finally {
      dispose(candidate);
    }
  });

  it('resumed from a saved checkpoint, trains exactly as it would have straight through (ASHA rungs)', async () => {
    const params = { epochs: 6, patience: 10, dropout: 0.2 };
    const straight = await train(params);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-ckpt-'));
    const store = new FileStore(dir);
    try {
      const before = tf.memory().numTensors;
      const first = await trainCandidate({ ...candidateArgs(params), untilEpoch: 3, keepState: true });
      assert.equal(first.training.history.length, 3);
      await saveTrainingCheckpoint(store, 'trials/t1', first.training.state!);
      disposeTrainingState(first.training.state);
      dispose(first);
      const state = await loadTrainingCheckpoint(store, 'trials/t1');
      assert.equal(state?.progress.epochsDone, 3);
      const resumed = await trainCandidate({ ...candidateArgs(params), resume: state!, untilEpoch: 6 });
      disposeTrainingState(state);
      // Adam rebuilds β^t from the step count on resume, so losses agree to float32 rounding, not bit for bit.
      assert.equal(resumed.training.history.length, straight.training.history.length);
      resumed.training.history.forEach((record, i) => {
        const other = straight.training.history[i]!;
        assert.equal(record.epoch, other.epoch);
        assert.ok(Math.abs(record.trainLoss - other.trainLoss) < 1e-5 * Math.abs(other.trainLoss), `epoch ${record.epoch} loss`);
        assert.ok(Math.abs((record.validationScore ?? 0) - (other.validationScore ?? 0)) < 1e-4, `epoch ${record.epoch} score`);
      });
      assert.equal(resumed.training.bestEpoch, straight.training.bestEpoch);
      assert.ok(Math.abs((resumed.metrics.test.combinedScore ?? 0) - (straight.metrics.test.combinedScore ?? 0)) < 1e-4);
      dispose(resumed);
      assert.equal(tf.memory().numTensors, before);
    } finally {
      dispose(straight);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    dispose(await train({ epochs: 2 }));
    assert.equal(tf.memory().numTensors, before);
  });
});
