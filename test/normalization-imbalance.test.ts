import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { after, before, describe, it } from 'node:test';
import { featuresSchema, modelSchema, selectionSchema, type ModelConfig } from '../src/config/schema.ts';
import { transformRows } from '../src/features/preprocessor.ts';
import { selectBackend } from '../src/model/backend.ts';
import { buildNetwork } from '../src/model/build-network.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { computeBalancedClassWeights } from '../src/model/task-loss.ts';
import { FileStore } from '../src/store/file-store.ts';
import { saveCandidateAsModel } from '../src/train/train-and-save.ts';
import { trainCandidate, type TrainCandidateArgs, type TrainedCandidate } from '../src/train/train-candidate.ts';
import { resolveTrainTasks } from '../src/train/train-task.ts';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from '../src/train/training-checkpoint.ts';
import { disposeTrainingState } from '../src/train/training-state.ts';
import { syntheticSplits, syntheticTasks } from './helpers/synthetic-splits.ts';

// `model.normalization` and `model.imbalance` on the small masked synthetic table (two binary tasks, xsell unlabelled
// on a third of the rows, one regression): each case trains, leaks nothing, reloads identically and resumes exactly.
const { splits, featureColumns } = syntheticSplits(240, 7);
const manifest = { datasetId: 'norm', name: 'norm', idColumn: null, featureColumns, tasks: syntheticTasks, source: { path: 'synthetic' } } as unknown as Parameters<
  typeof saveCandidateAsModel
>[2]['manifest'];

function args(model: Partial<ModelConfig>, extra: Partial<TrainCandidateArgs> = {}): TrainCandidateArgs {
  return {
    splits,
    featureColumns,
    tasks: syntheticTasks,
    params: modelSchema.parse({ sharedUnits: [8], towerUnits: [4], epochs: 3, patience: 10, batchSize: 64, learningRate: 0.01, dropout: 0.1, mmoe: { experts: 2 }, ...model }),
    features: featuresSchema.parse({}),
    selection: selectionSchema.parse({}),
    ...extra,
  };
}

function dispose(candidate: TrainedCandidate): void {
  candidate.network.training.dispose();
  candidate.network.serving.dispose();
}

const predict = (candidate: TrainedCandidate, model: tf.LayersModel): number[] =>
  tf.tidy(() => {
    const rows = splits.test.slice(0, 16).map((row) => row.features);
    const x = tf.tensor2d(transformRows(candidate.preprocessor, rows), [rows.length, candidate.preprocessor.inputNames.length]);
    const out = model.predict(x);
    return (Array.isArray(out) ? out : [out]).flatMap((t) => Array.from(t.dataSync()));
  });

const cases: Partial<ModelConfig>[] = [
  { arch: 'shared-bottom', weighting: 'fixed', normalization: 'batch' },
  { arch: 'cross-stitch', weighting: 'gradnorm', normalization: 'layer' },
  { arch: 'mmoe', weighting: 'pcgrad', normalization: 'batch', imbalance: 'balanced' },
  { arch: 'single', weighting: 'uncertainty', normalization: 'layer', imbalance: 'focal', focalGamma: 1.5 },
];

