import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { after, before, describe, it } from 'node:test';
import { architectures, featuresSchema, modelSchema, selectionSchema, weightingStrategies, type ModelConfig, type TaskSpec } from '../src/config/schema.ts';
import { transformRows } from '../src/features/preprocessor.ts';
import { selectBackend } from '../src/model/backend.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { FileStore } from '../src/store/file-store.ts';
import { saveCandidateAsModel } from '../src/train/train-and-save.ts';
import { trainCandidate, type TrainCandidateArgs, type TrainedCandidate } from '../src/train/train-candidate.ts';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from '../src/train/training-checkpoint.ts';
import { disposeTrainingState } from '../src/train/training-state.ts';
import type { DatasetSplits, LabelledRow } from '../src/data/labelled-row.ts';
import { syntheticSplits, syntheticTasks } from './helpers/synthetic-splits.ts';

// Every architecture × every loss-weighting strategy of SPEC §4 on one small table with masked labels (xsell is
// unlabelled on a third of the rows, and conditioned on buy so that esmm has a chain) and every task type: two
// binary tasks, a regression and a three-class task (the class of `a`, unlabelled on every fifth row).
const synthetic = syntheticSplits(240, 7);
const { featureColumns } = synthetic;
const withTier = (rows: readonly LabelledRow[]): LabelledRow[] =>
  rows.map((row, i) => {
    const a = Number(row.features.a);
    return { ...row, labels: { ...row.labels, tier: i % 5 === 0 ? null : a < -0.5 ? 0 : a < 0.5 ? 1 : 2 } };
  });
const splits: DatasetSplits = { train: withTier(synthetic.splits.train), validation: withTier(synthetic.splits.validation), test: withTier(synthetic.splits.test) };
const tasks: TaskSpec[] = [
  ...syntheticTasks.map((task) => (task.name === 'xsell' ? { ...task, conditionedOn: 'buy' } : task)),
  { name: 'tier', type: 'multiclass', label: { column: 'tier', classes: ['low', 'mid', 'high'] }, auxiliary: false },
];
const manifest = {
  datasetId: 'matrix',
  name: 'matrix',
  idColumn: null,
  featureColumns,
  tasks,
  source: { path: 'synthetic' },
} as unknown as Parameters<typeof saveCandidateAsModel>[2]['manifest'];

function args(arch: ModelConfig['arch'], weighting: ModelConfig['weighting'], extra: Partial<TrainCandidateArgs> = {}): TrainCandidateArgs {
  return {
    splits,
    featureColumns,
    tasks,
    params: modelSchema.parse({
      arch,
      weighting,
      sharedUnits: [8],
      towerUnits: [4],
      epochs: 3,
      patience: 10,
      batchSize: 64,
      learningRate: 0.01,
      dropout: 0.1,
      mmoe: { experts: 2 },
      ple: { levels: 2, sharedExperts: 1, taskExperts: 1 },
    }),
    features: featuresSchema.parse({}),
    selection: selectionSchema.parse({}),
    ...extra,
  };
}

function dispose(candidate: TrainedCandidate): void {
  candidate.network.training.dispose();
  candidate.network.serving.dispose();
}

describe('every architecture × every weighting strategy', () => {
  let dir: string;
  before(async () => {
    await selectBackend();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-matrix-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const arch of architectures) {
    for (const weighting of weightingStrategies) {
      it(`${arch} × ${weighting}: trains, leaks nothing, reloads identically, resumes exactly`, async () => {
        const tensorsBefore = tf.memory().numTensors;
        const straight = await trainCandidate(args(arch, weighting));
        const store = new FileStore(dir);
        const modelId = `${arch}-${weighting}`;
        try {
          assert.equal(straight.training.history.length, 3);
          for (const task of ['buy', 'xsell', 'spend', 'tier']) {
            const auc = straight.metrics.test.tasks[task]?.auc;
            assert.ok(auc !== null && auc !== undefined && Number.isFinite(auc), `${task} auc ${auc}`);
          }
          for (const record of straight.training.history) {
            assert.ok(Number.isFinite(record.trainLoss), `epoch ${record.epoch} loss ${record.trainLoss}`);
            assert.deepEqual(Object.keys(record.taskWeights ?? {}).sort(), ['buy', 'spend', 'tier', 'xsell']);
            for (const weight of Object.values(record.taskWeights ?? {})) assert.ok(Number.isFinite(weight) && weight >= 0);
            if (arch === 'single') assert.equal(record.gradientCosine, undefined);
            else assert.deepEqual(Object.keys(record.gradientCosine ?? {}).sort(), ['buy|spend', 'buy|tier', 'buy|xsell', 'spend|tier', 'xsell|spend', 'xsell|tier']);
          }

          // Reload from the store: identical predictions.
          await saveCandidateAsModel(store, straight, { modelId, name: 'matrix', manifest, params: args(arch, weighting).params, backend: 'wasm', createdAt: new Date(0) });
          const loaded = await loadModel(store, modelId);
          const rows = splits.test.slice(0, 16).map((row) => row.features);
          const predict = (model: tf.LayersModel): number[][] =>
            tf.tidy(() => {
              const x = tf.tensor2d(transformRows(straight.preprocessor, rows), [rows.length, straight.preprocessor.inputNames.length]);
              const out = model.predict(x);
              return (Array.isArray(out) ? out : [out]).map((t) => Array.from(t.dataSync()));
            });
          const served = predict(straight.network.serving);
          assert.ok(served.flat().every(Number.isFinite), 'finite predictions');
          assert.deepEqual(predict(loaded.network), served);
          loaded.network.dispose();

          // Stopped after epoch 2, checkpointed, resumed: the same run as straight through.
          const first = await trainCandidate(args(arch, weighting, { untilEpoch: 2, keepState: true }));
          await saveTrainingCheckpoint(store, `ckpt/${modelId}`, first.training.state!);
          disposeTrainingState(first.training.state);
          dispose(first);
          const state = await loadTrainingCheckpoint(store, `ckpt/${modelId}`);
          const resumed = await trainCandidate(args(arch, weighting, { resume: state! }));
          disposeTrainingState(state);
          try {
            // Adam rebuilds β^t from the step count on resume, so values agree to float32 rounding, not bit for bit.
            resumed.training.history.forEach((record, i) => {
              const other = straight.training.history[i]!;
              assert.ok(Math.abs(record.trainLoss - other.trainLoss) <= 1e-5 * Math.max(1, Math.abs(other.trainLoss)), `epoch ${record.epoch} loss ${record.trainLoss} vs ${other.trainLoss}`);
              for (const [task, weight] of Object.entries(other.taskWeights ?? {})) {
                assert.ok(Math.abs((record.taskWeights?.[task] ?? Number.NaN) - weight) <= 1e-5 * Math.max(1, weight), `epoch ${record.epoch} weight of ${task}`);
              }
            });
            const a = predict(resumed.network.serving).flat();
            const b = predict(straight.network.serving).flat();
            a.forEach((value, i) => assert.ok(Math.abs(value - (b[i] as number)) <= 1e-4 * Math.max(1, Math.abs(b[i] as number)), `prediction ${i}: ${value} vs ${b[i]}`));
          } finally {
            dispose(resumed);
          }
        } finally {
          dispose(straight);
        }
        assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked');
      });
    }
  }
});
