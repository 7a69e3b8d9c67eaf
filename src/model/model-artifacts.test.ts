import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { after, before, describe, it } from 'node:test';
import { featuresSchema, modelSchema, selectionSchema } from '../config/schema.ts';
import { FileStore } from '../store/file-store.ts';
import { trainCandidate } from '../train/train-candidate.ts';
import { syntheticSplits, syntheticTasks } from '../../test/helpers/synthetic-splits.ts';
import { selectBackend } from './backend.ts';
import { loadModel, saveModel } from './model-artifacts.ts';
import { describeFeatures, type ModelCard } from './model-card.ts';
import { transformRows } from '../features/preprocessor.ts';

describe('model artifacts', () => {
  let dir: string;
  before(async () => {
    await selectBackend();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-model-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('saves model.json + weights.bin that plain tfjs loads, and loads back to identical predictions', async () => {
    const { splits, featureColumns } = syntheticSplits(200);
    const params = modelSchema.parse({ sharedUnits: [8], towerUnits: [4], epochs: 2 });
    const candidate = await trainCandidate({ splits, featureColumns, tasks: syntheticTasks, params, features: featuresSchema.parse({}), selection: selectionSchema.parse({}) });
    const store = new FileStore(dir);
    const card: ModelCard = {
      modelId: 'm1', name: 'test', createdAt: new Date(0).toISOString(), datasetId: 'd1', idColumn: null, backend: 'cpu',
      tasks: candidate.scoring, features: describeFeatures(candidate.preprocessor),
      training: { params, epochsRun: 2, bestEpoch: 2, stoppedEarly: false, seconds: 0, samplesPerSecond: 0 }, metrics: candidate.metrics,
    };
    try {
      await saveModel(store, { card, network: candidate.network.serving, preprocessor: candidate.preprocessor, metrics: { ...candidate.metrics, history: [] } });
      const rows = splits.test.slice(0, 5).map((row) => row.features);
      const x = tf.tensor2d(transformRows(candidate.preprocessor, rows), [5, candidate.preprocessor.inputNames.length]);
      const expected = (candidate.network.serving.predict(x) as tf.Tensor[]).map((t) => Array.from(t.dataSync()));

      // Plain tfjs, from the two files alone, with no Tandem code.
      const folder = path.join(dir, 'models', 'm1');
      const modelJson = JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
      assert.deepEqual(modelJson.weightsManifest[0]?.paths, ['weights.bin']);
      const weights = await readFile(path.join(folder, 'weights.bin'));
      const plain = await tf.loadLayersModel(tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0]!.weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }));
      const fromPlain = (plain.predict(x) as tf.Tensor[]).map((t) => Array.from(t.dataSync()));
      assert.deepEqual(fromPlain, expected);

      const loaded = await loadModel(store, 'm1');
      assert.deepEqual(loaded.card, card);
      assert.deepEqual(loaded.preprocessor, candidate.preprocessor);
      assert.deepEqual((loaded.network.predict(x) as tf.Tensor[]).map((t) => Array.from(t.dataSync())), expected);
      const byPath = await loadModel(store, folder);
      assert.equal(byPath.modelId, 'm1');
      for (const model of [plain, loaded.network, byPath.network]) model.dispose();
      x.dispose();
    } finally {
      candidate.network.training.dispose();
      candidate.network.serving.dispose();
    }
  });

  it('treats a model folder without card.json as missing', async () => {
    const store = new FileStore(dir);
    await store.put('models/half/model.json', '{}');
    await assert.rejects(loadModel(store, 'half'), /not found/);
    await assert.rejects(loadModel(store, 'champion'), /no champion/);
  });
});
