import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { RawRow } from '../data/labelled-row.ts';
import { loadModel, type LoadedModel } from '../model/model-artifacts.ts';
import { FileStore } from '../store/file-store.ts';
import { trainTinyModel } from '../../test/helpers/train-tiny-model.ts';
import { explainRows } from './explain-rows.ts';
import { scoreRows } from './score-rows.ts';

describe('explainRows', () => {
  let folder: string;
  let model: LoadedModel;
  const rows: RawRow[] = [
    { customer_id: 'X1', plan: 'pro', internet: 'Fiber optic', tenure: 2 },
    { customer_id: 'X2', plan: 'basic', internet: 'No', tenure: 60 },
    { customer_id: 'X3', plan: 'plus', tenure: null },
  ];

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-explain-'));
    const store = new FileStore(folder);
    model = await loadModel(store, (await trainTinyModel(store)).modelId);
  });

  after(async () => {
    model.network.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  it('attributes score − score with the feature missing, for every served task, largest |Δ| first', async () => {
    const explanations = await explainRows(model, rows);
    assert.deepEqual(explanations.map((e) => e.id), ['X1', 'X2', 'X3']);
    const [original] = await scoreRows(model, [rows[0]!]);
    const [withoutTenure] = await scoreRows(model, [{ ...rows[0]!, tenure: null }]);
    const first = explanations[0]!;
    assert.deepEqual(Object.keys(first.tasks), ['churn', 'security_xsell', 'spend']);
    for (const [task, attributions] of Object.entries(first.tasks)) {
      const tenure = attributions.find((a) => a.feature === 'tenure');
      assert.ok(tenure, task);
      assert.equal(tenure.value, 2);
      assert.ok(Math.abs(tenure.contribution - (original!.scores[task]! - withoutTenure!.scores[task]!)) < 1e-9, task);
      const sizes = attributions.map((a) => Math.abs(a.contribution));
      assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), `${task} sorted by |contribution|`);
    }
    assert.ok(Object.values(first.tasks).some((list) => list.some((a) => a.contribution !== 0)), 'features matter somewhere');
  });

  it('gives a feature the row leaves missing exactly 0, and keeps only the top N', async () => {
    const [third] = await explainRows(model, [rows[2]!]);
    for (const attributions of Object.values(third!.tasks)) {
      const internet = attributions.find((a) => a.feature === 'internet')!;
      assert.deepEqual({ value: internet.value, contribution: internet.contribution }, { value: null, contribution: 0 });
    }
    const [topOne] = await explainRows(model, [rows[0]!], { top: 1 });
    for (const attributions of Object.values(topOne!.tasks)) assert.equal(attributions.length, 1);
  });

  it('gives the same explanations, ids by position included, whatever the chunk size', async () => {
    const unnamed = rows.map(({ customer_id: _id, ...rest }) => rest);
    const whole = await explainRows(model, unnamed, { chunkScoredRows: 1e9 });
    assert.deepEqual(whole.map((e) => e.id), ['1', '2', '3']);
    assert.deepEqual(await explainRows(model, unnamed, { chunkScoredRows: 1 }), whole, 'one row per chunk');
  });

  it('leaves no tensors behind', async () => {
    await explainRows(model, rows);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) await explainRows(model, rows);
    assert.equal(tf.memory().numTensors, before);
  });
});
