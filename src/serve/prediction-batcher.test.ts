import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { RawRow } from '../data/labelled-row.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { loadModel, type LoadedModel } from '../model/model-artifacts.ts';
import { FileStore } from '../store/file-store.ts';
import { trainTinyModel } from '../../test/helpers/train-tiny-model.ts';
import { LeasedModel } from './model-source.ts';
import { createPredictionBatcher } from './prediction-batcher.ts';
import { scoreRows } from './score-rows.ts';

/** Counts forward passes of `model`'s network (each batch is one `predict` of up to 8192 rows). */
function countPredicts(model: LoadedModel): { readonly calls: number } {
  const counter = { calls: 0 };
  const network = model.network;
  const predict = network.predict.bind(network);
  network.predict = (...args: Parameters<typeof network.predict>) => {
    counter.calls++;
    return predict(...args);
  };
  return counter;
}

describe('createPredictionBatcher', () => {
  let folder: string;
  let model: LoadedModel;
  let other: LoadedModel;
  // Different shapes on purpose: ids from the id column, positional ids, missing values, unknown categories.
  const requests: RawRow[][] = [
    [{ customer_id: 'A1', plan: 'pro', internet: 'Fiber optic', tenure: 2 }],
    [{ plan: 'basic', internet: 'No', tenure: 60 }, { plan: 'plus', tenure: null }],
    [{ customer_id: 'C1', plan: 'unheard-of', tenure: 12 }],
    [{ tenure: 30 }, { customer_id: 'D2', internet: 'DSL' }, { plan: 'pro' }],
  ];

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-batcher-'));
    const store = new FileStore(folder);
    model = await loadModel(store, (await trainTinyModel(store)).modelId);
    other = await loadModel(store, (await trainTinyModel(store, { seed: 7 })).modelId);
  });

  after(async () => {
    model.network.dispose(); // `other` was disposed by its LeasedModel
    await rm(folder, { recursive: true, force: true });
  });

  it('gives each concurrent request exactly the predictions it gets alone, from one forward pass', async () => {
    const alone = [];
    for (const rows of requests) alone.push(await scoreRows(model, rows));
    // The tiny model serves two binary tasks and a regression task: all three must match bit for bit.
    assert.deepEqual(Object.keys(alone[0]![0]!.scores), ['churn', 'security_xsell', 'spend']);
    const batcher = createPredictionBatcher({ windowMs: 5 });
    const predicts = countPredicts(model);
    const batched = await Promise.all(requests.map((rows) => batcher.score(model, rows)));
    assert.equal(predicts.calls, 1, 'the four requests shared one forward pass');
    assert.deepEqual(batched, alone);
  });

  it('scores a batch at once when it reaches maxBatchRows, and never holds back a request that large', async () => {
    const batcher = createPredictionBatcher({ windowMs: 60_000, maxBatchRows: 3 });
    const started = Date.now();
    const [first, second] = await Promise.all([batcher.score(model, requests[0]!), batcher.score(model, requests[1]!)]);
    const big = await batcher.score(model, requests[3]!);
    assert.ok(Date.now() - started < 60_000);
    assert.deepEqual([first, second, big], [await scoreRows(model, requests[0]!), await scoreRows(model, requests[1]!), await scoreRows(model, requests[3]!)]);
  });

  it('batches per model: requests on a swapped-in model never share a pass with the old one, which is disposed only after its batch', async () => {
    const oldModel = new LeasedModel(other);
    const batcher = createPredictionBatcher({ windowMs: 5 });
    const lease = oldModel.lease();
    const onOld = batcher.score(lease.model, requests[0]!);
    oldModel.retire(); // a new champion arrives while the request waits in its batch
    const onNew = batcher.score(model, requests[0]!);
    assert.equal(oldModel.disposed, false, 'the waiting request still holds its lease');
    const [oldScores, newScores] = await Promise.all([onOld, onNew]);
    lease.release();
    assert.equal(oldModel.disposed, true);
    assert.deepEqual(newScores, await scoreRows(model, requests[0]!));
    assert.notDeepEqual(oldScores, newScores, 'two different models');
  });

  it('does not hold a lone request on an idle server for the window', async () => {
    const batcher = createPredictionBatcher({ windowMs: 60_000 });
    // Held for the 60 s window, the request would lose this race against a 10 s timer (and the test would fail).
    let timer: NodeJS.Timeout | undefined;
    const held = new Promise<'held'>((resolve) => (timer = setTimeout(() => resolve('held'), 10_000)));
    const scored = await Promise.race([batcher.score(model, requests[0]!), held]).finally(() => clearTimeout(timer));
    assert.notEqual(scored, 'held', 'a lone request waited for the batching window');
    assert.deepEqual(scored, await scoreRows(model, requests[0]!));
  });

  it('scores without batching when the window is 0, and refuses a negative window', async () => {
    const batcher = createPredictionBatcher({ windowMs: 0 });
    const predicts = countPredicts(model);
    await Promise.all(requests.map((rows) => batcher.score(model, rows)));
    assert.equal(predicts.calls, requests.length);
    assert.throws(() => createPredictionBatcher({ windowMs: -1 }), BadInputError);
  });

  it('leaves no tensors behind', async () => {
    const batcher = createPredictionBatcher({ windowMs: 1 });
    await Promise.all(requests.map((rows) => batcher.score(model, rows)));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await Promise.all(requests.map((rows) => batcher.score(model, rows)));
    assert.equal(tf.memory().numTensors, before);
  });
});
