import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { featuresSchema, modelSchema, selectionSchema, type ModelConfig } from '../config/schema.ts';
import { selectBackend } from '../model/backend.ts';
import { syntheticSplits, syntheticTasks } from '../../test/helpers/synthetic-splits.ts';
import { chooseThresholds, evaluatePredictions } from './evaluate-predictions.ts';
import { encodeSplit } from './encoded-split.ts';
import { predictNetwork } from './predict-network.ts';
import { trainCandidate, type TrainedCandidate } from './train-candidate.ts';

const { splits, featureColumns } = syntheticSplits();

function train(overrides: Partial<ModelConfig> = {}): Promise<TrainedCandidate> {
  return trainCandidate({
    splits,
    featureColumns,
    tasks: syntheticTasks,
    params: modelSchema.parse({ sharedUnits: [16], towerUnits: [8], epochs: 12, patience: 4, batchSize: 64, learningRate: 0.01, ...overrides }),
    features: featuresSchema.parse({}),
    selection: selectionSchema.parse({}),
  });
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

  it('leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    dispose(await train({ epochs: 2 }));
    assert.equal(tf.memory().numTensors, before);
  });
});