describe('hidden-layer normalisation and class imbalance', () => {
  let dir: string;
  before(async () => {
    await selectBackend();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-norm-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const model of cases) {
    const label = `${model.arch} × ${model.weighting}, normalization ${model.normalization}, imbalance ${model.imbalance ?? 'none'}`;
    it(`${label}: trains, reloads identically, resumes exactly`, async () => {
      const tensorsBefore = tf.memory().numTensors;
      const straight = await trainCandidate(args(model));
      const store = new FileStore(dir);
      const modelId = label.replace(/[^a-z0-9]+/gi, '-');
      try {
        for (const task of ['buy', 'xsell', 'spend']) assert.ok(Number.isFinite(straight.metrics.test.tasks[task]?.auc), task);
        const norms = straight.network.serving.layers.filter((layer) => /_norm\d+$/.test(layer.name));
        assert.ok(norms.length > 0, 'the serving graph has normalisation layers');
        assert.ok(
          norms.every((layer) => layer.getClassName() === (model.normalization === 'batch' ? 'BatchNormalization' : 'TandemLayerNormalization')),
          'normalisation layers of the configured kind',
        );
        // Shared by name: the training graph holds the very same layer objects.
        for (const layer of norms) assert.equal(straight.network.training.getLayer(layer.name), layer);
        if (model.normalization === 'batch') {
          // The moving statistics left their initial values (0 and 1) during training and the serving graph uses them.
          const [, , movingMean, movingVariance] = (norms[0] as tf.layers.Layer).getWeights();
          assert.ok(Array.from(movingMean!.dataSync()).some((v) => Math.abs(v) > 1e-3), 'moving mean updated');
          assert.ok(Array.from(movingVariance!.dataSync()).some((v) => Math.abs(v - 1) > 1e-3), 'moving variance updated');
        }

        await saveCandidateAsModel(store, straight, { modelId, name: 'norm', manifest, params: args(model).params, backend: 'wasm', createdAt: new Date(0) });
        const loaded = await loadModel(store, modelId);
        const served = predict(straight, straight.network.serving);
        assert.ok(served.every(Number.isFinite), 'finite predictions');
        assert.deepEqual(predict(straight, loaded.network), served);
        loaded.network.dispose();

        const first = await trainCandidate(args(model, { untilEpoch: 2, keepState: true }));
        await saveTrainingCheckpoint(store, `ckpt/${modelId}`, first.training.state!);
        disposeTrainingState(first.training.state);
        dispose(first);
        const state = await loadTrainingCheckpoint(store, `ckpt/${modelId}`);
        const resumed = await trainCandidate(args(model, { resume: state! }));
        disposeTrainingState(state);
        try {
          resumed.training.history.forEach((record, i) => {
            const other = straight.training.history[i]!;
            assert.ok(Math.abs(record.trainLoss - other.trainLoss) <= 1e-5 * Math.max(1, Math.abs(other.trainLoss)), `epoch ${record.epoch} loss ${record.trainLoss} vs ${other.trainLoss}`);
          });
          const a = predict(resumed, resumed.network.serving);
          a.forEach((value, i) => assert.ok(Math.abs(value - (served[i] as number)) <= 1e-4 * Math.max(1, Math.abs(served[i] as number)), `prediction ${i}: ${value} vs ${served[i]}`));
        } finally {
          dispose(resumed);
        }
      } finally {
        dispose(straight);
      }
      assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked');
    });
  }

  it('normalisation none builds the plain stack: dense layers with their activation, no norm layers', () => {
    const heads = [{ name: 'buy', type: 'binary' as const, units: 1 }];
    const build = (normalization: ModelConfig['normalization']): string[] => {
      const network = buildNetwork({ inputWidth: 3, tasks: heads, params: args({ normalization }).params, targetScales: {} });
      const names = network.serving.layers.map((layer) => `${layer.name}:${layer.getClassName()}`);
      network.training.dispose();
      network.serving.dispose();
      return names;
    };
    assert.deepEqual(build('none').filter((name) => /_(norm|activation)\d+:/.test(name)), []);
    assert.deepEqual(
      build('layer').filter((name) => name.startsWith('shared_')),
      ['shared_dense0:Dense', 'shared_norm0:TandemLayerNormalization', 'shared_activation0:Activation'],
    );
  });
});

describe('resolveTrainTasks with model.imbalance', () => {
  // buy: 1 positive of 4 labelled rows (one unlabelled); spend is a regression.
  const labels = { buy: Float32Array.from([1, 0, 0, Number.NaN, 0]), xsell: Float32Array.from([1, 1, 0, 0, 0]), spend: Float32Array.from([1, 2, 3, 4, 5]) };
  const tasks = [...syntheticTasks.map((task) => (task.name === 'xsell' ? { ...task, loss: 'bce' as const } : task))];

  it('balanced: positives weigh n_neg / n_pos, mean weight 1 over the labelled training rows; regression untouched', () => {
    const [buy, xsell, spend] = resolveTrainTasks(tasks, {}, labels, { imbalance: 'balanced', focalGamma: 2 });
    // buy: ratio 3, mean weight (1·3 + 3·1) / 4 = 1.5.
    assert.deepEqual(buy?.lossOptions, { classWeights: { positive: 2, negative: 1 / 1.5 } });
    assert.equal(buy?.loss, 'bce');
    // xsell: ratio 1.5, mean weight (2·1.5 + 3) / 5 = 1.2.
    assert.ok(Math.abs((xsell?.lossOptions?.classWeights?.positive ?? 0) - 1.25) < 1e-12);
    assert.equal(spend?.lossOptions, undefined);
  });

  it('focal: binary tasks without a loss of their own train with focal and focalGamma', () => {
    const [buy, xsell, spend] = resolveTrainTasks(tasks, {}, labels, { imbalance: 'focal', focalGamma: 3 });
    assert.equal(buy?.loss, 'focal');
    assert.deepEqual(buy?.lossOptions, { focalGamma: 3 });
    assert.equal(xsell?.loss, 'bce', 'a task that names its loss keeps it');
    assert.equal(xsell?.lossOptions, undefined);
    assert.equal(spend?.loss, 'mse');
  });

  it('none (the default) changes nothing', () => {
    assert.deepEqual(resolveTrainTasks(tasks, {}, labels, { imbalance: 'none', focalGamma: 2 }), resolveTrainTasks(tasks, {}, labels));
    assert.ok(resolveTrainTasks(tasks, {}, labels).every((task) => task.lossOptions === undefined));
  });

  it('computeBalancedClassWeights caps the ratio at 10 and gives nothing when a class is absent', () => {
    const skewed = new Float32Array(101);
    skewed[0] = 1; // 1 positive, 100 negatives: ratio capped at 10, mean weight (10 + 100) / 101
    const weights = computeBalancedClassWeights(skewed);
    assert.ok(Math.abs((weights?.positive ?? 0) / (weights?.negative ?? 1) - 10) < 1e-9);
    assert.ok(Math.abs((weights?.negative ?? 0) - 101 / 110) < 1e-9);
    assert.equal(computeBalancedClassWeights(Float32Array.from([0, 0, Number.NaN])), undefined);
  });
});
