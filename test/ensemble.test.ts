import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { after, before, describe, it } from 'node:test';
import { loadTableConfig } from '../src/config/load-config.ts';
import { loadDataset } from '../src/data/load-dataset.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { FileStore } from '../src/store/file-store.ts';
import { encodeSplit } from '../src/train/encoded-split.ts';
import { ensembleWins } from '../src/train/ensemble-candidate.ts';
import { ensembleSavedModels } from '../src/train/ensemble-saved-models.ts';
import { predictNetwork } from '../src/train/predict-network.ts';
import { tinyConfigFile, trainTinyModel } from './helpers/train-tiny-model.ts';

describe('ensembles', () => {
  let dir: string;
  let store: FileStore;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-ensemble-'));
    store = new FileStore(path.join(dir, 'store'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is kept only when strictly above every member on validation', () => {
    assert.equal(ensembleWins(0.81, [0.8, 0.79]), true);
    assert.equal(ensembleWins(0.8, [0.8, 0.79]), false, 'a tie is no win');
    assert.equal(ensembleWins(Number.NaN, [0.1]), false);
  });

  it('train --ensemble-seeds 3: trains seeds 42..44, records every score and saves what won', async () => {
    const result = await trainTinyModel(store, { ensembleSeeds: 3 });
    const info = result.ensemble;
    assert.ok(info !== undefined);
    assert.deepEqual(info.members.map((member) => member.seed), [42, 43, 44]);
    assert.equal(info.kept, info.validationCombinedScore > Math.max(...info.members.map((member) => member.validationCombinedScore)));
    const model = await loadModel(store, result.modelId);
    try {
      assert.deepEqual(model.card.ensemble, info, 'the card says what was tried and why');
      const isEnsembleGraph = model.network.layers.some((layer) => layer.name.startsWith('m2_'));
      assert.equal(isEnsembleGraph, info.kept);
      const savedScore = model.card.metrics.validation.combinedScore;
      assert.equal(savedScore, info.kept ? info.validationCombinedScore : info.bestMemberValidationCombinedScore);
      assert.equal(model.card.training.params.ensembleSeeds, 3);
    } finally {
      model.network.dispose();
    }
  });

  it('from saved trials: identical members cannot win; distinct ones save one model equal to their average', async () => {
    const { config } = await loadTableConfig(tinyConfigFile);
    const ids = [];
    for (const seed of [1, 2, 3]) ids.push((await trainTinyModel(store, { seed })).modelId);
    const before = tf.memory().numTensors;
    const same = await ensembleSavedModels(store, { members: [{ modelId: ids[0] as string }, { modelId: ids[0] as string }], selection: config.selection });
    assert.equal(same.ensemble.kept, false);
    assert.equal(same.modelId, undefined, 'a losing ensemble is not saved');
    assert.equal(same.ensemble.validationCombinedScore, same.ensemble.bestMemberValidationCombinedScore, 'the average of one model twice is that model');

    const forced = await ensembleSavedModels(store, {
      members: ids.map((modelId, i) => ({ modelId, id: `t${i}` })),
      selection: config.selection,
      saveWhenLosing: true,
    });
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
    assert.ok(forced.modelId !== undefined);
    assert.deepEqual(forced.ensemble.members.map((member) => member.id), ['t0', 't1', 't2']);
    const ensemble = await loadModel(store, forced.modelId);
    const members = await Promise.all(ids.map((id) => loadModel(store, id)));
    try {
      assert.equal(ensemble.card.ensemble?.kind, 'trials');
      const { splits } = await loadDataset(store, ensemble.card.datasetId);
      const names = ensemble.card.tasks.map((task) => task.name);
      const test = encodeSplit(splits.test, ensemble.preprocessor, names);
      const predict = (network: tf.LayersModel): Promise<Record<string, Float32Array>> => predictNetwork(network, test.x, test.rows, test.width, names);
      const averaged = await predict(ensemble.network);
      const single = await Promise.all(members.map((member) => predict(member.network)));
      for (const name of names) {
        (averaged[name] as Float32Array).forEach((value, i) => {
          const mean = single.reduce((sum, p) => sum + (p[name] as Float32Array)[i]!, 0) / single.length;
          assert.ok(Math.abs(value - mean) <= 1e-6 * Math.max(1, Math.abs(mean)), `${name}[${i}]: ${value} vs ${mean}`);
        });
      }
    } finally {
      ensemble.network.dispose();
      for (const member of members) member.network.dispose();
    }
  });
});
