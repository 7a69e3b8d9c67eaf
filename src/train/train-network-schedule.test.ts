import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { modelSchema, type ModelConfig } from '../config/schema.ts';
import { selectBackend } from '../model/backend.ts';
import { buildNetwork } from '../model/build-network.ts';
import { createSeededRandom } from '../random/seeded-random.ts';
import type { EncodedSplit } from './encoded-split.ts';
import { trainNetwork, type TrainNetworkResult } from './train-network.ts';
import { disposeTrainingState, type TrainingState } from './training-state.ts';
import type { TrainTask } from './train-task.ts';

const width = 8;
const tasks: TrainTask[] = [
  { name: 'buy', type: 'binary', units: 1, loss: 'bce', weight: 1, auxiliary: false },
  { name: 'spend', type: 'regression', units: 1, loss: 'mse', weight: 1, auxiliary: false },
];

/** `rows` seeded rows: one binary and one regression label from the first two features. */
function split(rows: number, seed: number): EncodedSplit {
  const random = createSeededRandom(seed);
  const x = Float32Array.from({ length: rows * width }, () => random.normal());
  const buy = Float32Array.from({ length: rows }, (_, i) => (random.next() < 1 / (1 + Math.exp(-2 * (x[i * width] as number))) ? 1 : 0));
  const spend = Float32Array.from({ length: rows }, (_, i) => 2 * (x[i * width + 1] as number) + random.normal());
  return { rows, width, x, labels: { buy, spend }, ids: Array.from({ length: rows }, (_, i) => String(i)) };
}

const train = split(600, 1);
const validation = split(200, 2);

async function run(overrides: Partial<ModelConfig>, options: { untilEpoch?: number; resume?: TrainingState; keepState?: boolean } = {}): Promise<TrainNetworkResult> {
  const params = modelSchema.parse({ arch: 'shared-bottom', sharedUnits: [16], towerUnits: [8], epochs: 4, patience: 10, batchSize: 100, seed: 3, ...overrides });
  const network = buildNetwork({ inputWidth: width, tasks, params, targetScales: { spend: { mean: 0, std: 2 } } });
  try {
    return await trainNetwork({ network, train, validation, tasks, params, targetScales: { spend: { mean: 0, std: 2 } }, scoreValidation: () => ({ combinedScore: 0.5, taskKpis: {} }), ...options });
  } finally {
    network.training.dispose();
    network.serving.dispose();
  }
}

describe('trainNetwork with a learning-rate schedule and weight decay', () => {
  before(async () => {
    await selectBackend();
  });

  it('resumes a cosine, warmed-up, decayed run exactly where the straight run is, and the settings change training', async () => {
    const settings: Partial<ModelConfig> = { lrSchedule: 'cosine', warmupEpochs: 1, weightDecay: 0.05, learningRate: 0.01 };
    const tensorsBefore = tf.memory().numTensors;
    const straight = await run(settings);
    const first = await run(settings, { untilEpoch: 2, keepState: true });
    const resumed = await run(settings, { resume: first.state as TrainingState });
    disposeTrainingState(first.state);
    assert.deepEqual(
      resumed.history.map((record) => record.trainLoss),
      straight.history.map((record) => record.trainLoss),
    );
    assert.equal(tf.memory().numTensors, tensorsBefore);

    const constant = await run({ learningRate: 0.01 });
    const cosine = await run({ learningRate: 0.01, lrSchedule: 'cosine', warmupEpochs: 1 });
    const decayed = await run({ learningRate: 0.01, weightDecay: 0.05 });
    const last = (result: TrainNetworkResult) => result.history.at(-1)?.trainLoss as number;
    assert.notEqual(last(cosine), last(constant));
    assert.notEqual(last(decayed), last(constant));
    // Warm-up starts at lr / steps, so the first epoch learns less than at the full rate.
    assert.ok((cosine.history[0]?.trainLoss as number) > (constant.history[0]?.trainLoss as number));
  });
});
