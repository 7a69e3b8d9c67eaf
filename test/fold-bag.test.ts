import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTableConfig } from '../src/config/load-config.ts';
import type { LabelledRow } from '../src/data/labelled-row.ts';
import { loadDataset } from '../src/data/load-dataset.ts';
import { BadInputError } from '../src/errors/bad-input-error.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { FileStore } from '../src/store/file-store.ts';
import { splitLabels } from '../src/train/encoded-split.ts';
import { chooseThresholds, evaluatePredictions } from '../src/train/evaluate-predictions.ts';
import { assignFolds, trainFoldBag } from '../src/train/fold-bag.ts';
import { predictRows } from '../src/train/predict-network.ts';
import { trainCandidate, type TrainedCandidate } from '../src/train/train-candidate.ts';
import { tinyConfigFile, trainTinyModel } from './helpers/train-tiny-model.ts';

describe('fold bags (model.bagFolds)', () => {
  let dir: string;
  let store: FileStore;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-fold-bag-'));
    store = new FileStore(path.join(dir, 'store'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('deals every row into exactly one fold, the folds one row apart in size, the same for a seed', () => {
    const folds = assignFolds(103, 5, 42);
    const sizes = [0, 1, 2, 3, 4].map((fold) => folds.filter((f) => f === fold).length);
    assert.deepEqual(sizes, [21, 21, 21, 20, 20]);
    assert.deepEqual(assignFolds(103, 5, 42), folds);
    assert.notDeepEqual(assignFolds(103, 5, 43), folds, 'another seed, another deal');
    assert.ok(folds.slice(0, 21).some((f) => f !== 0), 'shuffled, not dealt in blocks');
  });

  it('train --bag-folds 3: one copy per fold saved as their average, judged on out-of-fold predictions', async () => {
    const overrides = { bagFolds: 3 };
    const result = await trainTinyModel(store, overrides);
    const info = result.ensemble;
    assert.ok(info !== undefined);
    assert.equal(info.kind, 'folds');
    assert.equal(info.kept, true);
    assert.deepEqual(info.members.map((member) => [member.id, member.seed]), [['fold0', 42], ['fold1', 43], ['fold2', 44]]);

    // The same members again, as the bag trains them (training is seeded), and each validation row scored by the one
    // that did not train on it: the saved validation metrics must be exactly those predictions'.
    const { config } = await loadTableConfig(tinyConfigFile);
    const model = await loadModel(store, result.modelId);
    const { manifest, splits } = await loadDataset(store, model.card.datasetId);
    const params = model.card.training.params;
    assert.equal(params.bagFolds, 3);
    assert.ok(model.network.layers.some((layer) => layer.name.startsWith('m2_')), 'three members in one graph');
    const pool: LabelledRow[] = [...splits.train, ...splits.validation];
    const foldOf = assignFolds(pool.length, 3, params.seed);
    const members: TrainedCandidate[] = [];
    const outOfFold: Record<string, Float32Array> = {};
    try {
      for (let fold = 0; fold < 3; fold++) {
        const member = await trainCandidate({
          splits: { train: pool.filter((_, r) => foldOf[r] !== fold), validation: pool.filter((_, r) => foldOf[r] === fold), test: splits.test },
          featureColumns: manifest.featureColumns,
          tasks: manifest.tasks,
          params: { ...params, seed: params.seed + fold },
          features: config.features,
          selection: config.selection,
          source: manifest.source.path,
        });
        members.push(member);
        const rows = splits.validation.map((_, v) => v).filter((v) => foldOf[splits.train.length + v] === fold);
        const predicted = await predictRows(member.network.serving, rows.map((v) => splits.validation[v] as LabelledRow), member.preprocessor, member.network.outputNames);
        for (const [name, values] of Object.entries(predicted)) {
          const column = (outOfFold[name] ??= new Float32Array(splits.validation.length));
          rows.forEach((v, i) => (column[v] = values[i] as number));
        }
      }
      assert.deepEqual(info.members.map((member) => member.validationCombinedScore), members.map((member) => member.metrics.validation.combinedScore ?? -Infinity));
      const scores = members.map((member) => member.metrics.validation.combinedScore ?? -Infinity);
      const best = members[scores.indexOf(Math.max(...scores))] as TrainedCandidate;
      const labels = splitLabels(splits.validation, best.tasks.map((task) => task.name));
      const expected = evaluatePredictions(outOfFold, labels, best.tasks, chooseThresholds(outOfFold, labels, best.tasks), config.selection.weights);
      assert.deepEqual(result.metrics.validation, expected);
      assert.deepEqual(
        model.card.tasks.map((task) => task.threshold),
        best.tasks.map((task) => chooseThresholds(outOfFold, labels, best.tasks)[task.name] ?? (task.type === 'binary' ? 0.5 : (task.positiveAbove ?? 0))),
        'thresholds chosen on the out-of-fold predictions',
      );
    } finally {
      model.network.dispose();
      for (const member of members) {
        member.network.training.dispose();
        member.network.serving.dispose();
      }
    }
  });

  it('refuses, before any training, folds whose copies would read different columns', async () => {
    const { config } = await loadTableConfig(tinyConfigFile);
    await trainTinyModel(store);
    const datasetId = (await store.list('datasets/')).map((key) => key.split('/')[1] as string)[0] as string;
    const { manifest, splits } = await loadDataset(store, datasetId);
    // One row has a value in column "rare": the fold copy whose held-out fold holds it never sees the column.
    const withRare = (rows: readonly LabelledRow[], offset: number): LabelledRow[] => rows.map((row, i) => ({ ...row, features: { ...row.features, rare: i + offset === 0 ? 5 : null } }));
    let epochs = 0;
    await assert.rejects(
      trainFoldBag({
        splits: { train: withRare(splits.train, 0), validation: withRare(splits.validation, 1), test: withRare(splits.test, 1) },
        featureColumns: [...manifest.featureColumns, 'rare'],
        tasks: manifest.tasks,
        params: { ...config.model, bagFolds: 3 },
        features: config.features,
        selection: config.selection,
        onEpoch: () => epochs++,
      }),
      (error: unknown) => error instanceof BadInputError && /column "rare" is .* fold copy \d/.test(error.message) && /without a value/.test(error.message),
    );
    assert.equal(epochs, 0, 'no copy was trained');
  });

  it('refuses bagFolds with ensembleSeeds before training', async () => {
    await assert.rejects(trainTinyModel(store, { bagFolds: 3, ensembleSeeds: 2 }), (error: unknown) => error instanceof BadInputError && /model\.bagFolds \(3\) and model\.ensembleSeeds \(2\)/.test(error.message));
  });
});
